"""One adapter per trigger kind, shared by `constructs-lib local` and `constructs-lib cost`: how the trigger looks in
a synthesized template (one reader of the wiring for both), the event it sends, how to fire it on the local AWS,
and what it adds to the bill. A new trigger kind is a new module here and one line below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .authorizer import AuthorizerAdapter
from .base import Fire, Fired, FoundTrigger, TemplateView, TriggerAdapter
from .events import EventsAdapter
from .http import HttpApiAdapter
from .rest import RestApiAdapter
from .s3 import S3Adapter
from .schedule import ScheduleAdapter
from .sns import TopicAdapter
from .sqs import QueueAdapter
from .streams import StreamAdapter
from .url import UrlAdapter

ADAPTERS: dict[str, TriggerAdapter] = {adapter.kind: adapter for adapter in (
    S3Adapter(), QueueAdapter(), HttpApiAdapter(), RestApiAdapter(), EventsAdapter(), ScheduleAdapter(),
    UrlAdapter(), AuthorizerAdapter(), TopicAdapter(), StreamAdapter())}
# What users name them by (`--trigger api` is a route of either API kind).
OPTIONS = sorted({adapter.option for adapter in ADAPTERS.values()})

__all__ = ["ADAPTERS", "OPTIONS", "Fire", "Fired", "FoundTrigger", "TemplateView", "TriggerAdapter", "triggers_of"]


def triggers_of(resources: Mapping[str, Mapping[str, Any]]) -> dict[str, list[FoundTrigger]]:
    """Function logical id -> its triggers, as the stack's template wires them (every adapter reads it once)."""
    template = TemplateView(resources)
    found: dict[str, list[FoundTrigger]] = {}
    for adapter in ADAPTERS.values():
        for function, trigger in adapter.find(template):
            found.setdefault(function, []).append(trigger)
    return found
