"""ScheduleTrigger: invoke a function on an EventBridge Scheduler schedule."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, Stack, TimeZone, aws_events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_sqs as sqs

from ..nag import acknowledge, finding_resource
from ..rules import events as rules
from ..rules.props import check_props
from .base import TriggerTarget, scope_of, where_created
from .events import EventBridgeTarget


class ScheduleTrigger(EventBridgeTarget):
    """Invoke the function on `expression`: `rate(...)`, `cron(...)` or `at(...)`, in `timezone` (UTC if unset).

    The expression may also be an `events.Schedule` or a `scheduler.ScheduleExpression` (its time zone is used).

    EventBridge Scheduler rather than a scheduled rule: time zones (with daylight saving), one-off `at()`
    schedules, flexible windows; it retries for up to a day and then sends the invocation to an encrypted
    standard queue.
    """

    def __init__(
        self,
        expression: str | scheduler.ScheduleExpression | aws_events.Schedule,
        *,
        timezone: str | None = None,
        flexible_window: Duration | None = None,
        payload: Mapping[str, object] | None = None,
        retry_attempts: int | None = None,
        max_event_age: Duration | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        enabled: bool = True,
        description: str | None = None,
    ) -> None:
        """An EventBridge Scheduler schedule that invokes the function.

        Args:
            expression: `rate(...)`, `cron(...)` (6 fields) or `at(...)`, or an `events.Schedule` /
                `scheduler.ScheduleExpression`. Required.
            timezone: an IANA name. Default: None (UTC, or the schedule object's).
            flexible_window: 1..1,440 whole minutes. Default: None (run at the exact time).
            payload: the event the function gets. Default: None (Scheduler's own payload).
            retry_attempts: 0..185. Default: 185.
            max_event_age: 60 s..24 h. Default: `Duration.hours(24)`.
            dead_letter_queue: a standard queue for runs that exhaust their retries. Default: None (one made,
                encrypted).
            enabled: Default: True.
            description: of the schedule. Default: none.
        """
        check_props(ScheduleTrigger.__init__, locals(), where_created(self))
        super().__init__(retry_attempts=retry_attempts, max_event_age=max_event_age,
                         dead_letter_queue=dead_letter_queue)
        expression, timezone = rules.schedule_parts(self.where, expression, timezone)
        rules.check_schedule_expression(self.where, expression)
        if timezone is not None:
            rules.check_timezone(self.where, timezone)
        if flexible_window is None:
            flexible_window = self.defaults.schedule_flexible_window
        self.flexible_window = flexible_window
        if self.flexible_window is not None:
            rules.check_flexible_window(self.where, self.flexible_window)
        if description is not None:
            rules.check_description(self.where, description)
        self.expression = expression.strip()
        self.timezone = timezone
        self.payload = dict(payload) if payload is not None else None
        self.enabled = enabled
        self.description = description
        self.schedule: scheduler.Schedule | None = None

    def _bind(self, function: TriggerTarget) -> None:
        index = self.scoped_id(function, "")
        self.role = self._make_role(function, f"Schedule{index}Role")
        target = scheduler_targets.LambdaInvoke(
            function.invoke_target,
            dead_letter_queue=self._make_dead_letter_queue(scope_of(function), f"Schedule{index}DeadLetters",
                                                           "schedule"),
            retry_attempts=self.retry_attempts,
            max_event_age=self.max_event_age,
            input=scheduler.ScheduleTargetInput.from_object(self.payload) if self.payload is not None else None,
            role=self.role,  # pyright: ignore[reportArgumentType]
        )
        self.schedule = scheduler.Schedule(
            scope_of(function), f"Schedule{index}",
            schedule=scheduler.ScheduleExpression.expression(
                self.expression, TimeZone.of(self.timezone) if self.timezone else None),
            target=target,  # pyright: ignore[reportArgumentType]
            time_window=(scheduler.TimeWindow.flexible(self.flexible_window) if self.flexible_window
                         else scheduler.TimeWindow.off()),
            enabled=self.enabled,
            description=self.description or f"{self.expression} -> {function.node.path}"[:512],
        )
        function.health.watch_queue(self.dead_letter_queue, f"schedule {self.expression} DLQ", dead_letters=True)

    @staticmethod
    def _make_role(function: TriggerTarget, id: str) -> iam.Role:
        """The schedule's own role, usable only by EventBridge Scheduler for this account's schedules."""
        stack = Stack.of(function)
        role = iam.Role(scope_of(function), id, assumed_by=iam.ServicePrincipal(  # pyright: ignore[reportArgumentType]
            "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": stack.account}}))
        if function.alias is None:  # on an alias, the grant is the alias's ARN alone
            versions = finding_resource(stack, f"{function.function_arn}:*")
            acknowledge(role, "aws-cdk-lib's LambdaInvoke grants invoke on this one function and its versions "
                        "(ARN:*); nothing else.", f"AwsSolutions-IAM5[Resource::{versions}]")
        return role
