"""`StreamTrigger`: an event source mapping on a DynamoDB table's stream or a Kinesis stream (Lambda polls the shards
and invokes with batches, in order)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
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

_SOURCE_TYPES = {"AWS::Kinesis::Stream": "kinesis", "AWS::DynamoDB::Table": "dynamodb"}


class StreamAdapter(TriggerAdapter):
    kind = option = "stream"

    def find(self, template: TemplateView) -> Iterator[tuple[str, FoundTrigger]]:
        for logical_id, props in template.of_type("AWS::Lambda::EventSourceMapping"):
            arn = props.get("EventSourceArn")
            source = ref(arn)
            kind = _SOURCE_TYPES.get(template.resources.get(source or "", {}).get("Type", ""))
            if kind is None and isinstance(arn, str):  # an imported stream's ARN
                kind = "kinesis" if ":kinesis:" in arn else "dynamodb" if "/stream/" in arn else None
                source = None
            if kind is None:
                continue
            table = template.resources.get(source or "", {}).get("Properties", {}) if kind == "dynamodb" else {}
            detail = {"source": source, "arn": arn if isinstance(arn, str) else None, "stream": kind,
                      "mapping": logical_id, "batch_size": props.get("BatchSize", 100),
                      "keys": _key_attributes(table)}
            for function in template.functions_named_in(props.get("FunctionName")):
                yield function, FoundTrigger(self.kind, detail)

    def describe(self, detail: Mapping[str, Any]) -> str:
        what = "Kinesis stream" if detail.get("stream") == "kinesis" else "DynamoDB stream of table"
        return f"{what} {detail.get('source') or detail.get('arn')}"

    @staticmethod
    def source_name(detail: Mapping[str, Any], names: Mapping[str, str]) -> str:
        """The stream's or the table's name (a Kinesis stream's and a table's physical id is their name)."""
        if detail.get("source"):
            return names.get(detail["source"], detail["source"])
        arn = str(detail.get("arn") or "")
        return arn.split("/")[1] if "/" in arn else arn

    def event(self, detail: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
        name = self.source_name(detail, names)
        if detail.get("stream") == "kinesis":
            event = sample("kinesis-batch.json")
            arn = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}"
            for record in event["Records"]:
                record.update(eventSourceARN=arn, awsRegion=REGION)
            return event
        event = sample("dynamodb-stream.json")
        arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}/stream/2026-01-01T00:00:00.000"
        for record in event["Records"]:
            record.update(eventSourceARN=arn, awsRegion=REGION)
            keys = {k: {"S": "1"} if t == "S" else {t: "1"} for k, t in (detail.get("keys") or {}).items()}
            if keys:  # the table's own key attributes, in the keys and both images
                dynamodb = record["dynamodb"]
                dynamodb["Keys"] = keys
                for image in ("NewImage", "OldImage"):
                    if image in dynamodb:
                        dynamodb[image] = {**{k: v for k, v in dynamodb[image].items() if k != "Id"}, **keys}
        return event

    def fire(self, aws: LocalCalls, detail: Mapping[str, Any], names: Mapping[str, str], fire: Fire) -> Fired:
        name = self.source_name(detail, names)
        body = fire.body if fire.body is not None else b'{"example": true}'
        if detail.get("stream") == "kinesis":
            aws.client("kinesis").put_record(StreamName=name, Data=body, PartitionKey="constructs-lib")
            return Fired(f"put a record on Kinesis stream {name}")
        item = _item(body, detail.get("keys") or {})
        aws.client("dynamodb").put_item(TableName=name, Item=item)
        return Fired(f"wrote an item to table {name} (its stream invokes the function)")

    def charges(self, triggers: Sequence[FoundTrigger], usage: Usage) -> list[Charge]:
        """Kinesis on demand: the data Lambda reads ($ per GB retrieved; a provisioned stream's shard hours include
        it). DynamoDB Streams: reads by a Lambda trigger are free."""
        charges = []
        for trigger in triggers:
            records = usage.profile.get(usage.path, "messages", usage.requests)
            if trigger.detail.get("stream") == "kinesis":
                gigabytes = records * usage.profile.get(usage.path, "payload_kb") / 1024 / 1024
                charges.append(Charge("Kinesis", "data the function reads (on demand; provisioned shards include it)",
                                      gigabytes, "GB", gigabytes * usage.prices.kinesis_on_demand_gb_out))
            else:
                charges.append(Charge("DynamoDB", "stream reads by Lambda (free)", records, "records", 0.0))
        return charges


def _key_attributes(table: Mapping[str, Any]) -> dict[str, str]:
    """A table's key attributes and their types ("S", "N", "B"), from its KeySchema and AttributeDefinitions."""
    types = {a.get("AttributeName"): a.get("AttributeType", "S") for a in table.get("AttributeDefinitions") or []
             if isinstance(a, dict)}
    return {k["AttributeName"]: str(types.get(k["AttributeName"], "S")) for k in table.get("KeySchema") or []
            if isinstance(k, dict) and isinstance(k.get("AttributeName"), str)}


def _item(body: bytes, keys: Mapping[str, str]) -> dict[str, Any]:
    """The item written for `send`: a JSON object body's fields (else the body as `body`), with a new value for each
    key attribute the body does not set, in DynamoDB's typed JSON."""
    from boto3.dynamodb.types import TypeSerializer

    try:
        parsed: object = json.loads(body, parse_float=Decimal)
    except ValueError:
        parsed = None
    fields: dict[str, Any] = (dict(parsed) if isinstance(parsed, dict)
                              else {"body": body.decode("utf-8", errors="replace")})
    for key, kind in keys.items():
        if key not in fields:
            fields[key] = (Decimal(time.time_ns()) if kind == "N" else
                           uuid.uuid4().bytes if kind == "B" else str(uuid.uuid4()))
    serializer = TypeSerializer()
    return {k: serializer.serialize(v) for k, v in fields.items()}
