"""What a function's role allows, read from the synthesized template, for the local loop's IAM guard
(`local/iam_guard.py`): the actions of every Allow statement of the role's inline policies and of the
`AWS::IAM::Policy` / `AWS::IAM::ManagedPolicy` resources attached to it. A managed policy given by ARN (AWS's, or
imported) cannot be read: such a role is marked `unseen` and not enforced. Only actions count, as in the synth check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..assembly import ref
from ..packaging.sdk_actions import DATA
from .iam_guard import PERMISSIONS_ENV

__all__ = ["PERMISSIONS_ENV", "RolePermissions", "role_permissions", "write_permissions"]


@dataclass(frozen=True)
class RolePermissions:
    role: str  # the role's logical id
    allowed: tuple[str, ...]  # action patterns, wildcards kept
    unseen: bool  # it has a managed policy whose statements the template does not hold

    def entry(self, role_name: str) -> dict[str, Any]:
        """What the guard reads for the function (`role_name`: the role's name where the function runs)."""
        return {"role": role_name, "allowed": list(self.allowed), "unseen": self.unseen, "data": str(DATA)}


def role_permissions(resources: Mapping[str, Any], function: Mapping[str, Any]) -> RolePermissions | None:
    """The permissions of the role of `function` (a template's `AWS::Lambda::Function`), None when the role is not
    in the template (imported)."""
    role_id = ref(function.get("Properties", {}).get("Role"))
    role = resources.get(role_id or "")
    if role is None or role.get("Type") != "AWS::IAM::Role":
        return None
    props = role.get("Properties", {})
    documents = [p.get("PolicyDocument", {}) for p in props.get("Policies", [])]
    attached: set[str] = set()
    for logical_id, resource in resources.items():
        if resource.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") and role_id in {
                ref(r) for r in resource.get("Properties", {}).get("Roles", [])}:
            documents.append(resource["Properties"].get("PolicyDocument", {}))
            attached.add(logical_id)
    allowed: list[str] = []
    for document in documents:
        for statement in document.get("Statement", []):
            if statement.get("Effect") != "Allow":
                continue
            actions = statement.get("Action", "*" if "NotAction" in statement else [])
            allowed += [a for a in ([actions] if isinstance(actions, str) else actions) if a not in allowed]
    unseen = any(ref(arn) not in attached for arn in props.get("ManagedPolicyArns", []))
    return RolePermissions(role_id or "", tuple(allowed), unseen)


def write_permissions(path: Path, entries: Mapping[str, dict[str, Any]]) -> None:
    """The guard's file: function name (as the function runs) -> its `RolePermissions.entry`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(entries), indent=1, sort_keys=True))
