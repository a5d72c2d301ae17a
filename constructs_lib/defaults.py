"""Every default the library applies, in one place.

Constructs read their defaults from a class attribute (`ServerlessFunction.defaults`, ...), so a house style
is one line in a subclass::

    class HouseFunction(ServerlessFunction):
        defaults = replace(ServerlessFunction.defaults, memory_size=512)

Merge order, everywhere: explicit keyword argument > the class's `defaults` > nothing. Values the library
requires for safety (encryption, TLS-only, partial batch responses) are not defaults: they are always set.
What happens to data when a stack is deleted is one switch for the whole app (`constructs_lib.data`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs


@dataclass(frozen=True)
class FunctionDefaults:
    source_root: str = "lambda_src"  # `source="name"` means `<source_root>/name`, relative to the cdk.json folder
    handler: str = "lambda_function.lambda_handler"  # as in the Lambda console
    runtime: lambda_.Runtime = field(default_factory=lambda: lambda_.Runtime.PYTHON_3_14)
    architecture: lambda_.Architecture = field(default_factory=lambda: lambda_.Architecture.ARM_64)  # ~20% cheaper
    memory_size: int = 256  # MB; Python cold starts get CPU in proportion to memory, 128 MB is too slow
    timeout: Duration = field(default_factory=lambda: Duration.seconds(20))  # fits under API Gateway's 29 s
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    application_log_level: lambda_.ApplicationLogLevel = lambda_.ApplicationLogLevel.INFO
    system_log_level: lambda_.SystemLogLevel = lambda_.SystemLogLevel.WARN
    async_retry_attempts: int = 2
    async_max_event_age: Duration = field(default_factory=lambda: Duration.hours(6))
    failure_queue_retention: Duration = field(default_factory=lambda: Duration.days(14))
    # Left out of the bundle: byte code, tests, tool caches, local virtualenvs, and the dependency declarations
    # (their packages are installed into the bundle instead).
    asset_exclude: tuple[str, ...] = (
        "__pycache__", "*.pyc", "tests", "test_*.py", "*_test.py", "conftest.py", ".pytest_cache", ".mypy_cache",
        ".ruff_cache", ".venv", "venv", ".git", "*.egg-info", ".DS_Store", "requirements*.txt", "uv.lock",
        "pyproject.toml",
    )


@dataclass(frozen=True)
class QueueDefaults:
    retention: Duration = field(default_factory=lambda: Duration.days(4))
    dead_letter_retention: Duration = field(default_factory=lambda: Duration.days(14))
    # AWS recommends >= 5 for a queue drained by Lambda: throttled batches also count as receives.
    max_receive_count: int = 5
    batch_size: int = 10
    # Visibility timeout when no consumer timeout is known (a Fargate job declares its own).
    visibility_timeout: Duration = field(default_factory=lambda: Duration.minutes(5))


@dataclass(frozen=True)
class BucketDefaults:
    access_log_retention: Duration = field(default_factory=lambda: Duration.days(90))
    noncurrent_version_retention: Duration = field(default_factory=lambda: Duration.days(30))


@dataclass(frozen=True)
class ApiDefaults:
    kind: str = "http"  # "http" (cheaper, faster) or "rest"
    throttle_rate_limit: int = 100  # requests per second, steady state
    throttle_burst_limit: int = 200
    access_log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    stage_name: str = "prod"  # REST only; HTTP APIs use the $default stage
    integration_timeout: Duration = field(default_factory=lambda: Duration.seconds(29))


@dataclass(frozen=True)
class EventDefaults:
    retry_attempts: int = 185  # EventBridge's maximum: keep retrying through a day-long outage
    max_event_age: Duration = field(default_factory=lambda: Duration.hours(24))
    dead_letter_retention: Duration = field(default_factory=lambda: Duration.days(14))
    schedule_flexible_window: Duration | None = None  # None = run at the exact time


@dataclass(frozen=True)
class StreamDefaults:
    batch_size: int = 100  # Lambda's own default for both sources
    # Bounded, so a poison record cannot hold its shard for the stream's whole retention. Bisection isolates it first
    # without spending these (splitting a batch does not count as a retry).
    retry_attempts: int = 10
    max_record_age: Duration = field(default_factory=lambda: Duration.days(1))  # DynamoDB Streams keep 24 h
    on_failure_retention: Duration = field(default_factory=lambda: Duration.days(14))
    # A new Kinesis stream keeps records this long: the on-failure queue holds pointers, not the records.
    kinesis_retention: Duration = field(default_factory=lambda: Duration.days(1))
    iterator_age_fraction: float = 0.5  # the alarm rings at this share of max_record_age, before records are dropped


@dataclass(frozen=True)
class AlarmDefaults:
    """What every construct's health alarm shares. Thresholds a team would keep: each one means a person should look,
    not that something might be slow. Each construct family has its own (`ServerlessFunction.alarm_defaults`, ...)."""

    period: Duration = field(default_factory=lambda: Duration.minutes(5))
    evaluation_periods: int = 1
    datapoints_to_alarm: int = 1
    queue_age_fraction: float = 0.5  # oldest message at half the queue's retention: it would expire unprocessed


@dataclass(frozen=True)
class FunctionAlarmDefaults(AlarmDefaults):
    errors: int = 1  # any error in 5 minutes: handlers that fail on purpose should return an error response
    throttles: int = 1  # any throttle: a concurrency limit is being hit
    duration_fraction_of_timeout: float = 0.8  # p99 duration at 80% of the timeout: about to time out
    # Rollback of a gradual deployment: the alias's errors and p99 duration per minute, so a 5-minute canary is
    # judged on five data points rather than one.
    rollback_period: Duration = field(default_factory=lambda: Duration.minutes(1))


@dataclass(frozen=True)
class ApiAlarmDefaults(AlarmDefaults):
    server_error_rate: float = 0.05  # 5% of requests answered 5xx in 5 minutes
    latency_fraction_of_timeout: float = 0.8  # p99 latency at 80% of the integration timeout


@dataclass(frozen=True)
class FargateAlarmDefaults(AlarmDefaults):
    missing_tasks: int = 1  # fewer tasks running than desired, for a whole period: a crash loop, no capacity
    server_error_rate: float = 0.05  # a web service: 5% of requests answered 5xx (by the service or its ALB)
    unhealthy_targets: int = 1


@dataclass(frozen=True)
class FargateDefaults:
    # Graviton, about 20% cheaper; Architecture.X86_64 (aws_lambda's, as for functions) for x86-only images.
    architecture: lambda_.Architecture = field(default_factory=lambda: lambda_.Architecture.ARM_64)
    cpu: int = 512
    memory_mib: int = 1024
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    min_tasks: int = 0
    max_tasks: int = 4
    messages_per_task: int = 10  # backlog each running task is expected to hold
    job_timeout: Duration = field(default_factory=lambda: Duration.minutes(60))
    stop_timeout: Duration = field(default_factory=lambda: Duration.seconds(120))  # Fargate's maximum
    ephemeral_storage_gib: int = 21
    container_port: int = 8080
    desired_count: int = 2  # web service: two tasks for a rolling deploy without downtime
    max_azs: int = 2
