"""Start, reset and stop a local MiniStack (a pure-Python local AWS) on 127.0.0.1.

MiniStack runs from its own virtualenv (.venv-ministack: only ministack and boto3) because it pins botocore
and runs the Lambda handlers on its own interpreter. `make test` and `make deploy-local` create it.
MiniStack takes a 12-digit access key id as the account.
Set AWS_ENDPOINT_URL to use another endpoint (LocalStack, or nothing for real AWS): then no server starts.
"""

from __future__ import annotations

import contextlib
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from constructs_lib.local.app import AppError
from constructs_lib.local.server import start_ministack, stop_group

ROOT = Path(__file__).resolve().parents[1]
MINISTACK_BIN = ROOT / ".venv-ministack" / "bin" / "ministack"
TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "123456789012", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1", "CDK_DEFAULT_ACCOUNT": "123456789012", "CDK_DEFAULT_REGION": "us-east-1",
}


class MiniStackUnavailable(RuntimeError):
    pass


@contextlib.contextmanager
def local_aws(timeout_s: float = 30) -> Iterator[dict[str, str]]:
    """Yield the environment for talking to a local AWS; the server (if we start one) and its handler workers stop
    on exit."""
    if os.environ.get("AWS_ENDPOINT_URL"):  # an endpoint chosen by the user: LocalStack, or a running MiniStack
        yield {**TEST_ENV, **{k: v for k, v in os.environ.items() if k.startswith(("AWS_", "CDK_"))}}
        return
    if not MINISTACK_BIN.exists():
        raise MiniStackUnavailable(f"{MINISTACK_BIN} is missing: run `make test` (it creates .venv-ministack)")
    try:
        server = start_ministack(str(MINISTACK_BIN), timeout_s=timeout_s)
    except AppError as error:
        raise MiniStackUnavailable(str(error)) from None
    try:
        yield {**TEST_ENV, "AWS_ENDPOINT_URL": server.endpoint, "MINISTACK_LOG": server.log or ""}
    finally:
        stop_group(server.pid)


def reset(env: dict[str, str]) -> None:
    """Forget every resource (between tests)."""
    request = urllib.request.Request(f"{env['AWS_ENDPOINT_URL']}/_ministack/reset", method="POST", data=b"")
    urllib.request.urlopen(request, timeout=10).read()  # noqa: S310 - loopback only
