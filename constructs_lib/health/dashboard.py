"""The stack's one CloudWatch dashboard: a row per construct, rendered once, at synth, from plain metric data.

Rows grow as a function's triggers are bound; the body is written just before synthesis (`render.before_synth`).
"""

from __future__ import annotations

import json
import re
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aws_cdk import CfnResource, Fn, Stack
from constructs import Construct

from .. import reads
from ..render import before_synth
from .metrics import MetricSpec, queue_metric, spec

if TYPE_CHECKING:  # aws_cloudwatch's bindings take about 25 ms to import: the dashboard is a raw resource
    from aws_cdk import aws_cloudwatch as cloudwatch

DASHBOARD_WIDTH = 24  # CloudWatch's grid
# How a token (a function or queue name, the region) looks inside a Python string.
_TOKEN = re.compile(r"(\$\{Token\[[^\]]+\]\})")


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


def queue_graph(queue_name: str, label: str) -> Graph:
    """A queue's depth and oldest message."""
    return Graph(title=label, width=6, left=[queue_metric(queue_name, "ApproximateNumberOfMessagesVisible")],
                 right=[queue_metric(queue_name, "ApproximateAgeOfOldestMessage")])
