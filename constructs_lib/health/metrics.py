"""Metrics as plain data: what an alarm query or a dashboard line needs, nothing more.

Building them as aws-cdk-lib `Metric` objects and reading them back costs a dozen jsii round trips per metric,
which made alarms and dashboards most of the library's synth time at scale. A `MetricSpec` is that data in
Python. Tokens (function and queue names) stay tokens and are resolved by CloudFormation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # aws_cloudwatch's bindings take about 25 ms to import: alarms and dashboards are built from data
    from aws_cdk import aws_cloudwatch as cloudwatch


@dataclass(frozen=True)
class MetricSpec:
    """One CloudWatch metric with its statistic."""

    namespace: str
    metric_name: str
    dimensions: tuple[tuple[str, str], ...] = ()
    statistic: str = "Sum"
    label: str | None = None

    @classmethod
    def of(cls, namespace: str, metric_name: str, dimensions: dict[str, str], statistic: str = "Sum",
           label: str | None = None) -> MetricSpec:
        return cls(namespace, metric_name, tuple(dimensions.items()), statistic, label)

    @classmethod
    def from_metric(cls, metric: cloudwatch.IMetric) -> MetricSpec | None:
        """An aws-cdk-lib metric as data (None for a math expression, which is not one metric)."""
        config = metric.to_metric_config()
        stat = config.metric_stat
        if stat is None:
            return None
        label = config.rendering_properties.get("label") if config.rendering_properties else None
        return cls(stat.namespace, stat.metric_name, tuple((d.name, d.value) for d in stat.dimensions or []),
                   stat.statistic, label)

    def dashboard_line(self, region: str, right: bool = False) -> list[Any]:
        options: dict[str, Any] = {"stat": self.statistic, "region": region}
        if self.label:
            options["label"] = self.label
        if right:
            options["yAxis"] = "right"
        return [self.namespace, self.metric_name, *[part for dim in self.dimensions for part in dim], options]


def spec(metric: MetricSpec | cloudwatch.IMetric) -> MetricSpec:
    """`metric` as data; one metric, not a math expression."""
    if isinstance(metric, MetricSpec):
        return metric
    converted = MetricSpec.from_metric(metric)
    assert converted is not None, "a dashboard line is one metric"
    return converted


def lambda_metric(function_name: str, name: str, statistic: str = "Sum") -> MetricSpec:
    """An `AWS/Lambda` metric of a function (all its versions)."""
    return MetricSpec.of("AWS/Lambda", name, {"FunctionName": function_name}, statistic)


def queue_metric(queue_name: str, name: str) -> MetricSpec:
    """An `AWS/SQS` metric of a queue, at its maximum (depth and age are levels, not counts)."""
    return MetricSpec.of("AWS/SQS", name, {"QueueName": queue_name}, "Maximum")
