"""`S3Trigger`: a bucket notification (buckets of the app) or an EventBridge rule on `aws.s3` (imported buckets)."""

from __future__ import annotations

import datetime as dt
import mimetypes
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


class S3Adapter(TriggerAdapter):
    kind = option = "s3"

    def find(self, template: TemplateView) -> Iterator[tuple[str, FoundTrigger]]:
        for _, props in template.of_type("Custom::S3BucketNotifications"):
            bucket = ref(props.get("BucketName"))
            for config in props.get("NotificationConfiguration", {}).get("LambdaFunctionConfigurations", []):
                rules = {r["Name"].lower(): r["Value"]
                         for r in config.get("Filter", {}).get("Key", {}).get("FilterRules", [])}
                for function in template.functions_named_in(config.get("LambdaFunctionArn")):
                    yield function, FoundTrigger(self.kind, {"bucket": bucket, "events": config.get("Events", []),
                                                             **rules})
        for _, props in template.of_type("AWS::Events::Rule"):
            pattern = props.get("EventPattern") or {}
            if pattern.get("source") != ["aws.s3"]:
                continue
            key = (pattern.get("detail", {}).get("object", {}).get("key") or [{}])[0]
            bucket = (pattern.get("detail", {}).get("bucket", {}).get("name") or [None])[0]
            detail = {"via": "eventbridge", "pattern": pattern, **_key_filter(key if isinstance(key, dict) else {}),
                      "bucket": ref(bucket) if isinstance(bucket, dict) else None,
                      "bucket_name": bucket if isinstance(bucket, str) else None}
            for function in template.functions_named_in(props.get("Targets")):
                yield function, FoundTrigger(self.kind, detail)

    def describe(self, detail: Mapping[str, Any]) -> str:
        via = " over EventBridge" if detail.get("via") == "eventbridge" else ""
        return f"S3 {detail.get('prefix', '')}*{detail.get('suffix', '')}{via}"

    @staticmethod
    def key(detail: Mapping[str, Any], name: str | None = None) -> str:
        """A key the trigger's filter matches: under its prefix, `name` (a file's) when it has the suffix."""
        suffix = detail.get("suffix") or ""
        if name and name.endswith(suffix) and "/" not in name:
            return f"{detail.get('prefix', '')}{name}"
        return f"{detail.get('prefix', '')}example{suffix or '.txt'}"

    @staticmethod
    def bucket(detail: Mapping[str, Any], names: Mapping[str, str]) -> str:
        logical_id = detail.get("bucket")
        if logical_id:
            return names.get(logical_id, logical_id.lower())
        return detail.get("bucket_name") or "example-bucket"

    def event(self, detail: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        bucket, key = self.bucket(detail, names), self.key(detail)
        if detail.get("via") == "eventbridge":
            event = sample("s3-via-eventbridge-object-created.json")
            event.update(time=now, region=REGION, account=ACCOUNT, id=str(uuid.uuid4()))
            event["detail"]["bucket"]["name"] = bucket
            event["detail"]["object"]["key"] = key
            return event
        event = sample("s3-object-created.json")
        record = event["Records"][0]
        record["awsRegion"], record["eventTime"] = REGION, now
        record["s3"]["bucket"].update(name=bucket, arn=f"arn:aws:s3:::{bucket}")
        record["s3"]["object"]["key"] = key
        return event

    def fire(self, aws: LocalCalls, detail: Mapping[str, Any], names: Mapping[str, str], fire: Fire) -> Fired:
        bucket, key = self.bucket(detail, names), self.key(detail, fire.name)
        content_type = fire.headers.get("content-type") or mimetypes.guess_type(key)[0] or "application/octet-stream"
        aws.client("s3").put_object(Bucket=bucket, Key=key, Body=fire.body if fire.body is not None else b"example",
                                    ContentType=content_type)
        return Fired(f"put s3://{bucket}/{key} ({len(fire.body or b'example'):,} bytes, {content_type})")

    def charges(self, triggers: Sequence[FoundTrigger], usage: Usage) -> list[Charge]:
        """One PUT (the upload) and one GET (the function reading it) per triggering object."""
        p = usage.prices
        return [Charge("S3", "object uploads (PUT) and reads (GET)", usage.requests, "objects",
                       usage.requests / 1000 * (p.s3_put_per_thousand + p.s3_get_per_thousand))]


def _key_filter(matcher: Mapping[str, str]) -> dict[str, str]:
    """The prefix and suffix an EventBridge key matcher (`prefix`, `suffix` or `wildcard` "a*b") stands for."""
    wildcard = matcher.get("wildcard", "")
    prefix = matcher.get("prefix") or (wildcard.split("*")[0] if "*" in wildcard else "")
    suffix = matcher.get("suffix") or (wildcard.split("*")[-1] if "*" in wildcard else "")
    return {k: v for k, v in (("prefix", prefix), ("suffix", suffix)) if v}
