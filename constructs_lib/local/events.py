"""The event a function's own trigger would send (built by its adapter from AWS's sample events, shipped in
`events/`), and `--set` overrides of its fields."""

from __future__ import annotations

import copy
import json
from collections.abc import Collection, Mapping
from typing import Any

from ..adapters import FoundTrigger
from .app import AppError, LocalFunction, pick_trigger


def event_for(function: LocalFunction, names: Mapping[str, str], option: str | None = None,
              route: str | None = None) -> tuple[FoundTrigger | None, dict[str, Any]]:
    """(the trigger, the event it sends) for `function`; `names`: logical id -> physical name of the deployed stack
    (empty without a deploy: logical ids stand in). A function without triggers gets `{}`."""
    trigger = pick_trigger(function, option, route)
    if trigger is None:
        return None, {}
    return trigger, trigger.adapter.event(trigger.detail, names)


def apply_overrides(event: dict[str, Any], settings: list[str],
                    text_fields: Collection[str] = ()) -> dict[str, Any]:
    """`--set a.b.0.c=value`: the text as it is where AWS sends text (an SQS body, a header, an API request's body
    in `text_fields`), else JSON where it parses (numbers, true, {...}), else the text."""
    event = copy.deepcopy(event)
    for setting in settings:
        key, sep, raw = setting.partition("=")
        if not sep or not key:
            raise AppError(f"--set {setting!r}: write key=value, e.g. --set Records.0.body='{{\"id\": 1}}'")
        target: Any = event
        parts = key.split(".")
        try:
            for part in parts[:-1]:
                target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
            last: Any = int(parts[-1]) if isinstance(target, list) else parts[-1]
            existing = target[last] if isinstance(target, list) else target.get(last)
        except (ValueError, IndexError, TypeError, AttributeError):
            raise AppError(f"--set {setting!r}: the event has no {key!r} to set") from None
        value: Any = raw
        if not isinstance(existing, str) and key not in text_fields:
            try:
                value = json.loads(raw)
            except ValueError:
                value = raw
        target[last] = value
    return event
