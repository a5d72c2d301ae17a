"""`TopicTrigger`: an SNS subscription with protocol `lambda` (SNS invokes the function asynchronously)."""

from __future__ import annotations

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


class TopicAdapter(TriggerAdapter):
    kind = option = "sns"

    def find(self, template: TemplateView) -> Iterator[tuple[str, FoundTrigger]]:
        for logical_id, props in template.of_type("AWS::SNS::Subscription"):
            if props.get("Protocol") != "lambda":
                continue
            topic = ref(props.get("TopicArn"))
            detail = {"topic": topic, "subscription": logical_id, "filter_policy": props.get("FilterPolicy"),
                      "scope": props.get("FilterPolicyScope", "MessageAttributes")}
            for function in template.functions_named_in(props.get("Endpoint")):
                yield function, FoundTrigger(self.kind, detail)

    def describe(self, detail: Mapping[str, Any]) -> str:
        policy = detail.get("filter_policy")
        return f"SNS topic {detail.get('topic')}" + (f" filtered by {json.dumps(policy)}" if policy else "")

    @staticmethod
    def topic_arn(detail: Mapping[str, Any], names: Mapping[str, str]) -> str:
        topic = detail.get("topic") or "topic"
        found = names.get(topic, topic)  # a topic's physical id is its ARN
        return found if found.startswith("arn:") else f"arn:aws:sns:{REGION}:{ACCOUNT}:{found}"

    def event(self, detail: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
        event = sample("sns-notification.json")
        arn = self.topic_arn(detail, names)
        for record in event["Records"]:
            record["EventSubscriptionArn"] = f"{arn}:{uuid.uuid4()}"
            record["Sns"].update(TopicArn=arn, MessageId=str(uuid.uuid4()), Message=json.dumps({"example": True}),
                                 MessageAttributes=_attributes_for(detail))
        return event

    def fire(self, aws: LocalCalls, detail: Mapping[str, Any], names: Mapping[str, str], fire: Fire) -> Fired:
        arn = self.topic_arn(detail, names)
        body = fire.body.decode("utf-8", errors="replace") if fire.body is not None else '{"example": true}'
        attributes = {k: {"DataType": "String", "StringValue": v["Value"]}
                      for k, v in _attributes_for(detail).items()}
        aws.client("sns").publish(TopicArn=arn, Message=body, MessageAttributes=attributes)
        return Fired(f"published a message to {arn}")

    def charges(self, triggers: Sequence[FoundTrigger], usage: Usage) -> list[Charge]:
        """The publishes that reach the function (per 64 KB chunk); SNS does not charge for deliveries to Lambda."""
        charges = []
        for _ in triggers:
            messages = usage.profile.get(usage.path, "messages", usage.requests)
            chunks = max(1, -(-int(usage.profile.get(usage.path, "payload_kb")) // 64))
            publishes = messages * chunks
            charges.append(Charge("SNS", "publishes that reach it (deliveries to Lambda are free)", publishes,
                                  "publishes", publishes / 1e6 * usage.prices.sns_publish_per_million,
                                  free_tier="sns_publishes"))
        return charges


def _attributes_for(detail: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Message attributes that pass an attribute filter policy's plain string values (matchers are left out)."""
    policy = detail.get("filter_policy")
    if not isinstance(policy, dict) or detail.get("scope") == "MessageBody":
        return {}
    found = {}
    for key, values in policy.items():
        if isinstance(values, list):
            first = next((v for v in values if isinstance(v, str)), None)
            if first is not None:
                found[key] = {"Type": "String", "Value": first}
    return found
