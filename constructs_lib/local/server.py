"""The local AWS: a MiniStack server on 127.0.0.1 started for the app folder and stopped by `local destroy`.

Its endpoint and process group are kept in `<app>/.constructs-lib/local.json`, so each command finds it.
`AWS_ENDPOINT_URL` (LocalStack, or a MiniStack you run) is used instead of starting one.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from .app import AppError

ACCOUNT, REGION = "123456789012", "us-east-1"  # MiniStack takes a 12-digit access key id as the account
CREDENTIALS = {"AWS_ACCESS_KEY_ID": ACCOUNT, "AWS_SECRET_ACCESS_KEY": "local", "AWS_REGION": REGION,
               "AWS_DEFAULT_REGION": REGION, "CDK_DEFAULT_ACCOUNT": ACCOUNT, "CDK_DEFAULT_REGION": REGION}


def state_dir(app_dir: Path) -> Path:
    return app_dir / ".constructs-lib"


def load_state(app_dir: Path) -> dict[str, Any]:
    path = state_dir(app_dir) / "local.json"
    return json.loads(path.read_text()) if path.exists() else {}


def save_state(app_dir: Path, state: dict[str, Any]) -> None:
    state_dir(app_dir).mkdir(exist_ok=True)
    (state_dir(app_dir) / ".gitignore").write_text("*\n")
    (state_dir(app_dir) / "local.json").write_text(json.dumps(state, indent=2))


def environment(state: dict[str, Any]) -> dict[str, str]:
    return {**CREDENTIALS, "AWS_ENDPOINT_URL": state["endpoint"]}


def healthy(endpoint: str) -> bool:
    try:
        urllib.request.urlopen(f"{endpoint}/_ministack/health", timeout=1).read()  # noqa: S310 - loopback
        return True
    except OSError:
        return False


def ensure_server(app_dir: Path, port: int | None) -> dict[str, Any]:
    """The running local AWS of this app folder, started if needed."""
    state = load_state(app_dir)
    if os.environ.get("AWS_ENDPOINT_URL"):
        state.update(endpoint=os.environ["AWS_ENDPOINT_URL"], pid=None)
        save_state(app_dir, state)
        return state
    if state.get("endpoint") and state.get("pid") and healthy(state["endpoint"]):
        return state
    binary = ministack_binary(app_dir)
    port = port or _free_port()
    if not _port_free(port):
        raise AppError(f"port {port} on 127.0.0.1 is in use: pass another with --port, or stop what listens there")
    log = Path(tempfile.gettempdir()) / f"constructs-lib-ministack-{port}.log"
    server = subprocess.Popen(
        [binary], stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=tempfile.gettempdir(), start_new_session=True,
        env={**os.environ, "GATEWAY_PORT": str(port), "BIND_HOST": "127.0.0.1", "MINISTACK_HOST": "localhost",
             "MINISTACK_ACCOUNT_ID": ACCOUNT, "LOG_LEVEL": "WARNING"})
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not healthy(endpoint):
        if server.poll() is not None or time.monotonic() > deadline:
            stop_group(server.pid)
            raise AppError(f"MiniStack did not start on port {port}; see {log}")
        time.sleep(0.2)
    state.update(endpoint=endpoint, pid=server.pid, log=str(log))
    save_state(app_dir, state)
    return state


def ministack_binary(app_dir: Path) -> str:
    candidates = [os.environ.get("MINISTACK_BIN"), str(Path(sys.executable).parent / "ministack"),
                  shutil.which("ministack"), str(app_dir / ".venv-ministack" / "bin" / "ministack")]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    raise AppError("MiniStack is not installed: pip install 'constructs-lib[local]' (or set AWS_ENDPOINT_URL to a "
                   "running local AWS such as LocalStack)")


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
