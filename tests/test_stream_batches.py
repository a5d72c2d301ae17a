"""Lambda's handling of a failing stream batch (`constructs_lib.local.stream_batches`, what the local AWS runs),
with the real sample events: a poison record is bisected to itself and given up on, the rest of the batch is
processed once each by a handler that processes nothing of a batch it fails."""

from __future__ import annotations

import base64
import copy
from typing import Any

import pytest

from constructs_lib.adapters.base import sample
from constructs_lib.local.stream_batches import failure_record, first_failed, process_batch, sequence_number


def kinesis_records(values: list[str]) -> list[dict[str, Any]]:
    """The sample's record shape, one per value, with increasing sequence numbers on one shard."""
    template = sample("kinesis-batch.json")["Records"][0]
    records = []
    for i, value in enumerate(values):
        record = copy.deepcopy(template)
        number = str(49590338271490256608559692538361571095921575989136588898 + i)
        record["kinesis"].update(data=base64.b64encode(value.encode()).decode(), sequenceNumber=number)
        record["eventID"] = f"shardId-000000000006:{number}"
        records.append(record)
    return records


def dynamodb_records(values: list[str]) -> list[dict[str, Any]]:
    template = sample("dynamodb-stream.json")["Records"][0]
    records = []
    for i, value in enumerate(values):
        record = copy.deepcopy(template)
        record["dynamodb"].update(SequenceNumber=str(100 + i), NewImage={"Message": {"S": value}})
        records.append(record)
    return records


def value_of(record: dict[str, Any]) -> str:
    if "kinesis" in record:
        return base64.b64decode(record["kinesis"]["data"]).decode()
    return str(record["dynamodb"]["NewImage"]["Message"]["S"])


class Handler:
    """Processes a batch only when it holds no poison (validate first, then apply); `partial`: instead of failing,
    it reports the poison records as batch item failures and processes the others."""

    def __init__(self, partial: bool = False) -> None:
        self.partial, self.processed, self.invocations = partial, [], 0  # type: ignore[var-annotated]

    def __call__(self, batch: list[dict[str, Any]]) -> tuple[bool, Any]:
        self.invocations += 1
        poison = [r for r in batch if value_of(r) == "poison"]
        if poison and not self.partial:
            return True, {"errorMessage": "poison"}
        good = [r for r in batch if value_of(r) != "poison"]
        self.processed += [value_of(r) for r in good]
        return False, {"batchItemFailures": [{"itemIdentifier": sequence_number(r)} for r in poison]}


@pytest.mark.parametrize("records", [kinesis_records, dynamodb_records], ids=["kinesis", "dynamodb"])
@pytest.mark.parametrize("partial", [False, True], ids=["raises", "reports-failures"])
def test_a_poison_record_is_bisected_to_itself_and_the_rest_is_processed_once(records, partial) -> None:  # type: ignore[no-untyped-def]
    values = [f"v{i}" for i in range(40)]
    values[23] = "poison"
    handler, given_up = Handler(partial), []
    process_batch(records(values), handler, bisect=True, report_failures=True, retry_attempts=2,
                  on_failure=given_up.append)
    assert [[value_of(r) for r in batch] for batch in given_up] == [["poison"]]  # alone, and only it
    good = [v for v in values if v != "poison"]
    if partial:  # the records after the poison are retried with it: at least once, as AWS promises
        assert set(handler.processed) == set(good)
    else:
        assert sorted(handler.processed) == sorted(good)  # exactly once each
    assert handler.invocations <= 2 * 6 + 2 + 2  # log2(40) splits of each half, then the poison's 2 retries
    record = failure_record(given_up[0], function_arn="arn:aws:lambda:us-east-1:123456789012:function:f",
                            stream_arn="arn:stream", attempts=handler.invocations)
    info = record["KinesisBatchInfo" if records is kinesis_records else "DDBStreamBatchInfo"]
    assert info["batchSize"] == 1 and info["startSequenceNumber"] == info["endSequenceNumber"] == \
        sequence_number(given_up[0][0])
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"


def test_without_bisection_the_whole_batch_is_given_up_after_its_retries() -> None:
    handler, given_up = Handler(), []
    process_batch(kinesis_records(["a", "poison", "b"]), handler, bisect=False, report_failures=False,
                  retry_attempts=3, on_failure=given_up.append)
    assert handler.invocations == 4 and len(given_up) == 1 and len(given_up[0]) == 3 and handler.processed == []


def test_a_partial_response_checkpoints_before_the_first_failure() -> None:
    records = kinesis_records(["a", "b", "c", "d"])
    assert first_failed(records, False, {"batchItemFailures": [{"itemIdentifier": sequence_number(records[2])}]},
                        True) == 2
    assert first_failed(records, False, {"batchItemFailures": []}, True) is None
    assert first_failed(records, False, {"batchItemFailures": [{"itemIdentifier": "unknown"}]}, True) == 0
    assert first_failed(records, False, {"batchItemFailures": [{"itemIdentifier": ""}]}, True) == 0
    assert first_failed(records, False, {"batchItemFailures": [{"itemIdentifier": "x"}]}, False) is None
    assert first_failed(records, True, None, True) == 0
