"""Running the user's CDK CLI from a command of ours: their project's own `cdk`, else one on PATH, else npx."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path


def cdk_command(app_dir: Path) -> list[str]:
    local = app_dir / "node_modules" / ".bin" / "cdk"
    if local.exists():
        return [str(local)]
    found = shutil.which("cdk")
    return [found] if found else ["npx", "--yes", "aws-cdk@^2"]


def run_cdk(app_dir: Path, args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`cdk <args>` in `app_dir`, with this Python first on PATH (so `python3 app.py` finds this library)."""
    path = os.pathsep.join([str(Path(sys.executable).parent), str(app_dir / "node_modules" / ".bin"),
                            os.environ.get("PATH", "")])
    return subprocess.run([*cdk_command(app_dir), *args, "--no-notices"], cwd=app_dir, capture_output=True, text=True,
                          env={**os.environ, **(env or {}), "PATH": path, "CDK_DISABLE_VERSION_CHECK": "1"})


def last_lines(result: subprocess.CompletedProcess[str], count: int = 15) -> str:
    return "\n".join((result.stderr or result.stdout).strip().splitlines()[-count:])


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_EXCEPTION = re.compile(r"^[A-Za-z_.]*(Error|Exception): ")


def failure_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line of a failed CDK command's output that says why: the ConfigError (or other exception) the app
    raised, the stack that failed and why, else the last line. Colour codes are left out."""
    lines = [_ANSI.sub("", line).strip() for line in f"{result.stdout}\n{result.stderr}".splitlines()]
    lines = [line for line in lines if line]
    for line in reversed(lines):
        if "ConfigError: " in line:
            return line.split("ConfigError: ", 1)[1]
    failed = [line.lstrip("❌ ").strip() for line in lines if line.startswith("❌")]
    if failed:
        return failed[0]
    raised = [line for line in lines if _EXCEPTION.match(line)]
    if raised:
        return raised[-1]
    errors = [line for line in lines if "Error" in line or "error" in line]
    return (errors or lines or [f"exit status {result.returncode}"])[-1]
