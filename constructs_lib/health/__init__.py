"""Health: every failure the library routes somewhere reaches a person. One module for every construct.

- `signals`: what each kind of construct watches (function, queue, rule, release alias, API, Fargate service) and
  the graphs of its dashboard row, with thresholds from the construct's `alarm_defaults` (`defaults.py`).
- `alarms`: `Signal` and `HealthAlarm`, one metric-math CloudWatch alarm over up to nine metrics.
- `dashboard`: the stack's one dashboard, a row per construct. `metrics`: `MetricSpec`, metrics as data.
- `routing`: where a stack's alarms send ALARM and OK, handed the topic by the stack's `Alerting`.

A construct holds one `Health`: `fn.health.add(signal)`, `fn.health.watch_queue(queue, "label", ...)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from aws_cdk import Duration
from constructs import Construct

from ..defaults import AlarmDefaults
from ..queues import known_retention
from ..rules.alarms import check_alarms_on
from .alarms import HealthAlarm, Signal, add_signals
from .dashboard import Graph, Row, dashboard, queue_graph
from .metrics import MetricSpec
from .signals import queue_signals, rule_signals, stream_graph, stream_signals, topic_signals

__all__ = ["Graph", "Health", "HealthAlarm", "MetricSpec", "Row", "Signal"]


class Health:
    """One construct's health: its signals on its alarm (`Health`; `Health2`, ... beyond nine metrics), its graphs on
    its row of the stack's dashboard. The alarms notify the stack's `Alerting`.

    `alarms=False` keeps the dashboard row and makes no alarm (warning `ALARMS_OFF`, acknowledgeable).
    """

    def __init__(self, owner: Construct, subject: str, defaults: AlarmDefaults, *, alarms: bool = True) -> None:
        self.owner, self.subject, self.defaults, self.enabled = owner, subject, defaults, alarms
        self.alarms: list[HealthAlarm] = []
        self._row: Row | None = None
        self._held: list[Signal] | None = None
        if not alarms:
            check_alarms_on(owner)

    def add(self, *signals: Signal) -> None:
        """Add signals to the construct's alarm (a further alarm when it is full)."""
        if self._held is not None:
            self._held.extend(signals)
        elif self.enabled:
            add_signals(self.owner, self.alarms, self.subject, self.defaults, *signals)

    def add_from(self, signals: Callable[[], Iterable[Signal]]) -> None:
        """Add what `signals()` gives, asked only when the construct has alarms (`alarms=False` needs none)."""
        if self.enabled:
            self.add(*signals())

    def hold(self) -> None:
        """Gather signals while the construct is being made (its triggers' too), so its alarm is made whole, in one
        jsii call, by `release`."""
        self._held = []

    def release(self) -> None:
        held, self._held = self._held or [], None
        self.add(*held)

    @property
    def row(self) -> Row:
        """The construct's row on the dashboard (`show` puts it there)."""
        if self._row is None:
            raise RuntimeError(f"{self.subject} has no dashboard row yet")
        return self._row

    def show(self, row: Row) -> Row:
        """Put `row` on the stack's dashboard, as this construct's."""
        dashboard(self.owner).add_widgets(row)
        self._row = row
        return row

    def watch_queue(self, queue: Any, label: str, *, dead_letters: bool, retention: Duration | None = None,
                    graph_label: str | None = None) -> None:
        """`queue` on the alarm (a DLQ not empty, or a work queue's oldest message near its retention: its own when
        the app defines it, else SQS's default) and its depth on the construct's row."""
        if not dead_letters and retention is None:
            retention = known_retention(queue)
        name = queue.queue_name  # a token, read once for both
        self.add(*queue_signals(name, label, self.defaults, dead_letters=dead_letters, retention=retention))
        self.row.add_widget(queue_graph(name, graph_label or label))

    def watch_rule(self, rule_name: str, dead_letter_queue: Any, label: str) -> None:
        """An EventBridge rule's failed deliveries and its target's DLQ."""
        self.add(*rule_signals(rule_name, label))
        self.watch_queue(dead_letter_queue, f"{label} DLQ", dead_letters=True)

    def watch_topic(self, topic_name: str | None, dead_letter_queue: Any, label: str) -> None:
        """An SNS subscription's DLQ, and its topic's failed deliveries when the topic is the function's own
        (`topic_name`; a shared topic's count would include the other subscribers')."""
        if topic_name is not None:
            self.add(*topic_signals(topic_name, label))
        self.watch_queue(dead_letter_queue, f"{label} DLQ", dead_letters=True)

    def watch_stream(self, function_name: str, max_record_age: Duration, on_failure_queue: Any, label: str,
                     *, fraction: float) -> None:
        """A stream trigger: the function's iterator age (before records age out) and the on-failure queue that
        holds the pointers of dropped records."""
        self.add(*stream_signals(function_name, max_record_age, label, fraction))
        self.row.add_widget(stream_graph(function_name, label))
        self.watch_queue(on_failure_queue, f"{label} on-failure", dead_letters=True)
