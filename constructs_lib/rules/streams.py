"""Rules for stream triggers: DynamoDB Streams and Kinesis Data Streams event source mappings."""

from __future__ import annotations

import reprlib
from collections.abc import Sequence

from aws_cdk import Duration
from constructs import IConstruct

from .. import limits as L
from . import fail, rule
from .sqs import check_filter_quota, filters_problem

_SOURCES = L.STREAM_KINESIS_URL  # the DynamoDB page (L.STREAM_DYNAMODB_URL) states the same limits


@rule("STREAM_SOURCE", "a stream trigger reads a Kinesis stream or a table's DynamoDB stream",
      limit="a DynamoDB table with a stream (StreamSpecification), or a Kinesis stream", source=L.STREAM_DYNAMODB_URL)
def check_table_has_stream(construct: IConstruct | str, table_path: str, stream_arn: str | None) -> None:
    if not stream_arn:
        fail(construct, "STREAM_SOURCE", f"table {table_path} has no DynamoDB stream",
             "turn its stream on: dynamodb.Table(..., stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES) (TableV2: "
             "dynamo_stream=...), or for an imported table pass table_stream_arn= to Table.from_table_attributes.")


@rule("STREAM_BATCH_SIZE", "stream batch size", limit=f"1..{L.STREAM_BATCH_SIZE_MAX:,} records", source=_SOURCES)
def check_batch_size(construct: IConstruct | str, batch_size: int) -> None:
    if not 1 <= batch_size <= L.STREAM_BATCH_SIZE_MAX:
        fail(construct, "STREAM_BATCH_SIZE", f"batch_size={batch_size} is outside 1..{L.STREAM_BATCH_SIZE_MAX:,}",
             f"use a batch_size between 1 and {L.STREAM_BATCH_SIZE_MAX:,} (100 is Lambda's default).")


@rule("STREAM_BATCHING_WINDOW", "stream batching window", limit=f"0..{L.STREAM_BATCHING_WINDOW_MAX_S} s",
      source=_SOURCES)
def check_batching_window(construct: IConstruct | str, window: Duration) -> None:
    _window_within(construct, "STREAM_BATCHING_WINDOW", "max_batching_window", window,
                   L.STREAM_BATCHING_WINDOW_MAX_S, "use Duration.seconds(n) with n <= 300.")


@rule("STREAM_RETRY_ATTEMPTS", "retries of a failed stream batch",
      limit=f"0..{L.STREAM_RETRY_ATTEMPTS_MAX:,} (bisecting a batch spends none)", source=_SOURCES)
def check_retry_attempts(construct: IConstruct | str, attempts: int) -> None:
    if not 0 <= attempts <= L.STREAM_RETRY_ATTEMPTS_MAX:
        fail(construct, "STREAM_RETRY_ATTEMPTS", f"retry_attempts={attempts} is outside "
             f"0..{L.STREAM_RETRY_ATTEMPTS_MAX:,}", "use a bounded number (default 10): once spent, the record's "
             "pointer goes to the on-failure queue and the shard moves on; unbounded retries stall the shard.")


@rule("STREAM_RECORD_AGE", "the oldest record a stream trigger sends to the function",
      limit=f"{L.STREAM_RECORD_AGE_MIN_S}..{L.STREAM_RECORD_AGE_MAX_S:,} s (7 days)", source=_SOURCES)
def check_record_age(construct: IConstruct | str, age: Duration) -> None:
    seconds = age.to_seconds()
    if not L.STREAM_RECORD_AGE_MIN_S <= seconds <= L.STREAM_RECORD_AGE_MAX_S:
        fail(construct, "STREAM_RECORD_AGE", f"max_record_age={seconds:g} s is outside "
             f"{L.STREAM_RECORD_AGE_MIN_S}..{L.STREAM_RECORD_AGE_MAX_S:,} s",
             "use Duration.minutes(1) to Duration.days(7); the default is a day (a DynamoDB stream's retention).")


@rule("STREAM_PARALLELIZATION", "concurrent batches per shard",
      limit=f"parallelization_factor 1..{L.STREAM_PARALLELIZATION_MAX}", source=_SOURCES)
def check_parallelization(construct: IConstruct | str, factor: int) -> None:
    if not 1 <= factor <= L.STREAM_PARALLELIZATION_MAX:
        fail(construct, "STREAM_PARALLELIZATION", f"parallelization_factor={factor} is outside "
             f"1..{L.STREAM_PARALLELIZATION_MAX}", "use 1 (records of a shard in order) up to 10 (order kept per "
             "partition key, ten batches of a shard at once).")


@rule("STREAM_TUMBLING_WINDOW", "stream tumbling window", limit=f"0..{L.STREAM_TUMBLING_WINDOW_MAX_S} s",
      source=_SOURCES)
def check_tumbling_window(construct: IConstruct | str, window: Duration) -> None:
    _window_within(construct, "STREAM_TUMBLING_WINDOW", "tumbling_window", window,
                   L.STREAM_TUMBLING_WINDOW_MAX_S, "use Duration.minutes(15) or less.")


def _window_within(construct: IConstruct | str, rule_id: str, prop: str, window: Duration, max_s: int,
                   fix: str) -> None:
    seconds = window.to_seconds()
    if not 0 <= seconds <= max_s:
        fail(construct, rule_id, f"{prop}={seconds:g} s is outside 0..{max_s} s", fix)


@rule("STREAM_STARTING_POSITION", "where a stream trigger starts reading",
      limit="TRIM_HORIZON or LATEST; AT_TIMESTAMP (with starting_position_timestamp) on Kinesis only",
      source=_SOURCES)
def check_starting_position(construct: IConstruct | str, position: str, *, kinesis: bool,
                            timestamp: float | None) -> None:
    if position == "AT_TIMESTAMP":
        if not kinesis:
            fail(construct, "STREAM_STARTING_POSITION", "starting_position=AT_TIMESTAMP on a DynamoDB stream",
                 "use StartingPosition.TRIM_HORIZON (every record still in the stream) or LATEST.")
        if timestamp is None:
            fail(construct, "STREAM_STARTING_POSITION", "starting_position=AT_TIMESTAMP without a timestamp",
                 "pass starting_position_timestamp= (Unix seconds) too.")
    elif timestamp is not None:
        fail(construct, "STREAM_STARTING_POSITION", f"starting_position_timestamp={timestamp} with "
             f"starting_position={position}", "pass starting_position=StartingPosition.AT_TIMESTAMP, or no timestamp.")


@rule("STREAM_FILTER", "stream filter patterns", limit="non-empty objects whose leaves are lists of values or "
      f"matchers (EventBridge pattern syntax), at most {L.SQS_FILTER_PATTERN_MAX_CHARS:,} characters each, no two "
      f"alike, at most {L.SQS_FILTERS_MAX} ({L.SQS_FILTERS_DEFAULT_MAX} before a quota increase)",
      source=L.SQS_FILTER_URL)
def check_filters(construct: IConstruct | str, patterns: Sequence[object]) -> None:
    found = filters_problem(patterns)
    if found:
        fail(construct, "STREAM_FILTER", f"filter {reprlib.repr(found[0])} {found[1]}",
             "write filters like {'data': {'kind': ['order']}} (Kinesis) or {'eventName': ['INSERT']} (DynamoDB), "
             "leaves as lists, each once.")
    if len(patterns) > L.SQS_FILTERS_MAX:
        fail(construct, "STREAM_FILTER", f"{len(patterns)} filters", f"use at most {L.SQS_FILTERS_MAX} filters "
             "(they are ORed together): merge them with '$or' or several values per field.")


def check_filter_quota_on(construct: IConstruct, count: int) -> None:
    """Above the default quota: the same warning as an SQS trigger's (SQS_FILTER_QUOTA), once bound."""
    if count > L.SQS_FILTERS_DEFAULT_MAX:
        check_filter_quota(construct, count)


@rule("STREAM_ON_FAILURE_QUEUE", "a stream trigger's on-failure queue",
      limit="a standard SQS queue (Lambda refuses a FIFO destination for streams)", source=L.STREAM_ON_FAILURE_URL)
def check_on_failure_queue(construct: IConstruct | str, queue_path: str, fifo: bool) -> None:
    if fifo:
        fail(construct, "STREAM_ON_FAILURE_QUEUE", f"on_failure_queue {queue_path} is a FIFO queue",
             "pass a standard queue, or leave on_failure_queue unset (one is made, with an alarm).")
