"""In-memory stand-ins for the few AWS calls the example handlers make."""

from __future__ import annotations

import io
from typing import Any


class FakeS3:
    class exceptions:  # noqa: N801 - mirrors boto3's client.exceptions
        class NoSuchKey(Exception):
            pass

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}

    def put_object(self, *, Bucket: str, Key: str, Body: bytes) -> None:
        self.objects[(Bucket, Key)] = Body

    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        if (Bucket, Key) not in self.objects:
            raise self.exceptions.NoSuchKey(Key)
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)])}

    def get_paginator(self, name: str) -> FakeS3:
        assert name == "list_objects_v2"
        return self

    def paginate(self, *, Bucket: str, Prefix: str) -> list[dict[str, Any]]:
        keys = sorted(k for b, k in self.objects if b == Bucket and k.startswith(Prefix))
        return [{"Contents": [{"Key": k} for k in keys]}]


class FakeSQS:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send_message(self, *, QueueUrl: str, MessageBody: str) -> dict[str, str]:
        self.sent.append((QueueUrl, MessageBody))
        return {"MessageId": str(len(self.sent))}


class FakeEvents:
    def __init__(self, fail: bool = False) -> None:
        self.entries: list[dict[str, Any]] = []
        self.fail = fail

    def put_events(self, *, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        if self.fail:
            raise ConnectionError("EventBridge unavailable")
        self.entries.extend(Entries)
        return {"FailedEntryCount": 0}


class FakeSNS:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, *, TopicArn: str, Message: str, Subject: str | None = None) -> dict[str, str]:
        self.published.append({"TopicArn": TopicArn, "Message": Message, "Subject": Subject})
        return {"MessageId": str(len(self.published))}


class FakeDynamoDB:
    def __init__(self) -> None:
        self.items: dict[str, list[dict[str, Any]]] = {}

    def put_item(self, *, TableName: str, Item: dict[str, Any]) -> dict[str, Any]:
        self.items.setdefault(TableName, []).append(Item)
        return {}
