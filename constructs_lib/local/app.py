"""The functions of a synthesized app and their triggers, read from `cdk.out` (as `cdk synth` wrote it).

Triggers are read by the adapters (`constructs_lib.adapters`), the same reader `constructs-lib cost` uses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..adapters import ADAPTERS, OPTIONS, FoundTrigger, triggers_of
from ..assembly import ref, stack_templates
from ..context import SOURCE_METADATA
from .permissions import RolePermissions, role_permissions

# Resource types a local AWS without containers cannot run: their stacks are named and skipped, not dropped.
NOT_LOCAL = {
    "AWS::ECS::Service": "Fargate services (MiniStack runs no containers)",
    "AWS::ECS::TaskDefinition": "Fargate tasks (MiniStack runs no containers)",
    "AWS::ApplicationAutoScaling::ScalableTarget": "Application Auto Scaling (MiniStack rejects it)",
    "AWS::CodeDeploy::DeploymentGroup": "CodeDeploy (MiniStack has none; deployed with codedeploy=false)",
}


class AppError(ValueError):
    """Something about the app the user can fix (printed as one line)."""


@dataclass
class LocalFunction:
    path: str  # "MyStack/Thumbnails"
    stack: str
    logical_id: str
    handler: str
    runtime: str
    timeout: int
    environment: dict[str, Any]
    asset_dir: Path | None
    source_dir: str | None
    log_group: str | None = None  # logical id of its log group
    alias_name: str | None = None  # the alias its triggers invoke ("live"), when it has one
    triggers: list[FoundTrigger] = field(default_factory=list)
    permissions: RolePermissions | None = None  # what its role allows (None: a role not in the template)

    def describe_triggers(self) -> str:
        return ", ".join(t.adapter.describe(t.detail) for t in self.triggers) or "no trigger (invoked directly)"


@dataclass
class LocalStack:
    name: str
    template: dict[str, Any]
    not_local: list[str]  # why it cannot run locally (empty: it can)
    dependencies: list[str] = field(default_factory=list)  # stacks it needs deployed first


@dataclass
class LocalApp:
    stacks: list[LocalStack]
    functions: list[LocalFunction]

    @property
    def runnable(self) -> list[LocalStack]:
        return [s for s in self.stacks if not s.not_local]

    def function(self, path: str) -> LocalFunction:
        path = path.strip("/")
        for function in self.functions:
            if function.path == path:
                return function
        known = "\n  ".join(f.path for f in self.functions) or "(none)"
        raise AppError(f"{path!r} is not a ServerlessFunction of this app; its functions are:\n  {known}")


def read_app(cdk_out: Path) -> LocalApp:
    stacks, functions = [], []
    try:
        templates = list(stack_templates(cdk_out))
    except ValueError as error:
        raise AppError(str(error)) from None
    dependencies = _dependencies(cdk_out)
    for stack_name, template, _ in templates:
        resources = template.get("Resources", {})
        reasons = sorted({NOT_LOCAL[r["Type"]] for r in resources.values() if r["Type"] in NOT_LOCAL})
        stacks.append(LocalStack(stack_name, template, reasons, dependencies.get(stack_name, [])))
        functions += _functions(stack_name, resources, cdk_out)
    return LocalApp(stacks, functions)


def _functions(stack: str, resources: dict[str, Any], cdk_out: Path) -> list[LocalFunction]:
    found = []
    aliases = {ref(r["Properties"].get("FunctionName")): r["Properties"].get("Name") for r in resources.values()
               if r["Type"] == "AWS::Lambda::Alias"}
    triggers = triggers_of(resources)
    for logical_id, resource in resources.items():
        metadata = resource.get("Metadata", {})
        path = metadata.get("aws:cdk:path", "")
        if resource["Type"] != "AWS::Lambda::Function" or not path.endswith("/Function/Resource"):
            continue  # ServerlessFunction's function; CDK's own handlers are not the user's
        props = resource["Properties"]
        asset = metadata.get("aws:asset:path")
        found.append(LocalFunction(
            path=path[: -len("/Function/Resource")], stack=stack, logical_id=logical_id,
            handler=props.get("Handler", ""), runtime=props.get("Runtime", ""), timeout=int(props.get("Timeout", 3)),
            environment=props.get("Environment", {}).get("Variables", {}),
            asset_dir=(cdk_out / asset) if asset else None, source_dir=metadata.get(SOURCE_METADATA),
            log_group=ref(props.get("LoggingConfig", {}).get("LogGroup")), alias_name=aliases.get(logical_id),
            triggers=triggers.get(logical_id, []), permissions=role_permissions(resources, resource),
        ))
    return found


def _dependencies(cdk_out: Path) -> dict[str, list[str]]:
    """Stack display name -> the stacks it depends on (cross-stack references, `add_dependency`)."""
    manifest = json.loads((cdk_out / "manifest.json").read_text())
    artifacts = manifest.get("artifacts", {})
    names = {key: artifact.get("displayName", key) for key, artifact in artifacts.items()
             if artifact.get("type") == "aws:cloudformation:stack"}
    return {names[key]: [names[d] for d in artifacts[key].get("dependencies", []) if d in names] for key in names}


def pick_trigger(function: LocalFunction, option: str | None, route: str | None = None) -> FoundTrigger | None:
    """The trigger `option` names (`api`, `sqs`, ...; its first of that kind) and `route` ("GET /items/{id}") picks
    among API routes; the first trigger when neither is given."""
    if option is not None and option not in OPTIONS:
        raise AppError(f"--trigger {option}: one of {', '.join(OPTIONS)}")
    candidates = [t for t in function.triggers if option is None or ADAPTERS[t.kind].option == option]
    if route is not None:
        wanted = " ".join(route.split()).upper()
        candidates = [t for t in candidates if " ".join(str(t.detail.get("route", "")).split()).upper() == wanted]
        if not candidates:
            routes = sorted({str(t.detail["route"]) for t in function.triggers if t.detail.get("route")})
            raise AppError(f"{function.path} serves no route {route!r} (its routes: {', '.join(routes) or 'none'})")
    if candidates:
        return candidates[0]
    if option is None:
        return None
    have = ", ".join(sorted({ADAPTERS[t.kind].option for t in function.triggers})) or "none"
    raise AppError(f"{function.path} has no {option} trigger (its triggers: {have})")


def in_deploy_order(stacks: list[LocalStack]) -> list[LocalStack]:
    """Each stack after the stacks it depends on (destroy runs the reverse)."""
    by_name = {s.name: s for s in stacks}
    ordered: list[LocalStack] = []

    def visit(stack: LocalStack, seen: frozenset[str]) -> None:
        if stack in ordered or stack.name in seen:
            return
        for dependency in stack.dependencies:
            if dependency in by_name:
                visit(by_name[dependency], seen | {stack.name})
        ordered.append(stack)

    for stack in stacks:
        visit(stack, frozenset())
    return ordered
