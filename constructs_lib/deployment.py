"""Releases that roll back: a published version per change, an alias every trigger follows, CodeDeploy shifting.

`ServerlessFunction(..., deployment=Deployment.canary(percent=10, interval=Duration.minutes(5)))` publishes a
version whenever the function's code or configuration changes, points the alias `live` at it, and lets CodeDeploy
shift traffic from the old version to the new one step by step. A rollback alarm over the alias's errors and p99
duration (the function's own health signals, measured on the traffic the alias serves) and a failed pre/post
traffic hook send all traffic back to the old version. Without a deployment, functions work as plain CDK's do:
each deploy switches all traffic at once to `$LATEST`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from aws_cdk import Duration, Stack
from aws_cdk import aws_codedeploy as codedeploy
from constructs import Construct

from . import context
from . import limits as L
from .rules import deployment as rules
from .rules.props import check_props

if TYPE_CHECKING:
    from .function import ServerlessFunction

# A local AWS without CodeDeploy (MiniStack): under this context key ("false") the alias moves to each new version
# directly, as `Deployment.all_at_once()` would without hooks or alarms. `make deploy-local` sets it.
CODEDEPLOY_CONTEXT = "constructs_lib:codedeploy"
DEFAULT_ALIAS = "live"
# A traffic hook finds the version it is to test in this environment variable (set on the hook function).
HOOK_TARGET_VARIABLE = "TARGET_VERSION_ARN"

Kind = Literal["all_at_once", "canary", "linear"]


@dataclass(frozen=True)
class ProvisionedConcurrency:
    """Provisioned concurrency on the alias, scaled between `minimum` and `maximum` by Application Auto Scaling
    on utilization (`target_utilization` of what is provisioned). An int `provisioned_concurrency=n` is fixed."""

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
    """How a new version of a function takes over its traffic. Build one with a class method."""

    kind: Kind
    percent: int = 100  # of traffic shifted at the first step (canary) or every step (linear)
    interval: Duration | None = None  # between steps
    alias_name: str = DEFAULT_ALIAS
    pre_traffic: ServerlessFunction | None = None  # runs before any traffic moves; failing it rolls back
    post_traffic: ServerlessFunction | None = None  # runs after all traffic moved; failing it rolls back

    @classmethod
    def all_at_once(cls, *, alias_name: str = DEFAULT_ALIAS, pre_traffic: ServerlessFunction | None = None,
                    post_traffic: ServerlessFunction | None = None) -> Deployment:
        """All traffic moves to the new version at once, after the pre-traffic hook passes; the alarm and the
        post-traffic hook can still roll it back."""
        check_props(Deployment.all_at_once.__func__, locals(), "Deployment.all_at_once")  # type: ignore[attr-defined]
        rules.check_alias_name("Deployment.all_at_once", alias_name)
        return cls("all_at_once", 100, None, alias_name, pre_traffic, post_traffic)

    @classmethod
    def canary(cls, percent: int, interval: Duration, *, alias_name: str = DEFAULT_ALIAS,
               pre_traffic: ServerlessFunction | None = None,
               post_traffic: ServerlessFunction | None = None) -> Deployment:
        """`percent` of traffic for `interval`, then the rest at once."""
        check_props(Deployment.canary.__func__, locals(), "Deployment.canary")  # type: ignore[attr-defined]
        return cls._shifting("canary", percent, interval, alias_name, pre_traffic, post_traffic)

    @classmethod
    def linear(cls, percent: int, interval: Duration, *, alias_name: str = DEFAULT_ALIAS,
               pre_traffic: ServerlessFunction | None = None,
               post_traffic: ServerlessFunction | None = None) -> Deployment:
        """`percent` more of the traffic every `interval` until all of it has moved."""
        check_props(Deployment.linear.__func__, locals(), "Deployment.linear")  # type: ignore[attr-defined]
        return cls._shifting("linear", percent, interval, alias_name, pre_traffic, post_traffic)

    @classmethod
    def _shifting(cls, kind: Kind, percent: int, interval: Duration, alias_name: str,
                  pre_traffic: ServerlessFunction | None, post_traffic: ServerlessFunction | None) -> Deployment:
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


def codedeploy_enabled(scope: Construct) -> bool:
    found = context.value(scope, CODEDEPLOY_CONTEXT)
    return not (found is False or str(found).strip().lower() == "false")
