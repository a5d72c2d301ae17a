"""The `constructs-lib` command: thin commands over `constructs_lib.cost` and `constructs_lib.local`; a problem the
user can fix is one line and exit status 2, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from constructs_lib.cdk_cli import failure_line
from constructs_lib.cost.prices import FreeTier

from .conftest import ROOT


@pytest.fixture(scope="module")
def example_assembly() -> Path:
    from constructs_lib.testing import new_app
    from example.stacks import build_app

    app = new_app(nag=False, context={"aws:cdk:enable-path-metadata": True})  # as `cdk synth` writes it
    build_app(app)
    return Path(app.synth().directory)


# --- cost -----------------------------------------------------------------------------------------------------

def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "constructs_lib", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_cost_command_json_and_text(example_assembly, tmp_path):
    done = run_cli("cost", "--cdk-out", str(example_assembly), "--profile", str(ROOT / "traffic.toml"), "--json",
                   "--compare", "architecture", "--compare", "fargate", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["region"] == "us-east-1" and payload["total"] > payload["idle_total"] > 0
    assert {c["setting"] for c in payload["compare"]} == {"architecture=x86_64", "architecture=arm64"}
    text = run_cli("cost", "--cdk-out", str(example_assembly), "--profile", str(ROOT / "traffic.toml"), cwd=tmp_path)
    assert "Paid while idle" in text.stdout and "NAT gateway hours" in text.stdout and "Total" in text.stdout


def test_cost_command_errors_are_one_line_and_exit_2(example_assembly, tmp_path):
    missing = run_cli("cost", cwd=tmp_path)
    assert missing.returncode == 2 and "no cdk.json in" in missing.stderr and "Traceback" not in missing.stderr
    (tmp_path / "bad.toml").write_text("requests = = 1")
    bad = run_cli("cost", "--cdk-out", str(example_assembly), "--profile", str(tmp_path / "bad.toml"), cwd=tmp_path)
    assert bad.returncode == 2 and "is not valid TOML" in bad.stderr
    (tmp_path / "typo.toml").write_text('["ServerlessApp/JobApi"]\nrequest = 5\n')
    typo = run_cli("cost", "--cdk-out", str(example_assembly), "--profile", str(tmp_path / "typo.toml"), cwd=tmp_path)
    assert typo.returncode == 2 and "unknown key(s) request; known:" in typo.stderr
    (tmp_path / "text.toml").write_text('["ServerlessApp/JobApi"]\nrequests = "many"\n')
    text = run_cli("cost", "--cdk-out", str(example_assembly), "--profile", str(tmp_path / "text.toml"), cwd=tmp_path)
    assert text.returncode == 2 and "requests = 'many' is not a number >= 0" in text.stderr
    compare_bad = run_cli("cost", "--cdk-out", str(example_assembly), "--compare", "colour=red", cwd=tmp_path)
    assert compare_bad.returncode == 2 and "compare memory=..., architecture or api" in compare_bad.stderr


def test_an_assembly_without_construct_paths_is_refused_with_the_fix(tmp_path):
    from constructs_lib.testing import new_app
    from example.stacks import build_app

    app = new_app(nag=False)  # no path metadata, as `cdk synth --no-path-metadata` writes
    build_app(app)
    done = run_cli("cost", "--cdk-out", app.synth().directory, cwd=tmp_path)
    assert done.returncode == 2 and "has no construct paths" in done.stderr and "Traceback" not in done.stderr
    assert FreeTier().lambda_requests == 1_000_000


def test_cost_json_prices_a_provisioned_table_and_names_what_it_cannot_price(tmp_path):
    """A user's app beside the library's constructs: a provisioned DynamoDB table is priced (idle), a Step Functions
    state machine is listed under not_priced with its type and path; once both vanished from the estimate."""
    import aws_cdk as cdk
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_stepfunctions as sfn

    from constructs_lib import QueueTrigger, ServerlessFunction
    from constructs_lib.testing import new_app

    app = new_app(nag=False, context={"aws:cdk:enable-path-metadata": True})
    stack = cdk.Stack(app, "Shop")
    dynamodb.Table(stack, "Orders", partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
                   billing_mode=dynamodb.BillingMode.PROVISIONED, read_capacity=40, write_capacity=40)
    sfn.StateMachine(stack, "Flow", definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "Step")))
    ServerlessFunction(stack, "Fn", source="tests/handler", triggers=[QueueTrigger()])
    done = run_cli("cost", "--cdk-out", app.synth().directory, "--json", "--no-free-tier", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    table = {i["what"]: i for i in payload["items"] if i["construct"] == "Shop/Orders"}
    assert table["Orders: provisioned reads (40 RCU)"]["idle"] and round(
        table["Orders: provisioned writes (40 WCU)"]["cost"], 2) == round(40 * 730 * 0.00065, 2)
    assert {"stack": "Shop", "path": "Shop/Flow/Resource", "type": "AWS::StepFunctions::StateMachine"} in payload[
        "not_priced"]
    text = run_cli("cost", "--cdk-out", app.synth().directory, cwd=tmp_path).stdout
    assert "not priced: listed below" in text and "AWS::StepFunctions::StateMachine at Shop/Flow/Resource" in text


# --- local ----------------------------------------------------------------------------------------------------

def test_local_commands_outside_an_app_folder(tmp_path):
    done = subprocess.run([sys.executable, "-m", "constructs_lib", "local", "invoke", "A/B"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "no cdk.json in" in done.stderr and "Traceback" not in done.stderr


def test_local_send_refuses_a_malformed_header_before_anything_runs(tmp_path):
    (tmp_path / "cdk.json").write_text('{"app": "python3 app.py"}')
    done = subprocess.run([sys.executable, "-m", "constructs_lib", "local", "send", "A/B", "--header", "no-colon"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--header 'no-colon': write NAME:VALUE" in done.stderr
    missing = subprocess.run([sys.executable, "-m", "constructs_lib", "local", "invoke", "A/B", "--event", "nope.json"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "--event nope.json: not a JSON file" in missing.stderr


def test_a_failed_cdk_command_is_one_line_naming_why():
    def result(stdout: str, stderr: str) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess([], 1, stdout, stderr)

    synth = result("", "Traceback (most recent call last):\n  File app.py\nconstructs_lib.errors.ConfigError: App/Fn: "
                       "memory_size=64 MB is outside the range [FN_MEMORY: 128..10,240 MB] Fix: set memory_size\n"
                       "Subprocess exited with error 1")
    assert failure_line(synth) == ("App/Fn: memory_size=64 MB is outside the range [FN_MEMORY: 128..10,240 MB] Fix: "
                                   "set memory_size")
    deploy = result("", "App: deploying...\n\x1b[31m ❌  App failed: Error: The stack named App failed creation\x1b[0m"
                        "\n\n❌ Deployment failed: Error: The stack named App failed creation")
    assert failure_line(deploy) == "App failed: Error: The stack named App failed creation"
    python = result("", "Traceback\n  File x\nKeyError: 'TABLE'\nSubprocess exited with error 1")
    assert failure_line(python) == "KeyError: 'TABLE'"
    assert failure_line(result("", "")) == "exit status 1"
