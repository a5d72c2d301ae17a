"""The synth-time guard: whole-stack rules as a CDK policy validation plugin.

Every construct of the library plugs it into its app (once), so `cdk synth` checks each synthesized template,
including resources users add by hand beside ours. Errors fail the synth; warnings are printed. Both can be
acknowledged like cdk-nag findings:

    Validations.of(construct).acknowledge(Acknowledgment(id="ConstructsLib::STACK_RESOURCES_NEAR_LIMIT",
                                                         reason="split planned for next sprint"))
"""

from __future__ import annotations

import weakref
from pathlib import Path

import jsii
from aws_cdk import (
    IPolicyValidationContextBeta1,
    IPolicyValidationPluginBeta1,
    PolicyValidationPluginReportBeta1,
    PolicyViolatingResourceBeta1,
    PolicyViolationBeta1,
    Stage,
    Validations,
)
from constructs import IConstruct

from .rules import stack as stack_rules

PLUGIN_NAME = "ConstructsLib"
_guarded: weakref.WeakSet[Stage] = weakref.WeakSet()


@jsii.implements(IPolicyValidationPluginBeta1)
class StackGuard:
    """Runs `constructs_lib.rules.stack` over every template of the app."""

    @property
    def name(self) -> str:
        return PLUGIN_NAME

    @property
    def version(self) -> str:
        return "1.0.0"

    @property
    def rule_ids(self) -> list[str]:
        return list(stack_rules.STACK_RULE_IDS)

    def validate(self, context: IPolicyValidationContextBeta1) -> PolicyValidationPluginReportBeta1:
        violations = []
        for path in context.template_paths:
            template = stack_rules.TemplateFile(Path(path).read_bytes())
            for finding in stack_rules.check_template(template):
                logical_id = finding.logical_id or next(iter(template.get("Resources", {})), "")
                violations.append(PolicyViolationBeta1(
                    rule_name=finding.rule_id, description=f"{Path(path).stem}: {finding.message}", fix=finding.fix,
                    severity=finding.severity,
                    violating_resources=[PolicyViolatingResourceBeta1(
                        locations=["Resources"], resource_logical_id=logical_id, template_path=path)],
                ))
        return PolicyValidationPluginReportBeta1(
            success=not any(v.severity == "error" for v in violations), violations=violations)


_guarded_scopes: weakref.WeakSet[IConstruct] = weakref.WeakSet()


def guard(scope: IConstruct, parent: IConstruct | None = None) -> None:
    """Plug the guard into `scope`'s app, once (known without a jsii call for a `parent` seen before)."""
    if parent is not None and parent in _guarded_scopes:
        return
    if parent is not None:
        _guarded_scopes.add(parent)
    root = scope.node.root
    if isinstance(root, Stage) and root not in _guarded:
        Validations.of(root).add_plugins(StackGuard())  # pyright: ignore[reportArgumentType]
        _guarded.add(root)
