"""The function's role, enforced on its handler's AWS calls in the local loop (the local AWS does not check IAM).

A script of its own (no import of the library, stdlib and botocore only): `local invoke --no-deploy` runs it in
the handler's subprocess, and the local AWS's handler workers run it before they import a handler. `install(path)`
registers a botocore `before-call` hook on every session made afterwards; it reads the running function's
permissions from the file at `path` (written by the CLI from the synthesized template: `local/permissions.py`). A
call whose IAM action no statement of the role allows is answered as AWS answers it, a 403 AccessDenied that boto3
raises as a `ClientError`:

    User: arn:aws:sts::000000000000:assumed-role/<role>/<function> is not authorized to perform: s3:PutObject on
    resource: "arn:aws:s3:::bucket/key" because no identity-based policy allows the s3:PutObject action

Only actions are compared (any resource), as the synth check does; an operation with no known IAM action is let
through. `sts:GetCallerIdentity` needs no permission in AWS and is never refused.
"""

from __future__ import annotations

import fnmatch
import gzip
import json
import os
from typing import Any

PERMISSIONS_ENV = "CONSTRUCTS_LIB_PERMISSIONS"  # the file: {function name: {"role", "allowed", "unseen", "data"}}
_NEEDS_NO_PERMISSION = {"sts:GetCallerIdentity"}


def install(path: str) -> bool:
    """From now on, refuse the calls the running function's role does not allow: the function is the one
    `AWS_LAMBDA_FUNCTION_NAME` names when the call is made (a local AWS's worker learns it after this runs), its
    permissions an entry of the file at `path` (read again until it has one). False without botocore."""
    try:
        import botocore.handlers
        from botocore import xform_name
    except ImportError:
        return False
    known: dict[str, dict[str, Any] | None] = {}
    services: dict[str, Any] = {}

    def permissions() -> dict[str, Any] | None:
        name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        if known.get(name) is None:
            try:
                with open(path) as handle:
                    known[name] = json.load(handle).get(name)
            except (OSError, ValueError):
                return None
        found = known[name]
        if found and not services:
            with open(found["data"], "rb") as handle:
                services.update(json.loads(gzip.decompress(handle.read()))["services"])
        return found

    def remember_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["constructs_lib_params"] = params

    def refuse(model: Any, context: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]] | None:
        given = permissions()
        if not given or given.get("unseen"):
            return None  # nothing known of this function, or grants that cannot all be read: not enforced
        service = model.service_model.service_name
        allowed = [p.lower() for p in given["allowed"]]
        for action in services.get(service, {}).get("operations", {}).get(xform_name(model.name)) or []:
            if action in _NEEDS_NO_PERMISSION or any(fnmatch.fnmatchcase(action.lower(), p) for p in allowed):
                continue
            return _Forbidden(), _refusal(action, service, context.get("constructs_lib_params") or {}, given)
        return None

    botocore.handlers.BUILTIN_HANDLERS.append(("before-parameter-build", remember_params))
    botocore.handlers.BUILTIN_HANDLERS.append(("before-call", refuse))
    return True


def _refusal(action: str, service: str, params: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    account = given.get("account", "000000000000")
    who = f"arn:aws:sts::{account}:assumed-role/{given['role']}/{os.environ.get('AWS_LAMBDA_FUNCTION_NAME', '')}"
    resource = _resource(action, params, account)
    on = f' on resource: "{resource}"' if resource else ""
    message = (f"User: {who} is not authorized to perform: {action}{on} because no identity-based policy allows the "
               f"{action} action")
    return {"Error": {"Code": "AccessDenied" if service == "s3" else "AccessDeniedException", "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": 403}}


class _Forbidden:
    status_code = 403
    headers: dict[str, str] = {}
    content = b""
    text = ""


def _resource(action: str, params: dict[str, Any], account: str) -> str:
    """The ARN AWS would name in its refusal, for the calls where the parameters say it; else nothing."""
    region = os.environ.get("AWS_REGION", "us-east-1")
    prefix = action.split(":")[0]
    if prefix == "s3" and params.get("Bucket"):
        return f"arn:aws:s3:::{params['Bucket']}" + (f"/{params['Key']}" if params.get("Key") else "")
    if prefix == "dynamodb" and params.get("TableName"):
        return f"arn:aws:dynamodb:{region}:{account}:table/{params['TableName']}"
    if prefix == "sqs" and params.get("QueueUrl"):
        return f"arn:aws:sqs:{region}:{account}:{str(params['QueueUrl']).rstrip('/').rsplit('/', 1)[-1]}"
    for key in ("TopicArn", "stateMachineArn", "SecretId", "FunctionName"):
        if str(params.get(key, "")).startswith("arn:"):
            return str(params[key])
    return ""

