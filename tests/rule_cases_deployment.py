"""Rule cases for releases: traffic steps, aliases, provisioned concurrency, SnapStart, hooks."""

from __future__ import annotations

from aws_cdk import Duration, Size
from aws_cdk import aws_lambda as lambda_

from constructs_lib import Deployment, ProvisionedConcurrency, ServerlessFunction
from constructs_lib.testing import new_stack

from .rulecases import assert_error, case


def fn(**props):  # type: ignore[no-untyped-def]
    return ServerlessFunction(new_stack(), "Fn", **{"source": "tests/handler", **props})


@case("DEPLOYMENT_STEP")
def _() -> None:
    assert_error("DEPLOYMENT_STEP", lambda: Deployment.canary(percent=100, interval=Duration.minutes(5)),
                 "Deployment.canary: percent=100 is not a share of traffic", "Deployment.all_at_once()")
    assert_error("DEPLOYMENT_STEP", lambda: Deployment.linear(percent=10, interval=Duration.seconds(90)),
                 "Deployment.linear: interval=90 s is not a whole number of minutes", "Duration.minutes(n)")
    assert Deployment.linear(percent=10, interval=Duration.minutes(3)).duration_minutes == 27


@case("ALIAS_NAME")
def _() -> None:
    assert_error("ALIAS_NAME", lambda: Deployment.all_at_once(alias_name="$LATEST"),
                 "alias_name='$LATEST' is not a name Lambda accepts", "never $LATEST")
    assert_error("ALIAS_NAME", lambda: Deployment.all_at_once(alias_name="42"), "alias_name='42'")


@case("PROVISIONED_CONCURRENCY")
def _() -> None:
    assert_error("PROVISIONED_CONCURRENCY", lambda: fn(provisioned_concurrency=0),
                 "Test/Fn: provisioned_concurrency=0 is not at least 1", "leave provisioned_concurrency unset")
    assert_error("PROVISIONED_CONCURRENCY", lambda: ProvisionedConcurrency(minimum=5, maximum=2),
                 "minimum=5, maximum=2 is not a range")
    assert_error("PROVISIONED_CONCURRENCY", lambda: ProvisionedConcurrency(minimum=1, maximum=2,
                                                                           target_utilization=0.95),
                 "target_utilization=0.95 is outside 0.1..0.9")


@case("PROVISIONED_ABOVE_RESERVED")
def _() -> None:
    assert_error("PROVISIONED_ABOVE_RESERVED",
                 lambda: fn(reserved_concurrency=5,
                            provisioned_concurrency=ProvisionedConcurrency(minimum=1, maximum=8)),
                 "provisioned concurrency 8 exceeds reserved_concurrency=5", "reserve at least as much")


@case("SNAPSTART_RUNTIME")
def _() -> None:
    assert_error("SNAPSTART_RUNTIME", lambda: fn(snap_start=True, runtime=lambda_.Runtime.PYTHON_3_11),
                 "snap_start=True with runtime=python3.11", "python3.12 or newer")


@case("SNAPSTART_STORAGE")
def _() -> None:
    assert_error("SNAPSTART_STORAGE", lambda: fn(snap_start=True, ephemeral_storage_size=Size.mebibytes(1024)),
                 "ephemeral_storage_size=1024 MB", "512 MB")


@case("SNAPSTART_PROVISIONED")
def _() -> None:
    assert_error("SNAPSTART_PROVISIONED", lambda: fn(snap_start=True, provisioned_concurrency=2),
                 "snap_start=True with provisioned_concurrency", "choose one")


@case("DEPLOYMENT_HOOK")
def _() -> None:
    stack = new_stack()
    hook = ServerlessFunction(stack, "Hook", source="tests/handler")
    ServerlessFunction(stack, "A", source="tests/handler", deployment=Deployment.all_at_once(pre_traffic=hook))
    assert_error("DEPLOYMENT_HOOK", lambda: ServerlessFunction(
        stack, "B", source="tests/handler", deployment=Deployment.all_at_once(post_traffic=hook)),
        "Test/B: post_traffic Test/Hook already tests another function's releases", "its own hook function")
