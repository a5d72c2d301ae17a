"""The trigger adapters: one reader of each trigger's wiring for `local` and `cost`, and the events they build from
AWS's samples. Read from a real synthesized app with every trigger kind the constructs make."""

from __future__ import annotations

from typing import Any

import pytest

from constructs_lib.adapters import ADAPTERS, OPTIONS, FoundTrigger, TemplateView, triggers_of
from constructs_lib.adapters.rest import resource_path
from constructs_lib.adapters.s3 import S3Adapter

from .conftest import load_event

SOURCE = "tests/fixtures/local_app/lambda_src/echo"


@pytest.fixture(scope="module")
def every_kind() -> dict[str, Any]:
    """A stack with each trigger kind: HTTP and REST routes (behind Lambda authorizers), both S3 deliveries, SQS,
    EventBridge, a schedule, a function URL; one function on a release alias."""
    import aws_cdk as cdk
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_events as events
    from aws_cdk import aws_s3 as s3

    from constructs_lib import (
        Alerting,
        ApiAuthorization,
        ApiTrigger,
        Cors,
        Deployment,
        EventTrigger,
        QueueTrigger,
        S3Trigger,
        ScheduleTrigger,
        ServerlessApi,
        ServerlessFunction,
        StreamTrigger,
        TopicTrigger,
        UrlTrigger,
    )
    from constructs_lib.testing import new_app

    app = new_app(nag=False, context={"aws:cdk:enable-path-metadata": True})
    stack = cdk.Stack(app, "Kinds")
    Alerting(stack, "Alerts")
    http = ServerlessApi(stack, "Http", cors=Cors(allow_origins=["https://app.example.com"]))
    rest = ServerlessApi(stack, "Rest", kind="rest")
    auth = ServerlessFunction(stack, "Auth", source=SOURCE, async_invokes=False)
    partners = ApiAuthorization.lambda_(auth, identity_source="$request.querystring.token")
    ServerlessFunction(stack, "Items", source=SOURCE, deployment=Deployment.all_at_once(), triggers=[
        ApiTrigger(http, "GET /items/{id}", authorization=partners), ApiTrigger(rest, "GET /r/{id}"),
        ApiTrigger(rest, "POST /r/{id}/notes", authorization=ApiAuthorization.lambda_(auth))])
    ServerlessFunction(stack, "Thumbs", source=SOURCE, triggers=[
        S3Trigger(prefix="in/", suffix=".txt"),
        S3Trigger(s3.Bucket.from_bucket_name(stack, "Imported", "partner-drops"), prefix="drop/")])
    ServerlessFunction(stack, "Orders", source=SOURCE, triggers=[QueueTrigger()])
    ServerlessFunction(stack, "Audit", source=SOURCE,
                       triggers=[EventTrigger({"source": ["shop.orders"], "detail": {"state": ["PAID"]}},
                                              event_bus=events.EventBus(stack, "Bus"))])
    ServerlessFunction(stack, "Nightly", source=SOURCE, triggers=[ScheduleTrigger("cron(0 3 * * ? *)")])
    ServerlessFunction(stack, "Hook", source=SOURCE, triggers=[UrlTrigger(auth="iam")])
    ServerlessFunction(stack, "Notify", source=SOURCE, triggers=[TopicTrigger(filter_policy={"kind": ["order"]})])
    jobs = dynamodb.Table(
        stack, "Jobs", partition_key=dynamodb.Attribute(name="job", type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name="at", type=dynamodb.AttributeType.NUMBER),
        stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES)
    ServerlessFunction(stack, "Tail", source=SOURCE, triggers=[StreamTrigger(jobs), StreamTrigger()])
    assembly = app.synth()
    return assembly.get_stack_by_name("Kinds").template  # type: ignore[no-any-return]


def found(template: dict[str, Any], construct: str) -> list[FoundTrigger]:
    resources = template["Resources"]
    function = next(k for k, r in resources.items() if r["Type"] == "AWS::Lambda::Function"
                    and r["Metadata"]["aws:cdk:path"] == f"Kinds/{construct}/Function/Resource")
    return triggers_of(resources).get(function, [])


def described(template: dict[str, Any], construct: str) -> list[str]:
    return [t.adapter.describe(t.detail) for t in found(template, construct)]


def test_each_kind_is_read_from_the_template(every_kind):
    assert described(every_kind, "Items") == [
        "API GET /items/{id} (CUSTOM)", "REST API GET /r/{id} (AWS_IAM)", "REST API POST /r/{id}/notes (CUSTOM)"]
    assert described(every_kind, "Auth") == ["authorizer of API GET /items/{id}",
                                             "authorizer of REST API POST /r/{id}/notes"]
    assert described(every_kind, "Thumbs") == ["S3 in/*.txt", "S3 drop/* over EventBridge"]
    assert described(every_kind, "Orders") == ["SQS"]
    assert described(every_kind, "Audit") == ['EventBridge {"detail": {"state": ["PAID"]}, "source": ["shop.orders"]}']
    assert described(every_kind, "Nightly") == ["schedule cron(0 3 * * ? *)"]
    assert described(every_kind, "Hook") == ["function URL (AWS_IAM)"]
    assert described(every_kind, "Notify") == ['SNS topic NotifyTopic749CF698 filtered by {"kind": ["order"]}']
    assert described(every_kind, "Tail") == ["DynamoDB stream of table JobsDF1CC2D4",
                                             "Kinesis stream TailStream1C35FE0F6"]
    assert OPTIONS == ["api", "authorizer", "events", "s3", "schedule", "sns", "sqs", "stream", "url"]


def test_events_have_the_shape_aws_sends(every_kind):
    names = {"HttpApi4E1D4184": "abc123", "RestApi79D61EE8": "rest42"}
    by_kind = {t.kind: t for t in found(every_kind, "Items")}
    http = by_kind["http"].adapter.event(by_kind["http"].detail, names)
    assert set(http) == set(load_event("apigw-http-v2.json"))
    assert (http["routeKey"], http["rawPath"], http["pathParameters"]) == ("GET /items/{id}", "/items/1", {"id": "1"})
    rest_trigger = found(every_kind, "Items")[2]
    rest = rest_trigger.adapter.event(rest_trigger.detail, names)
    assert set(rest) == set(load_event("apigw-rest-v1.json"))  # a REST API sends payload 1.0, not 2.0
    assert (rest["resource"], rest["path"], rest["httpMethod"]) == ("/r/{id}/notes", "/r/1/notes", "POST")
    assert rest["requestContext"]["stage"] == "prod" and rest["pathParameters"] == {"id": "1"}
    assert rest["body"] is None and ADAPTERS["rest"].text_fields == {"body"}
    http_authorizer, rest_authorizer = found(every_kind, "Auth")
    asked = http_authorizer.adapter.event(http_authorizer.detail, names)
    assert asked["type"] == "REQUEST" and asked["queryStringParameters"]["token"] == "example-token"
    assert asked["routeArn"].endswith("abc123/$default/GET/items/1")
    policy_asked = rest_authorizer.adapter.event(rest_authorizer.detail, names)
    assert policy_asked["methodArn"].endswith("rest42/prod/POST/r/1/notes")
    assert policy_asked["headers"]["authorization"] == "example-token"


def test_s3_events_name_the_bucket_and_a_key_the_filter_matches(every_kind):
    notification, eventbridge = found(every_kind, "Thumbs")
    record = notification.adapter.event(notification.detail, {notification.detail["bucket"]: "uploads"})["Records"][0]
    assert (record["s3"]["bucket"]["name"], record["s3"]["object"]["key"]) == ("uploads", "in/example.txt")
    event = eventbridge.adapter.event(eventbridge.detail, {})
    assert (event["detail"]["bucket"]["name"], event["detail"]["object"]["key"]) == ("partner-drops",
                                                                                     "drop/example.txt")
    assert set(event) == set(load_event("s3-via-eventbridge-object-created.json"))


def test_an_eventbridge_event_matches_its_rule(every_kind):
    (trigger,) = found(every_kind, "Audit")
    event = trigger.adapter.event(trigger.detail, {})
    assert (event["source"], event["detail"]) == ("shop.orders", {"state": "PAID"})


def test_an_sns_event_names_the_topic_and_passes_the_filter_policy(every_kind):
    (trigger,) = found(every_kind, "Notify")
    arn = "arn:aws:sns:us-east-1:123456789012:orders"
    event = trigger.adapter.event(trigger.detail, {trigger.detail["topic"]: arn})
    record = event["Records"][0]
    sample = load_event_shipped("sns-notification.json")["Records"][0]
    assert set(record) == set(sample) and set(record["Sns"]) == set(sample["Sns"])
    assert record["Sns"]["TopicArn"] == arn and record["EventSubscriptionArn"].startswith(arn + ":")
    assert record["Sns"]["MessageAttributes"] == {"kind": {"Type": "String", "Value": "order"}}


def test_stream_events_name_the_stream_and_the_table_keys(every_kind):
    table, stream = found(every_kind, "Tail")
    event = table.adapter.event(table.detail, {table.detail["source"]: "jobs"})
    sample = load_event_shipped("dynamodb-stream.json")
    assert [r["eventName"] for r in event["Records"]] == ["INSERT", "MODIFY"]
    record = event["Records"][0]
    assert set(record) == set(sample["Records"][0])
    assert record["eventSourceARN"].startswith("arn:aws:dynamodb:us-east-1:123456789012:table/jobs/stream/")
    assert record["dynamodb"]["Keys"] == {"job": {"S": "1"}, "at": {"N": "1"}}  # the table's own keys
    assert record["dynamodb"]["NewImage"]["job"] == {"S": "1"} and "Id" not in record["dynamodb"]["NewImage"]
    kinesis = stream.adapter.event(stream.detail, {stream.detail["source"]: "clicks"})
    assert {r["eventSourceARN"] for r in kinesis["Records"]} == {"arn:aws:kinesis:us-east-1:123456789012:stream/clicks"}
    assert set(kinesis) == {"Records"} and kinesis["Records"][0]["kinesis"]["data"]


def test_a_stream_item_written_by_send_has_the_table_keys():
    from constructs_lib.adapters.streams import _item

    item = _item(b'{"state": "done", "cost": 1.5}', {"job": "S", "at": "N"})
    assert item["state"] == {"S": "done"} and item["cost"] == {"N": "1.5"}
    assert set(item) == {"state", "cost", "job", "at"} and "N" in item["at"] and "S" in item["job"]
    assert _item(b"not json", {"job": "S"})["body"] == {"S": "not json"}
    assert _item(b'{"job": "given"}', {"job": "S"}) == {"job": {"S": "given"}}


def load_event_shipped(name: str) -> dict[str, Any]:
    from constructs_lib.adapters.base import sample

    return sample(name)


def test_schedules_count_their_runs_for_the_bill(every_kind):
    triggers = found(every_kind, "Nightly")
    assert ADAPTERS["schedule"].invocations(triggers) in (30, 31)


def test_rest_resource_paths_and_eventbridge_key_filters():
    resources = {
        "Api": {"Type": "AWS::ApiGateway::RestApi"},
        "A": {"Type": "AWS::ApiGateway::Resource", "Properties": {"PathPart": "a", "ParentId": {
            "Fn::GetAtt": ["Api", "RootResourceId"]}}},
        "B": {"Type": "AWS::ApiGateway::Resource", "Properties": {"PathPart": "{id}", "ParentId": {"Ref": "A"}}},
    }
    view = TemplateView(resources)
    assert resource_path(view, {"Ref": "B"}) == "/a/{id}"
    assert resource_path(view, {"Fn::GetAtt": ["Api", "RootResourceId"]}) == "/"
    rule = {"Type": "AWS::Events::Rule", "Properties": {
        "EventPattern": {"source": ["aws.s3"], "detail": {"object": {"key": [{"wildcard": "in/*.jpg"}]}}},
        "Targets": [{"Arn": {"Fn::GetAtt": ["Fn", "Arn"]}}]}}
    ((function, trigger),) = list(S3Adapter().find(TemplateView({"Fn": {"Type": "AWS::Lambda::Function"},
                                                                 "Rule": rule})))
    assert function == "Fn" and (trigger.detail["prefix"], trigger.detail["suffix"]) == ("in/", ".jpg")


def test_a_template_with_no_triggers_reads_as_none():
    assert triggers_of({"Q": {"Type": "AWS::SQS::Queue"}}) == {}
