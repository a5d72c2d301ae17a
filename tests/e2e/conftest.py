from __future__ import annotations

from collections.abc import Iterator

import pytest

from example.ministack import MiniStackUnavailable, local_aws, reset


@pytest.fixture(scope="session")
def aws_env() -> Iterator[dict[str, str]]:
    """One local AWS for the session (MiniStack on a free loopback port, or AWS_ENDPOINT_URL's)."""
    try:
        with local_aws() as env:
            yield env
    except MiniStackUnavailable as error:
        pytest.skip(f"MiniStack could not start: {error}")


@pytest.fixture
def clean_aws(aws_env: dict[str, str]) -> dict[str, str]:
    if "MINISTACK_LOG" in aws_env:
        reset(aws_env)
    return aws_env
