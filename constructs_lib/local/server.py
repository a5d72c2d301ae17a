"""The local AWS: a MiniStack server on 127.0.0.1 started for the app folder and stopped by `local destroy`.

Its endpoint and process group are kept in the project's state (`.constructs-lib/local.json`), so each command
finds it. `AWS_ENDPOINT_URL` (LocalStack, or a MiniStack you run) is used instead of starting one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .app import AppError
from .iam_guard import PERMISSIONS_ENV

ACCOUNT, REGION = "123456789012", "us-east-1"  # MiniStack takes a 12-digit access key id as the account
CREDENTIALS = {"AWS_ACCESS_KEY_ID": ACCOUNT, "AWS_SECRET_ACCESS_KEY": "local", "AWS_REGION": REGION,
               "AWS_DEFAULT_REGION": REGION, "CDK_DEFAULT_ACCOUNT": ACCOUNT, "CDK_DEFAULT_REGION": REGION}


def healthy(endpoint: str) -> bool:
    try:
        urllib.request.urlopen(f"{endpoint}/_ministack/health", timeout=1).read()  # noqa: S310 - loopback
        return True
    except OSError:
        return False


@dataclass
class Server:
    """A local AWS: where it answers, and the process group we started for it (None: someone else runs it)."""

    endpoint: str
    pid: int | None = None
    log: str | None = None
    started_now: bool = False  # by this command: a failure stops it again


def running(state: dict[str, Any]) -> Server | None:
    """The local AWS recorded in `state` (a project's), if it still answers."""
    endpoint = state.get("endpoint")
    if endpoint and healthy(endpoint):
        return Server(endpoint, state.get("pid"), state.get("log"))
    return None


def ensure_server(state: dict[str, Any], app_dir: Path, port: int | None, state_dir: Path | None = None) -> Server:
    """AWS_ENDPOINT_URL's local AWS, else the one recorded in `state` if it answers, else a MiniStack started on
    127.0.0.1 (`port`, or a free one) in a process group of its own, keeping its state in `state_dir`."""
    if os.environ.get("AWS_ENDPOINT_URL"):
        return Server(os.environ["AWS_ENDPOINT_URL"])
    found = running(state)
    if found is not None and found.pid:
        return found
    return start_ministack(ministack_binary(app_dir), port, state_dir=state_dir)


def start_ministack(binary: str, port: int | None = None, timeout_s: float = 30,
                    state_dir: Path | None = None) -> Server:
    """MiniStack on 127.0.0.1 (`port`, or a free one), in a process group of its own (`stop_group` ends it and its
    handler workers); its unsigned requests land in the local account. With `state_dir`, it writes its state there
    when stopped and reads it back when started (MiniStack's PERSIST_STATE)."""
    port = port or _free_port()
    if not _port_free(port):
        raise AppError(f"port {port} on 127.0.0.1 is in use: pass another with --port, or stop what listens there")
    log = Path(tempfile.gettempdir()) / f"constructs-lib-ministack-{port}.log"
    server = subprocess.Popen(
        _command(binary), stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=tempfile.gettempdir(),
        start_new_session=True,
        env={**os.environ, "GATEWAY_PORT": str(port), "BIND_HOST": "127.0.0.1", "MINISTACK_HOST": "localhost",
             "MINISTACK_ACCOUNT_ID": ACCOUNT, "LOG_LEVEL": "WARNING",
             **(_persisted(state_dir) if state_dir else {})})
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while not healthy(endpoint):
        if server.poll() is not None or time.monotonic() > deadline:
            stop_group(server.pid)
            raise AppError(f"MiniStack did not start on port {port}; see {log}")
        time.sleep(0.2)
    return Server(endpoint, server.pid, str(log), started_now=True)


def _command(binary: str) -> list[str]:
    """MiniStack through `ministack_main.py` (its corrections) on the interpreter of its `ministack` script; the
    script itself when that interpreter cannot be read from it."""
    try:
        with open(binary, "rb") as script:
            first = script.readline(4096)
    except OSError:
        return [binary]
    interpreter = first[2:].decode(errors="replace").strip() if first.startswith(b"#!") else ""
    if not interpreter or " " in interpreter or not Path(interpreter).exists():
        return [binary]
    return [interpreter, str(Path(__file__).with_name("ministack_main.py"))]


def _persisted(state_dir: Path) -> dict[str, str]:
    """MiniStack's settings to write its state (and S3's objects) into `state_dir` when stopped, and read it back;
    and where `local deploy` writes what each deployed function's role allows, which its handler workers enforce
    (`ministack_main.py`)."""
    return {"PERSIST_STATE": "1", "STATE_DIR": str(state_dir), "S3_PERSIST": "1", "S3_DATA_DIR": str(state_dir / "s3"),
            PERMISSIONS_ENV: str(permissions_file(state_dir))}


def permissions_file(state_dir: Path) -> Path:
    return state_dir / "permissions.json"


def ministack_binary(app_dir: Path) -> str:
    candidates = [os.environ.get("MINISTACK_BIN"), str(Path(sys.executable).parent / "ministack"),
                  shutil.which("ministack"), str(app_dir / ".venv-ministack" / "bin" / "ministack")]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    raise AppError("MiniStack is not installed: install constructs-lib with its [local] extra (or set "
                   "AWS_ENDPOINT_URL to a running local AWS such as LocalStack)")


def stop_group(pid: int | None) -> None:
    """Stop the server and its handler workers (they outlive it by a few seconds): the whole process group."""
    if not pid:
        return
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _group_alive(pid):
                return
            time.sleep(0.1)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(ChildProcessError):  # a zombie leader (our child, not reaped yet): reap it
        os.waitpid(pgid, os.WNOHANG)
    return group_members(pgid) > 0


def group_members(pgid: int) -> int:
    """Live (not zombie) processes of a process group, read from /proc."""
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                fields = stat.rsplit(")", 1)[1].split()
                if int(fields[2]) == pgid and fields[0] != "Z":
                    count += 1
            except (OSError, IndexError, ValueError):
                continue
    return count


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False
