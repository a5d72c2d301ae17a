"""`ScheduleTrigger`: an EventBridge Scheduler schedule that invokes the function (asynchronously)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

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


class ScheduleAdapter(TriggerAdapter):
    kind = option = "schedule"

    def find(self, template: TemplateView) -> Iterator[tuple[str, FoundTrigger]]:
        for _, props in template.of_type("AWS::Scheduler::Schedule"):
            target = props.get("Target", {})
            for function in template.functions_named_in(target.get("Arn")):
                yield function, FoundTrigger(self.kind, {"expression": props.get("ScheduleExpression"),
                                                         "timezone": props.get("ScheduleExpressionTimezone"),
                                                         "input": target.get("Input")})

    def describe(self, detail: Mapping[str, Any]) -> str:
        return f"schedule {detail.get('expression')}"

    def event(self, detail: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
        if detail.get("input"):
            try:
                return json.loads(detail["input"])
            except (TypeError, ValueError):
                pass
        event = sample("eventbridge-scheduler.json")
        event.update(time=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), region=REGION, account=ACCOUNT)
        return event

    def fire(self, aws: LocalCalls, detail: Mapping[str, Any], names: Mapping[str, str], fire: Fire) -> Fired:
        """Scheduler invokes asynchronously, with its payload: so does this."""
        payload = fire.body if fire.body is not None else json.dumps(self.event(detail, names)).encode()
        qualifier = {"Qualifier": fire.qualifier} if fire.qualifier else {}
        aws.client("lambda").invoke(FunctionName=fire.function, InvocationType="Event", Payload=payload, **qualifier)
        return Fired(f"invoked it as its schedule ({detail.get('expression')}) would")

    def invocations(self, triggers: Sequence[FoundTrigger]) -> float | None:
        from ..cost.schedules import runs_per_month

        return sum(runs_per_month(t.detail.get("expression") or "") for t in triggers)

    def charges(self, triggers: Sequence[FoundTrigger], usage: Usage) -> list[Charge]:
        return [Charge("EventBridge Scheduler", "invocations", usage.requests, "invocations",
                       usage.requests / 1e6 * usage.prices.scheduler_invocation_per_million,
                       free_tier="scheduler_invocations")]
