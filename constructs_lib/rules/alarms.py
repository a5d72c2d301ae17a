"""Rules for the health alarms."""

from __future__ import annotations

from constructs import IConstruct

from . import rule, warn


@rule("ALARMS_OFF", "a construct without its alarms", severity="warning",
      limit="without alarms nobody is told when it fails or its dead letters pile up",
      source="https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html")
def check_alarms_on(construct: IConstruct) -> None:
    warn(construct, "ALARMS_OFF", "alarms=False: nothing tells anyone when this fails",
         "leave alarms on, or acknowledge this warning with the reason (who watches it instead).")
