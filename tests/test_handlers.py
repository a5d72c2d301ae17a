"""The example app's handlers against the real AWS sample events in ../shared/events/."""

from __future__ import annotations

import copy
import importlib.util
import json
from types import ModuleType

import pytest

from .conftest import ROOT, load_event
from .fakes import FakeDynamoDB, FakeEvents, FakeS3, FakeSNS, FakeSQS

ENV = {"DATA_BUCKET": "data", "JOBS_QUEUE_URL": "https://sqs.local/jobs", "EVENT_BUS_NAME": "default",
       "JOBS_TABLE": "jobs", "REJECTIONS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:rejections"}
LIBRARY_EVENTS = ROOT / "constructs_lib" / "local" / "events"  # real samples for sources ../shared/events lacks


def load_handler(name: str) -> ModuleType:
    """Each function folder is its own deployment package: load it as Lambda would, under its own name."""
    spec = importlib.util.spec_from_file_location(f"handler_{name}", ROOT / "lambda_src" / name / "lambda_function.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def aws(monkeypatch):  # type: ignore[no-untyped-def]
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    return {"s3": FakeS3(), "sqs": FakeSQS(), "events": FakeEvents(), "sns": FakeSNS(), "dynamodb": FakeDynamoDB()}


def with_clients(module: ModuleType, aws: dict) -> ModuleType:  # type: ignore[type-arg]
    module._clients.update(aws)
    return module


# --- S3: check_upload ------------------------------------------------------------------------------------

def test_check_upload_accepts_and_queues_a_job(aws):
    handler = with_clients(load_handler("check_upload"), aws)
    event = load_event("s3-object-created.json")
    record = event["Records"][0]["s3"]
    result = handler.lambda_handler(event, None)
    key = record["object"]["key"]
    assert result["checked"][0]["key"] == key
    verdict = result["checked"][0]["verdict"]
    (check_key,) = [k for _, k in aws["s3"].objects]
    assert check_key.startswith("checks/")
    assert json.loads(aws["s3"].objects[("data", check_key)])["verdict"] == verdict
    # The sample is a .jpg? then a job was queued; otherwise it was recorded as rejected and not queued.
    assert len(aws["sqs"].sent) == (1 if verdict == "accepted" else 0)


def test_check_upload_rejects_wrong_suffix_and_oversize(aws):
    handler = with_clients(load_handler("check_upload"), aws)
    event = load_event("s3-object-created.json")
    record = event["Records"][0]
    record["s3"]["object"]["key"] = "uploads/notes.exe"
    big = copy.deepcopy(record)
    big["s3"]["object"].update(key="uploads/huge.csv", size=10**10)
    good = copy.deepcopy(record)
    good["s3"]["object"].update(key="uploads/my+photo.jpg", size=10)
    event["Records"] = [record, big, good]
    result = handler.lambda_handler(event, None)
    verdicts = [c["verdict"].split(":")[0] for c in result["checked"]]
    assert verdicts == ["rejected", "rejected", "accepted"]
    (queued,) = aws["sqs"].sent
    assert json.loads(queued[1])["key"] == "uploads/my photo.jpg"  # S3 keys arrive URL-encoded
    notices = [json.loads(p["Message"]) for p in aws["sns"].published]
    assert [n["key"] for n in notices] == ["uploads/notes.exe", "uploads/huge.csv"]  # the refused, on the topic
    assert {p["TopicArn"] for p in aws["sns"].published} == {ENV["REJECTIONS_TOPIC_ARN"]}


def test_check_upload_raises_when_storage_fails_so_lambda_retries(aws):
    class Broken(FakeS3):
        def put_object(self, **kwargs):  # type: ignore[no-untyped-def]
            raise ConnectionError("S3 unavailable")

    handler = with_clients(load_handler("check_upload"), {**aws, "s3": Broken()})
    with pytest.raises(ConnectionError):
        handler.lambda_handler(load_event("s3-object-created.json"), None)


# --- SQS: process_job -----------------------------------------------------------------------------------

def test_process_job_reports_only_the_failed_messages(aws):
    handler = with_clients(load_handler("process_job"), aws)
    event = load_event("sqs-batch.json")
    first, second = event["Records"]
    first["body"] = json.dumps({"job_id": "job-1"})
    # second keeps the sample's body, "Test message." — not JSON: it must fail alone
    result = handler.lambda_handler(event, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": second["messageId"]}]}
    assert ("data", "results/job-1.json") in aws["s3"].objects
    assert aws["events"].entries[0]["DetailType"] == "Job Finished"
    (record,) = aws["dynamodb"].items["jobs"]
    assert record["job_id"] == {"S": "job-1"} and record["status"] == {"S": "done"}


def test_process_job_returns_transient_failures_for_retry(aws):
    handler = with_clients(load_handler("process_job"), {**aws, "events": FakeEvents(fail=True)})
    event = load_event("sqs-batch.json")
    for index, record in enumerate(event["Records"]):
        record["body"] = json.dumps({"job_id": f"job-{index}"})
    result = handler.lambda_handler(event, None)
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == [r["messageId"] for r in event["Records"]]


def test_process_job_explicit_failure_flag(aws):
    handler = with_clients(load_handler("process_job"), aws)
    event = load_event("sqs-batch.json")
    event["Records"] = event["Records"][:1]
    event["Records"][0]["body"] = json.dumps({"job_id": "x", "fail": True})
    assert handler.lambda_handler(event, None)["batchItemFailures"] == [
        {"itemIdentifier": event["Records"][0]["messageId"]}]


# --- DynamoDB stream: job_history ------------------------------------------------------------------------

def stream_event() -> dict:  # type: ignore[type-arg]
    """The sample stream batch (an INSERT, then a MODIFY of the same item), keyed by job_id as the Jobs table is."""
    event = json.loads((LIBRARY_EVENTS / "dynamodb-stream.json").read_text())
    for record in event["Records"]:
        change = record["dynamodb"]
        for image in ("Keys", "NewImage", "OldImage"):
            if image in change:
                change[image]["job_id"] = {"S": "job-7"}
                del change[image]["Id"]
    return event


def test_job_history_keeps_each_change_in_stream_order(aws):
    handler = with_clients(load_handler("job_history"), aws)
    assert handler.lambda_handler(stream_event(), None) == {"batchItemFailures": []}
    history = {k: json.loads(v) for (_, k), v in aws["s3"].objects.items()}
    assert sorted(history) == ["history/job-7/111.json", "history/job-7/222.json"]
    assert history["history/job-7/222.json"] == {"event": "MODIFY", "Message": "This item has changed",
                                                 "job_id": "job-7"}


def test_job_history_reports_the_first_failed_record_so_the_rest_is_retried_in_order(aws):
    class FailsOnSecond(FakeS3):
        def put_object(self, **kwargs):  # type: ignore[no-untyped-def]
            if kwargs["Key"].endswith("/222.json"):
                raise ConnectionError("S3 unavailable")
            super().put_object(**kwargs)

    handler = with_clients(load_handler("job_history"), {**aws, "s3": FailsOnSecond()})
    assert handler.lambda_handler(stream_event(), None) == {"batchItemFailures": [{"itemIdentifier": "222"}]}


# --- SNS: notify_rejection -------------------------------------------------------------------------------

def test_notify_rejection_keeps_a_notice_per_refused_upload(aws):
    handler = with_clients(load_handler("notify_rejection"), aws)
    event = json.loads((LIBRARY_EVENTS / "sns-notification.json").read_text())
    event["Records"][0]["Sns"]["Message"] = json.dumps({"job_id": "uploads-notes.exe", "key": "uploads/notes.exe",
                                                        "verdict": "rejected: suffix"})
    assert handler.lambda_handler(event, None) == {"notified": ["rejections/uploads-notes.exe.json"]}
    assert json.loads(aws["s3"].objects[("data", "rejections/uploads-notes.exe.json")])["key"] == "uploads/notes.exe"


# --- API: job_api ---------------------------------------------------------------------------------------

def http_event(method: str, path: str, body: str | None = None) -> dict:  # type: ignore[type-arg]
    event = load_event("apigw-http-v2.json")
    event["requestContext"]["http"].update(method=method, path=path)
    event.update(rawPath=path, routeKey=f"{method} {path}", body=body, isBase64Encoded=False)
    return event


def test_api_health_on_http_and_rest_events(aws):
    handler = with_clients(load_handler("job_api"), aws)
    assert handler.lambda_handler(http_event("GET", "/health"), None)["statusCode"] == 200
    rest = load_event("apigw-rest-v1.json")
    rest.update(path="/health", httpMethod="GET")
    response = handler.lambda_handler(rest, None)
    assert response["statusCode"] == 200 and json.loads(response["body"]) == {"status": "ok"}


def test_api_job_status_found_and_not_found(aws):
    handler = with_clients(load_handler("job_api"), aws)
    missing = handler.lambda_handler(http_event("GET", "/jobs/nope"), None)
    assert missing["statusCode"] == 404 and "nope" in json.loads(missing["body"])["error"]
    aws["s3"].put_object(Bucket="data", Key="results/j1.json", Body=b'{"job_id": "j1", "status": "done"}')
    found = handler.lambda_handler(http_event("GET", "/jobs/j1"), None)
    assert found["statusCode"] == 200 and json.loads(found["body"])["status"] == "done"
    assert found["headers"]["content-type"] == "application/json"


def test_api_submit_job(aws):
    handler = with_clients(load_handler("job_api"), aws)
    accepted = handler.lambda_handler(http_event("POST", "/jobs", json.dumps({"job_id": "j9"})), None)
    assert accepted["statusCode"] == 202 and json.loads(accepted["body"])["job_id"] == "j9"
    assert json.loads(aws["sqs"].sent[0][1]) == {"job_id": "j9"}
    assert handler.lambda_handler(http_event("POST", "/jobs", "not json"), None)["statusCode"] == 400
    assert handler.lambda_handler(http_event("POST", "/jobs", "[1]"), None)["statusCode"] == 400
    invalid = handler.lambda_handler(http_event("POST", "/jobs", json.dumps({"job_id": "has spaces"})), None)
    assert invalid["statusCode"] == 400
    assert json.loads(invalid["body"])["problems"][0]["field"] == "job_id"
    generated = handler.lambda_handler(http_event("POST", "/jobs", json.dumps({"size": 3})), None)
    assert json.loads(aws["sqs"].sent[-1][1]) == {"size": 3, "job_id": json.loads(generated["body"])["job_id"]}


def test_api_unknown_route_and_internal_error(aws):
    handler = with_clients(load_handler("job_api"), aws)
    assert handler.lambda_handler(load_event("apigw-http-v2.json"), None)["statusCode"] == 404  # /my/path

    class Broken(FakeSQS):
        def send_message(self, **kwargs):  # type: ignore[no-untyped-def]
            raise ConnectionError("SQS unavailable")

    with_clients(handler, {"sqs": Broken()})
    failed = handler.lambda_handler(http_event("POST", "/jobs", "{}"), None)
    assert failed["statusCode"] == 500 and json.loads(failed["body"]) == {"error": "internal error"}


# --- EventBridge: job_events, Scheduler: nightly_report ---------------------------------------------------

def test_job_events_records_any_event(aws):
    handler = with_clients(load_handler("job_events"), aws)
    event = load_event("eventbridge-event.json")
    result = handler.lambda_handler(event, None)
    assert result["recorded"] == f"events/ec2-instance-state-change-notification/{event['id']}.json"
    own = copy.deepcopy(event)
    own.update({"detail-type": "Job Finished", "source": "constructs_lib.example", "detail": {"job_id": "j1"}})
    assert handler.lambda_handler(own, None)["recorded"] == "events/job-finished/j1.json"
    assert len(aws["s3"].objects) == 2


def test_nightly_report_counts_finished_jobs(aws):
    handler = with_clients(load_handler("nightly_report"), aws)
    for job in ("b", "a"):
        aws["s3"].put_object(Bucket="data", Key=f"results/{job}.json", Body=b"{}")
    event = load_event("eventbridge-scheduler.json")
    report = handler.lambda_handler(event, None)
    assert report["jobs_finished"] == 2 and report["job_ids"] == ["a", "b"]
    assert ("data", "reports/2025-02-20.json") in aws["s3"].objects


def test_nightly_report_on_demand_through_its_function_url(aws):
    """A function URL sends the HTTP API's payload 2.0: the same report, answered as HTTP."""
    handler = with_clients(load_handler("nightly_report"), aws)
    aws["s3"].put_object(Bucket="data", Key="results/a.json", Body=b"{}")
    answer = handler.lambda_handler(http_event("GET", "/"), None)
    assert answer["statusCode"] == 200 and json.loads(answer["body"])["jobs_finished"] == 1


# --- Lambda authorizer: partner_auth ------------------------------------------------------------------------

def authorizer_event(authorization: str | None) -> dict:  # type: ignore[type-arg]
    """The HTTP API's Lambda authorizer request (payload 2.0): the route's request, plus what an authorizer gets."""
    event = http_event("GET", "/partner/jobs/j1")
    event.update(type="REQUEST", routeArn="arn:aws:execute-api:us-east-1:123456789012:api/$default/GET/partner")
    headers = {k: v for k, v in event["headers"].items() if k.lower() != "authorization"}
    if authorization is not None:
        headers["authorization"] = authorization
    event["headers"] = headers
    event["identitySource"] = [authorization] if authorization else []
    return event


def test_partner_auth_allows_a_known_token_and_names_the_partner(monkeypatch):
    import hashlib

    handler = load_handler("partner_auth")
    monkeypatch.setenv("PARTNER_TOKENS", f"acme:{hashlib.sha256(b's3cret').hexdigest()},other:{'0' * 64}")
    assert handler.lambda_handler(authorizer_event("Bearer s3cret"), None) == {
        "isAuthorized": True, "context": {"partner": "acme"}}
    for header in ("Bearer wrong", "s3cret", "Basic s3cret", "Bearer ", None):
        assert handler.lambda_handler(authorizer_event(header), None)["isAuthorized"] is False, header


def test_partner_auth_denies_everyone_when_no_token_is_configured(monkeypatch):
    handler = load_handler("partner_auth")
    monkeypatch.delenv("PARTNER_TOKENS", raising=False)
    assert handler.lambda_handler(authorizer_event("Bearer anything"), None)["isAuthorized"] is False


def test_api_partner_route_reads_the_partner_from_the_authorizer(aws, capsys):
    handler = with_clients(load_handler("job_api"), aws)
    aws["s3"].put_object(Bucket="data", Key="results/j1.json", Body=b'{"job_id": "j1", "status": "done"}')
    event = http_event("GET", "/partner/jobs/j1")
    event["requestContext"]["authorizer"] = {"lambda": {"partner": "acme"}}
    assert handler.lambda_handler(event, None)["statusCode"] == 200
    assert '"partner": "acme"' in capsys.readouterr().out
