"""Test helpers for constructs built on this library (ours and users' subclasses).

    from constructs_lib.testing import new_stack, synth

    stack = new_stack()
    HouseFunction(stack, "Fn", source="orders")
    result = synth(stack)                  # fails on any cdk-nag or cfn-lint finding
    assert result.template == snapshot     # syrupy; asset hashes are normalized
    result.assertions.has_resource_properties("AWS::Lambda::Function", {"Architectures": ["arm64"]})

One jsii process serves every test in a run; each `new_stack()` is a fresh app with the pinned feature
flags, so tests do not leak into each other.
"""

from __future__ import annotations

import atexit
import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import assertions
from aws_cdk import cx_api as cxapi

DEFAULT_ENV = cdk.Environment(account="123456789012", region="us-east-1")
FEATURE_FLAGS: dict[str, Any] = json.loads(
    resources.files("constructs_lib").joinpath("feature_flags.json").read_text()
)
# Context lookups answered in advance, so synth never needs AWS credentials (CDK's own tests do the same).
LOOKUPS: dict[str, Any] = {
    "availability-zones:account=123456789012:region=us-east-1": ["us-east-1a", "us-east-1b", "us-east-1c"],
}
_ASSET_HASH = re.compile(r"[0-9a-f]{64}")
# cfn-lint findings that CDK's own output triggers by design and that say nothing about the stack, with why.
CFN_LINT_IGNORED: dict[str, str] = {
    "W3005": "aws-cdk-lib's Function adds DependsOn its role although Fn::GetAtt already orders them; harmless.",
    "W3010": "aws-cdk-lib writes the looked-up AZ names into environment-specific stacks, by design.",
}


class ComplianceError(AssertionError):
    """A synthesized template has cdk-nag, CDK-rule or cfn-lint findings that nobody acknowledged."""


@dataclass
class SynthResult:
    template: dict[str, Any]  # normalized: asset hashes replaced, ready for a snapshot
    warnings: list[str] = field(default_factory=list)  # unacknowledged warnings, "path: message"

    @property
    def assertions(self) -> assertions.Template:
        return assertions.Template.from_json(self.template)

    def resources(self, type_name: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.template.get("Resources", {}).items() if v["Type"] == type_name}

    def count(self, type_name: str) -> int:
        return len(self.resources(type_name))


_SCRATCH: list[str] = []


def scratch_dir(prefix: str = "cdk-test-") -> str:
    """A new temporary folder, removed when the process exits: a test run writes a cloud assembly (with its assets)
    per app, thousands of them, which would otherwise stay in the system's temporary folder."""
    path = tempfile.mkdtemp(prefix=prefix)
    if not _SCRATCH:
        atexit.register(_remove_scratch)
    _SCRATCH.append(path)
    return path


def _remove_scratch() -> None:
    for path in _SCRATCH:
        shutil.rmtree(path, ignore_errors=True)


def new_app(*, context: dict[str, Any] | None = None, nag: bool = True, feature_flags: bool = True) -> cdk.App:
    """A fresh app with the pinned feature flags and (by default) the cdk-nag packs plugged in.

    `feature_flags=False` builds as a user's project would without the library's flags in its `cdk.json`
    (pass the flags `cdk init` writes as `context=` to build as a fresh `cdk init` project).
    """
    app = cdk.App(
        outdir=scratch_dir(),
        context={**(FEATURE_FLAGS if feature_flags else {}), **LOOKUPS, "@aws-cdk/core:validationReportJson": True,
                 **(context or {})},
    )
    if nag:
        add_nag_packs(app)
    return app


def new_stack(
    stack_id: str = "Test",
    *,
    context: dict[str, Any] | None = None,
    nag: bool = True,
    env: cdk.Environment | None = DEFAULT_ENV,
    feature_flags: bool = True,
) -> cdk.Stack:
    """A stack in `new_app()`: the usual start of a template test."""
    return cdk.Stack(new_app(context=context, nag=nag, feature_flags=feature_flags), stack_id, env=env)


def add_nag_packs(app: cdk.App) -> None:
    """The packs every template of ours passes: AwsSolutions and Serverless."""
    from cdk_nag import AwsSolutionsChecks, ServerlessChecks

    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    cdk.Validations.of(app).add_plugins(ServerlessChecks(app))


def synth(stack: cdk.Stack, *, lint: bool = True) -> SynthResult:
    """Synthesize the stack's app; raise `ComplianceError` on any cdk-nag or cfn-lint finding."""
    app = stack.node.root
    assert isinstance(app, cdk.App)
    try:
        assembly = app.synth()
    except RuntimeError as error:
        report = Path(app.outdir) / "policy-validation-report.json"
        if not str(error).startswith("ValidationFailed:") or not report.exists():
            raise  # construct validations (ours included) fail with their own message
        raise ComplianceError(_policy_report(report)) from None
    artifact = assembly.get_stack_artifact(stack.artifact_id)
    template = artifact.template
    if lint:
        findings = cfn_lint(template)
        if findings:
            raise ComplianceError("cfn-lint findings:\n" + "\n".join(findings))
    warnings = [
        f"{m.id}: {m.entry.data}" for m in artifact.messages if m.level == cxapi.SynthesisMessageLevel.WARNING
    ] + _policy_warnings(Path(app.outdir) / "policy-validation-report.json")
    return SynthResult(template=normalize(template), warnings=warnings)


def normalize(template: dict[str, Any]) -> dict[str, Any]:
    """Replace content hashes of assets, which change with every code edit, by a fixed marker."""
    return json.loads(_ASSET_HASH.sub("ASSET_HASH", json.dumps(template)))


def cfn_lint(template: dict[str, Any], *, regions: tuple[str, ...] = ("us-east-1",)) -> list[str]:
    """cfn-lint errors and warnings for `template`, as 'RULE path: message' lines."""
    from cfnlint.api import ManualArgs, lint

    matches = lint(json.dumps(template), config=ManualArgs(regions=list(regions)))
    return [
        f"{m.rule.id} {'/'.join(map(str, m.path))}: {m.message}"  # pyright: ignore[reportAttributeAccessIssue]
        for m in matches
        if m.rule.id not in CFN_LINT_IGNORED and not m.rule.id.startswith("I")
    ]


def _policy_warnings(path: Path) -> list[str]:
    """Warnings of the policy validation plugins (the library's guard among them): 'plugin::rule: text'."""
    if not path.exists():
        return []
    report = json.loads(path.read_text())
    return [f"{plugin['summary']['pluginName']}::{violation['ruleName']}: {violation['description']}"
            for plugin in report.get("pluginReports", []) for violation in plugin.get("violations", [])
            if violation.get("severity") == "warning"]


def _policy_report(path: Path) -> str:
    report = json.loads(path.read_text())
    lines = ["Policy validation findings (cdk-nag packs and CDK's own CloudFormation rules); fix each, or "
             "acknowledge it with Validations.of(construct).acknowledge(Acknowledgment(id=..., reason=...)):"]
    for plugin in report.get("pluginReports", []):
        for violation in plugin.get("violations", []):
            for resource in violation.get("violatingResources", []):
                lines.append(f"  {violation['ruleName']} at {resource['constructPath']}: {violation['description']}")
    return "\n".join(lines)
