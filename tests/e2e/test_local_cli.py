"""`constructs-lib local` on a small user project outside the library's example: deploy, invoke each trigger kind
(a REST route and a Lambda authorizer among them), send (a binary object, a guarded route with CORS), watch a code
change, logs, destroy (in reverse dependency order); a failed deploy leaves nothing running; `--no-deploy` without
any server. MiniStack is started and stopped by the commands themselves, as for a user."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from constructs_lib.local.server import group_members

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "local_app"
LINKED = ROOT / "tests" / "fixtures" / "linked_app"
MINISTACK = ROOT / ".venv-ministack" / "bin" / "ministack"


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    return {**env, "MINISTACK_BIN": str(MINISTACK), "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}"
            f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"}


def local(project: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "constructs_lib", "local", *args], cwd=project, env=cli_env(),
                          capture_output=True, text=True, timeout=timeout)


def ministack_processes(pgid: int | None) -> int:
    """Live processes of the server's process group (the server and its handler workers)."""
    return group_members(pgid) if pgid else 0


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    if not MINISTACK.exists():
        pytest.skip("MiniStack is not installed (make setup creates .venv-ministack)")
    folder = tmp_path_factory.mktemp("user") / "shop"
    shutil.copytree(FIXTURE, folder)
    started = time.monotonic()
    deployed = local(folder, "deploy")
    folder.joinpath("deploy-output.txt").write_text(deployed.stdout + deployed.stderr)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert time.monotonic() - started < 120  # from cdk.json to a deployed app, cold (synth, bootstrap, deploy)
    yield folder
    pgid = json.loads((folder / ".constructs-lib" / "local.json").read_text()).get("pid")
    destroyed = local(folder, "destroy")
    assert destroyed.returncode == 0 and "local AWS stopped" in destroyed.stdout, destroyed.stderr
    assert ministack_processes(pgid) == 0  # the server and its handler workers are gone


def test_deploy_prints_outputs_and_each_functions_triggers(project: Path) -> None:
    output = (project / "deploy-output.txt").read_text()
    for line in ("LocalShop", "ApiUrl = http://127.0.0.1:", "function LocalShop/Thumbs: S3 in/*.txt",
                 "function LocalShop/Orders: SQS",
                 "function LocalShop/Items: API GET /items/{id} (NONE), API POST /items (AWS_IAM), "
                 "API GET /secure/{id} (CUSTOM)", "function LocalShop/Catalog: REST API GET /products/{id} (NONE)",
                 "function LocalShop/Gate: authorizer of API GET /secure/{id}",
                 'function LocalShop/Audit: EventBridge {"source": ["shop.orders"]}',
                 "function LocalShop/Nightly: schedule rate(1 day)", "function LocalShop/Hook: function URL (AWS_IAM)",
                 "function LocalShop/Archive: no trigger (invoked directly)",
                 'function LocalShop/Notify: SNS topic NotifyTopic749CF698 filtered by {"kind": ["order"]}',
                 "function LocalShop/Tail: DynamoDB stream of table Ledger",
                 "function LocalShop/Clicks: Kinesis stream ClicksStream",
                 "deployed in"):
        assert line in output, output
    # every URL printed is the local AWS's, none is AWS's (REST URLs once were)
    assert "amazonaws.com" not in output and "/_aws/execute-api/" in output and "RestUrl = http://127.0.0.1:" in output


def outputs(project: Path) -> dict[str, str]:
    text = (project / "deploy-output.txt").read_text()
    return dict(line.strip().split(" = ", 1) for line in text.splitlines() if " = " in line)


def test_a_rest_route_end_to_end(project: Path) -> None:
    """REST APIs were invisible to `local`: listed as no trigger, `send` exited 2, `invoke` handed the handler {}."""
    sent = local(project, "send", "LocalShop/Catalog", "--wait", "15")
    assert sent.returncode == 0 and "GET /products/{id} -> 200" in sent.stdout, sent.stdout + sent.stderr
    assert '"resource": "/products/{id}"' in sent.stdout and "[LocalShop/Catalog]" in sent.stdout
    invoked = local(project, "invoke", "LocalShop/Catalog", "--set", 'body={"id": 1}')
    assert invoked.returncode == 0, invoked.stdout + invoked.stderr
    answer = json.loads(json.loads(invoked.stdout.split("\n", 1)[1].split("--- logs")[0])["body"])
    assert answer == {"resource": "/products/{id}", "path": "/products/1", "method": "GET", "id": "1"}


def test_an_http_route_behind_a_lambda_authorizer_with_cors(project: Path) -> None:
    import urllib.request

    refused = local(project, "send", "LocalShop/Gate", "--wait", "5")
    assert "GET /secure/{id} -> 401" in refused.stdout and "answered before any function ran" in refused.stdout
    allowed = local(project, "send", "LocalShop/Gate", "--header", "Authorization: Bearer letmein", "--wait", "15")
    assert "GET /secure/{id} -> 200" in allowed.stdout, allowed.stdout + allowed.stderr
    assert '[LocalShop/Gate] {"message": "gate decided", "allowed": true' in allowed.stdout
    assert "[LocalShop/Items]" in allowed.stdout
    via_route = local(project, "send", "LocalShop/Items", "--route", "GET /secure/{id}", "--header",
                      "Authorization: Bearer wrong", "--wait", "5")
    assert "GET /secure/{id} -> 403" in via_route.stdout, via_route.stdout
    preflight = urllib.request.Request(outputs(project)["ApiUrl"] + "secure/1", method="OPTIONS", headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"})
    with urllib.request.urlopen(preflight, timeout=10) as answer:  # noqa: S310 - the local AWS on loopback
        assert answer.status == 204 and answer.headers["access-control-allow-origin"] == "http://localhost:3000"


def test_a_binary_object_through_an_s3_trigger(project: Path, tmp_path: Path) -> None:
    import boto3

    image = tmp_path / "pixel.png"
    data = bytes(range(256)) * 3  # not text
    image.write_bytes(data)
    sent = local(project, "send", "LocalShop/Photos", "--body-file", str(image), "--wait", "15")
    assert sent.returncode == 0 and "photos/pixel.png (768 bytes, image/png)" in sent.stdout, sent.stdout
    assert '"key": "photos/pixel.png", "size": 768' in sent.stdout
    endpoint = json.loads((project / ".constructs-lib" / "local.json").read_text())["endpoint"]
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="123456789012",
                      aws_secret_access_key="local")
    bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"] if s3.list_objects_v2(
        Bucket=b["Name"], Prefix="photos/").get("KeyCount"))
    assert s3.get_object(Bucket=bucket, Key="photos/pixel.png")["Body"].read() == data


def test_cost_prices_the_provisioned_table_of_the_same_assembly(project: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "constructs_lib", "cost", "--cdk-out",
                           str(project / ".constructs-lib" / "cdk.out"), "--json"], cwd=project, env=cli_env(),
                          capture_output=True, text=True, timeout=120)
    payload = json.loads(done.stdout)
    stock = [i for i in payload["items"] if i["construct"] == "LocalShop/Stock"]
    assert {i["what"] for i in stock} >= {"Stock: provisioned reads (5 RCU)", "Stock: provisioned writes (5 WCU)"}
    assert all(i["idle"] for i in stock if "provisioned" in i["what"]) and payload["not_priced"] == []


@pytest.mark.parametrize(("path", "kind"), [("Thumbs", "s3"), ("Orders", "sqs"), ("Audit", "events"),
                                            ("Nightly", "schedule"), ("Hook", "http")])
def test_invoke_with_the_event_the_trigger_sends(project: Path, path: str, kind: str) -> None:
    done = local(project, "invoke", f"LocalShop/{path}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f'"kind": "{kind}"' in done.stdout and "ok in" in done.stdout


def test_invoke_an_api_route_with_overrides(project: Path) -> None:
    done = local(project, "invoke", "LocalShop/Items", "--set", "rawPath=/items/42")
    assert done.returncode == 0 and '\\"path\\": \\"/items/42\\"' in done.stdout, done.stdout


def test_send_fires_the_trigger_and_shows_the_logs(project: Path) -> None:
    put = local(project, "send", "LocalShop/Thumbs", "--wait", "20")
    assert "put s3://" in put.stdout and "in/example.txt" in put.stdout
    assert '[LocalShop/Thumbs] {"message": "echo got an event", "kind": "s3", "key": "in/example.txt"' in put.stdout
    sent = local(project, "send", "LocalShop/Orders", "--body", '{"order": 7}', "--wait", "20")
    assert '[LocalShop/Orders] {"message": "echo got an event", "kind": "sqs"}' in sent.stdout, sent.stdout
    event = local(project, "send", "LocalShop/Audit", "--wait", "20")
    assert '[LocalShop/Audit] {"message": "echo got an event", "kind": "events"}' in event.stdout, event.stdout
    published = local(project, "send", "LocalShop/Notify", "--wait", "20")  # through its filter policy
    assert "published a message to arn:aws:sns:" in published.stdout, published.stdout
    assert '[LocalShop/Notify] {"message": "echo got an event", "kind": "sns"}' in published.stdout, published.stdout
    called = local(project, "send", "LocalShop/Items", "--wait", "10")
    assert "GET /items/{id} -> 200" in called.stdout and '"version": "v1"' in called.stdout, called.stdout


def local_client(project: Path, service: str):  # type: ignore[no-untyped-def]
    import boto3

    endpoint = json.loads((project / ".constructs-lib" / "local.json").read_text())["endpoint"]
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="123456789012",
                        aws_secret_access_key="local")


def test_send_writes_an_item_whose_stream_invokes_the_function(project: Path) -> None:
    written = local(project, "send", "LocalShop/Tail", "--body", '{"amount": 12.5}', "--wait", "20")
    assert "wrote an item to table" in written.stdout, written.stdout
    assert '[LocalShop/Tail] {"message": "echo got an event", "kind": "dynamodb"}' in written.stdout, written.stdout


def test_a_poison_record_is_bisected_to_itself_and_the_rest_of_the_shard_is_processed(project: Path) -> None:
    """The proof of StreamTrigger's promise on the local AWS: ten records, the sixth a poison that fails any batch
    holding it. Lambda's bisection isolates it, its one retry fails, its pointer lands on the on-failure queue; the
    nine others are counted once each (the handler counts nothing of a failed batch), and the shard moves on."""
    kinesis, sqs = local_client(project, "kinesis"), local_client(project, "sqs")
    made = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in local_client(project, "cloudformation")
            .describe_stack_resources(StackName="LocalShop")["StackResources"]}
    stream = next(v for k, v in made.items() if k.startswith("ClicksStream") and "Failures" not in k)
    records = [f"click-{i}" for i in range(5)] + ["poison"] + [f"click-{i}" for i in range(5, 9)]
    put = kinesis.put_records(StreamName=stream, Records=[{"Data": r.encode(), "PartitionKey": "one-shard"}
                                                           for r in records])
    poison_sequence = put["Records"][5]["SequenceNumber"]
    queue = next(v for k, v in made.items() if k.startswith("ClicksStreamFailures"))  # a queue's id is its URL
    pointers: list[dict] = []
    deadline = time.monotonic() + 60
    while not pointers and time.monotonic() < deadline:
        received = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=2, MaxNumberOfMessages=10)
        pointers += [json.loads(m["Body"]) for m in received.get("Messages", [])]
    assert len(pointers) == 1, pointers
    batch = pointers[0]["KinesisBatchInfo"]
    assert (batch["batchSize"], batch["startSequenceNumber"], batch["endSequenceNumber"]) == (
        1, poison_sequence, poison_sequence), batch  # bisected to the poison alone
    assert pointers[0]["requestContext"]["condition"] == "RetryAttemptsExhausted"
    kinesis.put_record(StreamName=stream, Data=b"click-after", PartitionKey="one-shard")  # the shard moved on
    counted: list[str] = []
    while time.monotonic() < deadline + 30 and "click-after" not in counted:
        logs = local(project, "logs", "LocalShop/Clicks").stdout
        counted = [json.loads(line[line.index("{"):])["counted"] for line in logs.splitlines() if '"counted"' in line]
        time.sleep(1)
    assert sorted(counted) == sorted([r for r in records if r != "poison"] + ["click-after"]), counted


def test_logs_of_a_function(project: Path) -> None:
    done = local(project, "logs", "LocalShop/Thumbs")
    assert done.returncode == 0 and '"kind": "s3"' in done.stdout, done.stdout


def test_watch_updates_the_code_and_reruns_the_last_send(project: Path) -> None:
    local(project, "send", "LocalShop/Items", "--wait", "5")  # the send watch will re-run
    watcher = subprocess.Popen([sys.executable, "-m", "constructs_lib", "local", "watch"], cwd=project,
                               env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert watcher.stdout is not None
        assert "watching" in watcher.stdout.readline()
        handler = project / "lambda_src" / "items" / "lambda_function.py"
        changed = time.monotonic()
        handler.write_text(handler.read_text().replace('VERSION = "v1"', 'VERSION = "v2"'))
        lines = []
        while not any('"version": "v2"' in line for line in lines):
            line = watcher.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
            if line.startswith("updated LocalShop/Items in "):
                update_s = float(line.split(" in ")[1].split()[0])
                assert update_s < 3 and time.monotonic() - changed < 10, line
        assert any(line.startswith("updated LocalShop/Items in ") for line in lines)
    finally:
        watcher.terminate()
        watcher.wait(timeout=10)


def test_errors_are_one_line_with_the_fix(project: Path, tmp_path: Path) -> None:
    unknown = local(project, "invoke", "LocalShop/Nope")
    assert unknown.returncode == 2 and "'LocalShop/Nope' is not a ServerlessFunction" in unknown.stderr
    assert "LocalShop/Thumbs" in unknown.stderr and "Traceback" not in unknown.stderr
    no_app = local(tmp_path, "deploy")
    assert no_app.returncode == 2 and "no cdk.json in" in no_app.stderr
    wrong_trigger = local(project, "invoke", "LocalShop/Thumbs", "--trigger", "sqs")
    assert wrong_trigger.returncode == 2 and "has no sqs trigger (its triggers: s3)" in wrong_trigger.stderr
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        port = busy.getsockname()[1]
        other = tmp_path / "other"
        shutil.copytree(FIXTURE, other)
        in_use = local(other, "deploy", "--port", str(port))
    assert in_use.returncode == 2 and f"port {port} on 127.0.0.1 is in use" in in_use.stderr, in_use.stderr


def test_invoke_without_deploying(tmp_path: Path) -> None:
    """--no-deploy: the handler in a subprocess, with its environment and timeout; no server at all. It runs the
    code as it is now: a changed handler is synthesized again (it once ran the first synth's code forever)."""
    folder = tmp_path / "shop"
    shutil.copytree(FIXTURE, folder)
    done = local(folder, "invoke", "LocalShop/Thumbs", "--no-deploy")
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"kind": "s3"' in done.stdout and "in a subprocess, not deployed" in done.stdout
    state = json.loads((folder / ".constructs-lib" / "local.json").read_text())
    assert "endpoint" not in state and "pid" not in state  # nothing was started (only the synth is recorded)
    again = local(folder, "invoke", "LocalShop/Thumbs", "--no-deploy")
    assert "synthesizing again" not in again.stdout  # nothing changed: the synth is current
    handler = folder / "lambda_src" / "echo" / "lambda_function.py"
    handler.write_text(handler.read_text().replace('"echo got an event"', '"echo, edited"'))
    edited = local(folder, "invoke", "LocalShop/Thumbs", "--no-deploy")
    assert "the app's files changed since the last synth: synthesizing again" in edited.stdout, edited.stdout
    assert '"echo, edited"' in edited.stdout


def test_a_call_the_role_does_not_allow_is_refused_as_aws_refuses_it(project: Path, tmp_path: Path) -> None:
    """Synth cannot follow the copy (it goes through a helper); the local loop holds the handler to its role, deployed
    (the local AWS's workers) and not (the subprocess)."""
    deployed = local(project, "invoke", "LocalShop/Archive")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    for said in (deployed.stdout, local(project, "invoke", "LocalShop/Archive", "--no-deploy").stdout):
        for fragment in ('"refused": "AccessDenied"', 'is not authorized to perform: s3:PutObject on resource: \\"arn:',
                         "because no identity-based policy allows the s3:PutObject action"):
            assert fragment in said, said
    assert "assumed-role/" in deployed.stdout


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """Two stacks linked by an export; the local app beside them holds their handler."""
    shutil.copytree(FIXTURE, tmp_path / "local_app")
    shutil.copytree(LINKED, tmp_path / "linked_app")
    return tmp_path / "linked_app"


def test_stacks_linked_by_an_export_are_destroyed_in_reverse_order(linked: Path) -> None:
    deployed = local(linked, "deploy")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert "deployed LinkedData, LinkedApp in" in deployed.stdout
    pgid = json.loads((linked / ".constructs-lib" / "local.json").read_text()).get("pid")
    destroyed = local(linked, "destroy")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    assert destroyed.stdout.index("destroyed LinkedApp in") < destroyed.stdout.index("destroyed LinkedData in")
    assert ministack_processes(pgid) == 0


def test_a_failed_deploy_leaves_nothing_running_and_says_why_in_one_line(linked: Path) -> None:
    env = {**cli_env(), "BREAK_DEPLOY": "1"}
    failed = subprocess.run([sys.executable, "-m", "constructs_lib", "local", "deploy"], cwd=linked, env=env,
                            capture_output=True, text=True, timeout=600)
    assert failed.returncode == 2, failed.stdout + failed.stderr
    (line,) = failed.stderr.strip().splitlines()
    assert "`cdk deploy` failed:" in line and "AWS::EC2::SecurityGroupIngress" in line and "cdk-deploy.log" in line
    assert "local AWS stopped (it was started for this deploy)" in failed.stdout
    state = json.loads((linked / ".constructs-lib" / "local.json").read_text())
    assert "pid" not in state and "endpoint" not in state
    endpoint = failed.stdout.split("local AWS at ", 1)[1].split()[0]
    import socket

    with pytest.raises(ConnectionRefusedError):  # nothing listens on its port any more
        socket.create_connection(("127.0.0.1", int(endpoint.rsplit(":", 1)[1])), timeout=2).close()


def test_from_cdk_json_to_a_run_in_one_command_under_a_minute(tmp_path: Path) -> None:
    """`invoke` on an app nothing of which is deployed yet: it deploys first, then invokes."""
    folder = tmp_path / "shop"
    shutil.copytree(FIXTURE, folder)
    started = time.monotonic()
    done = local(folder, "invoke", "LocalShop/Orders")
    elapsed = time.monotonic() - started
    try:
        assert done.returncode == 0, done.stdout + done.stderr
        assert "deploying first" in done.stdout and '"batchItemFailures": []' in done.stdout
        assert elapsed < 60, f"{elapsed:.0f} s"
    finally:
        pgid = json.loads((folder / ".constructs-lib" / "local.json").read_text()).get("pid")
        local(folder, "destroy")
        assert ministack_processes(pgid) == 0
