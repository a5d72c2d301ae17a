"""Rules for SQS triggers and queues."""

from __future__ import annotations

import functools
import json
import reprlib
from collections.abc import Sequence

from aws_cdk import Duration
from constructs import IConstruct

from .. import limits as L
from .. import reads
from . import fail, rule, warn


def visibility_timeout_for(timeout: Duration, max_batching_window: Duration | None = None) -> Duration:
    """AWS's recommendation for a queue drained by Lambda: 6x the function timeout plus the batching window."""
    window = reads.seconds(max_batching_window) if max_batching_window else 0
    seconds = L.SQS_VISIBILITY_TO_TIMEOUT_RATIO * reads.seconds(timeout) + window
    return _seconds(min(seconds, L.SQS_VISIBILITY_TIMEOUT_MAX_S))


@functools.cache
def _seconds(value: float) -> Duration:
    """One Duration per value: 50 functions with the same timeout share their queues' visibility timeout."""
    return Duration.seconds(value)


@rule("SQS_BATCH_SIZE", "SQS batch size", limit=f"1..{L.SQS_BATCH_SIZE_MAX:,} (FIFO: 1..{L.SQS_FIFO_BATCH_SIZE_MAX})",
      source=L.SQS_ESM_URL)
def check_batch_size(construct: IConstruct | str, batch_size: int, *, fifo: bool) -> None:
    most = L.SQS_FIFO_BATCH_SIZE_MAX if fifo else L.SQS_BATCH_SIZE_MAX
    if not 1 <= batch_size <= most:
        fail(construct, "SQS_BATCH_SIZE", f"batch_size={batch_size} is outside 1..{most}"
             f"{' for a FIFO queue' if fifo else ''}", f"use a batch_size between 1 and {most}.")


@rule("SQS_BATCHING_WINDOW", "SQS batching window",
      limit=f"0..{L.SQS_BATCHING_WINDOW_MAX_S} s; FIFO queues take none", source=L.SQS_ESM_URL)
def check_batching_window(construct: IConstruct | str, window: Duration, *, fifo: bool) -> None:
    seconds = window.to_seconds()
    if fifo and seconds:
        fail(construct, "SQS_BATCHING_WINDOW", f"max_batching_window={seconds} s on a FIFO queue",
             "leave max_batching_window unset for FIFO queues (AWS does not support it there).")
    if not 0 <= seconds <= L.SQS_BATCHING_WINDOW_MAX_S:
        fail(construct, "SQS_BATCHING_WINDOW", f"max_batching_window={seconds} s is outside 0..300 s",
             "use Duration.seconds(n) with n <= 300.")


@rule("SQS_BATCH_NEEDS_WINDOW", "large SQS batches need a batching window",
      limit=f"batch_size > {L.SQS_BATCH_SIZE_WITHOUT_WINDOW_MAX} requires max_batching_window >= 1 s",
      source=L.SQS_ESM_URL)
def check_batch_needs_window(construct: IConstruct | str, batch_size: int, window: Duration | None) -> None:
    if batch_size > L.SQS_BATCH_SIZE_WITHOUT_WINDOW_MAX and (window is None or window.to_seconds() < 1):
        fail(construct, "SQS_BATCH_NEEDS_WINDOW", f"batch_size={batch_size} without a batching window",
             "add max_batching_window=Duration.seconds(1) or more, or use batch_size <= 10.")


@rule("SQS_MAX_CONCURRENCY", "SQS event source maximum concurrency",
      limit=f"{L.SQS_MAX_CONCURRENCY_MIN}..{L.SQS_MAX_CONCURRENCY_MAX:,}", source=L.SQS_ESM_URL)
def check_max_concurrency(construct: IConstruct | str, max_concurrency: int) -> None:
    if not L.SQS_MAX_CONCURRENCY_MIN <= max_concurrency <= L.SQS_MAX_CONCURRENCY_MAX:
        fail(construct, "SQS_MAX_CONCURRENCY", f"max_concurrency={max_concurrency} is outside 2..1000",
             "use 2..1000, or reserved_concurrency on the function to cap it lower.")


@rule("SQS_FILTER", "event filter patterns", limit="a non-empty object whose leaves are non-empty lists of values "
      f"or matchers (the EventBridge pattern syntax), at most {L.SQS_FILTER_PATTERN_MAX_CHARS:,} characters, no two "
      "alike", source=L.SQS_FILTER_URL)
def check_filters(construct: IConstruct | str, patterns: Sequence[object]) -> None:
    found = filters_problem(patterns)
    if found:
        fail(construct, "SQS_FILTER", f"filter {reprlib.repr(found[0])} {found[1]}",
             "write filters like {'body': {'kind': ['thumbnail']}} (leaves are lists), each once.")
    check_filter_count(construct, len(patterns))


def filters_problem(patterns: Sequence[object]) -> tuple[object, str] | None:
    """The first filter pattern Lambda would refuse, and why (any event source mapping's: SQS, streams)."""
    from .events import pattern_problem

    seen: list[str] = []
    for pattern in patterns:
        if not isinstance(pattern, dict) or not pattern:
            problem = "is not a non-empty dict"
        else:
            problem = pattern_problem(pattern, "")
        text = "" if problem else json.dumps(pattern, sort_keys=True)
        if not problem and len(text) > L.SQS_FILTER_PATTERN_MAX_CHARS:
            problem = f"is {len(text):,} characters as JSON"
        if not problem and text in seen:
            problem = "is given twice (CloudFormation refuses duplicate filters)"
        if problem:
            return pattern, problem
        seen.append(text)
    return None


@rule("SQS_FILTER_COUNT", "filters per event source mapping",
      limit=f"{L.SQS_FILTERS_DEFAULT_MAX} by default, at most {L.SQS_FILTERS_MAX} with a quota increase",
      source=L.SQS_FILTER_URL)
def check_filter_count(construct: IConstruct | str, count: int) -> None:
    if count > L.SQS_FILTERS_MAX:
        fail(construct, "SQS_FILTER_COUNT", f"{count} filters", f"use at most {L.SQS_FILTERS_MAX} filters: merge "
             "them with '$or' or several values per field (filters are ORed together).")
    if count > L.SQS_FILTERS_DEFAULT_MAX and not isinstance(construct, str):
        check_filter_quota(construct, count)


@rule("SQS_FILTER_QUOTA", "filters above the default quota", severity="warning",
      limit=f"{L.SQS_FILTERS_DEFAULT_MAX} filters per event source mapping until the quota is raised (to at most "
            f"{L.SQS_FILTERS_MAX})", source=L.SQS_FILTER_URL)
def check_filter_quota(construct: IConstruct, count: int) -> None:
    warn(construct, "SQS_FILTER_QUOTA", f"{count} filters exceed the default quota of {L.SQS_FILTERS_DEFAULT_MAX}",
         "request the quota increase before deploying, or merge filters with '$or'.")


@rule("SQS_MAX_RECEIVE_COUNT", "receives before a message moves to the DLQ",
      limit=f"maxReceiveCount 1..{L.SQS_MAX_RECEIVE_COUNT_MAX:,}", source=L.SQS_DLQ_URL)
def check_max_receive_count(construct: IConstruct | str, count: int) -> None:
    if not 1 <= count <= L.SQS_MAX_RECEIVE_COUNT_MAX:
        fail(construct, "SQS_MAX_RECEIVE_COUNT",
             f"max_receive_count={count} is outside 1..{L.SQS_MAX_RECEIVE_COUNT_MAX}",
             "use 5 or more for a queue drained by Lambda (throttled batches count as receives), at most 1000.")


@rule("SQS_FIFO_DLQ", "a FIFO queue's dead-letter queue is FIFO",
      limit="the dead-letter queue of a FIFO queue must be a FIFO queue (and of a standard queue, a standard one)",
      source=L.SQS_DLQ_URL)
def check_dead_letter_queue_kind(construct: IConstruct, queue_path: str, fifo: bool, dead_letter_fifo: bool) -> None:
    if fifo != dead_letter_fifo:
        kinds = ("FIFO", "standard") if fifo else ("standard", "FIFO")
        fail(construct, "SQS_FIFO_DLQ", f"{queue_path} is a {kinds[0]} queue with a {kinds[1]} dead-letter queue",
             f"give it a {kinds[0]} dead-letter queue (fifo={fifo}).")


@rule("SQS_VISIBILITY_TIMEOUT", "queue visibility timeout covers the function timeout",
      limit="AWS refuses the event source mapping when the visibility timeout is below the function timeout",
      source=L.SQS_ESM_URL)
def check_visibility_timeout(construct: IConstruct, queue: IConstruct, visibility_s: int, timeout: Duration,
                             window: Duration | None) -> None:
    """An error at `construct` (the consumer); the recommendation is a warning on `queue`, where its fix is."""
    queue_path = queue.node.path
    timeout_s = timeout.to_seconds()
    recommended = int(visibility_timeout_for(timeout, window).to_seconds())
    if visibility_s < timeout_s:
        fail(construct, "SQS_VISIBILITY_TIMEOUT",
             f"{queue_path} has visibility timeout {visibility_s} s, below the function timeout {timeout_s} s",
             f"set the queue's visibility_timeout to Duration.seconds({recommended}) (6x the timeout, plus the "
             "batching window), or pass no queue and let QueueTrigger create one.")
    check_visibility_recommended(queue, queue_path, visibility_s, recommended)


@rule("SQS_VISIBILITY_RECOMMENDED", "queue visibility timeout is 6x the function timeout",
      limit="AWS recommends >= 6x the function timeout plus the batching window, or retries of a throttled "
            "batch are redelivered early", source=L.SQS_ESM_URL, severity="warning")
def check_visibility_recommended(construct: IConstruct, queue_path: str, visibility_s: int, recommended: int) -> None:
    if visibility_s < recommended:
        warn(construct, "SQS_VISIBILITY_RECOMMENDED",
             f"{queue_path} has visibility timeout {visibility_s} s; {recommended} s is recommended",
             f"set the queue's visibility_timeout to Duration.seconds({recommended}).")


@rule("SQS_NO_DLQ", "a drained queue has a dead-letter queue",
      limit="without a DLQ, a message that keeps failing is retried until retention expires, then lost",
      source=L.SQS_DLQ_URL,
      severity="warning")
def check_has_dead_letter_queue(construct: IConstruct, queue_path: str, has_dlq: bool) -> None:
    if not has_dlq:
        warn(construct, "SQS_NO_DLQ", f"{queue_path} has no dead-letter queue",
             "give the queue dead_letter_queue=sqs.DeadLetterQueue(...), or pass no queue and let the trigger "
             "create one with a DLQ.")
