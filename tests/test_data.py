"""Data and defaults as a user's own project gets them: the removal policy, and a `cdk init` project's context."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sqs as sqs

from constructs_lib import (
    ApiTrigger,
    ConfigError,
    EventTrigger,
    FargateQueueWorker,
    FargateScheduledTask,
    FargateWebService,
    QueueTrigger,
    S3Trigger,
    ScheduleTrigger,
    ServerlessApi,
    ServerlessFunction,
    StreamTrigger,
    TopicTrigger,
)
from constructs_lib.context import DESTROY_DATA as DESTROY_DATA_CONTEXT
from constructs_lib.testing import DEFAULT_ENV, new_stack, synth

ROOT = Path(__file__).resolve().parent.parent
DATA_TYPES = ("AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::Logs::LogGroup")
IMAGE = "example/worker"


def every_construct(stack: cdk.Stack, *, web: bool = True) -> None:
    """One of each public construct and trigger, as an app would use them."""
    api = ServerlessApi(stack, "Api")
    ServerlessFunction(stack, "Fn", source="tests/handler", triggers=[
        S3Trigger(prefix="in/"), QueueTrigger(), EventTrigger({"source": ["my.app"]}),
        ScheduleTrigger("rate(1 hour)"), ApiTrigger(api, "GET /items/{id}"), TopicTrigger(),
        StreamTrigger(),
    ])
    FargateQueueWorker(stack, "Worker", image_source=IMAGE)
    FargateScheduledTask(stack, "Nightly", image_source=IMAGE, schedule="cron(0 3 * * ? *)")
    if web:
        FargateWebService(stack, "Web", image_source=IMAGE)


def data_resources(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] in DATA_TYPES}


def test_data_is_retained_by_default() -> None:
    stack = new_stack()
    every_construct(stack)
    resources = data_resources(synth(stack).template)
    assert {v["Type"] for v in resources.values()} == set(DATA_TYPES)
    kept = {k: (v.get("DeletionPolicy"), v.get("UpdateReplacePolicy")) for k, v in resources.items()}
    assert set(kept.values()) == {("Retain", "Retain")}, kept


@pytest.mark.parametrize("switch", [True, "true"])
def test_one_switch_deletes_everything_for_a_throwaway_stack(switch: object) -> None:
    stack = new_stack(context={DESTROY_DATA_CONTEXT: switch})
    every_construct(stack)
    result = synth(stack)  # cdk-nag and cfn-lint pass with the auto-delete provider too
    resources = data_resources(result.template)
    assert {v.get("DeletionPolicy") for v in resources.values()} == {"Delete"}
    buckets = [k for k, v in resources.items() if v["Type"] == "AWS::S3::Bucket"]
    emptied = {v["Properties"]["BucketName"]["Ref"] for v in result.resources("Custom::S3AutoDeleteObjects").values()}
    assert emptied == set(buckets)  # non-empty buckets are emptied, so the stack deletes cleanly


def cdk_init_context() -> dict[str, Any]:
    """The context `cdk init app --language python` writes into cdk.json, with this CLI version."""
    path = ROOT / "node_modules" / "aws-cdk" / "lib" / "init-templates" / ".recommended-feature-flags.json"
    return json.loads(path.read_text())


@pytest.mark.parametrize("context", ["none", "cdk init"])
def test_a_users_project_gets_the_same_secure_result(context: str) -> None:
    """No env on the stack, none of our flags: every construct still synthesizes clean under cdk-nag and cfn-lint,
    and no bucket falls back to the legacy LogDeliveryWrite ACL."""
    stack = new_stack(env=None, feature_flags=False, context=cdk_init_context() if context == "cdk init" else None)
    every_construct(stack, web=False)
    result = synth(stack)
    for name, bucket in result.resources("AWS::S3::Bucket").items():
        assert "AccessControl" not in bucket["Properties"], name
        assert bucket["Properties"]["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    logged = [b for b in result.resources("AWS::S3::Bucket").values() if "LoggingConfiguration" in b["Properties"]]
    assert logged, "the trigger bucket logs its access"
    policies = json.dumps(result.resources("AWS::S3::BucketPolicy"))
    assert "logging.s3.amazonaws.com" in policies
    # The web service needs a region for its ALB access logs: said at the user's line, not by a CDK error.
    with pytest.raises(ConfigError, match="FARGATE_WEB_REGION"):
        FargateWebService(stack, "Web", image_source=IMAGE)
    web_stack = new_stack(env=DEFAULT_ENV, feature_flags=False)
    FargateWebService(web_stack, "Web", image_source=IMAGE)
    synth(web_stack)


def test_a_given_queue_keeps_its_own_policy() -> None:
    """Only what the library creates follows the switch; a queue the user made is theirs."""
    stack = new_stack(nag=False, context={DESTROY_DATA_CONTEXT: True})
    queue = sqs.Queue(stack, "Mine", removal_policy=cdk.RemovalPolicy.RETAIN)
    ServerlessFunction(stack, "Fn", source="tests/handler", triggers=[QueueTrigger(queue)])
    template = synth(stack, lint=False).template
    assert template["Resources"][stack.get_logical_id(queue.node.default_child)]["DeletionPolicy"] == "Retain"
