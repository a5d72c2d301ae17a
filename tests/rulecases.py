"""Registry of rule test cases: every rule in constructs_lib.rules.RULES has exactly one."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from constructs_lib import ConfigError
from constructs_lib.testing import synth

CASES: dict[str, Callable[[], None]] = {}


def case(rule_id: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    def register(fn: Callable[[], None]) -> Callable[[], None]:
        assert rule_id not in CASES, f"two cases for {rule_id}"
        CASES[rule_id] = fn
        return fn

    return register


def assert_error(rule_id: str, build: Callable[[], object], *fragments: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        build()
    error = info.value
    assert error.rule_id == rule_id, str(error)
    message = str(error)
    position = 0
    for fragment in fragments:
        found = message.find(fragment, position)
        assert found >= 0, f"{fragment!r} not in {message!r} (after position {position})"
        position = found + len(fragment)
    assert "Fix: " in message
    return error


def assert_warning(stack, rule_id: str, *fragments: str, lint: bool = True) -> None:  # type: ignore[no-untyped-def]
    warnings = [w for w in synth(stack, lint=lint).warnings if f"[{rule_id}:" in w]
    assert warnings, f"no {rule_id} warning"
    for fragment in fragments:
        assert any(fragment in w for w in warnings), f"{fragment!r} not in {warnings}"
