"""What a synthesized app is made of, as far as its bill goes: read from `cdk.out`, grouped by construct."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..adapters import FoundTrigger, TemplateView, triggers_of
from ..assembly import ref, stack_templates

# Top-level ids of resources that CDK adds to run a deploy (custom-resource handlers): invoked only while deploying.
DEPLOY_TIME_PREFIXES = ("BucketNotificationsHandler", "Custom", "LogRetention", "AWS679f53fac002430cb0da5b7982bd2287")


@dataclass
class Function:
    logical_id: str
    memory_mb: int
    architecture: str
    ephemeral_mb: int
    provisioned: int = 0
    alias_ids: list[str] = field(default_factory=list)
    triggers: list[FoundTrigger] = field(default_factory=list)  # as the adapters read them (the local loop's too)
    log_retention_days: int | None = None  # of the log group its LoggingConfig names (None: never expires)

    def triggered_by(self, kind: str) -> list[FoundTrigger]:
        return [t for t in self.triggers if t.kind == kind]


@dataclass
class Resource:
    """One resource of a construct, for the types priced from their own properties (tables, keys, buckets...)."""

    logical_id: str
    type: str
    properties: dict[str, Any]
    path: str  # its construct path (aws:cdk:path)


@dataclass
class Construct:
    """One construct of the app (`Stack/Name`), with what it holds that costs money."""

    path: str
    functions: list[Function] = field(default_factory=list)
    apis: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (logical id, "http"|"rest", targets)
    queues: dict[str, bool] = field(default_factory=dict)  # logical id -> fifo
    alarm_metrics: int = 0
    dashboards: int = 0
    nat_gateways: int = 0
    load_balancers: int = 0
    fargate: list[dict[str, Any]] = field(default_factory=list)  # cpu, memory_mb, architecture, kind, tasks...
    resources: list[Resource] = field(default_factory=list)  # every resource of the construct
    function_log_groups: set[str] = field(default_factory=set)  # priced with their functions

    @property
    def kind(self) -> str:
        if self.fargate:
            return "fargate"
        if self.apis:
            return "api"
        if self.functions:
            return "function"
        return "other"


@dataclass
class Stack:
    name: str
    region: str | None
    constructs: dict[str, Construct]
    deploy_time: list[str]  # paths of CDK's deploy-time helpers, not priced


def read_cloud_assembly(cdk_out: Path) -> list[Stack]:
    """Every stack of the cloud assembly in `cdk_out` (its manifest.json), read into constructs."""
    return [read_stack(name, template, region) for name, template, region in stack_templates(cdk_out)]


def read_stack(name: str, template: dict[str, Any], region: str | None = None) -> Stack:
    resources: dict[str, dict[str, Any]] = template.get("Resources", {})
    if resources and not any("aws:cdk:path" in r.get("Metadata", {}) for r in resources.values()):
        raise ValueError(f"stack {name} has no construct paths in its template (synthesized with "
                         "--no-path-metadata?): synthesize it with plain `cdk synth`")
    constructs: dict[str, Construct] = {}
    deploy_time: list[str] = []

    def owner(logical_id: str) -> Construct | None:
        path = resources[logical_id].get("Metadata", {}).get("aws:cdk:path", f"{name}/{logical_id}")
        parts = path.split("/")
        top = "/".join(parts[:2])
        if parts[1].startswith(DEPLOY_TIME_PREFIXES):
            if top not in deploy_time:
                deploy_time.append(top)
            return None
        return constructs.setdefault(top, Construct(top))

    functions: dict[str, Function] = {}
    function_log_groups: set[str] = set()  # priced with their functions, not again as log groups
    for logical_id, resource in resources.items():
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::Lambda::Function" and (construct := owner(logical_id)) is not None:
            function = Function(logical_id, int(props.get("MemorySize", 128)), (props.get("Architectures") or
                                ["x86_64"])[0], int(props.get("EphemeralStorage", {}).get("Size", 512)))
            log_group_id = ref(props.get("LoggingConfig", {}).get("LogGroup")) or ""
            log_group = resources.get(log_group_id, {})
            function.log_retention_days = log_group.get("Properties", {}).get("RetentionInDays")
            function_log_groups.add(log_group_id)
            functions[logical_id] = function
            construct.functions.append(function)
    for logical_id, resource in resources.items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Lambda::Alias":
            target = ref(props.get("FunctionName"))
            if target in functions:
                functions[target].alias_ids.append(logical_id)
                functions[target].provisioned = int(
                    (props.get("ProvisionedConcurrencyConfig") or {}).get("ProvisionedConcurrentExecutions", 0))
    view = TemplateView(resources)
    for function_id, triggers in triggers_of(resources).items():
        if function_id in functions:
            functions[function_id].triggers = triggers
    for logical_id, resource in resources.items():
        kind, props = resource["Type"], resource.get("Properties", {})
        construct = owner(logical_id)
        if construct is None:
            continue
        construct.resources.append(Resource(logical_id, kind, props,
                                            resource.get("Metadata", {}).get("aws:cdk:path", f"{name}/{logical_id}")))
        if kind == "AWS::SQS::Queue":
            construct.queues[logical_id] = bool(props.get("FifoQueue"))
        elif kind == "AWS::Scheduler::Schedule":
            if not view.functions_named_in(props) and "ecs" in json.dumps(props).lower():  # a Fargate task's
                construct.fargate.append({"kind": "schedule", "expression": props.get("ScheduleExpression", "")})
        elif kind == "AWS::Events::Rule":
            if "ScheduleExpression" in props and "ecs" in json.dumps(props).lower():
                construct.fargate.append({"kind": "schedule", "expression": props["ScheduleExpression"]})
        elif kind in ("AWS::ApiGatewayV2::Api", "AWS::ApiGateway::RestApi"):
            api_kind = "http" if kind == "AWS::ApiGatewayV2::Api" else "rest"
            targets = [f for f in functions.values() for t in f.triggers
                       if t.kind == api_kind and t.detail.get("api") == logical_id]
            construct.apis.append((logical_id, api_kind, list(dict.fromkeys(f.logical_id for f in targets))))
        elif kind == "AWS::CloudWatch::Alarm":
            construct.alarm_metrics += max(1, sum(1 for m in props.get("Metrics", []) if "MetricStat" in m))
        elif kind == "AWS::CloudWatch::Dashboard":
            construct.dashboards += 1
        elif kind == "AWS::EC2::NatGateway":
            construct.nat_gateways += 1
        elif kind == "AWS::ElasticLoadBalancingV2::LoadBalancer":
            construct.load_balancers += 1
        elif kind == "AWS::ECS::TaskDefinition":
            platform = props.get("RuntimePlatform", {})
            construct.fargate.append({
                "kind": "task", "vcpu": int(props.get("Cpu", 256)) / 1024, "memory_gb": int(props.get("Memory", 512))
                / 1024, "architecture": "arm64" if platform.get("CpuArchitecture") == "ARM64" else "x86_64"})
        elif kind == "AWS::ECS::Service":
            construct.fargate.append({"kind": "service", "desired": int(props.get("DesiredCount", 1))})
        elif kind == "AWS::ApplicationAutoScaling::ScalableTarget" and "ecs" in json.dumps(props):
            construct.fargate.append({"kind": "scaling", "minimum": int(props.get("MinCapacity", 0)),
                                      "maximum": int(props.get("MaxCapacity", 1))})
    for construct in constructs.values():
        construct.function_log_groups = function_log_groups
    return Stack(name, region, constructs, deploy_time)


def months_of(days: int | None) -> float:
    """How many months of logs are kept at steady state (never-expiring groups: a year, as an assumption)."""
    return math.inf if days is None else days / 30.4167
