"""EventTrigger: invoke a function for events that match a pattern on an EventBridge bus."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from aws_cdk import Duration, aws_events, aws_events_targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..defaults import EventDefaults
from ..queues import dead_letter_queue
from ..rules import events as rules
from ..rules.props import check_props
from .base import Trigger, TriggerTarget, scope_of, where_created


class EventBridgeTarget(Trigger):
    """What EventBridge rules and schedules share: a retry policy and a standard-queue DLQ."""

    defaults: ClassVar[EventDefaults] = EventDefaults()

    def __init__(self, *, retry_attempts: int | None, max_event_age: Duration | None,
                 dead_letter_queue: sqs.IQueue | None) -> None:
        super().__init__()
        d = self.defaults
        self.retry_attempts = retry_attempts if retry_attempts is not None else d.retry_attempts
        self.max_event_age = max_event_age or d.max_event_age
        rules.check_retry_policy(self.where, self.retry_attempts, self.max_event_age)
        if dead_letter_queue is not None:
            rules.check_dead_letter_queue_not_fifo(self.where, bool(dead_letter_queue.fifo))
        self._given_dead_letter_queue = dead_letter_queue

    @property
    def dead_letter_queue(self) -> sqs.IQueue:
        if self._given_dead_letter_queue is None:
            raise RuntimeError(f"{type(self).__name__} creates its dead-letter queue when bound to a function")
        return self._given_dead_letter_queue

    def _make_dead_letter_queue(self, scope: Construct, id: str, what: str) -> sqs.IQueue:
        if self._given_dead_letter_queue is None:
            self._given_dead_letter_queue = dead_letter_queue(
                scope, id, retention=self.defaults.dead_letter_retention,
                reason=f"DLQ of the {what}: the last stop for events that exhausted their retries.",
            )
        return self._given_dead_letter_queue


class EventTrigger(EventBridgeTarget):
    """Invoke the function for events matching `event_pattern` on `event_bus` (the default bus if not given).

    The pattern is EventBridge syntax as a dict, e.g. `{"source": ["my.app"], "detail-type": ["Job Failed"]}`.
    The target retries for up to a day (185 attempts), then sends the event to an encrypted standard queue.
    """

    def __init__(
        self,
        event_pattern: Mapping[str, object],
        *,
        event_bus: aws_events.IEventBus | None = None,
        retry_attempts: int | None = None,
        max_event_age: Duration | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        description: str | None = None,
    ) -> None:
        """A rule on `event_bus` that invokes the function for events matching `event_pattern`.

        Args:
            event_pattern: EventBridge syntax as a dict (matchers, `$or`, nesting), validated and written as given.
                Required.
            event_bus: Default: None (the account's default bus).
            retry_attempts: 0..185. Default: 185 (`EventDefaults.retry_attempts`: retry through a day-long outage).
            max_event_age: 60 s..24 h. Default: `Duration.hours(24)`.
            dead_letter_queue: a standard queue for events that exhaust their retries. Default: None (one made,
                encrypted).
            description: of the rule. Default: none.
        """
        check_props(EventTrigger.__init__, locals(), where_created(self))
        super().__init__(retry_attempts=retry_attempts, max_event_age=max_event_age,
                         dead_letter_queue=dead_letter_queue)
        rules.check_event_pattern(self.where, event_pattern)
        if description is not None:
            rules.check_description(self.where, description)
        self.event_pattern = dict(event_pattern)
        self.event_bus = event_bus
        self.description = description
        self.rule: aws_events.Rule | None = None

    def _bind(self, function: TriggerTarget) -> None:
        rule_id = self.scoped_id(function, "EventRule")
        self.rule = aws_events.Rule(
            scope_of(function), rule_id,
            event_bus=self.event_bus,
            # aws-cdk-lib's EventPattern types `source`/`detail-type` as plain strings and has no `$or`: the pattern
            # is written to the template as given (checked by EVENT_PATTERN), the L2 pattern only marks it as set.
            event_pattern=aws_events.EventPattern(detail={}),
            description=self.description or f"Events for {function.node.path}"[:512],
            targets=[aws_events_targets.LambdaFunction(  # pyright: ignore[reportArgumentType]
                function.invoke_target,
                dead_letter_queue=self._make_dead_letter_queue(scope_of(function), f"{rule_id}DeadLetters",
                                                               "event rule"),
                retry_attempts=self.retry_attempts,
                max_event_age=self.max_event_age,
            )],
        )
        function.health.watch_rule(self.rule.rule_name, self.dead_letter_queue, f"rule {rule_id}")
        cfn_rule = self.rule.node.default_child
        assert isinstance(cfn_rule, aws_events.CfnRule)
        cfn_rule.add_property_override("EventPattern", self.event_pattern)
        if "detail" not in self.event_pattern:
            cfn_rule.add_property_deletion_override("EventPattern.detail")
