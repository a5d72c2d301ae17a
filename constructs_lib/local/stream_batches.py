"""What Lambda does with a batch of Kinesis or DynamoDB stream records that the function fails, as AWS documents it
(https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html and
services-kinesis-batchfailurereporting.html): the local AWS runs stream mappings this way (`ministack_main.py`), and
tests use it on its own.

- The handler may return `{"batchItemFailures": [{"itemIdentifier": <sequence number>}]}`: the records before the
  lowest one reported are done (checkpointed); that record and those after it are retried. An identifier that names
  no record of the batch fails the whole batch.
- A failed batch (an error, or the records from the first reported failure on) is split in two and each half retried
  (`bisect`), until the failing record is alone. Splits spend no retries.
- A batch that cannot be split is retried `retry_attempts` times; then it is given up on: `on_failure` gets it (Lambda
  sends a pointer to its records, never the records, to the on-failure destination) and the shard moves on.

Pure Python, no imports beyond the standard library: MiniStack's interpreter loads this file by path.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

Record = dict[str, Any]
# invoke(records) -> (failed, response): whether the function raised, and what it returned.
Invoke = Callable[[list[Record]], tuple[bool, Any]]


def sequence_number(record: Record) -> str:
    """A record's sequence number: its `itemIdentifier` in a partial batch response."""
    if "kinesis" in record:
        return str(record["kinesis"].get("sequenceNumber", ""))
    return str((record.get("dynamodb") or {}).get("SequenceNumber", ""))


def first_failed(records: Sequence[Record], failed: bool, response: Any, report_failures: bool) -> int | None:
    """The index from which the batch is retried, or None when it is done."""
    if failed:
        return 0
    if not report_failures or not isinstance(response, dict):
        return None
    failures = response.get("batchItemFailures")
    if not failures:
        return None  # an empty list, or none: the whole batch succeeded
    positions = {sequence_number(r): i for i, r in enumerate(records)}
    named = [f.get("itemIdentifier") if isinstance(f, dict) else None for f in failures]
    if any(not isinstance(n, str) or n not in positions for n in named):
        return 0
    return min(positions[n] for n in named)  # type: ignore[index]


def process_batch(records: Sequence[Record], invoke: Invoke, *, bisect: bool, report_failures: bool,
                  retry_attempts: int, on_failure: Callable[[list[Record]], None]) -> None:
    """Run `records` through `invoke` until each is done or given to `on_failure`, in shard order."""
    def handle(batch: list[Record], retries_left: int) -> None:
        while batch:
            failed, response = invoke(batch)
            start = first_failed(batch, failed, response, report_failures)
            if start is None:
                return
            batch = batch[start:]
            if bisect and len(batch) > 1:
                middle = len(batch) // 2
                handle(batch[:middle], retries_left)
                handle(batch[middle:], retries_left)
                return
            if retries_left <= 0:
                on_failure(batch)
                return
            retries_left -= 1

    handle(list(records), retry_attempts)


def failure_record(batch: Sequence[Record], *, function_arn: str, stream_arn: str, attempts: int,
                   condition: str = "RetryAttemptsExhausted") -> dict[str, Any]:
    """The on-failure destination's message for a batch given up on: where its records are in the stream."""
    kinesis = "kinesis" in batch[0]
    first, last = batch[0], batch[-1]

    def arrival(record: Record) -> str:
        at = (record["kinesis"].get("approximateArrivalTimestamp") if kinesis
              else (record.get("dynamodb") or {}).get("ApproximateCreationDateTime")) or time.time()
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(at)))

    event_id = str(first.get("eventID", ""))
    info = {
        "shardId": event_id.split(":")[0] if kinesis and ":" in event_id else "shardId-00000000000000000000-00000000",
        "startSequenceNumber": sequence_number(first), "endSequenceNumber": sequence_number(last),
        "approximateArrivalOfFirstRecord": arrival(first), "approximateArrivalOfLastRecord": arrival(last),
        "batchSize": len(batch), "streamArn": stream_arn,
    }
    return {
        "requestContext": {"requestId": str(uuid.uuid4()), "functionArn": function_arn, "condition": condition,
                           "approximateInvokeCount": attempts},
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "version": "1.0", "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "KinesisBatchInfo" if kinesis else "DDBStreamBatchInfo": info,
    }
