"""The functions of a synthesized app and their triggers, read from `cdk.out` (as `cdk synth` wrote it)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..assembly import ref, stack_templates

# Resource types a local AWS without containers cannot run: their stacks are named and skipped, not dropped.
NOT_LOCAL = {
    "AWS::ECS::Service": "Fargate services (MiniStack runs no containers)",
    "AWS::ECS::TaskDefinition": "Fargate tasks (MiniStack runs no containers)",
    "AWS::ApplicationAutoScaling::ScalableTarget": "Application Auto Scaling (MiniStack rejects it)",
    "AWS::CodeDeploy::DeploymentGroup": "CodeDeploy (MiniStack has none; deployed with codedeploy=false)",
}


@dataclass
class Trigger:
    kind: str  # "s3" | "sqs" | "api" | "events" | "schedule" | "url"
    detail: dict[str, Any] = field(default_factory=dict)  # logical ids and settings the event needs


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
    triggers: list[Trigger] = field(default_factory=list)


@dataclass
class LocalStack:
    name: str
    template: dict[str, Any]
    not_local: list[str]  # why it cannot run locally (empty: it can)


class AppError(ValueError):
    """Something about the app the user can fix (printed as one line)."""


def read_app(cdk_out: Path) -> tuple[list[LocalStack], list[LocalFunction]]:
    stacks, functions = [], []
    try:
        templates = list(stack_templates(cdk_out))
    except ValueError as error:
        raise AppError(str(error)) from None
    for stack_name, template, _ in templates:
        resources = template.get("Resources", {})
        reasons = sorted({NOT_LOCAL[r["Type"]] for r in resources.values() if r["Type"] in NOT_LOCAL})
        stacks.append(LocalStack(stack_name, template, reasons))
        functions += _functions(stack_name, resources, cdk_out)
    return stacks, functions


def _functions(stack: str, resources: dict[str, Any], cdk_out: Path) -> list[LocalFunction]:
    found = []
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
            asset_dir=(cdk_out / asset) if asset else None, source_dir=metadata.get("constructs_lib:source"),
            log_group=ref(props.get("LoggingConfig", {}).get("LogGroup")),
        ))
    by_id = {f.logical_id: f for f in found}
    aliases = {k: ref(r["Properties"].get("FunctionName")) for k, r in resources.items()
               if r["Type"] == "AWS::Lambda::Alias"}
    integrations = {}
    for logical_id, resource in resources.items():
        kind, props = resource["Type"], resource.get("Properties", {})
        text = json.dumps(props)
        targets = {f for f in by_id if f'"{f}"' in text} | {aliases[a] for a in aliases if f'"{a}"' in text}
        targets &= set(by_id)
        if kind in ("AWS::ApiGatewayV2::Integration",) and targets:
            integrations[logical_id] = targets
            continue
        for target in targets:
            function = by_id[target]
            if kind == "Custom::S3BucketNotifications":
                for config in props["NotificationConfiguration"].get("LambdaFunctionConfigurations", []):
                    if target in json.dumps(config):
                        rules = {r["Name"]: r["Value"] for r in config.get("Filter", {}).get("Key", {})
                                 .get("FilterRules", [])}
                        function.triggers.append(Trigger("s3", {"bucket": ref(props["BucketName"]), **rules}))
            elif kind == "AWS::Lambda::EventSourceMapping":
                function.triggers.append(Trigger("sqs", {"queue": ref(props.get("EventSourceArn"))}))
            elif kind == "AWS::Events::Rule":
                pattern = props.get("EventPattern", {})
                bus = props.get("EventBusName")
                kind_name = "s3" if pattern.get("source") == ["aws.s3"] else "events"
                function.triggers.append(Trigger(kind_name, {"pattern": pattern, "bus": ref(bus) if bus else None,
                                                             "via": "eventbridge"}))
            elif kind == "AWS::Scheduler::Schedule":
                function.triggers.append(Trigger("schedule", {"expression": props.get("ScheduleExpression"),
                                                              "input": props.get("Target", {}).get("Input")}))
            elif kind == "AWS::Lambda::Url":
                function.triggers.append(Trigger("url", {"url": logical_id, "auth": props.get("AuthType"),
                                                         "qualifier": props.get("Qualifier")}))
    for resource in resources.values():
        if resource["Type"] == "AWS::ApiGatewayV2::Route":
            props = resource["Properties"]
            for integration, targets in integrations.items():
                if integration in json.dumps(props.get("Target", "")):
                    for target in targets:
                        by_id[target].triggers.append(Trigger("api", {
                            "api": ref(props.get("ApiId")), "route": props.get("RouteKey"),
                            "authorization": props.get("AuthorizationType", "NONE")}))
    return found


def find_function(functions: list[LocalFunction], path: str) -> LocalFunction:
    path = path.strip("/")
    for function in functions:
        if function.path == path:
            return function
    known = "\n  ".join(f.path for f in functions) or "(none)"
    raise AppError(f"{path!r} is not a ServerlessFunction of this app; its functions are:\n  {known}")
