"""FargateScheduledTask: run a container on a schedule, and say so when a run fails."""

from __future__ import annotations

from typing import Unpack

from aws_cdk import CfnResource, Duration, Stack, TimeZone, aws_events, aws_events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from constructs import Construct

from ..defaults import EventDefaults
from ..health import Row
from ..health.dashboard import queue_graph
from ..health.signals import queue_signals, scheduled_run_signals
from ..queues import dead_letter_queue
from ..rules import events as event_rules
from ..rules.props import check_props
from .base import FargateBase, FargateProps


class FargateScheduledTask(FargateBase):
    """Run one task on `schedule` (rate/cron/at, in `timezone`) through EventBridge Scheduler.

    Scheduler retries a RunTask that fails (capacity, throttling) for up to a day, then sends it to an
    encrypted DLQ. A task that fails to start or exits non-zero is caught by an EventBridge rule on ECS task
    state changes (recorded in the `failed_runs` queue; add your own targets to `failure_rule`) and raises
    `failure_alarm`.
    """

    event_defaults = EventDefaults()

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        schedule: str | scheduler.ScheduleExpression | aws_events.Schedule,
        timezone: str | None = None,
        retry_attempts: int | None = None,
        max_event_age: Duration | None = None,
        **props: Unpack[FargateProps],
    ) -> None:
        """One task run per `schedule` tick.

        Args:
            schedule: `rate(...)`, `cron(...)`, `at(...)`, or a schedule object. Required.
            timezone: an IANA name. Default: None (UTC).
            retry_attempts: of a run Scheduler could not start, 0..185. Default: 185.
            max_event_age: 60 s..24 h. Default: `Duration.hours(24)`.
            props: `FargateBase`'s keywords (`FargateProps`: image_source, cpu, memory_mib, environment, ...).
        """
        check_props(FargateScheduledTask.__init__, locals())
        super().__init__(scope, id, **props)
        schedule, timezone = event_rules.schedule_parts(self, schedule, timezone)
        event_rules.check_schedule_expression(self, schedule)
        if timezone is not None:
            event_rules.check_timezone(self, timezone)
        d = self.event_defaults
        retry_attempts = retry_attempts if retry_attempts is not None else d.retry_attempts
        max_event_age = max_event_age or d.max_event_age
        event_rules.check_retry_policy(self, retry_attempts, max_event_age)
        self.dead_letter_queue = dead_letter_queue(
            self, "ScheduleDeadLetters", retention=d.dead_letter_retention,
            reason="DLQ of the schedule: RunTask calls that exhausted their retries.")
        role = iam.Role(self, "ScheduleRole", assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"))  # pyright: ignore[reportArgumentType]
        self.schedule = scheduler.Schedule(
            self, "Schedule",
            schedule=scheduler.ScheduleExpression.expression(schedule, TimeZone.of(timezone) if timezone else None),
            target=scheduler_targets.EcsRunFargateTask(  # pyright: ignore[reportArgumentType]
                self.cluster, task_definition=self.task_definition, vpc_subnets=self.vpc_subnets,
                assign_public_ip=False, dead_letter_queue=self.dead_letter_queue,
                retry_attempts=retry_attempts, max_event_age=max_event_age, role=role,  # pyright: ignore[reportArgumentType]
            ),
            description=f"{schedule} -> {self.node.path}",
        )
        self.failure_rule, self.failure_alarm = self.make_failure_alerting()

    def make_failure_alerting(self) -> tuple[aws_events.Rule, CfnResource | None]:
        """A rule on STOPPED tasks of this task definition that did not exit 0; its matches and the schedule's DLQ
        on the construct's alarm (None with alarms=False)."""
        stack = Stack.of(self)
        family = stack.format_arn(service="ecs", resource="task-definition",
                                  resource_name=f"{self.task_definition.family}:")
        self.failed_runs = dead_letter_queue(
            self, "FailedRuns", retention=self.event_defaults.dead_letter_retention,
            reason="Records of failed scheduled runs (ECS task state changes): read by people and tools.")
        rule = aws_events.Rule(
            self, "FailedRunRule",
            description=f"Runs of {self.node.path} that failed to start or exited non-zero",
            event_pattern=aws_events.EventPattern(
                source=["aws.ecs"], detail_type=["ECS Task State Change"],
                detail={"lastStatus": ["STOPPED"], "clusterArn": [self.cluster.cluster_arn],
                        "taskDefinitionArn": [{"prefix": family}],
                        "$or": [{"containers": {"exitCode": [{"anything-but": 0}]}},
                                {"stopCode": ["TaskFailedToStart"]}]}),
            targets=[aws_events_targets.SqsQueue(self.failed_runs, dead_letter_queue=self.dead_letter_queue)],  # pyright: ignore[reportArgumentType]
        )
        dead_letters = self.dead_letter_queue.queue_name
        self.add_health_signals(
            *scheduled_run_signals(rule.rule_name),
            *queue_signals(dead_letters, "the schedule's DLQ (RunTask calls that kept failing)", self.alarm_defaults,
                           dead_letters=True),
        )
        self.health.show(Row(
            queue_graph(self.failed_runs.queue_name, f"{self.node.id}: failed runs"),
            queue_graph(dead_letters, f"{self.node.id}: schedule DLQ")))
        alarm = self.health_alarms[0].alarm if self.health_alarms else None
        return rule, alarm
