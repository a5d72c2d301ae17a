"""Rule cases for the triggers (registered into tests.rulecases.CASES)."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs

from constructs_lib import (
    ApiAuthorization,
    ApiTrigger,
    EventTrigger,
    FargateQueueWorker,
    QueueTrigger,
    S3Trigger,
    ScheduleTrigger,
    ServerlessApi,
    ServerlessFunction,
    StreamTrigger,
    TopicTrigger,
)
from constructs_lib.testing import new_stack, synth

from .rulecases import assert_error, assert_warning, case


def fn(stack, id="Fn", **props):  # type: ignore[no-untyped-def]
    return ServerlessFunction(stack, id, source="tests/handler", **props)


@case("TRIGGER_REUSE")
def _() -> None:
    stack = new_stack()
    trigger = QueueTrigger()
    fn(stack, "A", triggers=[trigger])
    assert_error("TRIGGER_REUSE", lambda: fn(stack, "B", triggers=[trigger]),
                 "Test/B: this QueueTrigger is already bound to Test/A")


# --- S3 -----------------------------------------------------------------------------------------------------

@case("S3_FILTER_OVERLAP")
def _() -> None:
    stack = new_stack()
    first = S3Trigger(prefix="uploads/")
    fn(stack, "A", triggers=[first])
    assert_error("S3_FILTER_OVERLAP",
                 lambda: fn(stack, "B", triggers=[S3Trigger(first.bucket, prefix="uploads/images/", suffix=".jpg",
                                                            events=[s3.EventType.OBJECT_CREATED_PUT])]),
                 "Test/B: the s3:ObjectCreated:Put notification on Test/A/Bucket (prefix='uploads/images/' "
                 "suffix='.jpg') overlaps the s3:ObjectCreated:* notification for Test/A (prefix='uploads/'",
                 "Configurations overlap", "disjoint prefixes")


@case("S3_RECURSIVE_WRITE")
def _() -> None:
    stack = new_stack(nag=False)
    trigger = S3Trigger(prefix="uploads/")
    function = fn(stack, triggers=[trigger])
    trigger.bucket.grant_read_write(function)
    assert_warning(stack, "S3_RECURSIVE_WRITE", "the function may write objects '*' to Test/Fn/Bucket, which "
                   "triggers it (prefix='uploads/'", "bucket.grant_put(fn, 'thumbnails/*')")
    # a write grant under the trigger's own prefix is a loop too
    stack = new_stack(nag=False)
    trigger = S3Trigger(prefix="uploads/")
    function = fn(stack, triggers=[trigger])
    trigger.bucket.grant_put(function, "uploads/resized/*")
    assert_warning(stack, "S3_RECURSIVE_WRITE", "may write objects 'uploads/resized/*'")
    # a handler that guards against the loop acknowledges it
    stack = new_stack(nag=False)
    trigger = S3Trigger(prefix="uploads/")
    function = fn(stack, triggers=[trigger])
    trigger.bucket.grant_put(function, "uploads/resized/*")
    Validations.of(function).acknowledge(Acknowledgment(id="Annotation::S3_RECURSIVE_WRITE", reason="guarded"))
    assert not [w for w in synth(stack).warnings if "S3_RECURSIVE_WRITE" in w]


@case("S3_EVENTBRIDGE_EVENT")
def _() -> None:
    stack = new_stack()
    imported = s3.Bucket.from_bucket_name(stack, "Imported", "their-bucket")
    assert_error("S3_EVENTBRIDGE_EVENT", lambda: fn(stack, triggers=[S3Trigger(
        imported, events=[s3.EventType.OBJECT_CREATED, s3.EventType.REPLICATION])]),
        "Test/Fn: s3:Replication:* on Test/Imported cannot be delivered through EventBridge", "delivery='notification'")


@case("S3_DELIVERY")
def _() -> None:
    assert_error("S3_DELIVERY", lambda: S3Trigger(delivery="sns"), "S3Trigger at tests/", "delivery='sns'",
                 "'eventbridge'")


# --- SQS ----------------------------------------------------------------------------------------------------

@case("SQS_BATCH_SIZE")
def _() -> None:
    assert_error("SQS_BATCH_SIZE", lambda: QueueTrigger(batch_size=0), "QueueTrigger at tests/",
                 "batch_size=0 is outside 1..10000")
    assert_error("SQS_BATCH_SIZE", lambda: QueueTrigger(fifo=True, batch_size=11),
                 "batch_size=11 is outside 1..10 for a FIFO queue")


@case("SQS_BATCHING_WINDOW")
def _() -> None:
    assert_error("SQS_BATCHING_WINDOW", lambda: QueueTrigger(max_batching_window=Duration.minutes(6)),
                 "max_batching_window=360 s is outside 0..300 s")
    assert_error("SQS_BATCHING_WINDOW", lambda: QueueTrigger(fifo=True, max_batching_window=Duration.seconds(1)),
                 "max_batching_window=1 s on a FIFO queue")
    # a zero window on FIFO is no window (aws-cdk-lib refused it with its own error)
    stack = new_stack()
    zero = QueueTrigger(fifo=True, max_batching_window=Duration.seconds(0))
    ServerlessFunction(stack, "Fifo", source="tests/handler", triggers=[zero])
    assert zero.max_batching_window is None
    synth(stack)


@case("SQS_BATCH_NEEDS_WINDOW")
def _() -> None:
    assert_error("SQS_BATCH_NEEDS_WINDOW", lambda: QueueTrigger(batch_size=100), "batch_size=100 without a batching",
                 "max_batching_window=Duration.seconds(1)")


@case("SQS_MAX_CONCURRENCY")
def _() -> None:
    assert_error("SQS_MAX_CONCURRENCY", lambda: QueueTrigger(max_concurrency=1), "max_concurrency=1 is outside 2..1000")


@case("SQS_FILTER")
def _() -> None:
    for filters, fragment in [
        ([{"body": {"kind": "thumbnail"}}], 'has the bare value "thumbnail" at body.kind: leaves must be lists'),
        ([{}], "filter {} is not a non-empty dict"),
        ([{"body": {"n": [{"numeric": [">", "five"]}]}}], "numeric takes a list such as ['>', 0, '<=', 5]"),
        ([{"body": {"e": [{"exists": "yes"}]}}], "exists takes true or false"),
        ([{"body": {"a": ["x"]}}, {"body": {"a": ["x"]}}], "is given twice"),
        ([{"body": {"a": ["x" * 5000]}}], "characters as JSON"),
    ]:
        assert_error("SQS_FILTER", lambda filters=filters: QueueTrigger(filters=filters), fragment)
    QueueTrigger(filters=[{"body": {"kind": [{"prefix": "img"}], "$or": [{"a": ["1"]}, {"b": [{"exists": True}]}]}}])


@case("SQS_FILTER_COUNT")
def _() -> None:
    filters = [{"body": {"kind": [str(i)]}} for i in range(11)]
    assert_error("SQS_FILTER_COUNT", lambda: QueueTrigger(filters=filters), "11 filters", "'$or'")


@case("SQS_FILTER_QUOTA")
def _() -> None:
    stack = new_stack()
    fn(stack, triggers=[QueueTrigger(filters=[{"body": {"kind": [str(i)]}} for i in range(6)])])
    assert_warning(stack, "SQS_FILTER_QUOTA", "6 filters exceed the default quota of 5")


@case("SQS_MAX_RECEIVE_COUNT")
def _() -> None:
    assert_error("SQS_MAX_RECEIVE_COUNT", lambda: QueueTrigger(max_receive_count=0), "max_receive_count=0 is outside")
    assert_error("SQS_MAX_RECEIVE_COUNT", lambda: FargateQueueWorker(new_stack(), "W", image_source="example/worker",
                                                                     max_receive_count=1001), "Test/W: ")


@case("SQS_FIFO_DLQ")
def _() -> None:
    stack = new_stack()
    standard = sqs.Queue(stack, "Dlq")
    jobs = sqs.Queue(stack, "Jobs.fifo", fifo=True, visibility_timeout=Duration.seconds(120),
                     dead_letter_queue=sqs.DeadLetterQueue(queue=standard, max_receive_count=5))
    assert_error("SQS_FIFO_DLQ", lambda: fn(stack, triggers=[QueueTrigger(jobs)]),
                 "Test/Jobs.fifo is a FIFO queue with a standard dead-letter queue", "fifo=True")


@case("SQS_VISIBILITY_TIMEOUT")
def _() -> None:
    stack = new_stack()
    queue = sqs.Queue(stack, "Jobs", visibility_timeout=Duration.seconds(30))
    assert_error("SQS_VISIBILITY_TIMEOUT",
                 lambda: fn(stack, timeout=Duration.seconds(60), triggers=[QueueTrigger(queue)]),
                 "Test/Fn: Test/Jobs has visibility timeout 30 s, below the function timeout 60 s",
                 "Duration.seconds(360)")


@case("SQS_VISIBILITY_RECOMMENDED")
def _() -> None:
    stack = new_stack()
    dlq = sqs.Queue(stack, "Dlq", enforce_ssl=True)
    queue = sqs.Queue(stack, "Jobs", visibility_timeout=Duration.seconds(60), enforce_ssl=True,
                      dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=5))
    fn(stack, timeout=Duration.seconds(20), triggers=[QueueTrigger(queue)])
    from constructs_lib.nag import acknowledge

    acknowledge(dlq, "test DLQ", "AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy")
    assert_warning(stack, "SQS_VISIBILITY_RECOMMENDED", "Test/Jobs has visibility timeout 60 s; 120 s is recommended")


@case("SQS_NO_DLQ")
def _() -> None:
    stack = new_stack(nag=False)
    queue = sqs.Queue(stack, "Jobs", visibility_timeout=Duration.seconds(120))
    fn(stack, triggers=[QueueTrigger(queue)])
    assert_warning(stack, "SQS_NO_DLQ", "Test/Jobs has no dead-letter queue")


# --- API ----------------------------------------------------------------------------------------------------

@case("API_ROUTE")
def _() -> None:
    api = ServerlessApi(new_stack(), "Api")
    for route, fragment in [
        ("/items", "is not 'METHOD /path'"),
        ("FETCH /items", "has method 'FETCH'"),
        ("GET items", "must start with '/'"),
        ("GET /items/", "must start with '/' and have no empty segment"),
        ("GET /files/{path+}/meta", "greedy {path+} must be the last segment"),
        ("GET /items/{id", "segment '{id' is not a literal"),
    ]:
        assert_error("API_ROUTE", lambda route=route: ApiTrigger(api, route), f"route {route!r}", fragment)


@case("API_ROUTE_DUPLICATE")
def _() -> None:
    stack = new_stack()
    api = ServerlessApi(stack, "Api")
    fn(stack, "A", triggers=[ApiTrigger(api, "GET /items/{id}")])
    assert_error("API_ROUTE_DUPLICATE", lambda: fn(stack, "B", triggers=[ApiTrigger(api, "get /items/{itemId}")]),
                 "route 'GET /items/{itemId}' on Test/Api is already served by Test/A")


@case("API_FUNCTION_TIMEOUT")
def _() -> None:
    stack = new_stack()
    api = ServerlessApi(stack, "Api")
    fn(stack, timeout=Duration.seconds(60), triggers=[ApiTrigger(api, "GET /slow")])
    assert_warning(stack, "API_FUNCTION_TIMEOUT", "timeout=60 s exceeds the API's integration timeout of 29 s",
                   "return 202")


@case("API_ROUTE_VARIABLE")
def _() -> None:
    stack = new_stack()
    api = ServerlessApi(stack, "Api", kind="rest")
    fn(stack, "A", triggers=[ApiTrigger(api, "GET /items/{id}")])
    assert_error("API_ROUTE_VARIABLE", lambda: fn(stack, "B", triggers=[ApiTrigger(api, "PUT /items/{itemId}/tags")]),
                 "Test/B: route 'PUT /items/{itemId}/tags' uses {itemId} under '/items', where another route "
                 "already uses {id}", "name the variable {id}")
    # HTTP APIs have no such limit
    http = ServerlessApi(stack, "Http")
    fn(stack, "C", triggers=[ApiTrigger(http, "GET /items/{id}"), ApiTrigger(http, "PUT /items/{itemId}/tags")])


@case("API_INTEGRATION_TIMEOUT")
def _() -> None:
    assert_error("API_INTEGRATION_TIMEOUT",
                 lambda: ServerlessApi(new_stack(), "Api", integration_timeout=Duration.seconds(31)),
                 "Test/Api: integration_timeout=31 s on an HTTP API")
    assert_error("API_INTEGRATION_TIMEOUT",
                 lambda: ServerlessApi(new_stack(), "Api", integration_timeout=Duration.millis(49)),
                 "integration_timeout=49 ms", "Duration.millis(50)")


@case("API_INTEGRATION_TIMEOUT_QUOTA")
def _() -> None:
    stack = new_stack()
    api = ServerlessApi(stack, "Api", kind="rest", integration_timeout=Duration.seconds(60))
    fn(stack, timeout=Duration.seconds(60), triggers=[ApiTrigger(api, "GET /slow")])
    assert_warning(stack, "API_INTEGRATION_TIMEOUT_QUOTA", "integration_timeout=60 s")


@case("API_STAGE_NAME")
def _() -> None:
    assert_error("API_STAGE_NAME", lambda: ServerlessApi(new_stack(), "Api", kind="rest", stage_name="prod/v1"),
                 "stage_name='prod/v1' is not a valid stage name")


@case("API_KIND")
def _() -> None:
    assert_error("API_KIND", lambda: ServerlessApi(new_stack(), "Api", kind="graphql"), "kind='graphql'")
    assert_error("API_KIND", lambda: ServerlessApi(new_stack(), "Api", kind="rest",
                                                   authorization=ApiAuthorization.jwt("https://i", ["a"])),
                 "a JWT authorizer on a REST API")


@case("API_JWT")
def _() -> None:
    assert_error("API_JWT", lambda: ApiAuthorization.jwt("", ["app"]), "ApiAuthorization.jwt: issuer='' is not an "
                 "HTTPS URL")
    assert_error("API_JWT", lambda: ApiAuthorization.jwt("https://issuer.example.com", []), "audience=[] names no "
                 "audience", "client ids")
    assert ApiAuthorization.jwt("https://issuer.example.com", ["app"]).audience == ("app",)


@case("API_THROTTLE")
def _() -> None:
    assert_error("API_THROTTLE", lambda: ServerlessApi(new_stack(), "Api", throttle_rate_limit=20_000),
                 "throttle rate=20000")


@case("API_PUBLIC_ROUTE")
def _() -> None:
    api = ServerlessApi(new_stack(), "Api")
    assert_error("API_PUBLIC_ROUTE",
                 lambda: ApiTrigger(api, "GET /x", public=True, authorization=ApiAuthorization.iam()),
                 "route 'GET /x' is public=True and has an authorization")


# --- EventBridge --------------------------------------------------------------------------------------------

@case("EVENT_PATTERN")
def _() -> None:
    for pattern, fragment in [
        ({}, "is not a non-empty dict"),
        ({"source": "my.app"}, 'has the bare value "my.app" at source: leaves must be lists'),
        ({"detail": {"n": [{"numeric": [">", "x"]}]}}, "numeric takes a list"),
        ({"detail": {"e": [{"exists": "yes"}]}}, "exists takes true or false"),
        ({"detail": {"ip": [{"cidr": "10.0.0.300/8"}]}}, "cidr takes a CIDR block"),
        ({"source": ["a"], "$or": [{"detail": {"a": ["1"]}}]}, "'$or' at $or: it takes a list of at least two"),
        ({"detail": {"x": [["nested"]]}}, "a list holds values"),
        ({"source": ["a"], "detail": {}}, "has an empty object at detail"),
        ({"source": []}, "has an empty list at source"),
        ({"status": ["x"]}, "unknown top-level field(s) status"),
        ({"detail": {"n": [{"greater": 5}]}}, "which is not a matcher"),
    ]:
        assert_error("EVENT_PATTERN", lambda pattern=pattern: EventTrigger(pattern), fragment)
    deep: dict = {"x": ["leaf"]}
    for _ in range(1_500):
        deep = {"x": deep}
    assert_error("EVENT_PATTERN", lambda: EventTrigger({"source": ["a"], "detail": deep}), "nested more than 100")


@case("EVENT_PATTERN_SIZE")
def _() -> None:
    pattern = {"source": [f"my.app.source{i:04d}" for i in range(120)]}
    assert_error("EVENT_PATTERN_SIZE", lambda: EventTrigger(pattern), "event_pattern is 2,412 characters",
                 "2,048 characters")


@case("EVENT_RETRY_POLICY")
def _() -> None:
    assert_error("EVENT_RETRY_POLICY", lambda: EventTrigger({"source": ["a"]}, retry_attempts=200),
                 "EventTrigger at tests/rule_cases_triggers.py:", "retry_attempts=200")
    assert_error("EVENT_RETRY_POLICY", lambda: ScheduleTrigger("rate(1 hour)", max_event_age=Duration.days(2)),
                 "ScheduleTrigger at tests/rule_cases_triggers.py:", "max_event_age=172800 s")


@case("EVENT_DESCRIPTION")
def _() -> None:
    assert_error("EVENT_DESCRIPTION", lambda: EventTrigger({"source": ["a"]}, description="r" * 513),
                 "EventTrigger at tests/rule_cases_triggers.py:", "description is 513 characters", "at most 512")
    assert_error("EVENT_DESCRIPTION", lambda: ScheduleTrigger("rate(1 hour)", description="s" * 600),
                 "ScheduleTrigger at tests/rule_cases_triggers.py:", "description is 600 characters")
    EventTrigger({"source": ["a"]}, description="r" * 512)


@case("EVENT_DLQ_FIFO")
def _() -> None:
    stack = new_stack()
    fifo = sqs.Queue(stack, "Dlq", fifo=True)
    assert_error("EVENT_DLQ_FIFO", lambda: EventTrigger({"source": ["a"]}, dead_letter_queue=fifo),
                 "dead_letter_queue is a FIFO queue")


@case("SCHEDULE_EXPRESSION")
def _() -> None:
    for expression, fragment in [
        ("rate(1 minutes)", "use 'minute' for 1 and 'minutes' otherwise"),
        ("rate(0 hours)", "the rate must be at least 1"),
        ("rate(5 weeks)", "rate() takes a whole number"),
        ("cron(0 3 * * *)", "cron() needs 6 fields"),
        ("cron(0 25 * * ? *)", "hours value '25' is outside 0..23"),
        ("cron(0 3 * * * *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(0 3 ? * MON#6 *)", "day-of-week 'MON#6' must be day#n"),
        ("cron(0/0 * * * ? *)", "minutes step '0' must be a positive number"),
        ("at(2027-02-30T10:00:00)", "at() date is invalid"),
        ("every day", "neither rate(...), cron(...) nor at(...)"),
    ]:
        assert_error("SCHEDULE_EXPRESSION", lambda expression=expression: ScheduleTrigger(expression),
                     f"schedule {expression!r}", fragment)
    for valid in ("rate(1 minute)", "rate(12 hours)", "cron(0/15 8-18 ? * MON-FRI *)", "cron(0 12 L * ? 2027)",
                  "cron(30 9 ? JAN-MAR 2#1 *)", "cron(0 0 15W * ? *)", "at(2027-01-31T09:00:00)"):
        ScheduleTrigger(valid)


@case("SCHEDULE_TIMEZONE")
def _() -> None:
    assert_error("SCHEDULE_TIMEZONE", lambda: ScheduleTrigger("rate(1 hour)", timezone="Mars/Olympus"),
                 "timezone='Mars/Olympus' is not an IANA time zone")


@case("SCHEDULE_FLEXIBLE_WINDOW")
def _() -> None:
    assert_error("SCHEDULE_FLEXIBLE_WINDOW",
                 lambda: ScheduleTrigger("rate(1 hour)", flexible_window=Duration.hours(25)),
                 "flexible_window=1500 min")
    assert_error("SCHEDULE_FLEXIBLE_WINDOW",
                 lambda: ScheduleTrigger("rate(1 hour)", flexible_window=Duration.seconds(90)),
                 "flexible_window=1.5 min", "whole minutes")


@case("DURATION_WHOLE_SECONDS")
def _() -> None:
    assert_error("DURATION_WHOLE_SECONDS", lambda: QueueTrigger(max_batching_window=Duration.millis(500)),
                 "max_batching_window=500 ms is not a whole number of seconds", "Duration.seconds(1)")
    assert_error("DURATION_WHOLE_SECONDS", lambda: fn(new_stack(), timeout=Duration.millis(1500)),
                 "Test/Fn: timeout=1500 ms")
    # API integration timeouts are milliseconds: 50 ms is a valid one
    fn(new_stack(), timeout=Duration.seconds(1), triggers=[ApiTrigger(
        ServerlessApi(new_stack(), "Api", integration_timeout=Duration.millis(50)), "GET /fast")])


@case("FN_ASYNC_INVOKES")
def _() -> None:
    stack = new_stack()
    fn = ServerlessFunction(stack, "Fn", source="tests/handler", async_invokes=False, triggers=[QueueTrigger()])
    assert_error("FN_ASYNC_INVOKES", lambda: fn.add_trigger(S3Trigger()),
                 "Test/Fn: async_invokes=False, but S3Trigger invokes it asynchronously", "leave async_invokes unset")


# --- SNS ----------------------------------------------------------------------------------------------------

@case("TOPIC_FILTER_POLICY")
def _() -> None:
    assert_error("TOPIC_FILTER_POLICY", lambda: TopicTrigger(filter_policy={"kind": "order"}),
                 "filter_policy.kind is 'order': each key takes a non-empty list", "[TOPIC_FILTER_POLICY:")
    assert_error("TOPIC_FILTER_POLICY", lambda: TopicTrigger(filter_policy={"order": {"total": [1]}}),
                 "filter_policy.order is a nested object", "MessageBody")
    assert_error("TOPIC_FILTER_POLICY", lambda: TopicTrigger(filter_policy={"total": [{"numeric": ["!", 1]}]}),
                 "numeric operator '!'")
    assert_error("TOPIC_FILTER_POLICY", lambda: TopicTrigger(filter_policy={"total": [2_000_000_000]}),
                 "SNS matches numbers from -1e9 to 1e9")
    assert_error("TOPIC_FILTER_POLICY", lambda: TopicTrigger(filter_policy_scope="Body"),
                 "filter_policy_scope='Body'")
    TopicTrigger(filter_policy={"order": {"total": [{"numeric": [">", 0, "<=", 5]}]}},
                 filter_policy_scope="MessageBody")  # nested, in the body: fine


@case("TOPIC_FILTER_KEYS")
def _() -> None:
    assert_error("TOPIC_FILTER_KEYS", lambda: TopicTrigger(filter_policy={k: ["x"] for k in "abcdef"}),
                 "filter_policy has 6 keys (a, b, c, d, e, f)", "keep at most 5")
    TopicTrigger(filter_policy={k: ["x"] for k in "abcde"})


@case("TOPIC_FILTER_COMBINATIONS")
def _() -> None:
    assert_error("TOPIC_FILTER_COMBINATIONS",
                 lambda: TopicTrigger(filter_policy={"a": list("abcdefghijklm"), "b": list("abcdefghijklm")}),
                 "filter_policy has 169 combinations of values", "at or below 150")
    TopicTrigger(filter_policy={"a": list("abcdefghijkl"), "b": list("abcdefghijkl")})  # 144


# --- streams ------------------------------------------------------------------------------------------------

def _table(stream: bool):  # type: ignore[no-untyped-def]
    from aws_cdk import aws_dynamodb as dynamodb

    return dynamodb.Table(new_stack(), "Jobs", partition_key=dynamodb.Attribute(
        name="id", type=dynamodb.AttributeType.STRING),
        stream=dynamodb.StreamViewType.NEW_IMAGE if stream else None)


@case("STREAM_SOURCE")
def _() -> None:
    assert_error("STREAM_SOURCE", lambda: StreamTrigger(_table(stream=False)),
                 "table Test/Jobs has no DynamoDB stream", "stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES")
    StreamTrigger(_table(stream=True))


@case("STREAM_BATCH_SIZE")
def _() -> None:
    assert_error("STREAM_BATCH_SIZE", lambda: StreamTrigger(batch_size=10_001), "batch_size=10001 is outside 1..10,000")
    assert_error("STREAM_BATCH_SIZE", lambda: StreamTrigger(batch_size=0), "batch_size=0")
    StreamTrigger(batch_size=10_000)


@case("STREAM_BATCHING_WINDOW")
def _() -> None:
    assert_error("STREAM_BATCHING_WINDOW", lambda: StreamTrigger(max_batching_window=Duration.seconds(301)),
                 "max_batching_window=301 s is outside 0..300 s")
    StreamTrigger(max_batching_window=Duration.minutes(5))


@case("STREAM_RETRY_ATTEMPTS")
def _() -> None:
    assert_error("STREAM_RETRY_ATTEMPTS", lambda: StreamTrigger(retry_attempts=-1), "retry_attempts=-1 is outside "
                 "0..10,000", "unbounded retries stall the shard")
    StreamTrigger(retry_attempts=0)


@case("STREAM_RECORD_AGE")
def _() -> None:
    assert_error("STREAM_RECORD_AGE", lambda: StreamTrigger(max_record_age=Duration.seconds(59)),
                 "max_record_age=59 s is outside 60..604,800 s")
    assert_error("STREAM_RECORD_AGE", lambda: StreamTrigger(max_record_age=Duration.days(8)), "691200 s")
    StreamTrigger(max_record_age=Duration.days(7))


@case("STREAM_PARALLELIZATION")
def _() -> None:
    assert_error("STREAM_PARALLELIZATION", lambda: StreamTrigger(parallelization_factor=11),
                 "parallelization_factor=11 is outside 1..10")
    StreamTrigger(parallelization_factor=10)


@case("STREAM_TUMBLING_WINDOW")
def _() -> None:
    assert_error("STREAM_TUMBLING_WINDOW", lambda: StreamTrigger(tumbling_window=Duration.minutes(16)),
                 "tumbling_window=960 s is outside 0..900 s")
    StreamTrigger(tumbling_window=Duration.minutes(15))


@case("STREAM_STARTING_POSITION")
def _() -> None:
    at = lambda_.StartingPosition.AT_TIMESTAMP
    assert_error("STREAM_STARTING_POSITION", lambda: StreamTrigger(_table(stream=True), starting_position=at,
                                                                   starting_position_timestamp=1.0),
                 "AT_TIMESTAMP on a DynamoDB stream")
    assert_error("STREAM_STARTING_POSITION", lambda: StreamTrigger(starting_position=at), "without a timestamp")
    assert_error("STREAM_STARTING_POSITION", lambda: StreamTrigger(starting_position_timestamp=1.0),
                 "starting_position_timestamp=1.0 with starting_position=TRIM_HORIZON")
    StreamTrigger(starting_position=at, starting_position_timestamp=1_700_000_000.0)


@case("STREAM_FILTER")
def _() -> None:
    assert_error("STREAM_FILTER", lambda: StreamTrigger(filters=[{"eventName": "INSERT"}]), "filter {'eventName': "
                 "'INSERT'}")
    assert_error("STREAM_FILTER", lambda: StreamTrigger(filters=[{"a": [str(i)]} for i in range(11)]), "11 filters")
    StreamTrigger(filters=[{"eventName": ["INSERT"]}])


@case("STREAM_ON_FAILURE_QUEUE")
def _() -> None:
    fifo = sqs.Queue(new_stack(), "Dropped", fifo=True)
    assert_error("STREAM_ON_FAILURE_QUEUE", lambda: StreamTrigger(on_failure_queue=fifo),
                 "on_failure_queue Test/Dropped is a FIFO queue", "pass a standard queue")
