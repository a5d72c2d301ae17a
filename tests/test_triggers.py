"""Each trigger: snapshot of a typical use, and assertions of what it must guarantee."""

from __future__ import annotations

import json

import pytest
from aws_cdk import Duration
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_events as events
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match

from constructs_lib import (
    Alerting,
    ApiAuthorization,
    ApiTrigger,
    ConfigError,
    EventTrigger,
    QueueTrigger,
    S3Trigger,
    ScheduleTrigger,
    ServerlessApi,
    ServerlessFunction,
)
from constructs_lib.nag import acknowledge, finding_resource
from constructs_lib.testing import new_stack, synth

TLS_ONLY = Match.object_like({
    "Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}},
})


def function(stack, id="Fn", **props):  # type: ignore[no-untyped-def]
    return ServerlessFunction(stack, id, source="tests/handler", **props)


# --- S3 -----------------------------------------------------------------------------------------------------

def test_s3_trigger_with_created_bucket(snapshot):
    stack = new_stack()
    trigger = S3Trigger(prefix="uploads/", suffix=".jpg")
    fn = function(stack, triggers=[trigger])
    result = synth(stack)
    assert result.template == snapshot
    t = result.assertions
    t.has_resource_properties("AWS::S3::Bucket", {
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                           "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
        "LoggingConfiguration": {"DestinationBucketName": {"Ref": Match.string_like_regexp("FnBucketAccessLogs")}},
    })
    t.has_resource_properties("AWS::S3::BucketPolicy", {
        "Bucket": {"Ref": Match.string_like_regexp("^FnBucket(?!Access)")},
        "PolicyDocument": {"Statement": Match.array_with([TLS_ONLY])},
    })
    t.has_resource_properties("Custom::S3BucketNotifications", {"NotificationConfiguration": {
        "LambdaFunctionConfigurations": [{
            "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".jpg"},
                                               {"Name": "prefix", "Value": "uploads/"}]}},
            "LambdaFunctionArn": Match.any_value(),
        }]}})
    assert trigger.bucket.node.path == "Test/Fn/Bucket" and trigger.function is fn


def test_s3_trigger_without_filters_covers_the_whole_bucket():
    stack = new_stack()
    function(stack, triggers=[S3Trigger()])
    synth(stack).assertions.has_resource_properties("Custom::S3BucketNotifications", {"NotificationConfiguration": {
        "LambdaFunctionConfigurations": [{"Events": ["s3:ObjectCreated:*"], "LambdaFunctionArn": Match.any_value()}]}})


def test_s3_trigger_on_imported_bucket_goes_through_eventbridge():
    stack = new_stack()
    bucket = s3.Bucket.from_bucket_name(stack, "Theirs", "their-bucket")
    trigger = S3Trigger(bucket, prefix="in/", suffix=".csv")
    function(stack, triggers=[trigger])
    result = synth(stack)
    assert result.count("Custom::S3BucketNotifications") == 0
    result.assertions.has_resource_properties("AWS::Events::Rule", {
        "EventPattern": {"source": ["aws.s3"], "detail-type": ["Object Created"],
                         "detail": {"bucket": {"name": ["their-bucket"]},
                                    "object": {"key": [{"wildcard": "in/*.csv"}]}}},
        "Targets": [Match.object_like({
            "RetryPolicy": {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400},
            "DeadLetterConfig": {"Arn": {"Fn::GetAtt": [Match.string_like_regexp("FnS3EventsDeadLetters"), "Arn"]}},
        })],
    })
    assert trigger.rule is not None and trigger.dead_letter_queue is not None


def test_s3_trigger_eventbridge_delivery_on_owned_bucket_turns_it_on():
    stack = new_stack()
    function(stack, triggers=[S3Trigger(delivery="eventbridge",
                                        events=[s3.EventType.OBJECT_CREATED, s3.EventType.OBJECT_REMOVED])])
    result = synth(stack)
    result.assertions.has_resource_properties("Custom::S3BucketNotifications", {
        "NotificationConfiguration": {"EventBridgeConfiguration": {}}})
    result.assertions.has_resource_properties("AWS::Events::Rule", {"EventPattern": {
        "detail-type": ["Object Created", "Object Deleted"], "detail": {"bucket": {"name": Match.any_value()}}}})


def test_s3_trigger_disjoint_filters_on_one_bucket_are_fine():
    stack = new_stack()
    bucket = S3Trigger(prefix="a/")
    function(stack, "A", triggers=[bucket])
    function(stack, "B", triggers=[S3Trigger(bucket.bucket, prefix="b/")])
    function(stack, "C", triggers=[S3Trigger(bucket.bucket, prefix="a/", events=[s3.EventType.OBJECT_REMOVED])])
    synth(stack).assertions.resource_count_is("Custom::S3BucketNotifications", 1)


def test_s3_trigger_write_to_a_separate_prefix_is_not_a_loop():
    stack = new_stack()
    trigger = S3Trigger(prefix="uploads/")
    fn = function(stack, triggers=[trigger])
    trigger.bucket.grant_put(fn, "thumbnails/*")
    thumbnails = finding_resource(stack, trigger.bucket.arn_for_objects("thumbnails/*"))
    acknowledge(fn.role, "test: writes are scoped to thumbnails/", "AwsSolutions-IAM5[Action::s3:Abort*]",
                f"AwsSolutions-IAM5[Resource::{thumbnails}]")
    synth(stack)



def role_statements(result, name: str) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    role = next(r for k, r in result.resources("AWS::IAM::Role").items() if k.startswith(name))
    return role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]


def test_s3_trigger_lets_the_function_read_what_it_fires_for_and_nothing_else():
    """Users expect a function triggered by an upload to be able to read it: GetObject on the trigger's prefix (and
    decrypt with the bucket's KMS key when the app knows it); read=False grants nothing."""
    from aws_cdk import aws_kms as kms

    stack = new_stack()
    function(stack, "Reads", triggers=[S3Trigger(prefix="uploads/")])
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    encrypted = s3.Bucket(stack, "Encrypted", encryption_key=key, enforce_ssl=True, server_access_logs_prefix="logs/")
    acknowledge(encrypted, "test bucket", "AwsSolutions-S1")
    function(stack, "Decrypts", triggers=[S3Trigger(encrypted)])
    function(stack, "Silent", triggers=[S3Trigger(prefix="in/", read=False)])
    result = synth(stack)
    reads = [s for s in role_statements(result, "ReadsRole") if s["Action"] == "s3:GetObject"]
    assert len(reads) == 1 and reads[0]["Resource"]["Fn::Join"][1][1] == "/uploads/*"
    decrypts = role_statements(result, "DecryptsRole")
    assert any(s["Action"] == "s3:GetObject" and s["Resource"]["Fn::Join"][1][1] == "/*" for s in decrypts)
    assert any(s["Action"] == "kms:Decrypt" for s in decrypts)
    assert not [s for s in role_statements(result, "SilentRole") if "s3:" in str(s["Action"])]


# --- SQS ----------------------------------------------------------------------------------------------------

def test_queue_trigger_creates_queue_with_dlq_and_partial_batch_failures(snapshot):
    stack = new_stack()
    trigger = QueueTrigger(batch_size=50, max_batching_window=Duration.seconds(5), max_concurrency=5)
    function(stack, triggers=[trigger], timeout=Duration.seconds(30))
    result = synth(stack)
    assert result.template == snapshot
    t = result.assertions
    t.has_resource_properties("AWS::Lambda::EventSourceMapping", {
        "BatchSize": 50, "MaximumBatchingWindowInSeconds": 5, "ScalingConfig": {"MaximumConcurrency": 5},
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
    })
    t.has_resource_properties("AWS::SQS::Queue", {
        "VisibilityTimeout": 185,  # 6 x 30 s + 5 s window
        "SqsManagedSseEnabled": True,
        "RedrivePolicy": {"maxReceiveCount": 5, "deadLetterTargetArn": Match.any_value()},
    })
    t.has_resource_properties("AWS::SQS::QueuePolicy", {"PolicyDocument": {"Statement": [TLS_ONLY]}})
    assert trigger.queue is not None and trigger.dead_letter_queue is not None


def test_queue_trigger_filters_reach_the_event_source_mapping():
    stack = new_stack()
    function(stack, triggers=[QueueTrigger(filters=[{"body": {"kind": ["thumbnail"]}}])])
    synth(stack).assertions.has_resource_properties("AWS::Lambda::EventSourceMapping", {
        "FilterCriteria": {"Filters": [{"Pattern": '{"body":{"kind":["thumbnail"]}}'}]}})


def test_queue_trigger_fifo_gets_a_fifo_dlq():
    stack = new_stack()
    function(stack, triggers=[QueueTrigger(fifo=True, batch_size=10)])
    result = synth(stack)
    fifo = [q for q in result.resources("AWS::SQS::Queue").values() if q["Properties"].get("FifoQueue")]
    assert len(fifo) == 2  # the queue and its DLQ


def test_queue_trigger_with_given_queue_grants_least_privilege():
    stack = new_stack()
    dlq = sqs.Queue(stack, "Dlq", enforce_ssl=True)
    acknowledge(dlq, "test DLQ", "AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy")
    queue = sqs.Queue(stack, "Jobs", visibility_timeout=Duration.seconds(120), enforce_ssl=True,
                      dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=3))
    trigger = QueueTrigger(queue)
    function(stack, triggers=[trigger])
    Alerting(stack, "Alerts", emails=["ops@example.com"])
    result = synth(stack)
    assert result.warnings == []  # a well-configured given queue, and alarms that reach someone
    result.assertions.has_resource_properties("AWS::IAM::Role", {"Policies": [{
        "PolicyName": "Grants", "PolicyDocument": {"Statement": Match.array_with([{
            "Action": ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
                       "sqs:ReceiveMessage"],
            "Effect": "Allow", "Resource": {"Fn::GetAtt": [Match.string_like_regexp("Jobs"), "Arn"]},
        }])}}]})
    assert trigger.queue is queue and trigger.dead_letter_queue is dlq


# --- API ----------------------------------------------------------------------------------------------------

def test_http_api_routes_logs_throttling_and_one_permission(snapshot):
    stack = new_stack()
    api = ServerlessApi(stack, "Api", throttle_rate_limit=50, throttle_burst_limit=100)
    fn = function(stack, triggers=[ApiTrigger(api, "GET /items/{id}"), ApiTrigger(api, "GET /health", public=True)])
    for index in range(20):
        fn.add_trigger(ApiTrigger(api, f"POST /items/{index}"))
    result = synth(stack)
    assert result.template == snapshot
    t = result.assertions
    t.has_resource_properties("AWS::ApiGatewayV2::Stage", {
        "StageName": "$default", "AutoDeploy": True,
        "DefaultRouteSettings": {"ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 100},
        "AccessLogSettings": {"DestinationArn": Match.any_value(), "Format": Match.string_like_regexp("requestId")},
    })
    t.has_resource_properties("AWS::ApiGatewayV2::Route",
                              {"RouteKey": "GET /items/{id}", "AuthorizationType": "AWS_IAM"})
    t.has_resource_properties("AWS::ApiGatewayV2::Route", {"RouteKey": "GET /health", "AuthorizationType": "NONE"})
    assert result.count("AWS::ApiGatewayV2::Route") == 22
    assert result.count("AWS::Lambda::Permission") == 1  # scoped to the API, not one per route
    assert result.count("AWS::ApiGatewayV2::Integration") == 1
    assert set(result.template["Outputs"]) == {"ApiId", "ApiUrl"}


def test_rest_api_with_stage_name_and_cognito():
    stack = new_stack()
    pool = cognito.UserPool.from_user_pool_id(stack, "Pool", "us-east-1_abc")
    api = ServerlessApi(stack, "Api", kind="rest", stage_name="v1", authorization=ApiAuthorization.cognito(pool))
    function(stack, triggers=[ApiTrigger(api, "GET /items/{id}"), ApiTrigger(api, "ANY /files/{path+}")])
    result = synth(stack)
    result.assertions.has_resource_properties("AWS::ApiGateway::Stage", {
        "StageName": "v1", "TracingEnabled": True,
        "MethodSettings": [Match.object_like({"ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 200})],
        "AccessLogSetting": Match.object_like({"DestinationArn": Match.any_value()}),
    })
    result.assertions.has_resource_properties("AWS::ApiGateway::Method", {
        "HttpMethod": "GET", "AuthorizationType": "COGNITO_USER_POOLS"})
    assert result.count("AWS::Lambda::Permission") == 1


def test_http_api_with_jwt_authorization():
    stack = new_stack()
    api = ServerlessApi(stack, "Api", authorization=ApiAuthorization.jwt("https://issuer.example.com", ["app"]))
    function(stack, triggers=[ApiTrigger(api, "GET /me")])
    t = synth(stack).assertions
    t.has_resource_properties("AWS::ApiGatewayV2::Authorizer", {
        "AuthorizerType": "JWT", "JwtConfiguration": {"Issuer": "https://issuer.example.com", "Audience": ["app"]}})
    t.has_resource_properties("AWS::ApiGatewayV2::Route", {"RouteKey": "GET /me", "AuthorizationType": "JWT"})


# --- EventBridge --------------------------------------------------------------------------------------------

def test_event_trigger_on_custom_bus(snapshot):
    stack = new_stack()
    bus = events.EventBus(stack, "Bus")
    trigger = EventTrigger({"source": ["my.app"], "detail": {"status": ["FAILED"], "size": [{"numeric": [">", 5]}]}},
                           event_bus=bus, retry_attempts=10, max_event_age=Duration.hours(2))
    function(stack, triggers=[trigger])
    result = synth(stack)
    assert result.template == snapshot
    result.assertions.has_resource_properties("AWS::Events::Rule", {
        "EventBusName": {"Ref": Match.string_like_regexp("Bus")},
        "EventPattern": {"source": ["my.app"], "detail": {"status": ["FAILED"], "size": [{"numeric": [">", 5]}]}},
        "Targets": [Match.object_like({"RetryPolicy": {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 7200},
                                       "DeadLetterConfig": Match.any_value()})],
    })
    assert trigger.rule is not None and not trigger.dead_letter_queue.fifo


def test_schedule_trigger_with_timezone_retries_and_dlq(snapshot):
    stack = new_stack()
    trigger = ScheduleTrigger("cron(0 3 * * ? *)", timezone="Europe/Berlin", flexible_window=Duration.minutes(15),
                              payload={"report": "nightly"})
    fn = function(stack, triggers=[trigger])
    fn.add_trigger(ScheduleTrigger("rate(5 minutes)"))
    result = synth(stack)
    assert result.template == snapshot
    result.assertions.has_resource_properties("AWS::Scheduler::Schedule", {
        "ScheduleExpression": "cron(0 3 * * ? *)", "ScheduleExpressionTimezone": "Europe/Berlin",
        "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
        "Target": Match.object_like({
            "Input": '{"report":"nightly"}',
            "RetryPolicy": {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400},
            "DeadLetterConfig": {"Arn": Match.any_value()},
        }),
    })
    result.assertions.has_resource_properties("AWS::Scheduler::Schedule", {
        "ScheduleExpression": "rate(5 minutes)", "FlexibleTimeWindow": {"Mode": "OFF"}})
    result.assertions.has_resource_properties("AWS::IAM::Role", {"AssumeRolePolicyDocument": {"Statement": [
        Match.object_like({"Principal": {"Service": "scheduler.amazonaws.com"},
                           "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}})]}})
    assert result.count("AWS::Scheduler::Schedule") == 2 and trigger.schedule is not None


# --- several triggers of one kind, and authorization that is never silently dropped (issue 13) -------------

def test_a_function_takes_several_triggers_of_the_same_kind():
    from aws_cdk import aws_s3 as s3

    stack = new_stack()
    imported = [s3.Bucket.from_bucket_name(stack, f"Imported{i}", f"partner-bucket-{i}") for i in range(2)]
    function = ServerlessFunction(stack, "Fn", source="tests/handler", triggers=[
        QueueTrigger(), QueueTrigger(),
        S3Trigger(prefix="a/"), S3Trigger(prefix="b/"),
        S3Trigger(imported[0]), S3Trigger(imported[1]),
        EventTrigger({"source": ["a"]}), EventTrigger({"source": ["b"]}),
        ScheduleTrigger("rate(1 hour)"), ScheduleTrigger("rate(2 hours)"),
    ])
    queues = [t for t in function.triggers if isinstance(t, QueueTrigger)]
    assert queues[0].queue is not queues[1].queue
    assert queues[0].dead_letter_queue is not queues[1].dead_letter_queue
    result = synth(stack)
    assert result.count("AWS::Lambda::EventSourceMapping") == 2
    assert result.count("AWS::Events::Rule") == 4  # two S3-over-EventBridge routes, two event rules
    assert result.count("AWS::Scheduler::Schedule") == 2


AUTHORIZATIONS = {
    "iam": (lambda pool: ApiAuthorization.iam(), "AWS_IAM", "AWS_IAM"),
    "jwt": (lambda pool: ApiAuthorization.jwt("https://issuer.example.com", ["app"]), "JWT", None),
    "cognito": (lambda pool: ApiAuthorization.cognito(pool), "JWT", "COGNITO_USER_POOLS"),
    "none": (lambda pool: ApiAuthorization.public(), "NONE", "NONE"),
}


@pytest.mark.parametrize("kind", ["http", "rest"])
@pytest.mark.parametrize("auth", sorted(AUTHORIZATIONS))
def test_each_api_kind_deploys_the_authorization_asked_for_or_refuses_it(kind, auth):
    from aws_cdk import aws_cognito as cognito

    from constructs_lib import ConfigError

    stack = new_stack(nag=False)
    pool = cognito.UserPool.from_user_pool_id(stack, "Pool", "us-east-1_abc")
    make, http_type, rest_type = AUTHORIZATIONS[auth]
    api = ServerlessApi(stack, "Api", kind=kind)
    expected = http_type if kind == "http" else rest_type
    if expected is None:  # JWT on REST: refused at the user's line, never deployed as an open route
        with pytest.raises(ConfigError, match=r"ApiTrigger at tests/test_triggers.py:\d+: route 'GET /items': a JWT "
                                              "authorizer on a REST API"):
            ApiTrigger(api, "GET /items", authorization=make(pool))
        return
    ServerlessFunction(stack, "Fn", source="tests/handler", triggers=[ApiTrigger(api, "GET /items",
                                                                               authorization=make(pool))])
    result = synth(stack, lint=False)
    if kind == "http":
        (route,) = result.resources("AWS::ApiGatewayV2::Route").values()
        assert route["Properties"].get("AuthorizationType", "NONE") == expected
    else:
        (method,) = result.resources("AWS::ApiGateway::Method").values()
        assert method["Properties"]["AuthorizationType"] == expected


def test_routes_with_different_issuers_get_their_own_authorizers():
    stack = new_stack(nag=False)
    api = ServerlessApi(stack, "Api", authorization=ApiAuthorization.jwt("https://a.example.com", ["a"]))
    ServerlessFunction(stack, "Fn", source="tests/handler", triggers=[
        ApiTrigger(api, "GET /a"),
        ApiTrigger(api, "GET /b", authorization=ApiAuthorization.jwt("https://b.example.com", ["b"])),
    ])
    authorizers = synth(stack, lint=False).resources("AWS::ApiGatewayV2::Authorizer").values()
    issuers = sorted(a["Properties"]["JwtConfiguration"]["Issuer"] for a in authorizers)
    assert issuers == ["https://a.example.com", "https://b.example.com"]


# --- what a user naturally passes is accepted (issue 13: false alarms) --------------------------------------

def test_natural_inputs_are_accepted():
    from aws_cdk import TimeZone
    from aws_cdk import aws_scheduler as scheduler

    stack = new_stack()
    api = ServerlessApi(stack, "Api", integration_timeout=Duration.seconds(30))  # HTTP APIs allow 30 s
    fn = function(stack, triggers=ApiTrigger(api, "GET /one"))  # one trigger, not a list
    fn.add_trigger(ScheduleTrigger(events.Schedule.rate(Duration.minutes(5))))
    fn.add_trigger(ScheduleTrigger(scheduler.ScheduleExpression.cron(minute="0", hour="3",
                                                                       time_zone=TimeZone.EUROPE_BERLIN)))
    fn.add_trigger(EventTrigger({"source": [{"prefix": "my."}], "detail-type": [{"anything-but": ["Heartbeat"]}],
                                 "$or": [{"detail": {"size": [{"numeric": [">", 0, "<=", 100]}]}},
                                         {"detail": {"urgent": [True]}}]}))
    imported = s3.Bucket.from_bucket_name(stack, "Theirs", "their-bucket")
    fn.add_trigger(S3Trigger(imported, events=[s3.EventType.OBJECT_TAGGING_PUT, s3.EventType.OBJECT_ACL_PUT,
                                                s3.EventType.LIFECYCLE_TRANSITION, s3.EventType.OBJECT_RESTORE]))
    result = synth(stack)
    t = result.assertions
    t.has_resource_properties("AWS::ApiGatewayV2::Integration", {"TimeoutInMillis": 30000})
    t.has_resource_properties("AWS::Scheduler::Schedule", {"ScheduleExpression": "rate(5 minutes)"})
    t.has_resource_properties("AWS::Scheduler::Schedule", {
        "ScheduleExpression": "cron(0 3 * * ? *)", "ScheduleExpressionTimezone": "Europe/Berlin"})
    t.has_resource_properties("AWS::Events::Rule", {"EventPattern": {
        "source": [{"prefix": "my."}], "detail-type": [{"anything-but": ["Heartbeat"]}],
        "$or": [{"detail": {"size": [{"numeric": [">", 0, "<=", 100]}]}}, {"detail": {"urgent": [True]}}]}})
    t.has_resource_properties("AWS::Events::Rule", {"EventPattern": Match.object_like({
        "source": ["aws.s3"], "detail-type": ["Object ACL Updated", "Object Restore Completed",
                                              "Object Restore Expired", "Object Restore Initiated",
                                              "Object Storage Class Changed", "Object Tags Added"]})})
    # sub-second integration timeouts, as AWS allows them
    fast = new_stack()
    ServerlessApi(fast, "Api", kind="rest", integration_timeout=Duration.millis(500))


def test_trigger_errors_say_which_trigger():
    """Two triggers of one kind: the error names the line that created the wrong one."""
    with pytest.raises(ConfigError) as info:
        [QueueTrigger(batch_size=5), QueueTrigger(batch_size=0)]  # noqa: B018
    assert f"QueueTrigger at tests/test_triggers.py:{info.tb.tb_lineno}:" in str(info.value)


# --- SNS ----------------------------------------------------------------------------------------------------

def test_topic_trigger_creates_an_encrypted_topic_and_a_subscription_with_its_own_dlq(snapshot):
    from aws_cdk import aws_sns as sns

    from constructs_lib import TopicTrigger

    stack = new_stack()
    trigger = TopicTrigger(filter_policy={"kind": ["order", "refund"], "total": [{"numeric": [">", 100]}]})
    fn = function(stack, triggers=[trigger])
    result = synth(stack)
    assert result.template == snapshot
    result.assertions.has_resource_properties("AWS::SNS::Topic", {
        "KmsMasterKeyId": Match.any_value()})  # encrypted
    result.assertions.has_resource_properties("AWS::SNS::TopicPolicy", {
        "PolicyDocument": {"Statement": Match.array_with([TLS_ONLY])}})
    result.assertions.has_resource_properties("AWS::SNS::Subscription", {
        "Protocol": "lambda", "FilterPolicyScope": "MessageAttributes",
        "FilterPolicy": {"kind": ["order", "refund"], "total": [{"numeric": [">", 100]}]},
        "RedrivePolicy": {"deadLetterTargetArn": Match.any_value()}})
    # SNS invokes asynchronously: the function's own on-failure queue applies too
    assert fn.failure_queue is not None and trigger.dead_letter_queue is not None
    assert isinstance(trigger.topic, sns.Topic) and trigger.subscription is not None
    alarm = next(r for r in result.template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm")
    assert "TopicDeadLetters" in str(alarm) and "FailedInvocations" in str(alarm)  # both queues on the alarm
    assert "NumberOfNotificationsFailed" in str(alarm)  # and what its own topic failed to deliver


def test_topic_trigger_on_a_given_topic_with_a_body_filter_follows_the_alias():
    from aws_cdk import aws_sns as sns

    from constructs_lib import Deployment, TopicTrigger

    stack = new_stack()
    topic = sns.Topic(stack, "Orders", enforce_ssl=True, master_key=None)
    acknowledge(topic, "A test topic.", "AwsSolutions-SNS2")
    function(stack, deployment=Deployment.all_at_once(), triggers=[
        TopicTrigger(topic, filter_policy={"order": {"total": [{"numeric": [">=", 1]}]}},
                     filter_policy_scope="MessageBody")])
    result = synth(stack)
    assert [r["Type"] for r in result.template["Resources"].values()].count("AWS::SNS::Topic") == 1
    alias_id = next(k for k, r in result.template["Resources"].items() if r["Type"] == "AWS::Lambda::Alias")
    result.assertions.has_resource_properties("AWS::SNS::Subscription", {
        "Endpoint": {"Ref": alias_id}, "FilterPolicyScope": "MessageBody"})
    result.assertions.has_resource_properties("AWS::Lambda::Permission", {
        "Principal": "sns.amazonaws.com", "FunctionName": {"Ref": alias_id}})


# --- streams ------------------------------------------------------------------------------------------------

def jobs_table(stack, *, stream: bool = True):  # type: ignore[no-untyped-def]
    from aws_cdk import RemovalPolicy
    from aws_cdk import aws_dynamodb as dynamodb

    table = dynamodb.Table(
        stack, "Jobs", partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST, removal_policy=RemovalPolicy.DESTROY,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True),
        stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES if stream else None)
    return table


def test_stream_trigger_on_a_table_bisects_reports_failures_and_keeps_what_it_drops(snapshot):
    from constructs_lib import StreamTrigger

    stack = new_stack()
    trigger = StreamTrigger(jobs_table(stack), filters=[{"eventName": ["INSERT", "MODIFY"]}])
    function(stack, triggers=[trigger])
    result = synth(stack)
    assert result.template == snapshot
    table_id = next(k for k, r in result.template["Resources"].items() if r["Type"] == "AWS::DynamoDB::Table")
    result.assertions.has_resource_properties("AWS::Lambda::EventSourceMapping", {
        "EventSourceArn": {"Fn::GetAtt": [table_id, "StreamArn"]}, "StartingPosition": "TRIM_HORIZON",
        "BatchSize": 100, "BisectBatchOnFunctionError": True, "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "MaximumRetryAttempts": 10, "MaximumRecordAgeInSeconds": 86_400, "ParallelizationFactor": 1,
        "DestinationConfig": {"OnFailure": {"Destination": Match.any_value()}},
        "FilterCriteria": {"Filters": [{"Pattern": '{"eventName":["INSERT","MODIFY"]}'}]}})
    assert trigger.on_failure_queue is not None
    alarm = next(r for r in result.template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm")
    assert "IteratorAge" in str(alarm) and "StreamFailures" in str(alarm)  # falling behind, and records dropped
    assert "43200000" in str(alarm)  # half of the record age: the alarm rings before a record is dropped
    # no stream warning from the guard: the mapping has its on-failure destination
    assert "ESM_STREAM_ON_FAILURE" not in str(result.warnings)


def test_stream_trigger_makes_an_encrypted_on_demand_kinesis_stream_and_follows_the_alias(snapshot):
    from constructs_lib import Deployment, StreamTrigger

    stack = new_stack()
    trigger = StreamTrigger(batch_size=500, max_batching_window=Duration.seconds(5), parallelization_factor=4,
                            tumbling_window=Duration.seconds(60), retry_attempts=3,
                            max_record_age=Duration.hours(1))
    function(stack, deployment=Deployment.all_at_once(), triggers=[trigger])
    result = synth(stack)
    assert result.template == snapshot
    result.assertions.has_resource_properties("AWS::Kinesis::Stream", {
        "StreamModeDetails": {"StreamMode": "ON_DEMAND"},
        "StreamEncryption": {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}, "RetentionPeriodHours": 24})
    stream_id = next(k for k, r in result.template["Resources"].items() if r["Type"] == "AWS::Kinesis::Stream")
    mapping = next(r for r in result.template["Resources"].values() if r["Type"] == "AWS::Lambda::EventSourceMapping")
    assert ":live" in json.dumps(mapping["Properties"]["FunctionName"])  # the alias, not $LATEST
    result.assertions.has_resource_properties("AWS::Lambda::EventSourceMapping", {
        "EventSourceArn": {"Fn::GetAtt": [stream_id, "Arn"]},
        "BatchSize": 500, "MaximumBatchingWindowInSeconds": 5, "ParallelizationFactor": 4,
        "TumblingWindowInSeconds": 60, "MaximumRetryAttempts": 3, "MaximumRecordAgeInSeconds": 3600})
    alarm = next(r for k, r in result.template["Resources"].items() if k.startswith("FnHealth"))
    assert "1800000" in str(alarm)  # 30 min: half of the one-hour record age


def test_stream_trigger_refuses_a_table_without_a_stream():
    from constructs_lib import StreamTrigger

    stack = new_stack()
    with pytest.raises(ConfigError) as info:
        StreamTrigger(jobs_table(stack, stream=False))
    assert "STREAM_SOURCE" in str(info.value) and "has no DynamoDB stream" in str(info.value)
    assert "stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES" in str(info.value)


def test_stream_trigger_takes_a_standard_on_failure_queue_of_yours():
    from constructs_lib import StreamTrigger
    from constructs_lib.queues import secure_queue

    stack = new_stack()
    mine = secure_queue(stack, "Dropped", retention=Duration.days(14))
    acknowledge(mine, "A test queue: the last stop.", "AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy")
    function(stack, triggers=[StreamTrigger(on_failure_queue=mine)])
    result = synth(stack)
    queue_id = next(k for k in result.template["Resources"] if k.startswith("Dropped"))
    result.assertions.has_resource_properties("AWS::Lambda::EventSourceMapping", {
        "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [queue_id, "Arn"]}}}})
    assert [r["Type"] for r in result.template["Resources"].values()].count("AWS::SQS::Queue") == 1  # none made
