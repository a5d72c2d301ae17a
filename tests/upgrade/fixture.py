"""The upgrade-safety fixture: every public construct and trigger as an app would use them, and the stateful
resources (the data) they make, with the properties whose change makes CloudFormation replace one.

`python -m tests.upgrade.fixture` rewrites tests/upgrade/manifest.json from the current code (after a change that
adds a stateful resource, or one the CHANGELOG's Breaking section names).

`python -m tests.upgrade.fixture --release X.Y.Z`, run when a release is cut, freezes what that release makes in
tests/upgrade/releases/X.Y.Z.json. Later code is compared against the newest such record: unlike the manifest, it is
never rewritten, so a rename cannot be hidden by re-recording. (A committed record, not a git tag: a clone does not
always carry tags.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

MANIFEST = Path(__file__).with_name("manifest.json")
RELEASES = Path(__file__).with_name("releases")
CHANGELOG = Path(__file__).resolve().parents[2] / "CHANGELOG.md"
IMAGE = "example/worker"

# Stateful types, and the properties CloudFormation replaces them for (its "Update requires: Replacement").
STATEFUL: dict[str, tuple[str, ...]] = {
    "AWS::SQS::Queue": ("QueueName", "FifoQueue"),
    "AWS::S3::Bucket": ("BucketName",),
    "AWS::Logs::LogGroup": ("LogGroupName",),
    "AWS::DynamoDB::Table": ("TableName", "KeySchema"),
    "AWS::SNS::Topic": ("TopicName", "FifoTopic"),
    "AWS::KMS::Key": ("KeySpec", "KeyUsage", "MultiRegion"),
    "AWS::Kinesis::Stream": ("Name",),
}


def build_app() -> Any:
    """Two stacks, as a `cdk init` app would write them (the web service's stack names its env)."""
    import aws_cdk as cdk
    from aws_cdk import Duration

    from constructs_lib import (
        Alerting,
        ApiAuthorization,
        ApiTrigger,
        Cors,
        Deployment,
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
        UrlTrigger,
    )

    app = cdk.App()
    shop = cdk.Stack(app, "Shop")
    Alerting(shop, "Alerts", emails=["ops@example.com"])
    api = ServerlessApi(shop, "Api", cors=Cors(allow_origins=["https://shop.example.com"]))
    rest = ServerlessApi(shop, "Rest", kind="rest")
    gate = ServerlessFunction(shop, "Gate", source="tests/handler", async_invokes=False)
    ServerlessFunction(shop, "Orders", source="tests/handler", timeout=Duration.seconds(10), triggers=[
        S3Trigger(prefix="in/"), QueueTrigger(), QueueTrigger(fifo=True), EventTrigger({"source": ["shop.orders"]}),
        ScheduleTrigger("rate(1 hour)"), ApiTrigger(api, "GET /orders/{id}"),
        ApiTrigger(api, "GET /partner/orders", authorization=ApiAuthorization.lambda_(gate)),
        ApiTrigger(rest, "GET /products/{id}", public=True), UrlTrigger(), TopicTrigger(),
        StreamTrigger(),
    ])
    ServerlessFunction(shop, "Checkout", source="tests/handler", deployment=Deployment.canary(10, Duration.minutes(5)),
                       triggers=[ApiTrigger(api, "POST /checkout"), QueueTrigger()])
    FargateQueueWorker(shop, "Worker", image_source=IMAGE)
    FargateScheduledTask(shop, "Nightly", image_source=IMAGE, schedule="cron(0 3 * * ? *)")
    web = cdk.Stack(app, "Web", env=cdk.Environment(account="123456789012", region="us-east-1"))
    FargateWebService(web, "Web", image_source=IMAGE)
    return app


def stateful_resources(templates: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """`stack/logical id` -> its type and replacement-causing properties, for each stateful resource."""
    found = {}
    for stack, template in sorted(templates.items()):
        for logical_id, resource in sorted(template.get("Resources", {}).items()):
            kind = resource.get("Type")
            if kind in STATEFUL:
                props = resource.get("Properties", {})
                found[f"{stack}/{logical_id}"] = {"type": kind, **{p: props[p] for p in STATEFUL[kind] if p in props}}
    return found


def synthesized() -> dict[str, dict[str, Any]]:
    assembly = build_app().synth()
    return {stack.stack_name: stack.template for stack in assembly.stacks}


def breaking_named() -> str:
    """The text of the unreleased version's Breaking section in CHANGELOG.md ('' when it has none)."""
    text = CHANGELOG.read_text()
    unreleased = re.search(r"^## \[Unreleased\]\n(.*?)(?=^## \[)", text, re.S | re.M)
    if not unreleased:
        return ""
    breaking = re.search(r"^### Breaking\n(.*?)(?=^### |\Z)", unreleased.group(1), re.S | re.M)
    return breaking.group(1) if breaking else ""


def compare(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]], named: str) -> list[str]:
    """What would lose data (a resource gone, or replaced), unless `named` (the Breaking section) names it."""
    problems = []
    for key, was in before.items():
        logical_id = key.split("/", 1)[1]
        if logical_id in named:
            continue
        now = after.get(key)
        if now is None:
            problems.append(f"{key} ({was['type']}) is gone: CloudFormation would delete it (a renamed construct "
                            "id or path changes the logical id)")
        elif now != was:
            changed = sorted(k for k in set(was) | set(now) if was.get(k) != now.get(k))
            problems.append(f"{key} ({was['type']}) changes {', '.join(changed)}: CloudFormation would replace it "
                            f"(was {json.dumps({k: was.get(k) for k in changed})}, "
                            f"now {json.dumps({k: now.get(k) for k in changed})})")
    return problems


def last_release() -> str:
    """The newest released version in CHANGELOG.md (its first `## [X.Y.Z] - date` heading)."""
    found = re.search(r"^## \[(\d+\.\d+\.\d+)\] - ", CHANGELOG.read_text(), re.M)
    if not found:
        raise LookupError("CHANGELOG.md names no released version")
    return found.group(1)


def release_record(version: str) -> Path:
    return RELEASES / f"{version}.json"


def write_manifest(path: Path = MANIFEST) -> None:
    current = stateful_resources(synthesized())
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
    print(f"wrote {path} ({len(current)} stateful resources)")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--release", metavar="X.Y.Z", help="freeze what this release makes (once, when cutting it)")
    args = parser.parse_args()
    if args.release and release_record(args.release).exists():
        parser.error(f"{release_record(args.release)} exists: a release's record is never rewritten")
    write_manifest(release_record(args.release) if args.release else MANIFEST)
