"""The contract of every public construct and trigger, held by generated input (hypothesis).

Any props either synthesize or raise `ConfigError` naming a path, the rule and a fix; a construct validation
that fails `cdk synth` must carry one of our rule messages. Never a `TypeError`, `KeyError`, `RecursionError`
or an opaque jsii error. Each example mixes valid values, values at and past AWS's limits, and wrong types.

`HYPOTHESIS_PROFILE=deep` runs many more examples (use it after changing a construct); CI runs the default
profile, derandomized so a run is reproducible.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Duration, Size
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constructs_lib import (
    Alerting,
    ApiAuthorization,
    ApiTrigger,
    ConfigError,
    Cors,
    Deployment,
    EventTrigger,
    FargateQueueWorker,
    FargateScheduledTask,
    FargateWebService,
    ProvisionedConcurrency,
    QueueTrigger,
    S3Trigger,
    ScheduleTrigger,
    ServerlessApi,
    ServerlessFunction,
    UrlTrigger,
)
from constructs_lib.testing import new_stack

settings.register_profile("default", max_examples=20, derandomize=True, database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("deep", max_examples=400, database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Values of the wrong type, or of no sense, for any prop.
JUNK: list[Callable[[], Any]] = [
    lambda: None, lambda: True, lambda: math.nan, lambda: math.inf, lambda: -1, lambda: 0, lambda: 10**12,
    lambda: 2.5, lambda: "", lambda: "x", lambda: "a\0b", lambda: {}, lambda: [], lambda: {"a": 1}, lambda: [1],
    lambda: Duration.seconds(1), lambda: Duration.millis(1500), lambda: Size.mebibytes(1), lambda: object(),
]


def junk() -> st.SearchStrategy[Any]:
    return st.sampled_from(JUNK).map(lambda make: make())


def durations(*seconds: float) -> st.SearchStrategy[Duration]:
    return st.sampled_from(seconds).map(
        lambda s: Duration.millis(int(s * 1000)) if s != int(s) else Duration.seconds(int(s)))


def ints(*values: int) -> st.SearchStrategy[int]:
    return st.sampled_from(values) | st.integers(min_value=-(2**31), max_value=2**31)


def either(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly valid values (so examples reach the deeper checks), sometimes junk."""
    return st.one_of(valid, valid, junk())


def props(**strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional={k: either(v) for k, v in strategies.items()})


class Later:
    """A prop value made when the construct is built, so its own checks run inside `holds_contract`."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make

    @staticmethod
    def made(values: dict[str, Any]) -> dict[str, Any]:
        return {k: v.make() if isinstance(v, Later) else v for k, v in values.items()}


def nested(depth: int) -> dict[str, Any]:
    pattern: dict[str, Any] = {"x": ["leaf"]}
    for _ in range(depth):
        pattern = {"x": pattern}
    return {"source": ["my.app"], "detail": pattern}


FUNCTION_PROPS = props(
    handler=st.sampled_from(["lambda_function.lambda_handler", "nope.handler", "x" * 200, "a.b.c"]),
    runtime=st.sampled_from([lambda_.Runtime.PYTHON_3_12, lambda_.Runtime.PYTHON_3_13, lambda_.Runtime.NODEJS_22_X]),
    architecture=st.sampled_from([lambda_.Architecture.ARM_64, lambda_.Architecture.X86_64]),
    memory_size=ints(128, 127, 10_240, 10_241, 3_009),
    timeout=durations(1, 0.5, 900, 901, 29, 30, 1.5),
    # '"' and '\\' count twice once JSON-escaped, which is how Lambda measures its 4 KB
    environment=st.dictionaries(st.sampled_from(["A1", "AWS_REGION", "1X", "KEY", "x" * 5000, "B2"]),
                                st.sampled_from(["", "v", "\"", "x" * 4000, '"' * 1500, "\\" * 1500]), max_size=3),
    ephemeral_storage_size=st.one_of(st.sampled_from([512, 511, 10_240, 10_241]).map(Size.mebibytes),
                                     st.sampled_from([1, 10, 11]).map(Size.gibibytes),
                                     st.sampled_from([524_288, 524_289, 1]).map(Size.kibibytes)),
    reserved_concurrency=ints(0, 1, 900, 901),
    function_name=st.sampled_from(["ok-name", "bad name", "x" * 65]),
    description=st.one_of(st.text(max_size=300), st.sampled_from(["x" * 256, "x" * 257])),
    shared_code=st.sampled_from([[], ["job_api"], "job_api", ["missing"]]),
    deployment=st.sampled_from([Deployment.all_at_once(), Deployment.canary(10, Duration.minutes(5)),
                                Deployment.linear(33, Duration.minutes(1)),
                                Deployment.canary(25, Duration.minutes(7))]),
    provisioned_concurrency=st.one_of(ints(0, 1, 2, 1000), st.just(ProvisionedConcurrency(minimum=1, maximum=10))),
    snap_start=st.booleans(),
    async_invokes=st.sampled_from([None, True, False]),
)
SOURCES = either(st.sampled_from(["tests/handler", "missing_folder", "/", "tests/handler\0"]))


def build_function(stack: cdk.Stack, source: Any, function_props: dict[str, Any], triggers: Any = ()) -> Any:
    return ServerlessFunction(stack, "Fn", source=source, triggers=triggers, **function_props)


QUEUE_TRIGGER_PROPS = props(
    batch_size=ints(1, 10, 11, 10_000, 10_001), max_batching_window=durations(0, 0.5, 1, 300, 301),
    max_concurrency=ints(1, 2, 1000, 1001), max_receive_count=ints(0, 1, 1000, 1001),
    fifo=st.booleans(), enabled=st.booleans(),
    filters=st.lists(st.sampled_from([{"body": {"a": ["x"]}}, {"body": {"n": [{"numeric": [">", "x"]}]}},
                                      {"body": {"a": [{"exists": "yes"}]}}, {}]), max_size=12),
)
S3_TRIGGER_PROPS = props(
    events=st.lists(st.sampled_from(list(s3.EventType)), max_size=3), prefix=st.text(max_size=20),
    suffix=st.text(max_size=20), delivery=st.sampled_from(["auto", "notification", "eventbridge", "sqs"]),
    read=st.booleans(),
)
EVENT_PATTERNS = st.one_of(
    st.sampled_from([
        {"source": ["my.app"]}, {"source": [{"prefix": "my."}]}, {"detail-type": [{"anything-but": "x"}]},
        {"source": ["a"], "$or": [{"detail": {"a": ["1"]}}, {"detail": {"b": ["2"]}}]}, {},
        {"source": "not-a-list"}, {"detail": {"n": [{"numeric": [">", "x"]}]}}, {"detail": {"e": [{"exists": "yes"}]}},
        {"source": ["a\0b"]},
    ]),
    st.sampled_from([10, 1_500]).map(nested),
    st.recursive(st.lists(st.text(max_size=5), max_size=3),
                 lambda children: st.dictionaries(st.text(max_size=8), children, max_size=3), max_leaves=10),
)
DESCRIPTIONS = st.one_of(st.text(max_size=600), st.sampled_from(["x" * 512, "x" * 513]))
EVENT_TRIGGER_PROPS = props(retry_attempts=ints(0, 185, 186), max_event_age=durations(60, 59, 86_400, 86_401),
                            description=DESCRIPTIONS)
SCHEDULES = st.sampled_from(["rate(5 minutes)", "rate(1 minute)", "rate(0 minutes)", "cron(0 3 * * ? *)",
                             "cron(0 3 * * * *)", "at(2030-01-01T00:00:00)", "every day", ""])
SCHEDULE_TRIGGER_PROPS = props(
    timezone=st.sampled_from(["Europe/Berlin", "Mars/Olympus", "UTC"]), flexible_window=durations(1, 60, 86_400, 0.5),
    payload=st.dictionaries(st.text(max_size=5), st.integers(), max_size=2), retry_attempts=ints(0, 185, 186),
    max_event_age=durations(60, 59, 86_400, 86_401), enabled=st.booleans(), description=DESCRIPTIONS,
)
API_PROPS = props(
    kind=st.sampled_from(["http", "rest", "graphql"]),
    # made inside the build (`Later`): ApiAuthorization.jwt checks its issuer and audience itself
    authorization=st.sampled_from(["iam", "none", "jwt", "jwt-no-issuer", "jwt-no-audience", "jwt-http"]).map(
        lambda kind: Later({
            "iam": ApiAuthorization.iam, "none": ApiAuthorization.public,
            "jwt": lambda: ApiAuthorization.jwt("https://issuer.example.com", ["aud"]),
            "jwt-no-issuer": lambda: ApiAuthorization.jwt("", ["aud"]),
            "jwt-no-audience": lambda: ApiAuthorization.jwt("https://issuer.example.com", []),
            "jwt-http": lambda: ApiAuthorization.jwt("http://issuer.example.com", ["aud"])}[kind])),
    throttle_rate_limit=ints(1, 0, 10_000, 10_001), throttle_burst_limit=ints(1, 0, 5_000, 5_001),
    stage_name=st.sampled_from(["prod", "v1", "bad stage", "x" * 200]),
    integration_timeout=durations(0.05, 0.049, 1, 29, 30, 31, 1.5), alarms=st.booleans(),
)
ROUTES = st.sampled_from(["GET /items/{id}", "POST /", "GET /a/{id}/b", "FETCH /x", "GET items", "GET /a//b",
                          "ANY /{proxy+}", "GET /{a}/{b}", "PUT /items/{itemId}/tags", "GET /a/b/c/d/e/f"])
FARGATE_PROPS = props(
    cpu=ints(256, 512, 1024, 300), memory_mib=ints(512, 1024, 2048, 100, 200_000),
    container_cpu=ints(0, 128, -1), container_memory_mib=ints(0, 256, -1), ephemeral_storage_gib=ints(21, 20, 200, 201),
    environment=st.dictionaries(st.sampled_from(["A", "DB_PASSWORD"]), st.sampled_from(["1", "x"]), max_size=2),
    command=st.lists(st.text(max_size=5), max_size=2), stop_timeout=durations(2, 120, 121, 1.5),
    architecture=st.sampled_from([lambda_.Architecture.ARM_64, lambda_.Architecture.X86_64]), alarms=st.booleans(),
)
QUEUE_WORKER_PROPS = props(min_tasks=ints(0, 1, -1), max_tasks=ints(1, 4, 0, 1_000), messages_per_task=ints(0, 1, 10),
                           job_timeout=durations(60, 43_000, 43_080, 43_200, 43_201),
                           max_receive_count=ints(0, 1, 1000, 1001), acceptable_latency=durations(60, 0.5, 90.25),
                           average_job_duration=durations(30, 0, 1.5, 0.25))
WEB_PROPS = props(container_port=ints(8080, 0, 70_000), desired_count=ints(0, 1, 2, -1),
                  health_check_path=st.sampled_from(["/health", "health", ""]), public=st.booleans())


def holds_contract(build: Callable[[cdk.Stack], object], *, env: bool = True, feature_flags: bool = True) -> None:
    """Build and synthesize; anything but success or a well-formed ConfigError / rule message fails."""
    stack = new_stack(nag=False, env=cdk.Environment(account="123456789012", region="us-east-1") if env else None,
                      feature_flags=feature_flags)
    try:
        build(stack)
        stack.node.root.synth()
    except ConfigError as error:
        assert error.construct_path and error.rule_id and error.fix, error
        assert "Fix: " in str(error)
    except RuntimeError as error:
        # A construct validation at synth: must be one of ours, with its rule and fix.
        assert re.search(r"\[[A-Z][A-Z0-9_]+: .+\] Fix: ", str(error)), f"not a ConfigError: {error}"


@given(source=SOURCES, function_props=FUNCTION_PROPS)
def test_serverless_function(source: Any, function_props: dict[str, Any]) -> None:
    holds_contract(lambda stack: build_function(stack, source, function_props))


GRANTS = st.sampled_from([0, 1, 30, 120, 400])  # 120 statements pass a role's inline limit; 400 need 10+ policies
STATEMENTS = st.sampled_from(["object", "wildcard", "conditioned", "junk"])


@given(grants=GRANTS, statement=STATEMENTS, feature_flags=st.booleans())
def test_function_grants(grants: int, statement: str, feature_flags: bool) -> None:
    """Any number of grants: inline, overflowing into managed policies, or past what a role may hold (a rule)."""
    def statement_for(index: int) -> Any:
        arn = f"arn:aws:s3:::reports-of-team-{index}/exports/latest.json"
        if statement == "object":
            return iam.PolicyStatement(actions=["s3:PutObject"], resources=[arn])
        if statement == "wildcard":
            return iam.PolicyStatement(actions=["s3:Get*"], resources=[arn.replace("latest", "*")])
        if statement == "conditioned":
            return iam.PolicyStatement(actions=["s3:PutObject"], resources=[arn], conditions={
                "StringEquals": {"s3:RequestObjectTag/team": f"team-{index}"}})
        return JUNK[index % len(JUNK)]()

    def build(stack: cdk.Stack) -> None:
        function = build_function(stack, "tests/handler", {})
        for index in range(grants):
            function.add_to_role_policy(statement_for(index))
    holds_contract(build, feature_flags=feature_flags)


GIVEN_QUEUES = st.sampled_from(["none", "plain", "fifo", "fifo-with-standard-dlq", "with-dlq", "imported",
                                "with-dlq-receive-0", "with-dlq-receive-1001"])


def given_queue(stack: cdk.Stack, kind: str) -> sqs.IQueue | None:
    if kind == "none":
        return None
    if kind == "imported":
        return sqs.Queue.from_queue_arn(stack, "Given", "arn:aws:sqs:us-east-1:123456789012:given")
    dlq = sqs.Queue(stack, "GivenDlq", fifo=kind == "fifo" or None) if "dlq" in kind or kind == "fifo" else None
    queue = sqs.Queue(stack, "Given", fifo=kind.startswith("fifo") or None, visibility_timeout=Duration.seconds(120),
                      dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=5) if dlq else None)
    if "receive" in kind:  # outside 1..1000, which SQS refuses (aws-cdk-lib's Queue too: so written into the L1)
        queue.node.default_child.add_property_override(  # type: ignore[union-attr]
            "RedrivePolicy.maxReceiveCount", int(kind.rsplit("-", 1)[1]))
    return queue


@given(trigger_props=QUEUE_TRIGGER_PROPS, timeout=durations(20, 900), queue_kind=GIVEN_QUEUES)
def test_queue_trigger(trigger_props: dict[str, Any], timeout: Duration, queue_kind: str) -> None:
    def build(stack: cdk.Stack) -> None:
        queue = given_queue(stack, queue_kind)
        build_function(stack, "tests/handler", {"timeout": timeout}, [QueueTrigger(queue, **trigger_props)])
    holds_contract(build)


@given(trigger_props=st.lists(S3_TRIGGER_PROPS, min_size=1, max_size=3),
       bucket_kind=st.sampled_from(["created", "imported", "given"]),
       async_invokes=st.sampled_from([None, True, False]))
def test_s3_trigger(trigger_props: list[dict[str, Any]], bucket_kind: str, async_invokes: bool | None) -> None:
    def build(stack: cdk.Stack) -> None:
        bucket = {"created": lambda: None, "given": lambda: s3.Bucket(stack, "Given"),
                  "imported": lambda: s3.Bucket.from_bucket_name(stack, "Imported", "imported-bucket")}[bucket_kind]()
        build_function(stack, "tests/handler", {"async_invokes": async_invokes},
                       [S3Trigger(bucket, **p) for p in trigger_props])
    holds_contract(build)


@given(pattern=either(EVENT_PATTERNS), trigger_props=EVENT_TRIGGER_PROPS)
def test_event_trigger(pattern: Any, trigger_props: dict[str, Any]) -> None:
    holds_contract(lambda stack: build_function(stack, "tests/handler", {}, [EventTrigger(pattern, **trigger_props)]))


# SNS filter policies: valid ones (flat, nested for the body, operators, $or), and values at and past SNS's limits.
FILTER_POLICIES = st.one_of(
    st.sampled_from([
        {"kind": ["order"]}, {"kind": ["order", {"prefix": "ref"}], "total": [{"numeric": [">", 0, "<=", 5]}]},
        {"order": {"total": [{"numeric": [">=", 1]}]}}, {"$or": [{"a": ["x"]}, {"b": [{"exists": True}]}]},
        {"a": [{"anything-but": ["x"]}], "b": [{"equals-ignore-case": "Y"}], "c": [{"cidr": "10.0.0.0/8"}]},
        {k: ["x"] for k in "abcdef"}, {"a": list("abcdefghijklm"), "b": list("abcdefghijklm")},
        {"a": [10**10]}, {"a": [math.nan]}, {"a": [{"numeric": ["!", 1]}]}, {"a": [{"nope": 1}]}, {"a": []},
        {"a": "x"}, {}, {"": ["x"]}, {"a": [{"exists": "yes"}]}, {"$or": [{"a": ["x"]}]}, nested(60)["detail"],
    ]),
    st.dictionaries(st.text(min_size=1, max_size=3), st.lists(st.one_of(st.text(max_size=3), st.integers()),
                                                              max_size=20), max_size=7),
)
TOPIC_TRIGGER_PROPS = props(filter_policy=FILTER_POLICIES,
                            filter_policy_scope=st.sampled_from(["MessageAttributes", "MessageBody", "Body"]))


@given(trigger_props=TOPIC_TRIGGER_PROPS, given_topic=st.booleans())
def test_topic_trigger(trigger_props: dict[str, Any], given_topic: bool) -> None:
    from aws_cdk import aws_sns as sns

    from constructs_lib import TopicTrigger

    def build(stack: cdk.Stack) -> None:
        topic = sns.Topic(stack, "Given", enforce_ssl=True) if given_topic else None
        build_function(stack, "tests/handler", {}, [TopicTrigger(topic, **trigger_props)])
    holds_contract(build)


STREAM_TRIGGER_PROPS = props(
    batch_size=ints(1, 100, 10_000, 10_001, 0), max_batching_window=durations(0, 0.5, 300, 301),
    starting_position=st.sampled_from(list(lambda_.StartingPosition)),
    starting_position_timestamp=st.sampled_from([0.0, 1_700_000_000.0, -1.0, math.inf]),
    bisect_on_error=st.booleans(), report_batch_item_failures=st.booleans(), enabled=st.booleans(),
    retry_attempts=ints(-1, 0, 10, 10_000, 10_001), max_record_age=durations(59, 60, 86_400, 604_800, 604_801, 1.5),
    parallelization_factor=ints(0, 1, 10, 11), tumbling_window=durations(0, 900, 901),
    filters=st.lists(st.sampled_from([{"eventName": ["INSERT"]}, {"data": {"n": [{"numeric": [">", "x"]}]}},
                                      {"dynamodb": {"Keys": {"id": {"S": [{"prefix": "a"}]}}}}, {}]), max_size=12),
)
STREAM_SOURCES = st.sampled_from(["none", "table", "table-without-stream", "kinesis", "imported-table",
                                  "fifo-on-failure", "on-failure"])


@given(source=STREAM_SOURCES, trigger_props=STREAM_TRIGGER_PROPS)
def test_stream_trigger(source: str, trigger_props: dict[str, Any]) -> None:
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_kinesis as kinesis

    from constructs_lib import StreamTrigger

    def build(stack: cdk.Stack) -> None:
        given: Any = None
        more = dict(trigger_props)
        if source.startswith("table"):
            given = dynamodb.Table(stack, "Jobs", partition_key=dynamodb.Attribute(
                name="id", type=dynamodb.AttributeType.STRING),
                stream=None if source == "table-without-stream" else dynamodb.StreamViewType.KEYS_ONLY)
        elif source == "kinesis":
            given = kinesis.Stream(stack, "Given", encryption=kinesis.StreamEncryption.MANAGED)
        elif source == "imported-table":
            given = dynamodb.Table.from_table_attributes(stack, "Imported", table_name="jobs", table_stream_arn=(
                "arn:aws:dynamodb:us-east-1:123456789012:table/jobs/stream/2026-01-01T00:00:00.000"))
        elif source.endswith("on-failure"):
            more["on_failure_queue"] = sqs.Queue(stack, "Dropped", fifo=source.startswith("fifo") or None)
        build_function(stack, "tests/handler", {}, [StreamTrigger(given, **more)])
    holds_contract(build)


@given(expression=either(SCHEDULES), trigger_props=SCHEDULE_TRIGGER_PROPS)
def test_schedule_trigger(expression: Any, trigger_props: dict[str, Any]) -> None:
    holds_contract(lambda stack: build_function(stack, "tests/handler", {},
                                                [ScheduleTrigger(expression, **trigger_props)]))


@given(api_props=API_PROPS, routes=st.lists(either(ROUTES), min_size=1, max_size=3), timeout=durations(1, 20, 60),
       public=st.booleans())
def test_api_and_routes(api_props: dict[str, Any], routes: list[Any], timeout: Duration, public: bool) -> None:
    def build(stack: cdk.Stack) -> None:
        api = ServerlessApi(stack, "Api", **Later.made(api_props))
        build_function(stack, "tests/handler", {"timeout": timeout},
                       [ApiTrigger(api, route, public=public) for route in routes])
    holds_contract(build)


@given(fargate_props=FARGATE_PROPS, worker_props=QUEUE_WORKER_PROPS, queue_kind=GIVEN_QUEUES)
def test_fargate_queue_worker(fargate_props: dict[str, Any], worker_props: dict[str, Any], queue_kind: str) -> None:
    holds_contract(lambda stack: FargateQueueWorker(stack, "Worker", image_source="example/worker",
                                                    queue=given_queue(stack, queue_kind),
                                                    **fargate_props, **worker_props))


@given(fargate_props=FARGATE_PROPS, schedule=either(SCHEDULES))
def test_fargate_scheduled_task(fargate_props: dict[str, Any], schedule: Any) -> None:
    holds_contract(lambda stack: FargateScheduledTask(stack, "Task", image_source="example/worker",
                                                      schedule=schedule, **fargate_props))


@given(fargate_props=FARGATE_PROPS, web_props=WEB_PROPS, env=st.booleans())
def test_fargate_web_service(fargate_props: dict[str, Any], web_props: dict[str, Any], env: bool) -> None:
    holds_contract(lambda stack: FargateWebService(stack, "Web", image_source="example/worker",
                                                   **fargate_props, **web_props), env=env)


@given(emails=either(st.lists(st.sampled_from(["ops@example.com", "ops", "", "a@b.co", "x" * 300]), max_size=3)),
       alarms=either(st.booleans()), twice=st.booleans())
def test_alerting_and_alarms(emails: Any, alarms: Any, twice: bool) -> None:
    def build(stack: cdk.Stack) -> None:
        build_function(stack, "tests/handler", {"alarms": alarms}, [QueueTrigger()])
        Alerting(stack, "Alerts", emails=emails)
        if twice:
            Alerting(stack, "More")
    holds_contract(build)


@given(kind=st.sampled_from(["canary", "linear", "all_at_once"]), percent=either(ints(1, 10, 99, 100, 0)),
       interval=either(durations(60, 90, 0, 3600, 0.5)), alias_name=either(st.text(max_size=130)),
       minimum=either(ints(1, 2, 0)), maximum=either(ints(1, 10, 0)), utilization=either(st.floats()))
def test_deployment_and_provisioned_concurrency(kind: str, percent: Any, interval: Any, alias_name: Any,
                                                minimum: Any, maximum: Any, utilization: Any) -> None:
    def build(stack: cdk.Stack) -> None:
        if kind == "all_at_once":
            deployment = Deployment.all_at_once(alias_name=alias_name)
        else:
            deployment = getattr(Deployment, kind)(percent, interval, alias_name=alias_name)
        provisioned = ProvisionedConcurrency(minimum=minimum, maximum=maximum, target_utilization=utilization)
        build_function(stack, "tests/handler", {"deployment": deployment, "provisioned_concurrency": provisioned},
                       [QueueTrigger()])
    holds_contract(build)


ORIGINS = st.lists(st.sampled_from(["*", "https://app.example.com", "http://localhost:3000", "app.example.com",
                                    "https://x.example.com/", "https://*.example.com", ""]), max_size=3)
CORS_PROPS = props(
    allow_methods=st.lists(st.sampled_from(["GET", "post", "*", "ANY", "FETCH", ""]), max_size=3),
    allow_headers=st.lists(st.sampled_from(["Content-Type", "X-Api-Key", "Bad Header", ""]), max_size=2),
    expose_headers=st.lists(st.sampled_from(["X-Request-Id", "\n"]), max_size=1),
    max_age=durations(0, 60, 86_400, 86_401), allow_credentials=st.booleans(),
)
DOMAIN_PROPS = props(
    domain_name=st.sampled_from(["api.example.com", "API.example.com", "https://api.example.com", "api.other.org",
                                 "example", "a" * 64 + ".example.com", "api.example.com."]),
    certificate=st.sampled_from(["us-east-1", "eu-west-1"]),  # made in the stack: a certificate in this region
    hosted_zone=st.just("example.com"),
)
AUTHORIZER_PROPS = props(
    identity_source=st.one_of(st.sampled_from(["Authorization", "$request.querystring.token", "context.identity.x",
                                               "$request.body.x", "", "method.request.header.X-Key"]),
                              st.lists(st.sampled_from(["Authorization", "$stageVariables.v", "bad value"]),
                                       max_size=2)),
    results_cache_ttl=durations(0, 300, 3_600, 3_601),
)


def cors_of(origins: Any, cors_props: dict[str, Any]) -> Cors:
    return Cors(allow_origins=origins, **cors_props)


@given(kind=st.sampled_from(["http", "rest"]), origins=either(ORIGINS), cors_props=CORS_PROPS,
       domain_props=DOMAIN_PROPS, api_keys=either(st.lists(st.sampled_from(["partner-a", "b", "bad key", "b"]),
                                                           max_size=3)),
       quota=either(ints(1, 0, 10_000)), authorizer_props=AUTHORIZER_PROPS, route_authorizer=st.booleans())
def test_api_cors_domain_keys_and_authorizer(kind: str, origins: Any, cors_props: dict[str, Any],
                                             domain_props: dict[str, Any], api_keys: Any, quota: Any,
                                             authorizer_props: dict[str, Any], route_authorizer: bool) -> None:
    def build(stack: cdk.Stack) -> None:
        domain = dict(domain_props)
        if isinstance(domain.get("certificate"), str):
            domain["certificate"] = acm.Certificate.from_certificate_arn(
                stack, "Cert", f"arn:aws:acm:{domain['certificate']}:123456789012:certificate/abc")
        if isinstance(domain.get("hosted_zone"), str):
            domain["hosted_zone"] = route53.HostedZone.from_hosted_zone_attributes(
                stack, "Zone", hosted_zone_id="Z1", zone_name=domain["hosted_zone"])
        authorizer = ServerlessFunction(stack, "Authorizer", source="tests/handler", async_invokes=False)
        authorization = ApiAuthorization.lambda_(authorizer, **authorizer_props)
        api = ServerlessApi(stack, "Api", kind=kind, cors=cors_of(origins, cors_props), api_keys=api_keys,
                            api_key_daily_quota=quota, authorization=None if route_authorizer else authorization,
                            **domain)
        build_function(stack, "tests/handler", {}, [
            ApiTrigger(api, "GET /items/{id}", authorization=authorization if route_authorizer else None),
            ApiTrigger(api, "GET /health", public=True)])
    holds_contract(build)


@given(auth=either(st.sampled_from(["iam", "none", "IAM", "public", lambda_.FunctionUrlAuthType.AWS_IAM,
                                     lambda_.FunctionUrlAuthType.NONE])),
       invoke_mode=either(st.sampled_from(["buffered", "response_stream", "stream"])),
       origins=either(ORIGINS), cors_props=CORS_PROPS, with_cors=st.booleans(), twice=st.booleans(),
       deployment=st.booleans())
def test_url_trigger(auth: Any, invoke_mode: Any, origins: Any, cors_props: dict[str, Any], with_cors: bool,
                     twice: bool, deployment: bool) -> None:
    def build(stack: cdk.Stack) -> None:
        cors = cors_of(origins, cors_props) if with_cors else None
        triggers = [UrlTrigger(auth=auth, cors=cors, invoke_mode=invoke_mode)] * (2 if twice else 1)
        build_function(stack, "tests/handler", {"deployment": Deployment.all_at_once() if deployment else None},
                       [triggers[0], UrlTrigger()] if twice else triggers)
    holds_contract(build)


VPC_SHAPES = st.sampled_from(["egress", "isolated", "public-only", "isolated-with-s3"])
SUBNET_CHOICES = st.sampled_from([None, ec2.SubnetType.PUBLIC, ec2.SubnetType.PRIVATE_WITH_EGRESS,
                                  ec2.SubnetType.PRIVATE_ISOLATED])


@given(shape=VPC_SHAPES, subnet_type=SUBNET_CHOICES, given_group=st.booleans(), with_vpc=st.booleans(),
       grant=st.sampled_from([None, "s3", "sqs", "dynamodb"]))
def test_function_in_a_vpc(shape: str, subnet_type: Any, given_group: bool, with_vpc: bool, grant: Any) -> None:
    def build(stack: cdk.Stack) -> None:
        configs = {"egress": [ec2.SubnetType.PUBLIC, ec2.SubnetType.PRIVATE_WITH_EGRESS],
                   "isolated": [ec2.SubnetType.PRIVATE_ISOLATED], "public-only": [ec2.SubnetType.PUBLIC],
                   "isolated-with-s3": [ec2.SubnetType.PRIVATE_ISOLATED]}[shape]
        vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=1 if shape == "egress" else 0,
                      subnet_configuration=[ec2.SubnetConfiguration(name=t.name.lower(), subnet_type=t)
                                            for t in configs])
        if shape == "isolated-with-s3":
            vpc.add_gateway_endpoint("S3", service=ec2.GatewayVpcEndpointAwsService.S3)
        group = ec2.SecurityGroup(stack, "Group", vpc=vpc) if given_group else None
        function = build_function(stack, "tests/handler", {
            "vpc": vpc if with_vpc else None,
            "vpc_subnets": ec2.SubnetSelection(subnet_type=subnet_type) if subnet_type else None,
            "security_groups": [group] if group else ()})
        if grant:
            function.role.add_to_principal_policy(iam.PolicyStatement(actions=[f"{grant}:Get*"], resources=["*"]))
    holds_contract(build)


@pytest.mark.parametrize("value", [make() for make in JUNK], ids=repr)
def test_every_scope_and_id(value: Any) -> None:
    """A wrong scope or id is ours to report, for each construct (jsii would fail with an opaque error)."""
    for build in (lambda s, i: ServerlessFunction(s, i, source="tests/handler"), lambda s, i: ServerlessApi(s, i),
                  lambda s, i: FargateWebService(s, i, image_source="example/worker")):
        holds_contract(lambda stack, build=build: build(value, "Id"))
        holds_contract(lambda stack, build=build: build(stack, value))


def test_event_bus_and_queue_interfaces() -> None:
    """Interfaces are checked by what they implement, so imported resources pass and look-alikes do not."""
    def build(stack: cdk.Stack) -> None:
        bus = events.EventBus.from_event_bus_name(stack, "Bus", "custom")
        dlq = sqs.Queue.from_queue_arn(stack, "Dlq", "arn:aws:sqs:us-east-1:123456789012:dlq")
        build_function(stack, "tests/handler", {},
                       [EventTrigger({"source": ["a"]}, event_bus=bus, dead_letter_queue=dlq)])
    holds_contract(build)
    with pytest.raises(ConfigError, match="event_bus=.* is a Bucket"):
        stack = new_stack(nag=False)
        EventTrigger({"source": ["a"]}, event_bus=s3.Bucket(stack, "NotABus"))
