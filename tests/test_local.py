"""`constructs-lib local` without a server: reading the app's functions and triggers, and building the events their
triggers send from the real AWS samples (the commands themselves run on MiniStack in tests/e2e/test_local_cli.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from constructs_lib.local.app import AppError, LocalApp, LocalStack, in_deploy_order, read_app
from constructs_lib.local.events import apply_overrides, event_for
from constructs_lib.local.operations import localized_outputs
from constructs_lib.local.project import Project

from .conftest import load_event


@pytest.fixture(scope="module")
def example_app() -> LocalApp:
    from constructs_lib.testing import new_app
    from example.stacks import build_app

    app = new_app(nag=False, context={"aws:cdk:enable-path-metadata": True,  # as `cdk synth` writes it
                                      "aws:cdk:enable-asset-metadata": True,
                                      "constructs_lib:codedeploy": False})  # as `local deploy` synthesizes
    build_app(app)
    return read_app(Path(app.synth().directory))


def test_the_example_apps_functions_and_triggers(example_app):
    kinds = {f.path: sorted(t.kind for t in f.triggers) for f in example_app.functions}
    assert kinds == {
        "ServerlessApp/ProcessJob": ["sqs"], "ServerlessApp/CheckUpload": ["s3"], "ServerlessApp/JobEvents": ["events"],
        "ServerlessApp/PartnerAuth": ["authorizer"], "ServerlessApp/JobApi": ["http", "http", "http", "http"],
        "ServerlessApp/NightlyReport": ["schedule", "url"], "ServerlessApp/JobHistory": ["stream"],
        "ServerlessApp/NotifyRejection": ["sns"]}
    routes = sorted(t.detail["route"] for t in example_app.function("ServerlessApp/JobApi").triggers)
    assert routes == ["GET /health", "GET /jobs/{id}", "GET /partner/jobs/{id}", "POST /jobs"]
    assert example_app.function("ServerlessApp/JobApi").alias_name == "live"  # what its triggers invoke
    authorizer = example_app.function("ServerlessApp/PartnerAuth")
    assert authorizer.describe_triggers() == "authorizer of API GET /partner/jobs/{id}"
    check = example_app.function("ServerlessApp/CheckUpload")
    assert check.source_dir == "lambda_src/check_upload" and check.handler == "lambda_function.lambda_handler"
    assert (check.asset_dir / "lambda_function.py").exists()
    workers = next(s for s in example_app.stacks if s.name == "Workers")
    assert "Fargate tasks (MiniStack runs no containers)" in workers.not_local
    assert not next(s for s in example_app.stacks if s.name == "ServerlessApp").not_local
    with pytest.raises(AppError, match="'ServerlessApp/Nope' is not a ServerlessFunction of this app; its functions "
                                       "are:\n  ServerlessApp/ProcessJob"):
        example_app.function("ServerlessApp/Nope")


def test_events_are_the_samples_aimed_at_the_trigger(example_app):
    names = {"CheckUploadBucket3FE4E4E7": "uploads-bucket", "ProcessJobQueue979672D1": "jobs"}

    def event(path: str, kind: str | None = None) -> dict:  # type: ignore[type-arg]
        function = example_app.function(path)
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
    partner = next(t for t in example_app.function("ServerlessApp/JobApi").triggers
                   if t.detail["route"] == "GET /partner/jobs/{id}")
    example_app.function("ServerlessApp/JobApi").triggers.insert(0, partner)
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


def test_overrides_of_an_api_body_stay_text(example_app):
    """API Gateway sends a request body as a string: `--set body={"id": 1}` must give the handler that string."""
    function = example_app.function("ServerlessApp/JobApi")
    trigger, event = event_for(function, {}, "api")
    assert trigger is not None
    changed = apply_overrides(event, ['body={"id": 1}', "isBase64Encoded=false"], trigger.adapter.text_fields)
    assert changed["body"] == '{"id": 1}' and changed["isBase64Encoded"] is False


# --- the project: its state, and whether its synth is current -----------------------------------------------

def make_project(folder: Path) -> Project:
    (folder / "cdk.json").write_text(json.dumps({"app": "python3 app.py", "watch": {"exclude": ["README.md"]}}))
    (folder / "app.py").write_text("print('app')\n")
    (folder / "lambda_src" / "fn").mkdir(parents=True)
    (folder / "lambda_src" / "fn" / "lambda_function.py").write_text("def lambda_handler(e, c):\n    return 1\n")
    return Project(folder)


def test_the_synth_is_current_until_a_file_of_the_app_changes(tmp_path, monkeypatch):
    project = make_project(tmp_path)
    before = project.inputs_hash()
    for ignored in (".constructs-lib/other.json", "cdk.out/x.json", "node_modules/a/b.js", "README.md",
                    "lambda_src/fn/__pycache__/m.pyc", ".venv/lib/x.py"):
        (tmp_path / ignored).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / ignored).write_text("tool state, dependencies, caches and cdk.json's watch excludes")
    assert project.inputs_hash() == before
    handler = tmp_path / "lambda_src" / "fn" / "lambda_function.py"
    handler.write_text(handler.read_text().replace("return 1", "return 2"))
    assert project.inputs_hash() != before

    synthesized: list[str] = []

    def fake_synth(progress):  # type: ignore[no-untyped-def]
        synthesized.append("synth")
        project.cdk_out.mkdir(parents=True, exist_ok=True)
        (project.cdk_out / "manifest.json").write_text('{"artifacts": {}}')
        project.update_state(synthesized=project.inputs_hash())
        return read_app(project.cdk_out)

    monkeypatch.setattr(project, "synth", fake_synth)
    said: list[str] = []
    project.current(said.append)
    project.current(said.append)
    assert synthesized == ["synth"]  # the second call finds it current
    (tmp_path / "app.py").write_text("print('changed')\n")
    project.current(said.append)
    assert synthesized == ["synth", "synth"]
    assert said == ["the app's files changed since the last synth: synthesizing again"]


def test_stacks_deploy_after_what_they_depend_on_and_are_destroyed_before_it():
    base, api, workers = (LocalStack("Base", {}, []), LocalStack("Api", {}, [], ["Base"]),
                          LocalStack("Workers", {}, [], ["Api", "Base"]))
    assert [s.name for s in in_deploy_order([workers, api, base])] == ["Base", "Api", "Workers"]


def test_outputs_name_the_local_aws_not_aws():
    class FakeAws:
        endpoint = "http://127.0.0.1:4566"

        def names(self, stack: str) -> dict[str, str]:
            return {"Rest": "rest42"}

        def outputs(self, stack: str) -> list[tuple[str, str]]:
            return [("RestUrl", "https://rest42.execute-api.us-east-1.amazonaws.com/prod/"),
                    ("HttpUrl", "https://abc123.execute-api.us-east-1.amazonaws.com/"),
                    ("HookUrl", "https://xyz.lambda-url.us-east-1.on.aws/"), ("Bucket", "uploads")]

    stack = LocalStack("App", {"Resources": {"Rest": {"Type": "AWS::ApiGateway::RestApi"}}}, [])
    assert localized_outputs(FakeAws(), stack) == [  # type: ignore[arg-type]
        ("RestUrl", "http://127.0.0.1:4566/_aws/execute-api/rest42/prod/"),
        ("HttpUrl", "http://127.0.0.1:4566/_aws/execute-api/abc123/$default/"),
        ("HookUrl", "http://127.0.0.1:4566/_aws/lambda-url/xyz/"), ("Bucket", "uploads")]


def test_a_deployed_function_is_invoked_through_its_alias_as_its_triggers_invoke_it():
    """`local invoke` once called $LATEST while every trigger invokes the alias (a release's version)."""
    import io

    from constructs_lib.local.app import LocalFunction
    from constructs_lib.local.operations import invoke_deployed

    calls: list[dict] = []  # type: ignore[type-arg]

    class FakeLambda:
        def invoke(self, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(kwargs)
            return {"Payload": io.BytesIO(b'{"ok": true}'), "LogResult": ""}

    class FakeAws:
        def names(self, stack: str) -> dict[str, str]:
            return {"FnFunction1": "app-fn-123"}

        def client(self, service: str) -> FakeLambda:
            return FakeLambda()

    function = LocalFunction("App/Fn", "App", "FnFunction1", "lambda_function.lambda_handler", "python3.14", 20, {},
                             None, None, alias_name="live")
    invocation = invoke_deployed(FakeAws(), function, {"x": 1})  # type: ignore[arg-type]
    assert calls[0]["FunctionName"] == "app-fn-123" and calls[0]["Qualifier"] == "live"
    assert invocation.function == "App/Fn:live" and invocation.ok
    function.alias_name = None
    invoke_deployed(FakeAws(), function, {})  # type: ignore[arg-type]
    assert "Qualifier" not in calls[1]


def test_ministack_starts_through_its_corrections_on_its_own_interpreter(tmp_path):
    """`ministack_main.py` (EventBridge -> Lambda asynchronous, as in AWS) runs on the interpreter of the `ministack`
    script; a binary whose interpreter cannot be read is started as it is. State is kept in the given folder."""
    import sys

    from constructs_lib.local.server import _command, _persisted

    script = tmp_path / "ministack"
    script.write_text(f"#!{sys.executable}\nfrom ministack.app import main\nmain()\n")
    command = _command(str(script))
    assert command[0] == sys.executable and command[1].endswith("constructs_lib/local/ministack_main.py")
    assert Path(command[1]).exists()
    binary = tmp_path / "native"
    binary.write_bytes(b"\x7fELF...")
    assert _command(str(binary)) == [str(binary)]
    assert _command(str(tmp_path / "missing")) == [str(tmp_path / "missing")]
    assert _persisted(tmp_path / "aws") == {"PERSIST_STATE": "1", "STATE_DIR": str(tmp_path / "aws"),
                                            "S3_PERSIST": "1", "S3_DATA_DIR": str(tmp_path / "aws" / "s3"),
                                            "CONSTRUCTS_LIB_PERMISSIONS": str(tmp_path / "aws" / "permissions.json")}


def test_the_handler_runner_holds_the_handlers_calls_to_its_role(tmp_path):
    """The IAM guard (local/iam_guard.py) in the runner: what the role allows goes on (here to a closed port), what
    it does not is refused with AWS's AccessDenied, before any request; nothing known of the function, nothing
    refused."""
    import subprocess
    import sys

    from constructs_lib.local import handler_runner
    from constructs_lib.local.permissions import RolePermissions

    (tmp_path / "lambda_function.py").write_text(
        "import boto3\nfrom botocore.exceptions import ClientError\n\n\n"
        "def lambda_handler(event, context):\n"
        "    s3 = boto3.client('s3', region_name='us-east-1')\n"
        "    said = {}\n"
        "    for name, call in (('get', lambda: s3.get_object(Bucket='b', Key='k')),\n"
        "                       ('put', lambda: s3.put_object(Bucket='b', Key='k', Body=b''))):\n"
        "        try:\n"
        "            call()\n"
        "        except ClientError as error:\n"
        "            said[name] = error.response['Error']['Message']\n"
        "        except Exception as error:\n"
        "            said[name] = type(error).__name__\n"
        "    return said\n")
    (tmp_path / "event.json").write_text("{}")
    permissions = RolePermissions("FnRole", ("s3:GetObject",), unseen=False)

    def run(entries: dict) -> dict:  # type: ignore[type-arg]
        (tmp_path / "permissions.json").write_text(json.dumps(entries))
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
               "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_LAMBDA_FUNCTION_NAME": "Test-Fn",
               "CONSTRUCTS_LIB_PERMISSIONS": str(tmp_path / "permissions.json")}
        done = subprocess.run([sys.executable, handler_runner.__file__, "lambda_function", "lambda_handler", "10",
                               "Test-Fn", str(tmp_path / "event.json")], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=60)
        return json.loads(done.stdout.rpartition(handler_runner.RESULT_MARK)[2])

    said = run({"Test-Fn": permissions.entry("FnRole")})
    assert said["get"] == "EndpointConnectionError"  # allowed: it went on, to nowhere
    assert said["put"] == ('User: arn:aws:sts::000000000000:assumed-role/FnRole/Test-Fn is not authorized to perform: '
                           's3:PutObject on resource: "arn:aws:s3:::b/k" because no identity-based policy allows the '
                           's3:PutObject action')
    assert run({"Other": permissions.entry("FnRole")})["put"] == "EndpointConnectionError"
    unseen = RolePermissions("FnRole", (), unseen=True)  # an AWS managed policy: cannot be read, not enforced
    assert run({"Test-Fn": unseen.entry("FnRole")})["put"] == "EndpointConnectionError"


def test_a_roles_permissions_are_read_from_its_policies_and_attached_ones(example_app):
    checked = example_app.function("ServerlessApp/CheckUpload").permissions
    assert checked is not None and not checked.unseen
    assert {"s3:PutObject", "sqs:SendMessage", "logs:PutLogEvents", "xray:PutTraceSegments"} <= set(checked.allowed)
    assert "s3:GetObject" not in checked.allowed  # its trigger reads nothing (read=False)
