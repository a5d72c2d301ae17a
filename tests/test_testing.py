"""The test harness itself: its gates must really fail, and its flags must be the app's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import CfnResource
from aws_cdk import aws_sqs as sqs

from constructs_lib.testing import FEATURE_FLAGS, LOOKUPS, ComplianceError, cfn_lint, new_stack, normalize, synth

from .conftest import ROOT


def test_cdk_nag_finding_fails_the_synth():
    stack = new_stack()
    sqs.Queue(stack, "PlainQueue")  # no DLQ, no TLS-only policy
    with pytest.raises(ComplianceError) as info:
        synth(stack)
    assert "AwsSolutions-SQS3 at Test/PlainQueue/Resource" in str(info.value)
    assert "AwsSolutions-SQS4 at Test/PlainQueue/Resource" in str(info.value)


def test_cdk_default_rules_fail_the_synth():
    # @aws-cdk/core:validateAgainstDefaultRules turns CDK's CloudFormation checks into synth errors.
    stack = new_stack(nag=False)
    CfnResource(stack, "Bad", type="AWS::SQS::Queue", properties={"VisibilityTimeout": "soon"})
    with pytest.raises(ComplianceError, match=r"F3012 at Test/Bad: VisibilityTimeout"):
        synth(stack)


def test_cfn_lint_finding_fails_the_synth():
    stack = new_stack(nag=False, context={"@aws-cdk/core:validateAgainstDefaultRules": False})
    CfnResource(stack, "Bad", type="AWS::SQS::Queue", properties={"VisibilityTimeout": "soon"})
    with pytest.raises(ComplianceError, match=r"cfn-lint findings:\nE3012 Resources/Bad/Properties/VisibilityTimeout"):
        synth(stack)


def test_cfn_lint_reports_nothing_for_a_clean_template():
    assert cfn_lint({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {}}}}) == []


def test_asset_hashes_are_normalized():
    digest = "a" * 64
    assert normalize({"S3Key": f"{digest}.zip"}) == {"S3Key": "ASSET_HASH.zip"}


def test_cdk_json_pins_the_fixture_flags():
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    assert context == {**FEATURE_FLAGS, **LOOKUPS}
    assert context["@aws-cdk/core:validateAgainstDefaultRules"] is True


def test_a_test_apps_cloud_assembly_is_removed_when_the_process_ends():
    # Every new_stack() writes a cloud assembly (assets included): a run makes thousands, none may stay behind.
    script = ("from constructs_lib.testing import new_stack, synth\n"
              "from constructs_lib import ServerlessFunction\n"
              "stack = new_stack()\n"
              "ServerlessFunction(stack, 'Fn', source='tests/handler')\n"
              "synth(stack)\n"
              "import pathlib; outdir = pathlib.Path(stack.node.root.outdir)\n"
              "assert (outdir / 'manifest.json').exists()\n"
              "print(outdir)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    outdir = Path(done.stdout.strip().splitlines()[-1])
    assert outdir.name.startswith("cdk-test-") and not outdir.exists()
