"""Releases that roll back: a published version per change, an alias every trigger follows, CodeDeploy shifting.

`ServerlessFunction(..., deployment=Deployment.canary(percent=10, interval=Duration.minutes(5)))` publishes a
version whenever the function's code or configuration changes, points the alias `live` at it, and lets CodeDeploy
shift traffic from the old version to the new one step by step. A rollback alarm over the alias's errors and p99
duration (the function's own health signals, measured on the traffic the alias serves) and a failed pre/post
traffic hook send all traffic back to the old version. Without a deployment, functions work as plain CDK's do:
each deploy switches all traffic at once to `$LATEST`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from aws_cdk import Duration, Size, Stack
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct, IConstruct, Node

from . import context
from . import limits as L
from .defaults import FunctionAlarmDefaults
from .health.alarms import HealthAlarm
from .health.signals import release_signals
from .nag import acknowledge, finding_resource
from .rules import deployment as rules
from .rules.props import check_props, described_as

DEFAULT_ALIAS = "live"
# A traffic hook finds the version it is to test in this environment variable (set on the hook function).
HOOK_TARGET_VARIABLE = "TARGET_VERSION_ARN"

Kind = Literal["all_at_once", "canary", "linear"]


@described_as("a ServerlessFunction")
@runtime_checkable
class TrafficHook(Protocol):
    """What a release uses of a pre/post-traffic hook: a `ServerlessFunction`."""

    @property
    def node(self) -> Node: ...
    @property
    def function(self) -> lambda_.Function: ...
    @property
    def role(self) -> iam.IRole: ...
    @property
    def environment(self) -> Mapping[str, str]: ...
    def add_environment(self, key: str, value: str) -> object: ...


@dataclass(frozen=True)
class ProvisionedConcurrency:
    """Provisioned concurrency on the alias, scaled between `minimum` and `maximum` by Application Auto Scaling
    on utilization (`target_utilization` of what is provisioned). An int `provisioned_concurrency=n` is fixed.

    Args:
        minimum: provisioned environments at least (>= 1). Required.
        maximum: at most (>= minimum). Required.
        target_utilization: the share of what is provisioned Application Auto Scaling keeps in use, 0.1..0.9. Default:
            0.7.
    """

    minimum: int
    maximum: int
    target_utilization: float = 0.7

    def __post_init__(self) -> None:
        check_props(ProvisionedConcurrency.__init__, {"minimum": self.minimum, "maximum": self.maximum,
                                                     "target_utilization": self.target_utilization},
                    "ProvisionedConcurrency")
        rules.check_provisioned_scaling(self.minimum, self.maximum, self.target_utilization)


@dataclass(frozen=True)
class Deployment:
    """How a new version of a function takes over its traffic. Build one with a class method.

    Args:
        kind: "canary", "linear" or "all_at_once". Required (use the class methods).
        percent: of the traffic shifted per step. Default: 100.
        interval: between steps. Default: None (all at once).
        alias_name: the alias the triggers invoke. Default: "live".
        pre_traffic: a `ServerlessFunction` that tests the new version before traffic moves. Default: None.
        post_traffic: one that tests it after all traffic moved. Default: None.
    """

    kind: Kind
    percent: int = 100  # of traffic shifted at the first step (canary) or every step (linear)
    interval: Duration | None = None  # between steps
    alias_name: str = DEFAULT_ALIAS
    pre_traffic: TrafficHook | None = None  # runs before any traffic moves; failing it rolls back
    post_traffic: TrafficHook | None = None  # runs after all traffic moved; failing it rolls back

    @classmethod
    def all_at_once(cls, *, alias_name: str = DEFAULT_ALIAS, pre_traffic: TrafficHook | None = None,
                    post_traffic: TrafficHook | None = None) -> Deployment:
        """All traffic moves to the new version at once, after the pre-traffic hook passes; the alarm and the
        post-traffic hook can still roll it back.

        Args:
            alias_name: the alias every trigger invokes. Default: "live".
            pre_traffic: a `ServerlessFunction` that tests the new version before any traffic moves (it reports to
                CodeDeploy; a failure rolls back). Default: None.
            post_traffic: one that tests it once all traffic moved. Default: None.
        """
        check_props(Deployment.all_at_once.__func__, locals(), "Deployment.all_at_once")  # type: ignore[attr-defined]
        rules.check_alias_name("Deployment.all_at_once", alias_name)
        return cls("all_at_once", 100, None, alias_name, pre_traffic, post_traffic)

    @classmethod
    def canary(cls, percent: int, interval: Duration, *, alias_name: str = DEFAULT_ALIAS,
               pre_traffic: TrafficHook | None = None,
               post_traffic: TrafficHook | None = None) -> Deployment:
        """`percent` of traffic for `interval`, then the rest at once.

        Args:
            percent: 1..99: the share of traffic the new version gets first. Required.
            interval: whole minutes the canary runs before the rest moves. Required.
            alias_name: the alias every trigger invokes. Default: "live".
            pre_traffic: a `ServerlessFunction` that tests the new version before any traffic moves (it reports to
                CodeDeploy; a failure rolls back). Default: None.
            post_traffic: one that tests it once all traffic moved. Default: None.
        """
        check_props(Deployment.canary.__func__, locals(), "Deployment.canary")  # type: ignore[attr-defined]
        return cls._shifting("canary", percent, interval, alias_name, pre_traffic, post_traffic)

    @classmethod
    def linear(cls, percent: int, interval: Duration, *, alias_name: str = DEFAULT_ALIAS,
               pre_traffic: TrafficHook | None = None,
               post_traffic: TrafficHook | None = None) -> Deployment:
        """`percent` more of the traffic every `interval` until all of it has moved.

        Args:
            percent: 1..99: the share that moves at each step. Required.
            interval: whole minutes between two steps. Required.
            alias_name: as for `canary`. Default: "live".
            pre_traffic: as for `canary` (before the first step). Default: None.
            post_traffic: as for `canary` (after the last step). Default: None.
        """
        check_props(Deployment.linear.__func__, locals(), "Deployment.linear")  # type: ignore[attr-defined]
        return cls._shifting("linear", percent, interval, alias_name, pre_traffic, post_traffic)

    @classmethod
    def _shifting(cls, kind: Kind, percent: int, interval: Duration, alias_name: str,
                  pre_traffic: TrafficHook | None, post_traffic: TrafficHook | None) -> Deployment:
        where = f"Deployment.{kind}"
        rules.check_traffic_step(where, percent, interval)
        rules.check_alias_name(where, alias_name)
        return cls(kind, percent, interval, alias_name, pre_traffic, post_traffic)

    @property
    def minutes(self) -> int:
        return int(self.interval.to_minutes()) if self.interval is not None else 0

    @property
    def duration_minutes(self) -> int:
        """How long the traffic shift takes, hooks aside (CloudFormation waits for it)."""
        if self.kind == "linear":
            steps = -(-100 // self.percent)  # ceil: the last step moves what is left
            return self.minutes * (steps - 1)
        return self.minutes

    def config(self, scope: Construct) -> codedeploy.ILambdaDeploymentConfig:
        """CodeDeploy's predefined config when one matches, else one custom config per shape per stack."""
        name = L.CODEDEPLOY_PREDEFINED.get((self.kind, self.percent, self.minutes))
        if name is not None:
            return codedeploy.LambdaDeploymentConfig.from_lambda_deployment_config_name(
                scope, "DeploymentConfig", name)
        stack = Stack.of(scope)
        id = f"{self.kind.title()}{self.percent}PercentEvery{self.minutes}Minutes"
        existing = stack.node.try_find_child(id)
        if isinstance(existing, codedeploy.LambdaDeploymentConfig):
            return existing
        routing = (codedeploy.TrafficRouting.time_based_canary if self.kind == "canary"
                   else codedeploy.TrafficRouting.time_based_linear)
        assert self.interval is not None  # canary and linear have one (all_at_once returns above)
        return codedeploy.LambdaDeploymentConfig(
            stack, id, traffic_routing=routing(interval=self.interval, percentage=self.percent))

    def describe(self) -> str:
        if self.kind == "all_at_once":
            return "all at once"
        if self.kind == "canary":
            return f"canary {self.percent}% for {self.minutes} min"
        return f"linear {self.percent}% every {self.minutes} min, {self.duration_minutes} min in all"


def application(scope: Construct) -> codedeploy.LambdaApplication:
    """One CodeDeploy application per stack holds every function's deployment group."""
    stack = Stack.of(scope)
    existing = stack.node.try_find_child("CodeDeployApplication")
    if isinstance(existing, codedeploy.LambdaApplication):
        return existing
    return codedeploy.LambdaApplication(stack, "CodeDeployApplication")


def codedeploy_enabled(scope: IConstruct) -> bool:
    """False under `-c constructs_lib:codedeploy=false` (a local AWS has no CodeDeploy): the alias then moves to each
    new version directly, as `Deployment.all_at_once()` would without hooks or alarms."""
    return not context.switched_off(scope, context.CODEDEPLOY)


# --- a function's releases --------------------------------------------------------------------------------------

@dataclass
class Release:
    """A function's releases: the version published per change and the alias its triggers follow (when a deployment,
    provisioned concurrency or SnapStart asks for one), and with a deployment, CodeDeploy's group and the rollback
    alarm it watches. Empty for a function that is simply `$LATEST`."""

    version: lambda_.IVersion | None = None
    alias: lambda_.Alias | None = None
    deployment_group: codedeploy.LambdaDeploymentGroup | None = None
    rollback_alarm: HealthAlarm | None = None


class Releasable(IConstruct, Protocol):
    """A construct with the steps of a release, each a method a subclass of `ServerlessFunction` may override."""

    def make_alias(self, deployment: Deployment | None,
                   provisioned: int | ProvisionedConcurrency | None) -> tuple[lambda_.IVersion, lambda_.Alias]: ...
    def make_rollback_alarm(self, alias: lambda_.Alias) -> HealthAlarm: ...
    def make_deployment_group(self, deployment: Deployment, version: lambda_.IVersion, alias: lambda_.Alias,
                              rollback: HealthAlarm) -> codedeploy.LambdaDeploymentGroup: ...


def release_of(function: Releasable, deployment: Deployment | None,
               provisioned: int | ProvisionedConcurrency | None, snap_start: bool) -> Release:
    """The releases of `function` (made under its construct): its steps, in their order."""
    if deployment is None and provisioned is None and not snap_start:
        return Release()
    version, alias = function.make_alias(deployment, provisioned)
    if deployment is None or not codedeploy_enabled(function):
        return Release(version, alias)
    rollback = function.make_rollback_alarm(alias)
    return Release(version, alias, function.make_deployment_group(deployment, version, alias, rollback), rollback)


def check_release(construct: Construct, deployment: Deployment | None,
                  provisioned: int | ProvisionedConcurrency | None, snap_start: bool, reserved: int | None,
                  storage: Size | None, runtime_name: str) -> None:
    """What Lambda refuses of a release: provisioned concurrency out of range or above the reserved concurrency, a
    hook that already tests another function, SnapStart with an old runtime, large /tmp or provisioned concurrency."""
    if isinstance(provisioned, int):
        rules.check_provisioned_fixed(construct, provisioned)
    if provisioned is not None:
        most = provisioned.maximum if isinstance(provisioned, ProvisionedConcurrency) else provisioned
        rules.check_provisioned_reserved(construct, most, reserved)
    for which, hook in (("pre_traffic", deployment and deployment.pre_traffic),
                        ("post_traffic", deployment and deployment.post_traffic)):
        if hook is not None:
            rules.check_hook(construct, hook, which, hook.environment.get(HOOK_TARGET_VARIABLE))
    if snap_start:
        rules.check_snap_start_runtime(construct, runtime_name)
        rules.check_snap_start_storage(construct, storage.to_mebibytes() if storage else 512)
        rules.check_snap_start_provisioned(construct, provisioned is not None)


def published_alias(scope: Construct, function: lambda_.Function, deployment: Deployment | None,
                    provisioned: int | ProvisionedConcurrency | None,
                    path: str) -> tuple[lambda_.IVersion, lambda_.Alias]:
    """A version published whenever code or configuration changes, and the alias the triggers invoke.

    Old versions are kept (CloudFormation retains them), so a rollback has something to return to.
    """
    version = function.current_version
    scaling = provisioned if isinstance(provisioned, ProvisionedConcurrency) else None
    fixed = None if isinstance(provisioned, ProvisionedConcurrency) else provisioned
    alias = lambda_.Alias(
        scope, "Alias", alias_name=deployment.alias_name if deployment else DEFAULT_ALIAS, version=version,  # pyright: ignore[reportArgumentType]
        provisioned_concurrent_executions=scaling.minimum if scaling else fixed,
        description=f"What the triggers of {path} invoke"
                    + (f"; releases shift to it {deployment.describe()}" if deployment else ""),
    )
    if scaling is not None:
        alias.add_auto_scaling(min_capacity=scaling.minimum, max_capacity=scaling.maximum).scale_on_utilization(
            utilization_target=scaling.target_utilization)
    return version, alias  # pyright: ignore[reportReturnType]


def rollback_alarm(scope: Construct, alias: lambda_.Alias, *, function_name: str, timeout: Duration, path: str,
                   defaults: FunctionAlarmDefaults) -> HealthAlarm:
    """The alias's errors and p99 duration, per minute: what a release is judged on.

    Not the health alarm: that one also watches queues, whose backlog or dead letters from before a release would
    block every release.
    """
    alarm = HealthAlarm(scope, "RollbackAlarm", subject=f"Release of {path}", defaults=defaults,
                        period=defaults.rollback_period)
    alarm.add(*release_signals(function_name, alias.alias_name, timeout, defaults))
    return alarm


def deployment_group(scope: Construct, deployment: Deployment, *, function: lambda_.Function,
                     version: lambda_.IVersion, alias: lambda_.Alias, rollback: HealthAlarm,
                     path: str) -> codedeploy.LambdaDeploymentGroup:
    """CodeDeploy shifts the alias to each new version; the rollback alarm or a failed hook sends it back.

    The role may only move this function's alias and read its own rollback alarm (aws-cdk-lib's default attaches
    AWSCodeDeployRoleForLambdaLimited, which may update any alias in the account).
    """
    role = iam.Role(scope, "DeploymentRole", assumed_by=iam.ServicePrincipal("codedeploy.amazonaws.com"),  # pyright: ignore[reportArgumentType]
                    description=f"CodeDeploy shifts the traffic of {path}")
    arn = function.function_arn
    role.add_to_policy(iam.PolicyStatement(
        actions=["lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"],
        resources=[arn, f"{arn}:*"]))
    role.add_to_policy(iam.PolicyStatement(actions=["cloudwatch:DescribeAlarms"], resources=rollback.arns))
    acknowledge(role, "CodeDeploy moves the alias of this one function between its versions (ARN:*).",
                f"AwsSolutions-IAM5[Resource::{finding_resource(Stack.of(scope), f'{arn}:*')}]")
    from aws_cdk import aws_cloudwatch as cloudwatch  # only here: its bindings take about 25 ms to import

    group = codedeploy.LambdaDeploymentGroup(
        scope, "Deployment", application=application(scope), alias=alias,
        deployment_config=deployment.config(scope), role=role.without_policy_updates(),
        alarms=[cloudwatch.Alarm.from_alarm_arn(scope, f"RollbackAlarm{i}Ref", alarm_arn)
                for i, alarm_arn in enumerate(rollback.arns)],
        auto_rollback=codedeploy.AutoRollbackConfig(
            failed_deployment=True, stopped_deployment=True, deployment_in_alarm=True),
    )
    for hook, add in ((deployment.pre_traffic, group.add_pre_hook), (deployment.post_traffic, group.add_post_hook)):
        if hook is not None:
            add(hook.function)  # it may report its result to CodeDeploy  # pyright: ignore[reportArgumentType]
            role.add_to_policy(iam.PolicyStatement(  # CodeDeploy invokes it by name (aws-cdk-lib's grant needs a
                actions=["lambda:InvokeFunction"], resources=[hook.function.function_arn]))  # mutable role)
            version.grant_invoke(hook.role)  # it may invoke the new version (only that one), named in its
            hook.add_environment(HOOK_TARGET_VARIABLE, version.function_arn)  # environment
            alias.node.add_dependency(hook.function)  # the hook knows the version before traffic moves
    return group
