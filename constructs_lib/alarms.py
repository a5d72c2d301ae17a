"""Health alarms: every failure the library routes somewhere reaches a person.

Each construct states its *signals* (errors, throttles, a dead-letter queue that is not empty, ...), each a
metric and the threshold at which a person should look. A construct's signals share one CloudWatch alarm, a
metric-math `MAX([IF(signal >= threshold, 1, 0), ...])`: one alarm resource per function (its triggers'
signals included) keeps a stack of 50 wired functions far below CloudFormation's 500 resources, and the alarm's
description lists every signal with its threshold. Alarms notify the stack's `Alerting` (alarm and OK), found
when the template is written, so `Alerting` may be declared before or after the constructs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Aspects, Duration, IAspect, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct, IConstruct

from .defaults import AlarmDefaults

# CloudWatch takes at most 10 queries in an alarm: 9 metrics and the expression that combines them.
MAX_QUERIES_PER_ALARM = 9
# Local AWS emulators (MiniStack) evaluate single-metric alarms only: under this context key each plain signal gets
# an alarm of its own (rates and gaps, which need metric math, are left out). `make deploy-local` sets it.
PER_SIGNAL_CONTEXT = "constructs_lib:alarms_per_signal"


@dataclass(frozen=True)
class Signal:
    """One thing worth waking someone for: `metric` at or above `threshold`."""

    name: str  # "errors", "dlq_depth", ...: unique within its alarm, a metric-math id after sanitizing
    metric: cloudwatch.IMetric
    threshold: float
    what: str  # for people: "function errors >= 1 in 5 min"
    per: cloudwatch.IMetric | None = None  # a rate: metric / per (e.g. 5xx responses per request)
    minus: cloudwatch.IMetric | None = None  # a gap: metric - minus (e.g. desired tasks - running tasks)

    @property
    def queries(self) -> int:
        return 1 + (self.per is not None) + (self.minus is not None)


class HealthAlarm(Construct):
    """One alarm over a growing list of signals (a function's own, then its triggers' as they are bound).

    The CloudFormation alarm gets its queries and actions just before synth (an aspect): signals added after
    construction and an `Alerting` declared anywhere in the stack are both seen.
    """

    defaults: AlarmDefaults = AlarmDefaults()

    def __init__(self, scope: Construct, id: str, *, subject: str) -> None:
        super().__init__(scope, id)
        self.subject = subject
        self.signals: list[Signal] = []
        d = self.defaults
        self.per_signal = str(self.node.try_get_context(PER_SIGNAL_CONTEXT)).lower() == "true"
        self.alarm: cloudwatch.CfnAlarm | None = None if self.per_signal else cloudwatch.CfnAlarm(
            self, "Resource",
            comparison_operator="GreaterThanOrEqualToThreshold", threshold=1, evaluation_periods=d.evaluation_periods,
            datapoints_to_alarm=d.datapoints_to_alarm, treat_missing_data="notBreaching",
        )
        Aspects.of(self).add(_Render(self))

    def fits(self, signal: Signal) -> bool:
        return sum(s.queries for s in self.signals) + signal.queries <= MAX_QUERIES_PER_ALARM

    def add(self, *signals: Signal) -> None:
        names = {s.name for s in self.signals}
        for signal in signals:
            assert self.fits(signal), f"{self.node.path} holds {MAX_QUERIES_PER_ALARM} metrics already"
            name, n = signal.name, 1
            while name in names:
                n += 1
                name = f"{signal.name}{n}"
            names.add(name)
            self.signals.append(Signal(name, signal.metric, signal.threshold, signal.what, signal.per, signal.minus))

    # --- rendered at synth ----------------------------------------------------------------------------------

    def render(self) -> None:
        if self.alarm is None:
            self._render_per_signal()
            return
        self.alarm.add_property_override("Metrics", self._queries())  # raw CloudFormation, as CloudWatch takes it
        self.alarm.alarm_description = self._description()
        actions = self._actions()
        if actions:
            self.alarm.alarm_actions = self.alarm.ok_actions = actions

    def _render_per_signal(self) -> None:
        d = self.defaults
        for signal in self.signals:
            if signal.per is not None or signal.minus is not None or self.node.try_find_child(signal.name):
                continue
            stat = signal.metric.to_metric_config().metric_stat
            assert stat is not None
            percentile = stat.statistic.startswith("p")
            cloudwatch.CfnAlarm(
                self, signal.name, namespace=stat.namespace, metric_name=stat.metric_name,
                dimensions=[cloudwatch.CfnAlarm.DimensionProperty(name=x.name, value=x.value)
                            for x in stat.dimensions or []],
                statistic=None if percentile else stat.statistic,
                extended_statistic=stat.statistic if percentile else None,
                period=d.period.to_seconds(), threshold=signal.threshold, evaluation_periods=d.evaluation_periods,
                comparison_operator="GreaterThanOrEqualToThreshold", treat_missing_data="notBreaching",
                alarm_description=f"{self.subject}: {signal.what}", alarm_actions=self._actions(),
                ok_actions=self._actions())

    def _queries(self) -> Any:
        ids = [_metric_id(s.name) for s in self.signals]
        period = self.defaults.period.to_seconds()
        queries, terms = [], []
        for mid, signal in zip(ids, self.signals, strict=True):
            queries.append(_query(mid, signal.metric, period))
            value = mid
            if signal.per is not None:
                queries.append(_query(f"{mid}_per", signal.per, period))
                value = f"IF({mid}_per > 0, {mid} / {mid}_per, 0)"
            if signal.minus is not None:
                queries.append(_query(f"{mid}_minus", signal.minus, period))
                value = f"({mid} - {mid}_minus)"
            terms.append(f"IF({value} >= {_number(signal.threshold)}, 1, 0)")
        terms = ", ".join(terms)
        queries.append({"Id": "unhealthy", "Expression": f"MAX([{terms}])", "Label": f"{self.subject} unhealthy",
                        "ReturnData": True})
        return queries

    def _description(self) -> str:
        lines = "; ".join(s.what for s in self.signals)
        return f"{self.subject} needs a look when any of: {lines}"[:1024]

    def _actions(self) -> list[str] | None:
        from .alerting import Alerting

        alerting = Alerting.of(Stack.of(self))
        return [alerting.topic.topic_arn] if alerting is not None else None


def add_signals(scope: Construct, alarms: list[HealthAlarm], subject: str, *signals: Signal) -> None:
    """Add `signals` to the last of `alarms`, starting `Health2`, `Health3`, ... under `scope` when it is full."""
    for signal in signals:
        if not alarms or not alarms[-1].fits(signal):
            alarms.append(HealthAlarm(scope, f"Health{len(alarms) + 1 if alarms else ''}", subject=subject))
        alarms[-1].add(signal)


def queue_signals(queue: Any, label: str, *, dead_letters: bool, retention: Duration | None = None) -> list[Signal]:
    """A dead-letter queue that is not empty, or a work queue whose oldest message nears its retention."""
    d = HealthAlarm.defaults
    period = d.period
    if dead_letters:
        return [Signal("dlq", queue.metric_approximate_number_of_messages_visible(period=period, statistic="Maximum"),
                       1, f"{label} holds a message (dead letters)")]
    retention_s = (retention or Duration.days(4)).to_seconds()
    age = int(retention_s * d.queue_age_fraction)
    return [Signal("age", queue.metric_approximate_age_of_oldest_message(period=period, statistic="Maximum"),
                   age, f"{label}'s oldest message is {age // 3600} h old ({d.queue_age_fraction:.0%} of its "
                        "retention: it would expire)")]


@jsii.implements(IAspect)
class _Render:
    """Renders a HealthAlarm's queries and actions once the app is complete."""

    def __init__(self, alarm: HealthAlarm) -> None:
        self.alarm = alarm

    def visit(self, node: IConstruct) -> None:
        if node is self.alarm:
            self.alarm.render()


def _metric_id(name: str) -> str:
    return "m_" + re.sub(r"[^a-zA-Z0-9_]", "_", name)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _query(metric_id: str, metric: cloudwatch.IMetric, period_s: int) -> dict[str, Any]:
    config = metric.to_metric_config()
    if config.math_expression is not None:
        raise TypeError("health signals are single metrics")  # our own signals only: never a user's input
    stat = config.metric_stat
    assert stat is not None
    return {"Id": metric_id, "ReturnData": False, "MetricStat": {
        "Metric": {"Namespace": stat.namespace, "MetricName": stat.metric_name,
                   "Dimensions": [{"Name": d.name, "Value": d.value} for d in stat.dimensions or []]},
        "Period": period_s, "Stat": stat.statistic}}
