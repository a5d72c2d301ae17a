"""`constructs-lib local` (issue 14) on a small user project outside the library's example: deploy, invoke each
trigger kind, send, watch a code change, logs, destroy; and `--no-deploy` without any server. MiniStack is started
and stopped by the commands themselves, as for a user."""

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
    for line in ("LocalShop", "ApiUrl = ", "function LocalShop/Thumbs: S3 in/*.txt", "function LocalShop/Orders: SQS",
                 "function LocalShop/Items: API GET /items/{id} (NONE), API POST /items (AWS_IAM)",
                 'function LocalShop/Audit: EventBridge {"source": ["shop.orders"]}',
                 "function LocalShop/Nightly: schedule rate(1 day)", "function LocalShop/Hook: function URL (AWS_IAM)",
                 "deployed in"):
        assert line in output, output


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
    assert '[LocalShop/Thumbs] {"message": "echo got an event", "kind": "s3"}' in put.stdout, put.stdout
    sent = local(project, "send", "LocalShop/Orders", "--body", '{"order": 7}', "--wait", "20")
    assert '[LocalShop/Orders] {"message": "echo got an event", "kind": "sqs"}' in sent.stdout, sent.stdout
    event = local(project, "send", "LocalShop/Audit", "--wait", "20")
    assert '[LocalShop/Audit] {"message": "echo got an event", "kind": "events"}' in event.stdout, event.stdout
    called = local(project, "send", "LocalShop/Items", "--wait", "10")
    assert "GET /items/{id} -> 200" in called.stdout and '"version": "v1"' in called.stdout, called.stdout


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
    """--no-deploy: the handler in a subprocess, with its environment and timeout; no server at all."""
    folder = tmp_path / "shop"
    shutil.copytree(FIXTURE, folder)
    done = local(folder, "invoke", "LocalShop/Thumbs", "--no-deploy")
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"kind": "s3"' in done.stdout and "in a subprocess, not deployed" in done.stdout
    state = json.loads((folder / ".constructs-lib" / "local.json").read_text())
    assert "endpoint" not in state and "pid" not in state  # nothing was started (only the synth is recorded)


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
