"""Reading a synthesized cloud assembly (`cdk.out`), shared by the commands that work from one (cost, local)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def stack_templates(cdk_out: Path) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    """(stack name, template, region or None) of every stack in `cdk_out`, in the manifest's order."""
    manifest_file = cdk_out / "manifest.json"
    if not manifest_file.exists():
        raise ValueError(f"no cloud assembly in {cdk_out}: run `cdk synth` first")
    manifest = json.loads(manifest_file.read_text())
    for name, artifact in manifest["artifacts"].items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        template = json.loads((cdk_out / artifact["properties"]["templateFile"]).read_text())
        environment = artifact.get("environment", "")
        region = environment.rsplit("/", 1)[-1] if environment.startswith("aws://") else None
        yield artifact.get("displayName", name), template, None if region == "unknown-region" else region


def ref(value: Any) -> str | None:
    """The logical id a `Ref` or `Fn::GetAtt` names (a plain string is returned as it is)."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
        return None
    return value if isinstance(value, str) else None
