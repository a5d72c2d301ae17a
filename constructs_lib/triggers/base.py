"""What every trigger has in common: validated options in the constructor, wiring in `bind`."""

from __future__ import annotations

import abc
import functools
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..function import ServerlessFunction


class Trigger(abc.ABC):
    """Something that invokes a `ServerlessFunction`.

    Options are checked in the constructor, so a `ConfigError` points at the user's line; resources and
    permissions are created by `bind`, once the function (and its timeout) is known.
    """

    # Whether the service invokes the function asynchronously (S3, EventBridge, Scheduler): then a failed invoke
    # is retried and, in the end, sent to the function's on-failure destination. SQS mappings and APIs invoke
    # synchronously: a failure goes back to the caller (the queue's redrive, the HTTP client).
    invokes_async: bool = True

    def __init__(self) -> None:
        self._function: ServerlessFunction | None = None
        # Named in the constructor's errors: which of several triggers is wrong, before it has a path.
        self.where = where_created(self)

    @property
    def function(self) -> ServerlessFunction:
        if self._function is None:
            raise RuntimeError(f"{type(self).__name__} is not bound to a function yet")
        return self._function

    def bind(self, function: ServerlessFunction) -> None:
        """Connect this trigger to `function` (called by `ServerlessFunction.add_trigger`)."""
        from ..rules.function import check_trigger_not_bound

        check_trigger_not_bound(function, type(self).__name__, self._function and self._function.node.path)
        self._function = function
        self._bind(function)

    def scoped_id(self, function: ServerlessFunction, name: str) -> str:
        """`name` for the first trigger of this kind on `function`, `name1`, `name2`, ... for the next ones, so
        a function drained from two queues or fed by two buckets gets resources that do not collide."""
        index = sum(type(t) is type(self) for t in function.triggers)
        return f"{name}{index or ''}"

    def watch_queue(self, function: ServerlessFunction, queue: Any, label: str, *, dead_letters: bool,
                    retention: Any = None) -> None:
        """Put `queue` on the function's alarm (a DLQ not empty, or a work queue's oldest message near its
        retention) and its depth on the function's dashboard row."""
        from ..alarms import queue_signals
        from ..queues import known_retention

        if not dead_letters and retention is None:
            retention = known_retention(queue)
        name = queue.queue_name
        function.add_health_signals(*queue_signals(queue, label, dead_letters=dead_letters, retention=retention,
                                                   queue_name=name))
        function.dashboard_row.add_widget(watch_widget(queue, label, queue_name=name))

    def watch_rule(self, function: ServerlessFunction, rule: Any, dead_letter_queue: Any, label: str) -> None:
        """An EventBridge rule's failed deliveries and its target DLQ, on the function's alarm and dashboard."""
        from ..alarms import Signal
        from ..dashboard import MetricSpec

        failed = MetricSpec.of("AWS/Events", "FailedInvocations", {"RuleName": rule.rule_name}, "Sum")
        function.add_health_signals(Signal("failed", failed, 1, f"{label}: failed deliveries >= 1"))
        self.watch_queue(function, dead_letter_queue, f"{label} DLQ", dead_letters=True)

    @abc.abstractmethod
    def _bind(self, function: ServerlessFunction) -> None:
        """Create the resources and grants that connect the event source to `function`."""


def watch_widget(queue: Any, label: str, queue_name: str | None = None) -> Any:
    """A dashboard graph of a queue's depth and oldest message."""
    from ..dashboard import Graph, MetricSpec

    dims = {"QueueName": queue_name or queue.queue_name}
    return Graph(title=label, width=6,
                 left=[MetricSpec.of("AWS/SQS", "ApproximateNumberOfMessagesVisible", dims, "Maximum")],
                 right=[MetricSpec.of("AWS/SQS", "ApproximateAgeOfOldestMessage", dims, "Maximum")])


def where_created(trigger: object) -> str:
    """"QueueTrigger at app.py:42": how a trigger is named in errors before it is bound to a function."""
    return f"{type(trigger).__name__} at {_call_site()}"


_PACKAGE_DIR = str(Path(__file__).resolve().parent.parent) + os.sep


def _call_site() -> str:
    """`file:line` of the user's code that created the trigger (the first frame outside this library)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "an unknown line"
    return f"{_shown_file(frame.f_code.co_filename, os.getcwd())}:{frame.f_lineno}"


@functools.lru_cache(maxsize=64)
def _shown_file(filename: str, cwd: str) -> str:
    """`filename` relative to `cwd`, else its name (resolved once per file: triggers are made by the hundred in one
    app file)."""
    path = Path(filename)
    try:
        return str(path.resolve().relative_to(cwd))
    except ValueError:
        return path.name
