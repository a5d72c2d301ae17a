"""A function's handler run in a subprocess, without deploying: its bundle, its environment, its timeout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..assembly import ref
from . import handler_runner
from .app import AppError, LocalFunction
from .permissions import PERMISSIONS_ENV
from .server import CREDENTIALS

_SCRIPT = Path(handler_runner.__file__)


@dataclass
class Invocation:
    """One run of a handler: its result (JSON text) or error, what it logged, how long it took, and where."""

    function: str
    ok: bool
    seconds: float
    result: str
    logs: str
    where: str  # "local AWS" or "subprocess"
    error: str = ""


def run_in_subprocess(function: LocalFunction, event: dict[str, Any], endpoint: str | None = None) -> Invocation:
    """The handler in a subprocess: its bundle on sys.path, its environment from the template (a reference to another
    resource becomes that resource's logical id, lower-cased), its timeout and its role's permissions enforced. Its
    AWS calls go to the local AWS when one runs (`endpoint`), else to 127.0.0.1:9, where they fail at once instead of
    reaching a real account."""
    if function.asset_dir is None or not function.asset_dir.exists():
        raise AppError(f"{function.path}: its code bundle is not in the cloud assembly")
    module, _, handler = function.handler.rpartition(".")
    name = function.path.replace("/", "-")
    env = {k: v if isinstance(v, str) else placeholder(v) for k, v in function.environment.items()}
    env.update(CREDENTIALS, AWS_LAMBDA_FUNCTION_NAME=name, AWS_LAMBDA_FUNCTION_TIMEOUT=str(function.timeout),
               AWS_ENDPOINT_URL=endpoint or "http://127.0.0.1:9")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(event, handle)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as permissions:
        if function.permissions is not None:  # its role, held to its calls as AWS would (local/iam_guard.py)
            json.dump({name: function.permissions.entry(function.permissions.role)}, permissions)
            env[PERMISSIONS_ENV] = permissions.name
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, str(_SCRIPT), module, handler, str(function.timeout), name, handle.name],
                              cwd=function.asset_dir, capture_output=True, text=True, timeout=function.timeout + 5,
                              env={**os.environ, **env})
    except subprocess.TimeoutExpired as expired:
        output = (expired.stdout or b"").decode(errors="replace") if isinstance(expired.stdout, bytes) else ""
        return Invocation(function.path, False, time.monotonic() - started, "", output, "subprocess",
                          f"timed out after {function.timeout} s")
    finally:
        os.unlink(handle.name)
        os.unlink(permissions.name)
    seconds = time.monotonic() - started
    logs, mark, result = done.stdout.rpartition(handler_runner.RESULT_MARK)
    if not mark:
        logs, result = done.stdout, ""
    stderr = done.stderr.strip()
    error = "" if done.returncode == 0 else (stderr.splitlines()[-1] if stderr else f"exit status {done.returncode}")
    return Invocation(function.path, done.returncode == 0, seconds, result.strip(), (logs + done.stderr).strip(),
                      "subprocess", error)


def placeholder(value: Any) -> str:
    """`{"Ref": "DataBucket1A2B"}` -> "databucket1a2b": a name-shaped stand-in for a resource that is not deployed."""
    logical_id = ref(value)
    return logical_id.lower() if logical_id else json.dumps(value)
