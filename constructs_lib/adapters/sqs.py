"""`QueueTrigger`: an SQS event source mapping (Lambda polls the queue and invokes with batches)."""

from __future__ import annotations

import math
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

SQS_LAMBDA_POLLERS = 5  # Lambda's long-polling connections per SQS event source while the queue is idle
SQS_LONG_POLL_S = 20
SECONDS_PER_MONTH = 730 * 3600


class QueueAdapter(TriggerAdapter):
    kind = option = "sqs"

    def find(self, template: TemplateView) -> Iterator[tuple[str, FoundTrigger]]:
        for logical_id, props in template.of_type("AWS::Lambda::EventSourceMapping"):
            queue = ref(props.get("EventSourceArn"))
            if queue is None or template.resources.get(queue, {}).get("Type") != "AWS::SQS::Queue":
                continue  # a stream or an imported queue's ARN: not this kind
            for function in template.functions_named_in(props.get("FunctionName")):
                yield function, FoundTrigger(self.kind, {"queue": queue, "mapping": logical_id,
                                                         "batch_size": props.get("BatchSize", 10)})

    def describe(self, detail: Mapping[str, Any]) -> str:
        return "SQS"

    @staticmethod
    def queue_name(detail: Mapping[str, Any], names: Mapping[str, str]) -> str:
        found = names.get(detail["queue"], detail["queue"])
        return found.rsplit("/", 1)[-1]  # a queue's physical id is its URL

    def event(self, detail: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
        event = sample("sqs-batch.json")
        arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{self.queue_name(detail, names)}"
        for record in event["Records"]:
            record.update(eventSourceARN=arn, awsRegion=REGION)
        return event

    def fire(self, aws: LocalCalls, detail: Mapping[str, Any], names: Mapping[str, str], fire: Fire) -> Fired:
        sqs = aws.client("sqs")
        url = sqs.get_queue_url(QueueName=self.queue_name(detail, names))["QueueUrl"]
        body = fire.body.decode("utf-8", errors="replace") if fire.body is not None else '{"example": true}'
        sqs.send_message(QueueUrl=url, MessageBody=body)
        return Fired(f"sent a message to {url}")

    def charges(self, triggers: Sequence[FoundTrigger], usage: Usage) -> list[Charge]:
        """Per queue: send, receive and delete per message (per 64 KB chunk), and Lambda's pollers on it while it is
        idle (5 long polls every 20 s)."""
        p, charges = usage.prices, []
        for _ in triggers:
            messages = usage.profile.get(usage.path, "messages", usage.requests)
            chunks = math.ceil(usage.profile.get(usage.path, "payload_kb") / 64)
            requests = messages * 3 * chunks
            charges.append(Charge("SQS", "send + receive + delete per message", requests, "requests",
                                  requests / 1e6 * p.sqs_per_million["standard"], free_tier="sqs_requests"))
            polls = SQS_LAMBDA_POLLERS * SECONDS_PER_MONTH / SQS_LONG_POLL_S
            charges.append(Charge("SQS", "Lambda's pollers on the idle queue", polls, "requests",
                                  polls / 1e6 * p.sqs_per_million["standard"], idle=True, free_tier="sqs_requests"))
        return charges
