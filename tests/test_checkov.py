"""A team's checkov run over our templates: no unexplained failure.

Each checkov finding is either fixed (versioned data buckets, ...) or skipped in the resource's metadata with the
reason (`constructs_lib.nag.skip_checkov`), as cdk-nag findings are acknowledged. checkov runs from its own
virtualenv (`.venv-checkov`, made by `make setup`: its pins clash with the project's).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_certificatemanager as acm

from constructs_lib import FargateWebService
from constructs_lib.context import DESTROY_DATA as DESTROY_DATA_CONTEXT
from constructs_lib.testing import DEFAULT_ENV, new_app, new_stack, synth
from example.stacks import ServerlessAppStack
from example.workers import WorkersStack

from .test_data import every_construct

ROOT = Path(__file__).resolve().parent.parent
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"


def checkov(templates: dict[str, dict[str, Any]], tmp_path: Path) -> list[dict[str, Any]]:
    """Run checkov on the templates; return its reports (one per file)."""
    assert CHECKOV.exists(), "checkov is missing: run `make setup` (it installs .venv-checkov)"
    files = []
    for name, template in templates.items():
        path = tmp_path / f"{name}.template.json"
        path.write_text(json.dumps(template))
        files += ["-f", str(path)]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    result = subprocess.run([str(CHECKOV), *files, "--framework", "cloudformation", "--quiet", "--compact",
                             "-o", "json"], capture_output=True, text=True, env=env, timeout=600)
    reports = json.loads(result.stdout)
    return reports if isinstance(reports, list) else [reports]


def failures(reports: list[dict[str, Any]]) -> list[str]:
    return [f"{f['check_id']} {f['resource']}: {f['check_name']}"
            for r in reports for f in r["results"].get("failed_checks", [])]


def skips_without_reason(templates: dict[str, dict[str, Any]]) -> list[str]:
    return [f"{logical_id} {skip.get('id')}" for template in templates.values()
            for logical_id, resource in template["Resources"].items()
            for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
            if len(skip.get("comment", "")) < 20]


def test_the_example_app_has_no_unexplained_checkov_failure(tmp_path: Path) -> None:
    app = new_app()
    stacks = [ServerlessAppStack(app, "ServerlessApp", env=DEFAULT_ENV), WorkersStack(app, "Workers", env=DEFAULT_ENV)]
    templates = {stack.stack_name: synth(stack).template for stack in stacks}
    reports = checkov(templates, tmp_path)
    assert failures(reports) == []
    assert sum(r["summary"]["passed"] for r in reports) > 300  # checkov really ran its checks
    assert sum(r["summary"]["skipped"] for r in reports) > 0
    assert skips_without_reason(templates) == []


@pytest.mark.parametrize("variant", ["cdk init, no env", "throwaway stack", "HTTPS web service"])
def test_every_construct_has_no_unexplained_checkov_failure(variant: str, tmp_path: Path) -> None:
    if variant == "cdk init, no env":
        stack = new_stack(env=None, feature_flags=False)
        every_construct(stack, web=False)
    elif variant == "throwaway stack":
        stack = new_stack(context={DESTROY_DATA_CONTEXT: True})
        every_construct(stack)
    else:
        stack = new_stack(env=DEFAULT_ENV)
        certificate = acm.Certificate.from_certificate_arn(
            stack, "Cert", "arn:aws:acm:us-east-1:123456789012:certificate/abc")
        FargateWebService(stack, "Web", image_source="example/worker", certificate=certificate)
    templates = {"Test": synth(stack).template}
    assert failures(checkov(templates, tmp_path)) == []
    assert skips_without_reason(templates) == []


def test_a_real_weakness_still_fails(tmp_path: Path) -> None:
    """The run is not vacuous: a plain unencrypted, unversioned bucket beside ours is reported."""
    stack = new_stack(nag=False)
    cdk.CfnResource(stack, "Plain", type="AWS::S3::Bucket")
    template = synth(stack, lint=False).template
    assert any(f.startswith("CKV_AWS_21 ") for f in failures(checkov({"Test": template}, tmp_path)))
