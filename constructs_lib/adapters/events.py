"""`EventTrigger`: an EventBridge rule on a bus (the app's own, or the default one) with a target DLQ."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..assembly import ref
from .base import (
    ACCOUNT,
    REGION,
    Charge,
    Fire,
    Fired,
    FoundTrigger,
    LocalCalls,
    TemplateView,
    TriggerAdapter,
    Usage,
    sample,
)


class EventsAdapter(TriggerAdapter):
    kind = option = "events"

    def find(self, template: TemplateView) -> Iterator[tuple[str, FoundTrigger]]:
        for _, props in template.of_type("AWS::Events::Rule"):
            pattern = props.get("EventPattern")
            if not isinstance(pattern, dict) or pattern.get("source") == ["aws.s3"]:
                continue  # a scheduled rule, or S3's (the s3 adapter's)
            bus = props.get("EventBusName")
            detail = {"pattern": pattern, "bus": ref(bus) if isinstance(bus, dict) else bus}
            for function in template.functions_named_in(props.get("Targets")):
                yield function, FoundTrigger(self.kind, detail)

    def describe(self, detail: Mapping[str, Any]) -> str:
        return f"EventBridge {json.dumps(detail.get('pattern'))}"

    def event(self, detail: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
        event = sample("eventbridge-event.json")
        pattern = detail.get("pattern", {})
        event.update(id=str(uuid.uuid4()), time=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                     region=REGION, account=ACCOUNT, source=_first(pattern.get("source"), event["source"]),
                     **{"detail-type": _first(pattern.get("detail-type"), event["detail-type"])})
        if isinstance(pattern.get("detail"), dict):
            event["detail"] = _example_of(pattern["detail"])
        return event

    def fire(self, aws: LocalCalls, detail: Mapping[str, Any], names: Mapping[str, str], fire: Fire) -> Fired:
        event = self.event(detail, names)
        bus = names.get(detail["bus"], detail["bus"]) if detail.get("bus") else "default"
        body = fire.body.decode("utf-8", errors="replace") if fire.body is not None else json.dumps(event["detail"])
        entry = {"Source": event["source"], "DetailType": event["detail-type"], "Detail": body, "EventBusName": bus}
        aws.client("events").put_events(Entries=[entry])
        return Fired(f"put a {entry['DetailType']!r} event from {entry['Source']} on {bus}")

    def charges(self, triggers: Sequence[FoundTrigger], usage: Usage) -> list[Charge]:
        """Custom events (put by the app's code, on its own bus or the default one) are billed; AWS services'
        events on the default bus are free."""
        custom = [t for t in triggers if t.detail.get("bus") or not _aws_only(t.detail.get("pattern", {}))]
        if not custom:
            return []
        events = usage.profile.get(usage.path, "events", usage.requests)
        return [Charge("EventBridge", "events on the app's bus", events, "events",
                       events / 1e6 * usage.prices.eventbridge_custom_event_per_million)]


def _aws_only(pattern: Mapping[str, Any]) -> bool:
    sources = pattern.get("source")
    return isinstance(sources, list) and bool(sources) and all(
        isinstance(s, str) and s.startswith("aws.") for s in sources)


def _first(values: Any, default: str) -> str:
    if isinstance(values, list) and values and isinstance(values[0], str):
        return values[0]
    return default


def _example_of(pattern: Mapping[str, Any]) -> dict[str, Any]:
    """A detail object that matches a detail pattern's plain values (matchers are left out)."""
    detail: dict[str, Any] = {}
    for key, value in pattern.items():
        if isinstance(value, dict):
            detail[key] = _example_of(value)
        elif isinstance(value, list) and value and not isinstance(value[0], dict):
            detail[key] = value[0]
    return detail
