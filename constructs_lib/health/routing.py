"""Where a stack's alarms send ALARM and OK: set once per stack, by whoever says so (the stack's `Alerting`).

The alarms and the `Alerting` construct each know only this registry, never each other: an alarm asks it for the
topic when it is made, and the `Alerting` (declared before or after the alarms) hands it the topic, which then
reaches every alarm already made. The same shape as cdk-monitoring-constructs' action strategy: the common layer
is handed where to send, and never imports the facade that decides it.
"""

from __future__ import annotations

import weakref
from typing import Protocol

from aws_cdk import Stack
from constructs import IConstruct

from .. import reads


class Notified(Protocol):
    """An alarm that sends its state changes where it is told."""

    def notify(self, topic_arn: str | None) -> None: ...


class AlarmRouting:
    """The topic a stack's alarms notify (None until one is set), and the alarms made so far."""

    def __init__(self) -> None:
        self.topic_arn: str | None = None
        self._alarms: list[Notified] = []

    @staticmethod
    def of(scope: IConstruct) -> AlarmRouting:
        """The routing of `scope`'s stack."""
        stack = reads.stack_of(scope)
        routing = _BY_STACK.get(stack)
        if routing is None:
            routing = _BY_STACK[stack] = AlarmRouting()
        return routing

    def register(self, alarm: Notified) -> str | None:
        """Remember `alarm` for a topic set later; returns the topic known now."""
        self._alarms.append(alarm)
        return self.topic_arn

    def send_to(self, topic_arn: str) -> None:
        """Every alarm of the stack, made before or after now, notifies `topic_arn`."""
        self.topic_arn = topic_arn
        for alarm in self._alarms:
            alarm.notify(topic_arn)


_BY_STACK: weakref.WeakKeyDictionary[Stack, AlarmRouting] = weakref.WeakKeyDictionary()
