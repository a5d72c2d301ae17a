"""Metrics as plain data, and the stack's dashboard rendered from them.

Alarms and dashboard graphs need a metric's namespace, name, dimensions and statistic, nothing more. Building
them as aws-cdk-lib `Metric` objects and reading them back costs a dozen jsii round trips per metric, which made
alarms and dashboards most of the library's synth time at scale. A `MetricSpec` is that data in Python; the
dashboard body is rendered once, at synth, from the rows the constructs add. Tokens (function and queue names)
stay tokens inside the JSON and are resolved by CloudFormation.
"""

from __future__ import annotations

import json
import re
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aws_cdk import CfnResource, Fn, Stack
from constructs import Construct

from . import reads
from .render import before_synth

if TYPE_CHECKING:  # aws_cloudwatch's bindings take about 25 ms to import: the dashboard is a raw resource
    from aws_cdk import aws_cloudwatch as cloudwatch

DASHBOARD_WIDTH = 24  # CloudWatch's grid
# How a token (a function or queue name, the region) looks inside a Python string.
_TOKEN = re.compile(r"(\$\{Token\[[^\]]+\]\})")


@dataclass(frozen=True)
class MetricSpec:
    """One CloudWatch metric with its statistic: what an alarm query or a dashboard line needs."""

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
    if isinstance(metric, MetricSpec):
        return metric
    converted = MetricSpec.from_metric(metric)
    assert converted is not None, "a dashboard line is one metric"
    return converted


@dataclass
class Graph:
    """A time-series graph: metrics on the left axis, optionally more on the right."""

    title: str
    left: list[MetricSpec | cloudwatch.IMetric]
    right: list[MetricSpec | cloudwatch.IMetric] = field(default_factory=list)
    width: int = 6
    height: int = 6

    def __post_init__(self) -> None:
        self.left = [spec(m) for m in self.left]
        self.right = [spec(m) for m in self.right]

    def render(self, x: int, y: int, region: str) -> dict[str, Any]:
        metrics = [m.dashboard_line(region) for m in self.left]  # type: ignore[union-attr]
        metrics += [m.dashboard_line(region, right=True) for m in self.right]  # type: ignore[union-attr]
        return {"type": "metric", "width": self.width, "height": self.height, "x": x, "y": y, "properties": {
            "view": "timeSeries", "title": self.title, "region": region, "metrics": metrics, "yAxis": {}}}


class Row:
    """Graphs side by side (wrapping at the dashboard's width); a construct's triggers extend its row."""

    def __init__(self, *graphs: Graph) -> None:
        self.graphs = list(graphs)

    def add_widget(self, graph: Graph) -> None:
        self.graphs.append(graph)


class StackDashboard:
    """The stack's one CloudWatch dashboard: one row per construct, rendered at synth."""

    def __init__(self, stack: Stack) -> None:
        self.rows: list[Row] = []
        self.region = stack.region
        self.resource = CfnResource(stack, "ConstructsLibDashboard", type="AWS::CloudWatch::Dashboard",
                                    properties={"DashboardBody": "{}"})
        before_synth(stack, lambda: self.resource.add_property_override("DashboardBody", joined(self.body())))

    def add_widgets(self, row: Row) -> None:
        self.rows.append(row)

    def body(self) -> str:
        widgets, y = [], 0
        for row in self.rows:
            x, line_height = 0, 0
            for graph in row.graphs:
                if x + graph.width > DASHBOARD_WIDTH:
                    x, y, line_height = 0, y + line_height, 0
                widgets.append(graph.render(x, y, self.region))
                x += graph.width
                line_height = max(line_height, graph.height)
            y += line_height
        return json.dumps({"widgets": widgets}, separators=(",", ":"))


def joined(text: str) -> str:
    """`text` with its tokens as one `Fn::Join` of its pieces.

    CDK resolves a string holding tokens by joining its pieces pairwise, each join copying all before it: for a
    dashboard of 50 functions (a thousand pieces) that took a tenth of a second at every synth. One join of the
    pieces, split here, renders the same template in one pass.
    """
    pieces = [piece for piece in _TOKEN.split(text) if piece]
    return text if len(pieces) < 2 else Fn.join("", pieces)


_DASHBOARDS: weakref.WeakKeyDictionary[Stack, StackDashboard] = weakref.WeakKeyDictionary()


def dashboard(scope: Construct) -> StackDashboard:
    """The stack's one dashboard: each construct adds its row (a function's triggers extend the function's row)."""
    stack = reads.stack_of(scope)
    if stack not in _DASHBOARDS:
        _DASHBOARDS[stack] = StackDashboard(stack)
    return _DASHBOARDS[stack]
