"""FargateQueueWorker: drain an SQS queue with Fargate tasks, for jobs longer than Lambda's 15 minutes."""

from __future__ import annotations

from typing import Any, ClassVar, Unpack

from aws_cdk import Duration, Stack
from aws_cdk import aws_applicationautoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..defaults import QueueDefaults
from ..health import Row
from ..health.dashboard import queue_graph
from ..health.signals import queue_signals
from ..nag import acknowledge, finding_resource
from ..queues import known_dead_letter_queue, known_retention, known_visibility_timeout_s, queue_with_dead_letter_queue
from ..rules import fargate as rules
from ..rules import sqs as sqs_rules
from ..rules.props import check_props
from .base import FargateBase, FargateProps


class FargateQueueWorker(FargateBase):
    """Fargate tasks that drain `queue` (created with a DLQ when not given), scaled on backlog per task.

    Scaling: target tracking keeps visible messages / running tasks near `messages_per_task` (or, stated as
    latency, `acceptable_latency / average_job_duration`); a step policy
    starts the first task when messages arrive at zero tasks (target tracking cannot scale from zero); idle,
    it scales in to `min_tasks` (default 0). No CPU policy: a queue worker's CPU says nothing about backlog.
    A task holding a message protects itself from scale-in (ECS task scale-in protection; the helper is
    `constructs_lib/fargate/task_protection.py`), and has `stop_timeout` (120 s) to finish or return it.
    The container gets QUEUE_URL and JOB_TIMEOUT_SECONDS in its environment.
    """

    queue_defaults: ClassVar[QueueDefaults] = QueueDefaults()

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        queue: sqs.IQueue | None = None,
        min_tasks: int | None = None,
        max_tasks: int | None = None,
        messages_per_task: int | None = None,
        acceptable_latency: Duration | None = None,
        average_job_duration: Duration | None = None,
        job_timeout: Duration | None = None,
        max_receive_count: int | None = None,
        **props: Unpack[FargateProps],
    ) -> None:
        """Tasks that work through `queue`, scaled on its backlog.

        Args:
            queue: a queue of yours. Default: None (one made with a DLQ, visibility `job_timeout` + `stop_timeout`).
            min_tasks: Default: 0 (no task runs while the queue is empty).
            max_tasks: Default: 4.
            messages_per_task: the backlog each running task is expected to hold. Default: 10 (or worked out from
                `acceptable_latency` and `average_job_duration`).
            acceptable_latency: how long a message may wait. Default: None.
            average_job_duration: how long one job takes. Default: None.
            job_timeout: the longest a job may run (up to 12 h). Default: `Duration.minutes(60)`.
            max_receive_count: receives before a message goes to the DLQ. Default: 5.
            props: `FargateBase`'s keywords (`FargateProps`: image_source, cpu, memory_mib, environment, ...).
        """
        check_props(FargateQueueWorker.__init__, locals())
        check_props(FargateBase.__init__, {"scope": scope, "id": id, **props})  # before they are merged below
        d = self.defaults
        self.min_tasks = min_tasks if min_tasks is not None else d.min_tasks
        self.max_tasks = max_tasks if max_tasks is not None else d.max_tasks
        self.messages_per_task = messages_per_task if messages_per_task is not None else d.messages_per_task
        latency_target = (acceptable_latency, average_job_duration)
        self.job_timeout = job_timeout or d.job_timeout
        props["environment"] = {**(props.get("environment") or {}),
                                "JOB_TIMEOUT_SECONDS": str(int(self.job_timeout.to_seconds()))}
        super().__init__(scope, id, **props)
        if any(latency_target):
            # AWS's backlog-per-task target: how many messages one task clears within the acceptable latency.
            self.messages_per_task = rules.messages_per_task_for(self, acceptable_latency, average_job_duration,
                                                                 messages_per_task)
        rules.check_task_counts(self, self.min_tasks, self.max_tasks, self.messages_per_task)
        rules.check_job_timeout(self, self.job_timeout, stop_timeout=None if queue is not None else self.stop_timeout)
        if max_receive_count is not None:
            sqs_rules.check_max_receive_count(self, max_receive_count)
        if queue is None:
            queue, dead_letters = queue_with_dead_letter_queue(
                self, "Queue", defaults=self.queue_defaults,
                visibility_timeout=self.job_timeout.plus(self.stop_timeout), max_receive_count=max_receive_count)
            self.dead_letter_queue: sqs.IQueue | None = dead_letters
        else:
            visibility_s = known_visibility_timeout_s(queue)
            if visibility_s is not None:
                rules.check_job_timeout(self, self.job_timeout, queue.node.path, visibility_s)
            self.dead_letter_queue = known_dead_letter_queue(queue)
            if self.dead_letter_queue is not None:
                sqs_rules.check_dead_letter_queue_kind(self, queue.node.path, bool(queue.fifo),
                                                       bool(self.dead_letter_queue.fifo))
        self.queue: sqs.IQueue = queue
        self.container.add_environment("QUEUE_URL", queue.queue_url)
        queue.grant_consume_messages(self.task_role)
        self.grant_task_protection()
        self.service = self.make_service()
        self.scalable_target = self.configure_autoscaling()
        d = self.alarm_defaults
        self.add_health_signals(*self.service_signals(self.service),
                                *queue_signals(queue.queue_name, f"queue {queue.node.id}", d, dead_letters=False,
                                               retention=known_retention(queue)))
        dead_letters = self.dead_letter_queue
        if dead_letters is not None:
            self.add_health_signals(*queue_signals(dead_letters.queue_name, f"DLQ {dead_letters.node.id}", d,
                                                   dead_letters=True))
        self.health.show(Row(
            *self.service_widgets(self.service),
            queue_graph(queue.queue_name, f"{self.node.id}: queue"),
            *([queue_graph(dead_letters.queue_name, f"{self.node.id}: DLQ")] if dead_letters else [])))

    # --- steps a subclass may override -----------------------------------------------------------------

    def make_service(self) -> ecs.FargateService:
        return ecs.FargateService(
            self, "Service", cluster=self.cluster, task_definition=self.task_definition,
            desired_count=self.min_tasks, assign_public_ip=False, vpc_subnets=self.vpc_subnets,
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
            min_healthy_percent=100, max_healthy_percent=200,
        )

    def configure_autoscaling(self) -> ecs.ScalableTaskCount:
        target = self.service.auto_scale_task_count(min_capacity=self.min_tasks, max_capacity=self.max_tasks)
        visible = self.queue.metric_approximate_number_of_messages_visible(period=Duration.minutes(1),
                                                                            statistic="Maximum")
        running = cloudwatch.Metric(
            namespace="ECS/ContainerInsights", metric_name="RunningTaskCount", statistic="Average",
            period=Duration.minutes(1),
            dimensions_map={"ClusterName": self.cluster.cluster_name, "ServiceName": self.service.service_name},
        )
        self._backlog_per_task_policy(target, visible, running)
        # Target tracking multiplies the current count: from zero tasks it never scales out. This starts one.
        target.scale_on_metric(
            "StartFromZero",
            metric=cloudwatch.MathExpression(expression="IF(running < 1, visible, 0)",
                                             using_metrics={"visible": visible, "running": running},
                                             period=Duration.minutes(1)),
            scaling_steps=[autoscaling.ScalingInterval(upper=0, change=0),
                           autoscaling.ScalingInterval(lower=1, change=1)],
            adjustment_type=autoscaling.AdjustmentType.CHANGE_IN_CAPACITY,
            evaluation_periods=1, cooldown=Duration.minutes(1),
        )
        return target

    def _backlog_per_task_policy(self, target: ecs.ScalableTaskCount, visible: cloudwatch.Metric,
                                 running: cloudwatch.Metric) -> autoscaling.CfnScalingPolicy:
        """Target tracking on metric math (the L2 takes a single metric only)."""
        def stat(id: str, metric: cloudwatch.Metric) -> dict[str, Any]:
            config = metric.to_metric_config().metric_stat
            assert config is not None
            return {"id": id, "returnData": False, "metricStat": {
                "metric": {"namespace": config.namespace, "metricName": config.metric_name,
                           "dimensions": [{"name": d.name, "value": d.value} for d in config.dimensions or []]},
                "stat": config.statistic}}

        scalable_target = target.node.find_child("Target")
        return autoscaling.CfnScalingPolicy(
            self, "BacklogPerTask",
            policy_name=f"{self.node.path.replace('/', '-')}-backlog-per-task"[:256],
            policy_type="TargetTrackingScaling",
            scaling_target_id=scalable_target.scalable_target_id,  # type: ignore[attr-defined]
            target_tracking_scaling_policy_configuration={
                "targetValue": self.messages_per_task,
                "scaleInCooldown": 120, "scaleOutCooldown": 60,
                "customizedMetricSpecification": {"metrics": [
                    stat("visible", visible), stat("running", running),
                    {"id": "backlog", "returnData": True,
                     "expression": "IF(running > 0, visible / running, visible)",
                     "label": "Visible messages per running task"},
                ]},
            },
        )

    def grant_task_protection(self) -> None:
        """Tasks may protect themselves (and only tasks of their cluster) from scale-in while they work."""
        stack = Stack.of(self)
        tasks = stack.format_arn(service="ecs", resource="task", resource_name=f"{self.cluster.cluster_name}/*")
        self.task_role.add_to_principal_policy(iam.PolicyStatement(
            actions=["ecs:UpdateTaskProtection", "ecs:GetTaskProtection"], resources=[tasks]))
        acknowledge(self.task_role, "Task protection is granted on the tasks of this one cluster (task ids are "
                    "not known before they run).", f"AwsSolutions-IAM5[Resource::{finding_resource(stack, tasks)}]")
