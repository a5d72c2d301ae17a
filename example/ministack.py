"""Start, reset and stop a local MiniStack (a pure-Python local AWS) on 127.0.0.1.

MiniStack runs from its own virtualenv (.venv-ministack: only ministack and boto3) because it pins botocore
and runs the Lambda handlers on its own interpreter. `make test` and `make deploy-local` create it.
MiniStack takes a 12-digit access key id as the account.
Set AWS_ENDPOINT_URL to use another endpoint (LocalStack, or nothing for real AWS): then no server starts.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MINISTACK_BIN = ROOT / ".venv-ministack" / "bin" / "ministack"
TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "123456789012", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1", "CDK_DEFAULT_ACCOUNT": "123456789012", "CDK_DEFAULT_REGION": "us-east-1",
}


class MiniStackUnavailable(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def local_aws(timeout_s: float = 30) -> Iterator[dict[str, str]]:
    """Yield the environment for talking to a local AWS; the server (if we start one) stops on exit."""
    if os.environ.get("AWS_ENDPOINT_URL"):  # an endpoint chosen by the user: LocalStack, or a running MiniStack
        yield {**TEST_ENV, **{k: v for k, v in os.environ.items() if k.startswith(("AWS_", "CDK_"))}}
        return
    if not MINISTACK_BIN.exists():
        raise MiniStackUnavailable(f"{MINISTACK_BIN} is missing: run `make test` (it creates .venv-ministack)")
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="ministack-", suffix=".log", delete=False)  # noqa: SIM115
    server = subprocess.Popen(
        [str(MINISTACK_BIN)], stdout=log, stderr=subprocess.STDOUT, cwd=tempfile.gettempdir(),
        env={**os.environ, "GATEWAY_PORT": str(port), "BIND_HOST": "127.0.0.1", "MINISTACK_HOST": "localhost",
             "MINISTACK_ACCOUNT_ID": TEST_ENV["AWS_ACCESS_KEY_ID"],  # unsigned requests (public routes) land there
             "LOG_LEVEL": "WARNING"},
        start_new_session=True,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(endpoint, server, timeout_s, log.name)
        yield {**TEST_ENV, "AWS_ENDPOINT_URL": endpoint, "MINISTACK_LOG": log.name}
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def reset(env: dict[str, str]) -> None:
    """Forget every resource (between tests)."""
    request = urllib.request.Request(f"{env['AWS_ENDPOINT_URL']}/_ministack/reset", method="POST", data=b"")
    urllib.request.urlopen(request, timeout=10).read()  # noqa: S310 - loopback only


def _wait_healthy(endpoint: str, server: subprocess.Popen[bytes], timeout_s: float, log: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise MiniStackUnavailable(f"MiniStack exited with {server.returncode}; see {log}")
        try:
            urllib.request.urlopen(f"{endpoint}/_ministack/health", timeout=1).read()  # noqa: S310
            return
        except OSError:
            time.sleep(0.2)
    raise MiniStackUnavailable(f"MiniStack did not answer within {timeout_s} s; see {log}")


