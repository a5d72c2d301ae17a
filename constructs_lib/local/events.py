"""The event a function's own trigger would send, built from real AWS sample events (shipped in `events/`)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from importlib import resources
from typing import Any

from .app import AppError, LocalFunction, Trigger

SAMPLES = {"s3": "s3-object-created.json", "s3-eventbridge": "s3-via-eventbridge-object-created.json",
           "sqs": "sqs-batch.json", "api": "apigw-http-v2.json", "url": "apigw-http-v2.json",
           "events": "eventbridge-event.json", "schedule": "eventbridge-scheduler.json"}


def sample(name: str) -> dict[str, Any]:
    return json.loads(resources.files("constructs_lib.local").joinpath("events", SAMPLES[name]).read_text())


def event_for(function: LocalFunction, names: dict[str, str], trigger_kind: str | None = None,
              account: str = "123456789012", region: str = "us-east-1") -> tuple[Trigger | None, dict[str, Any]]:
    """(the trigger, the event it sends) for `function`; `names`: logical id -> physical name/ARN/URL."""
    trigger = pick_trigger(function, trigger_kind)
    if trigger is None:
        return None, {}
    d = trigger.detail
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if trigger.kind == "s3" and d.get("via") != "eventbridge":
        event = sample("s3")
        record = event["Records"][0]
        record["awsRegion"], record["eventTime"] = region, now
        record["s3"]["bucket"].update(name=names.get(d["bucket"], d["bucket"]),
                                      arn=f"arn:aws:s3:::{names.get(d['bucket'], d['bucket'])}")
        record["s3"]["object"]["key"] = object_key(d)
        return trigger, event
    if trigger.kind == "s3":
        event = sample("s3-eventbridge")
        event.update(time=now, region=region, account=account, id=str(uuid.uuid4()))
        return trigger, event
    if trigger.kind == "sqs":
        event = sample("sqs")
        arn = f"arn:aws:sqs:{region}:{account}:{names.get(d['queue'], d['queue'])}"
        for record in event["Records"]:
            record.update(eventSourceARN=arn, awsRegion=region)
        return trigger, event
    if trigger.kind in ("api", "url"):
        event = sample("api")
        method, path = (d.get("route") or "GET /").split(" ", 1)
        raw_path = "/".join("1" if part.startswith("{") else part for part in path.split("/")) or "/"
        event["routeKey"] = d.get("route", "$default") if trigger.kind == "api" else "$default"
        event["rawPath"] = raw_path
        event["requestContext"]["http"].update(method=method if method != "ANY" else "GET", path=raw_path)
        event["pathParameters"] = {p.strip("{}+"): "1" for p in path.split("/") if p.startswith("{")} or None
        event["body"], event["isBase64Encoded"] = None, False
        return trigger, event
    if trigger.kind == "events":
        event = sample("events")
        pattern = d.get("pattern", {})
        event.update(id=str(uuid.uuid4()), time=now, region=region, account=account,
                     source=_first(pattern.get("source"), event["source"]),
                     **{"detail-type": _first(pattern.get("detail-type"), event["detail-type"])})
        if isinstance(pattern.get("detail"), dict):
            event["detail"] = _example_of(pattern["detail"])
        return trigger, event
    if trigger.kind == "schedule":
        event = sample("schedule")
        event.update(time=now, region=region, account=account)
        if d.get("input"):
            try:
                return trigger, json.loads(d["input"])
            except (TypeError, ValueError):
                pass
        return trigger, event
    raise AppError(f"{function.path}: no event for a {trigger.kind} trigger")


def pick_trigger(function: LocalFunction, kind: str | None) -> Trigger | None:
    if kind is None:
        return function.triggers[0] if function.triggers else None
    for trigger in function.triggers:
        if trigger.kind == kind:
            return trigger
    have = ", ".join(sorted({t.kind for t in function.triggers})) or "none"
    raise AppError(f"{function.path} has no {kind} trigger (its triggers: {have})")


def object_key(detail: dict[str, Any]) -> str:
    return f"{detail.get('prefix', '')}example{detail.get('suffix', '.txt')}"


def apply_overrides(event: dict[str, Any], settings: list[str]) -> dict[str, Any]:
    """`--set a.b.0.c=value`: the text as it is where the event has text (an SQS body, a header), else JSON where
    it parses (numbers, true, {...}), else the text."""
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
        if not isinstance(existing, str):
            try:
                value = json.loads(raw)
            except ValueError:
                value = raw
        target[last] = value
    return event


def _first(values: Any, default: str) -> str:
    if isinstance(values, list) and values and isinstance(values[0], str):
        return values[0]
    return default


def _example_of(pattern: dict[str, Any]) -> dict[str, Any]:
    """A detail object that matches a detail pattern's plain values (matchers are left out)."""
    detail: dict[str, Any] = {}
    for key, value in pattern.items():
        if isinstance(value, dict):
            detail[key] = _example_of(value)
        elif isinstance(value, list) and value and not isinstance(value[0], dict):
            detail[key] = value[0]
    return detail
