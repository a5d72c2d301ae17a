"""Rules for releases: traffic shifting, aliases, provisioned concurrency and SnapStart."""

from __future__ import annotations

import re
from typing import Protocol

from aws_cdk import Duration
from constructs import IConstruct, Node

from .. import limits as L
from . import fail, rule


@rule("DEPLOYMENT_STEP", "canary and linear traffic steps",
      limit=f"an integer percent {L.CODEDEPLOY_PERCENT_MIN}..{L.CODEDEPLOY_PERCENT_MAX} and an interval of whole "
            f"minutes >= {L.CODEDEPLOY_INTERVAL_MIN_MINUTES}", source=L.CODEDEPLOY_CONFIG_URL)
def check_traffic_step(where: str, percent: int, interval: Duration) -> None:
    if not L.CODEDEPLOY_PERCENT_MIN <= percent <= L.CODEDEPLOY_PERCENT_MAX:
        fail(where, "DEPLOYMENT_STEP", f"percent={percent} is not a share of traffic CodeDeploy can shift in a step",
             f"use {L.CODEDEPLOY_PERCENT_MIN}..{L.CODEDEPLOY_PERCENT_MAX} (all of it at once is "
             "Deployment.all_at_once()).")
    seconds = interval.to_seconds()
    if seconds < 60 * L.CODEDEPLOY_INTERVAL_MIN_MINUTES or seconds % 60:
        fail(where, "DEPLOYMENT_STEP", f"interval={seconds:g} s is not a whole number of minutes >= 1",
             f"use Duration.minutes(n) with n >= {L.CODEDEPLOY_INTERVAL_MIN_MINUTES}.")


@rule("ALIAS_NAME", "alias name format",
      limit=f"1..{L.LAMBDA_ALIAS_NAME_MAX} of [a-zA-Z0-9_-], not all digits (those are versions), not $LATEST",
      source=L.LAMBDA_ALIAS_URL)
def check_alias_name(where: str, name: str) -> None:
    if len(name) > L.LAMBDA_ALIAS_NAME_MAX or not re.fullmatch(L.LAMBDA_ALIAS_NAME_PATTERN, name):
        fail(where, "ALIAS_NAME", f"alias_name={name[:80]!r} is not a name Lambda accepts for an alias",
             "use a name such as 'live' or 'prod': letters, digits, '-' and '_', not only digits; traffic "
             "shifting and provisioned concurrency need an alias over a published version, never $LATEST.")


@rule("PROVISIONED_CONCURRENCY", "provisioned concurrency values",
      limit=f"at least 1; when scaled: minimum <= maximum, target utilization "
            f"{L.LAMBDA_PROVISIONED_UTILIZATION_MIN}..{L.LAMBDA_PROVISIONED_UTILIZATION_MAX}",
      source=L.LAMBDA_PROVISIONED_URL)
def check_provisioned_scaling(minimum: int, maximum: int, target_utilization: float) -> None:
    where = "ProvisionedConcurrency"
    if minimum < 1 or maximum < minimum:
        fail(where, "PROVISIONED_CONCURRENCY", f"minimum={minimum}, maximum={maximum} is not a range of at least 1",
             "use 1 <= minimum <= maximum (for none at all, leave provisioned_concurrency unset).")
    lo, hi = L.LAMBDA_PROVISIONED_UTILIZATION_MIN, L.LAMBDA_PROVISIONED_UTILIZATION_MAX
    if not lo <= target_utilization <= hi:
        fail(where, "PROVISIONED_CONCURRENCY", f"target_utilization={target_utilization} is outside {lo}..{hi}",
             "use a share of the provisioned environments such as 0.7 (scale out when 70% are busy).")


def check_provisioned_fixed(construct: IConstruct, count: int) -> None:
    if count < 1:
        fail(construct, "PROVISIONED_CONCURRENCY", f"provisioned_concurrency={count} is not at least 1",
             "use 1 or more environments, or leave provisioned_concurrency unset (none, no idle cost).")


@rule("PROVISIONED_ABOVE_RESERVED", "provisioned concurrency within reserved concurrency",
      limit="provisioned concurrency <= the function's reserved concurrency, when one is set",
      source=L.LAMBDA_PROVISIONED_URL)
def check_provisioned_reserved(construct: IConstruct, provisioned: int, reserved: int | None) -> None:
    if reserved is not None and provisioned > reserved:
        fail(construct, "PROVISIONED_ABOVE_RESERVED",
             f"provisioned concurrency {provisioned} exceeds reserved_concurrency={reserved}",
             "reserve at least as much as you provision (or leave reserved_concurrency unset).")


@rule("SNAPSTART_RUNTIME", "SnapStart runtime", limit=f"Python {', '.join(sorted(L.LAMBDA_SNAPSTART_PYTHON))}",
      source=L.LAMBDA_SNAPSTART_URL)
def check_snap_start_runtime(construct: IConstruct, runtime: str) -> None:
    if runtime not in L.LAMBDA_SNAPSTART_PYTHON:
        fail(construct, "SNAPSTART_RUNTIME",
             f"snap_start=True with runtime={runtime}, which SnapStart does not support",
             "use python3.12 or newer (leave runtime unset for the newest), or drop snap_start.")


@rule("SNAPSTART_STORAGE", "SnapStart with ephemeral storage",
      limit=f"at most {L.LAMBDA_SNAPSTART_EPHEMERAL_MAX_MB} MB of /tmp", source=L.LAMBDA_SNAPSTART_URL)
def check_snap_start_storage(construct: IConstruct, mib: float) -> None:
    if mib > L.LAMBDA_SNAPSTART_EPHEMERAL_MAX_MB:
        fail(construct, "SNAPSTART_STORAGE", f"snap_start=True with ephemeral_storage_size={mib:g} MB",
             f"keep /tmp at {L.LAMBDA_SNAPSTART_EPHEMERAL_MAX_MB} MB (the default) or drop snap_start.")


@rule("SNAPSTART_PROVISIONED", "SnapStart with provisioned concurrency",
      limit="one or the other: Lambda refuses both on one version", source=L.LAMBDA_SNAPSTART_URL)
def check_snap_start_provisioned(construct: IConstruct, provisioned: bool) -> None:
    if provisioned:
        fail(construct, "SNAPSTART_PROVISIONED", "snap_start=True with provisioned_concurrency",
             "choose one: SnapStart (cheaper, restores in ~hundreds of ms) or provisioned concurrency (always "
             "warm, paid while idle).")


@rule("DEPLOYMENT_HOOK", "a traffic hook tests one function's releases",
      limit="a hook tests the new version (named in its TARGET_VERSION_ARN) and reports to CodeDeploy",
      source="https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html"
             "#appspec-hooks-lambda")
class _Named(Protocol):
    """What a message needs of a hook: its path."""

    @property
    def node(self) -> Node: ...


def check_hook(construct: IConstruct, hook: _Named, which: str, serves: str | None) -> None:
    if serves is not None:
        fail(construct, "DEPLOYMENT_HOOK", f"{which} {hook.node.path} already tests another function's releases",
             "give each deployed function its own hook function (it reads the version to test from "
             "TARGET_VERSION_ARN).")
