"""Health alarms: every failure the library routes somewhere reaches a person.

Each construct states its *signals* (errors, throttles, a dead-letter queue that is not empty, ...), each a
metric and the threshold at which a person should look. A construct's signals share one CloudWatch alarm, a
metric-math `MAX([IF(signal >= threshold, 1, 0), ...])`: one alarm resource per function (its triggers'
signals included) keeps a stack of 50 wired functions far below CloudFormation's 500 resources, and the alarm's
description lists every signal with its threshold. Alarms notify the topic their stack's `AlarmRouting` names
(set by the stack's `Alerting`, declared before or after the constructs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_cdk import CfnResource, Duration, Token
from constructs import Construct

from .. import context, reads
from ..defaults import AlarmDefaults
from ..render import before_synth
from ..rules.alarms import check_signal_metric
from ..rules.props import check_value
from .metrics import MetricSpec
from .routing import AlarmRouting

if TYPE_CHECKING:  # aws_cloudwatch's bindings take about 25 ms to import: alarms are raw resources, built from data
    from aws_cdk import aws_cloudwatch as cloudwatch

# CloudWatch takes at most 10 queries in an alarm: 9 metrics and the expression that combines them.
MAX_QUERIES_PER_ALARM = 9
ALARM_TYPE = "AWS::CloudWatch::Alarm"


@dataclass(frozen=True)
class Signal:
    """One thing worth waking someone for: `metric` at or above `threshold`."""

    name: str  # "errors", "dlq_depth", ...: unique within its alarm, a metric-math id after sanitizing
    metric: cloudwatch.IMetric | MetricSpec  # its period is the alarm's
    threshold: float
    what: str  # for people: "function errors >= 1 in 5 min"
    per: cloudwatch.IMetric | MetricSpec | None = None  # a rate: metric / per (e.g. 5xx responses per request)
    minus: cloudwatch.IMetric | MetricSpec | None = None  # a gap: metric - minus (e.g. desired - running tasks)

    @property
    def queries(self) -> int:
        return 1 + (self.per is not None) + (self.minus is not None)


class HealthAlarm(Construct):
    """One alarm over a growing list of signals (a function's own, then its triggers' as they are bound).

    Each signal's metrics are read as `MetricSpec` data once, when it is added. The alarm resource is made by the
    first `add`, whole (its queries and description in the one jsii call that creates it); signals added after
    that are written once, just before synthesis (`render.before_synth`). Its actions are the topic of its stack's
    `AlarmRouting` (the `Alerting`'s), set by whichever of the two is created second.

    Under the context switch `constructs_lib:alarms_per_signal` (local AWS emulators evaluate single-metric alarms
    only) each plain signal gets an alarm of its own; rates and gaps, which need metric math, are left out.
    """

    def __init__(self, scope: Construct, id: str, *, subject: str, defaults: AlarmDefaults,
                 period: Duration | None = None, routing: AlarmRouting | None = None) -> None:
        super().__init__(scope, id)
        reads.remember(self, scope, id)
        self.subject = subject
        self.defaults = d = defaults
        self.period = period or d.period
        self.period_s = int(reads.seconds(self.period))
        self.signals: list[Signal] = []
        self._queries_of: dict[str, list[dict[str, Any]]] = {}  # signal name -> its rendered queries
        context.inherit(self, scope)
        self.per_signal = context.flag(self, context.ALARMS_PER_SIGNAL)
        # The combined alarm's queries and description are written once, before synthesis, from every signal added.
        # Alarms are raw `AWS::CloudWatch::Alarm` resources: aws-cdk-lib's typed CfnAlarm props cost a Python type
        # evaluation for each of their 30 fields on every alarm made (measured: the largest Python cost of a
        # function), for properties this module writes as CloudFormation anyway.
        self._base = {"ComparisonOperator": "GreaterThanOrEqualToThreshold", "Threshold": 1,
                      "EvaluationPeriods": d.evaluation_periods, "DatapointsToAlarm": d.datapoints_to_alarm,
                      "TreatMissingData": "notBreaching"}
        self.alarm: CfnResource | None = None  # the combined alarm, made by the first `add` (never per signal)
        self._renders = False  # whether signals added after the alarm was made are written before synthesis
        self.resources: list[CfnResource] = []
        self.topic_arn: str | None = (routing or AlarmRouting.of(self)).register(self)

    def fits(self, *signals: Signal) -> bool:
        return sum(s.queries for s in (*self.signals, *signals)) <= MAX_QUERIES_PER_ALARM

    def add(self, *signals: Signal) -> None:
        names = {s.name for s in self.signals}
        for signal in signals:
            metric, per, minus = (self._spec_of(signal.name, m) for m in (signal.metric, signal.per, signal.minus))
            assert self.fits(signal), f"{self.node.path} holds {MAX_QUERIES_PER_ALARM} metrics already"
            name, n = signal.name, 1
            while name in names:
                n += 1
                name = f"{signal.name}{n}"
            names.add(name)
            signal = Signal(name, metric, signal.threshold, signal.what, per, minus)  # type: ignore[arg-type]
            self.signals.append(signal)
            if self.per_signal:
                self._add_single_metric_alarm(signal)
            else:
                self._queries_of[name] = self._render_queries(signal)
        if self.per_signal:
            self.notify(self.topic_arn)
        elif self.alarm is None and self.signals:
            self.alarm = CfnResource(self, "Resource", type=ALARM_TYPE, properties={
                **self._base, **self._actions(), "Metrics": self._queries(), "AlarmDescription": self._description()})
            self.resources.append(self.alarm)  # per-signal alarms never share it: it is the only one
        elif not self._renders:
            self._renders = True
            before_synth(self, self._render)

    def _spec_of(self, name: str, metric: cloudwatch.IMetric | MetricSpec | None) -> MetricSpec | None:
        """A signal's metric as data, read from aws-cdk-lib once (ALARM_SIGNAL: one metric, not a math expression)."""
        if metric is None or isinstance(metric, MetricSpec):
            return metric
        converted = MetricSpec.from_metric(metric)
        check_signal_metric(self, name, converted is not None)
        return converted

    def _description(self) -> str:
        signals = "; ".join(s.what for s in self.signals)
        return f"{self.subject} needs a look when any of: {signals}"[:1024]

    def _render(self) -> None:
        assert self.alarm is not None
        # Raw CloudFormation, as CloudWatch takes it; property by property, so overrides of your own are kept.
        self.alarm.add_property_override("Metrics", self._queries())
        self.alarm.add_property_override("AlarmDescription", self._description())

    def _actions(self) -> dict[str, list[str]]:
        return {"AlarmActions": [self.topic_arn], "OKActions": [self.topic_arn]} if self.topic_arn else {}

    def notify(self, topic_arn: str | None) -> None:
        """Send ALARM and OK to `topic_arn` (called through the stack's routing for alarms made before its topic)."""
        self.topic_arn = topic_arn
        for alarm in self.resources:
            for name, value in self._actions().items():
                alarm.add_property_override(name, value)

    @property
    def arns(self) -> list[str]:
        """The ARNs of this construct's alarm resources (for CodeDeploy's rollback, ...)."""
        return [Token.as_string(alarm.get_att("Arn")) for alarm in self.resources]

    def _add_single_metric_alarm(self, signal: Signal) -> None:
        if signal.per is not None or signal.minus is not None:
            return  # a rate or a gap needs metric math, which a local AWS does not evaluate
        stat = signal.metric
        assert isinstance(stat, MetricSpec)  # converted when added
        percentile = stat.statistic.startswith("p")
        base = {key: value for key, value in self._base.items() if key != "DatapointsToAlarm"}
        self.resources.append(CfnResource(self, signal.name, type=ALARM_TYPE, properties={
            **base, **self._actions(), "Namespace": stat.namespace, "MetricName": stat.metric_name,
            "Dimensions": [{"Name": name, "Value": value} for name, value in stat.dimensions],
            "ExtendedStatistic" if percentile else "Statistic": stat.statistic, "Period": self.period_s,
            "Threshold": signal.threshold, "AlarmDescription": f"{self.subject}: {signal.what}"}))

    def _render_queries(self, signal: Signal) -> list[dict[str, Any]]:
        period = self.period_s
        mid = _metric_id(signal.name)
        queries = [_query(mid, signal.metric, period)]
        if signal.per is not None:
            queries.append(_query(f"{mid}_per", signal.per, period))
        if signal.minus is not None:
            queries.append(_query(f"{mid}_minus", signal.minus, period))
        return queries

    def _queries(self) -> list[dict[str, Any]]:
        queries, terms = [], []
        for signal in self.signals:
            mid = _metric_id(signal.name)
            queries.extend(self._queries_of[signal.name])
            value = mid
            if signal.per is not None:
                value = f"IF({mid}_per > 0, {mid} / {mid}_per, 0)"
            if signal.minus is not None:
                value = f"({mid} - {mid}_minus)"
            terms.append(f"IF({value} >= {_number(signal.threshold)}, 1, 0)")
        queries.append({"Id": "unhealthy", "Expression": f"MAX([{', '.join(terms)}])",
                        "Label": f"{self.subject} unhealthy", "ReturnData": True})
        return queries


def add_signals(scope: Construct, alarms: list[HealthAlarm], subject: str, defaults: AlarmDefaults,
                *signals: Signal) -> None:
    """Add `signals` to the last of `alarms`, starting `Health2`, `Health3`, ... under `scope` when it is full.

    The signals that go to one alarm are added together: a new alarm is made whole, in one jsii call.
    """
    batch: list[Signal] = []
    for signal in signals:
        check_value(scope, "signal", signal, Signal)
        if alarms and alarms[-1].fits(*batch, signal):
            batch.append(signal)
            continue
        if batch:
            alarms[-1].add(*batch)
        alarms.append(HealthAlarm(scope, f"Health{len(alarms) + 1 if alarms else ''}", subject=subject,
                                  defaults=defaults))
        batch = [signal]
    if batch:
        alarms[-1].add(*batch)


def _metric_id(name: str) -> str:
    return "m_" + re.sub(r"[^a-zA-Z0-9_]", "_", name)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _query(metric_id: str, stat: cloudwatch.IMetric | MetricSpec, period_s: int) -> dict[str, Any]:
    assert isinstance(stat, MetricSpec)  # converted when added
    return {"Id": metric_id, "ReturnData": False, "MetricStat": {
        "Metric": {"Namespace": stat.namespace, "MetricName": stat.metric_name,
                   "Dimensions": [{"Name": name, "Value": value} for name, value in stat.dimensions]},
        "Period": period_s, "Stat": stat.statistic}}
