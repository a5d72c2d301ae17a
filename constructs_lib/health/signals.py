"""What each kind of construct watches: its signals (metric + threshold + why, for the alarm) and its graphs (for
its row on the dashboard), with the thresholds read from the construct's own `alarm_defaults`.

Functions, their triggers' queues and rules, release aliases, APIs and Fargate services are all here, so one file
says what "healthy" means for every construct the library makes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Duration

from .. import reads
from ..defaults import AlarmDefaults, ApiAlarmDefaults, FargateAlarmDefaults, FunctionAlarmDefaults
from .alarms import Signal
from .dashboard import Graph, Row
from .metrics import MetricSpec, lambda_metric, queue_metric

if TYPE_CHECKING:
    from aws_cdk import aws_ecs as ecs
    from aws_cdk import aws_elasticloadbalancingv2 as elbv2

_FOUR_DAYS = Duration.days(4)  # SQS's default retention


# --- Lambda functions -----------------------------------------------------------------------------------------

def function_signals(function_name: str, timeout: Duration, d: FunctionAlarmDefaults) -> list[Signal]:
    """Errors, throttles, p99 duration near the timeout (failed async invokes come with the on-failure queue)."""
    near = int(reads.millis(timeout) * d.duration_fraction_of_timeout)
    return [
        Signal("errors", lambda_metric(function_name, "Errors"), d.errors,
               f"errors >= {d.errors} in {reads.minutes(d.period)} min"),
        Signal("throttles", lambda_metric(function_name, "Throttles"), d.throttles, f"throttles >= {d.throttles}"),
        Signal("duration", lambda_metric(function_name, "Duration", "p99"), near,
               f"p99 duration >= {near} ms ({d.duration_fraction_of_timeout:.0%} of the timeout)"),
    ]


def release_signals(function_name: str, alias_name: str, timeout: Duration,
                    d: FunctionAlarmDefaults) -> list[Signal]:
    """The alias's errors and p99 duration, per `rollback_period`: what a release is judged on. The metrics are the
    ones aws-cdk-lib's `alias.metric_errors()` makes, as data."""
    near = int(reads.millis(timeout) * d.duration_fraction_of_timeout)
    dimensions = {"FunctionName": function_name, "Resource": f"{function_name}:{alias_name}"}
    return [
        Signal("errors", MetricSpec.of("AWS/Lambda", "Errors", dimensions, "Sum"), d.errors,
               f"alias {alias_name}: errors >= {d.errors} in {reads.minutes(d.rollback_period)} min"),
        Signal("duration", MetricSpec.of("AWS/Lambda", "Duration", dimensions, "p99"), near,
               f"alias {alias_name}: p99 duration >= {near} ms"),
    ]


def function_row(label: str, function_name: str) -> Row:
    """Invocations, errors and throttles; p50/p99 duration; concurrency. Its triggers add their queues to it."""
    def metric(name: str, statistic: str = "Sum") -> MetricSpec:
        return lambda_metric(function_name, name, statistic)

    return Row(
        Graph(title=f"{label}: invocations, errors, throttles", width=6,
              left=[metric("Invocations"), metric("Errors"), metric("Throttles")]),
        Graph(title=f"{label}: duration", width=6, left=[metric("Duration", "p50"), metric("Duration", "p99")]),
        Graph(title=f"{label}: concurrency", width=6, left=[metric("ConcurrentExecutions", "Maximum")]),
    )


# --- queues and EventBridge rules -------------------------------------------------------------------------------

def queue_signals(queue_name: str, label: str, d: AlarmDefaults, *, dead_letters: bool,
                  retention: Duration | None = None) -> list[Signal]:
    """A dead-letter queue that is not empty, or a work queue whose oldest message nears its retention."""
    if dead_letters:
        return [Signal("dlq", queue_metric(queue_name, "ApproximateNumberOfMessagesVisible"), 1,
                       f"{label} holds a message (dead letters)")]
    age = int(reads.seconds(retention or _FOUR_DAYS) * d.queue_age_fraction)
    return [Signal("age", queue_metric(queue_name, "ApproximateAgeOfOldestMessage"), age,
                   f"{label}'s oldest message is {age // 3600} h old ({d.queue_age_fraction:.0%} of its retention: "
                   "it would expire)")]


def rule_signals(rule_name: str, label: str) -> list[Signal]:
    """An EventBridge rule's deliveries to its target that failed (its DLQ is watched as a queue)."""
    failed = MetricSpec.of("AWS/Events", "FailedInvocations", {"RuleName": rule_name}, "Sum")
    return [Signal("failed", failed, 1, f"{label}: failed deliveries >= 1")]


def topic_signals(topic_name: str, label: str) -> list[Signal]:
    """An SNS topic's notifications it failed to deliver (its subscription's DLQ is watched as a queue)."""
    failed = MetricSpec.of("AWS/SNS", "NumberOfNotificationsFailed", {"TopicName": topic_name}, "Sum")
    return [Signal("failed", failed, 1, f"{label}: failed deliveries >= 1")]


def stream_signals(function_name: str, max_record_age: Duration, label: str, fraction: float) -> list[Signal]:
    """A stream trigger falling behind: the function's iterator age (the age of the last record it was sent) at
    `fraction` of the age past which Lambda drops records to the on-failure queue."""
    age_ms = int(reads.millis(max_record_age) * fraction)
    return [Signal("iterator", lambda_metric(function_name, "IteratorAge", "Maximum"), age_ms,
                   f"{label}: iterator age >= {age_ms // 60_000} min ({fraction:.0%} of max_record_age: records "
                   "would be dropped)")]


def stream_graph(function_name: str, label: str) -> Graph:
    return Graph(title=f"{label}: iterator age", width=6, left=[lambda_metric(function_name, "IteratorAge",
                                                                              "Maximum")])


# --- APIs ---------------------------------------------------------------------------------------------------------

def api_metrics(http_api_id: str | None, rest_api_name: str | None) -> tuple[MetricSpec, MetricSpec, MetricSpec]:
    """(5xx responses, requests, p99 latency) as aws-cdk-lib's `metric_server_error()`, `metric_count()` and
    `metric_latency()` make them, as data. An HTTP API's are named by its id; a REST API's by its name (5xx are
    `5XXError`)."""
    if http_api_id is not None:
        dimensions, server_errors = {"ApiId": http_api_id}, "5xx"
    else:
        dimensions, server_errors = {"ApiName": rest_api_name or ""}, "5XXError"
    return (MetricSpec.of("AWS/ApiGateway", server_errors, dimensions, "Sum"),
            MetricSpec.of("AWS/ApiGateway", "Count", dimensions, "Sum"),
            MetricSpec.of("AWS/ApiGateway", "Latency", dimensions, "p99"))


def api_signals(metrics: tuple[MetricSpec, MetricSpec, MetricSpec], integration_timeout: Duration,
                d: ApiAlarmDefaults) -> list[Signal]:
    """5xx responses above a rate, and p99 latency near the integration timeout (answers about to be 504s)."""
    errors, requests, latency = metrics
    near = int(integration_timeout.to_milliseconds() * d.latency_fraction_of_timeout)
    return [Signal("5xx", errors, d.server_error_rate, f"5xx responses >= {d.server_error_rate:.0%} of requests",
                   per=requests),
            Signal("latency", latency, near, f"p99 latency >= {near} ms "
                   f"({d.latency_fraction_of_timeout:.0%} of the integration timeout)")]


def api_row(label: str, metrics: tuple[MetricSpec, MetricSpec, MetricSpec]) -> Row:
    errors, requests, latency = metrics
    return Row(Graph(title=f"{label}: requests, 5xx", width=12, left=[requests], right=[errors]),
               Graph(title=f"{label}: p99 latency", width=12, left=[latency]))


# --- Fargate ------------------------------------------------------------------------------------------------------

def _task_count(cluster_name: str, service_name: str, name: str, statistic: str) -> MetricSpec:
    return MetricSpec.of("ECS/ContainerInsights", name, {"ClusterName": cluster_name, "ServiceName": service_name},
                         statistic)


def service_signals(cluster_name: str, service_name: str, d: FargateAlarmDefaults) -> list[Signal]:
    """Fewer tasks running than the service wants, over a whole period (a crash loop, no capacity, a bad image)."""
    desired, running = (_task_count(cluster_name, service_name, name, "Maximum")
                        for name in ("DesiredTaskCount", "RunningTaskCount"))
    return [Signal("missing_tasks", desired, d.missing_tasks,
                   f"fewer tasks running than desired for {reads.minutes(d.period)} min", minus=running)]


def service_graphs(label: str, cluster_name: str, service: ecs.FargateService) -> list[Graph]:
    """Tasks running; CPU and memory."""
    period = Duration.minutes(5)
    return [Graph(title=f"{label}: tasks, CPU, memory", width=6, left=[
        service.metric_cpu_utilization(period=period), service.metric_memory_utilization(period=period)],
        right=[_task_count(cluster_name, service.service_name, "RunningTaskCount", "Average")])]


def load_balancer_signals(load_balancer: elbv2.ApplicationLoadBalancer, target_group: elbv2.ApplicationTargetGroup,
                          d: FargateAlarmDefaults) -> list[Signal]:
    """5xx answers (the app's, or the load balancer's own when no target answers) and unhealthy targets."""
    from aws_cdk import aws_elasticloadbalancingv2 as elbv2

    period = d.period
    metrics = load_balancer.metrics
    requests = metrics.request_count(period=period, statistic="Sum")
    rate = d.server_error_rate
    return [
        Signal("target_5xx", metrics.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=period,
                                                      statistic="Sum"), rate,
               f"service 5xx >= {rate:.0%} of requests", per=requests),
        Signal("elb_5xx", metrics.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, period=period, statistic="Sum"),
               rate, f"load balancer 5xx >= {rate:.0%} of requests", per=requests),
        Signal("unhealthy", target_group.metrics.unhealthy_host_count(period=period, statistic="Maximum"),
               d.unhealthy_targets, "an unhealthy target"),
    ]


def load_balancer_graph(label: str, load_balancer: elbv2.ApplicationLoadBalancer, period: Duration) -> Graph:
    from aws_cdk import aws_elasticloadbalancingv2 as elbv2

    metrics = load_balancer.metrics
    return Graph(title=f"{label}: requests, 5xx, p99 response time", width=12,
                 left=[metrics.request_count(period=period),
                       metrics.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=period)],
                 right=[metrics.target_response_time(period=period, statistic="p99")])


def scheduled_run_signals(rule_name: str) -> list[Signal]:
    """Scheduled runs that failed to start or exited non-zero, as matched by the construct's own rule."""
    return [Signal("failed_runs", MetricSpec.of("AWS/Events", "MatchedEvents", {"RuleName": rule_name}, "Sum"), 1,
                   "a scheduled run failed to start or exited non-zero")]
