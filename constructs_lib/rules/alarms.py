"""Rules for the health alarms."""

from __future__ import annotations

from constructs import IConstruct

from . import fail, rule, warn


@rule("ALARM_SIGNAL", "a health signal is one metric",
      limit="a Signal's metric (and its per/minus) is a single cloudwatch.Metric; the alarm combines them itself",
      source="https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create-alarm-on-metric-math-expression.html")
def check_signal_metric(construct: IConstruct, name: str, single: bool) -> None:
    """`single`: the metric read back as one metric (a math expression reads back as none)."""
    if not single:
        fail(construct, "ALARM_SIGNAL", f"signal {name!r} uses a metric-math expression",
             "pass a cloudwatch.Metric (e.g. fn.function.metric_errors()); use per= for a rate, minus= for a gap.")


@rule("ALARMS_OFF", "a construct without its alarms", severity="warning",
      limit="without alarms nobody is told when it fails or its dead letters pile up",
      source="https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html")
def check_alarms_on(construct: IConstruct) -> None:
    warn(construct, "ALARMS_OFF", "alarms=False: nothing tells anyone when this fails",
         "leave alarms on, or acknowledge this warning with the reason (who watches it instead).")
