"""`constructs-lib local` without a server: reading the app's functions and triggers, and building the events their
triggers send from the real AWS samples (the commands themselves run on MiniStack in tests/e2e/test_local_cli.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from constructs_lib.local.app import AppError, find_function, read_app
from constructs_lib.local.events import apply_overrides, event_for

from .conftest import load_event


@pytest.fixture(scope="module")
def example_app() -> tuple[list, list]:  # type: ignore[type-arg]
    from constructs_lib.testing import new_app
    from example.stacks import build_app

    app = new_app(nag=False, context={"aws:cdk:enable-path-metadata": True,  # as `cdk synth` writes it
                                      "aws:cdk:enable-asset-metadata": True,
                                      "constructs_lib:codedeploy": False})  # as `local deploy` synthesizes
    build_app(app)
    return read_app(Path(app.synth().directory))


def test_the_example_apps_functions_and_triggers(example_app):
    stacks, functions = example_app
    kinds = {f.path: sorted(t.kind for t in f.triggers) for f in functions}
    assert kinds == {
        "ServerlessApp/ProcessJob": ["sqs"], "ServerlessApp/CheckUpload": ["s3"], "ServerlessApp/JobEvents": ["events"],
        "ServerlessApp/PartnerAuth": [], "ServerlessApp/JobApi": ["api", "api", "api", "api"],
        "ServerlessApp/NightlyReport": ["schedule", "url"]}
    routes = sorted(t.detail["route"] for t in find_function(functions, "ServerlessApp/JobApi").triggers)
    assert routes == ["GET /health", "GET /jobs/{id}", "GET /partner/jobs/{id}", "POST /jobs"]
    check = find_function(functions, "ServerlessApp/CheckUpload")
    assert check.source_dir == "lambda_src/check_upload" and check.handler == "lambda_function.lambda_handler"
    assert (check.asset_dir / "lambda_function.py").exists()
    workers = next(s for s in stacks if s.name == "Workers")
    assert "Fargate tasks (MiniStack runs no containers)" in workers.not_local
    assert not next(s for s in stacks if s.name == "ServerlessApp").not_local
    with pytest.raises(AppError, match="'ServerlessApp/Nope' is not a ServerlessFunction of this app; its functions "
                                       "are:\n  ServerlessApp/ProcessJob"):
        find_function(functions, "ServerlessApp/Nope")


def test_events_are_the_samples_aimed_at_the_trigger(example_app):
    _, functions = example_app
    names = {"CheckUploadBucket3FE4E4E7": "uploads-bucket", "ProcessJobQueue979672D1": "jobs"}

    def event(path: str, kind: str | None = None) -> dict:  # type: ignore[type-arg]
        function = find_function(functions, path)
        names.update({t.detail["bucket"]: "uploads-bucket" for t in function.triggers if t.kind == "s3"})
        names.update({t.detail["queue"]: "jobs" for t in function.triggers if t.kind == "sqs"})
        return event_for(function, names, kind)[1]

    s3 = event("ServerlessApp/CheckUpload")["Records"][0]["s3"]
    assert (s3["bucket"]["name"], s3["object"]["key"]) == ("uploads-bucket", "uploads/example.txt")
    assert set(event("ServerlessApp/CheckUpload")) == set(load_event("s3-object-created.json"))  # the sample's shape
    sqs = event("ServerlessApp/ProcessJob")["Records"]
    assert sqs[0]["eventSourceARN"] == "arn:aws:sqs:us-east-1:123456789012:jobs" and len(sqs) == 2
    api = event("ServerlessApp/JobApi")
    assert api["routeKey"] in ("GET /health", "GET /jobs/{id}", "POST /jobs", "GET /partner/jobs/{id}")
    partner = next(t for t in find_function(functions, "ServerlessApp/JobApi").triggers
                   if t.detail["route"] == "GET /partner/jobs/{id}")
    find_function(functions, "ServerlessApp/JobApi").triggers.insert(0, partner)
    routed = event("ServerlessApp/JobApi")
    assert (routed["rawPath"], routed["pathParameters"]) == ("/partner/jobs/1", {"id": "1"})
    rule = event("ServerlessApp/JobEvents")
    assert (rule["source"], rule["detail-type"]) == ("constructs_lib.example", "Job Finished")
    assert event("ServerlessApp/NightlyReport", "schedule")["source"] == "aws.scheduler"
    assert "requestContext" in event("ServerlessApp/NightlyReport", "url")
    with pytest.raises(AppError, match="ServerlessApp/CheckUpload has no sqs trigger \\(its triggers: s3\\)"):
        event("ServerlessApp/CheckUpload", "sqs")


def test_overrides_keep_text_where_the_event_has_text():
    event = load_event("sqs-batch.json")
    changed = apply_overrides(event, ['Records.0.body={"id": 7}', "Records.1.attributes.ApproximateReceiveCount=3",
                                      "extra.flag=true"])
    assert changed["Records"][0]["body"] == '{"id": 7}'  # an SQS body is text
    assert changed["Records"][1]["attributes"]["ApproximateReceiveCount"] == "3"  # so is this attribute
    assert changed["extra"] == {"flag": True}  # a new field: JSON
    assert event["Records"][0]["body"] != '{"id": 7}'  # the sample is left as it was
    with pytest.raises(AppError, match="--set 'Records.9.body=x': the event has no 'Records.9.body' to set"):
        apply_overrides(event, ["Records.9.body=x"])
    with pytest.raises(AppError, match="write key=value"):
        apply_overrides(event, ["nothing"])


def test_local_commands_outside_an_app_folder(tmp_path):
    done = subprocess.run([sys.executable, "-m", "constructs_lib", "local", "invoke", "A/B"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "no cdk.json in" in done.stderr and "Traceback" not in done.stderr
