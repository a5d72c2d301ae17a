"""End to end: the real CDK CLI deploys the example app to the local AWS; every trigger fires its handler.

The deploy target is AWS_ENDPOINT_URL's (MiniStack started on a free loopback port when unset), so the same
test runs against LocalStack or, with the variable unset and real credentials, a real account.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from example import local_deploy
from example.local_deploy import LocalApp, deployed
from example.ministack import reset

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def app(aws_env: dict[str, str]) -> Iterator[LocalApp]:
    if "MINISTACK_LOG" in aws_env:
        reset(aws_env)
    with deployed(aws_env) as deployed_app:
        yield deployed_app


@pytest.mark.parametrize("step", local_deploy.STEPS, ids=lambda s: s.__name__)
def test_trigger_fires_its_handler(app: LocalApp, step) -> None:  # type: ignore[no-untyped-def]
    result = step(app)
    assert result.ok, f"{result.name}: {result.detail}"
