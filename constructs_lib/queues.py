"""Secure SQS queues: the one place queues are made, for triggers, destinations and Fargate workers."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .data import removal_policy
from .defaults import QueueDefaults
from .nag import acknowledge, skip_checkov


def secure_queue(
    scope: Construct,
    id: str,
    *,
    fifo: bool = False,
    retention: Duration,
    visibility_timeout: Duration | None = None,
    dead_letter_queue: sqs.IQueue | None = None,
    max_receive_count: int | None = None,
) -> sqs.Queue:
    """A queue with SSE-SQS encryption and a TLS-only policy.

    SSE-SQS rather than the AWS-managed KMS key: S3 and EventBridge cannot send to a queue encrypted with
    `alias/aws/sqs` (they cannot use that key), and SSE-SQS costs nothing per request.
    """
    queue = sqs.Queue(
        scope,
        id,
        fifo=fifo or None,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        removal_policy=removal_policy(scope),
        retention_period=retention,
        visibility_timeout=visibility_timeout,
        dead_letter_queue=(
            sqs.DeadLetterQueue(queue=dead_letter_queue, max_receive_count=max_receive_count)
            if dead_letter_queue is not None and max_receive_count is not None
            else None
        ),
    )
    skip_checkov(queue, "Encrypted at rest with SSE-SQS (SqsManagedSseEnabled), which checkov does not recognise; "
                 "not the AWS-managed KMS key, which S3 and EventBridge cannot use to send.", "CKV_AWS_27",
                 cfn_type="AWS::SQS::Queue")
    return queue


def queue_with_dead_letter_queue(
    scope: Construct,
    id: str,
    *,
    defaults: QueueDefaults,
    fifo: bool = False,
    visibility_timeout: Duration | None = None,
    max_receive_count: int | None = None,
    redrive_acknowledged: bool = False,
) -> tuple[sqs.Queue, sqs.Queue]:
    """A work queue and its DLQ (FIFO when the queue is: AWS requires a FIFO queue's DLQ to be FIFO).

    `redrive_acknowledged`: `scope` already acknowledges that its DLQs have no redrive policy (a function does).
    """
    dead_letters = secure_queue(scope, f"{id}DeadLetters", fifo=fifo, retention=defaults.dead_letter_retention)
    if not redrive_acknowledged:
        acknowledge(dead_letters, f"This is the dead-letter queue of {id}: the last stop, so it has no redrive "
                    "policy.", "Serverless-SQSRedrivePolicy")
    queue = secure_queue(
        scope,
        id,
        fifo=fifo,
        retention=defaults.retention,
        visibility_timeout=visibility_timeout or defaults.visibility_timeout,
        dead_letter_queue=dead_letters,
        max_receive_count=max_receive_count or defaults.max_receive_count,
    )
    return queue, dead_letters


def dead_letter_queue(scope: Construct, id: str, *, retention: Duration, reason: str) -> sqs.Queue:
    """A standard queue that is the last stop for failed events (a destination or target DLQ).

    It has no DLQ of its own, by design; `reason` says whose failures it holds.
    """
    queue = secure_queue(scope, id, retention=retention)
    acknowledge(queue, reason, "AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy")
    return queue


def known_dead_letter_queue(queue: sqs.IQueue) -> sqs.IQueue | None:
    """The DLQ of a queue defined in this app (None when it has none, or when the queue is imported)."""
    if isinstance(queue, sqs.Queue) and queue.dead_letter_queue is not None:
        return queue.dead_letter_queue.queue
    return None


def known_retention(queue: sqs.IQueue) -> Duration | None:
    """The retention of a queue defined in this app (None: imported, or SQS's default of 4 days)."""
    if not isinstance(queue, sqs.Queue):
        return None
    seconds = getattr(queue.node.default_child, "message_retention_period", None)
    return Duration.seconds(int(seconds)) if isinstance(seconds, int | float) else None


def known_visibility_timeout_s(queue: sqs.IQueue) -> int | None:
    """The visibility timeout of a queue defined in this app (SQS's default 30 s if unset); None if imported."""
    if not isinstance(queue, sqs.Queue):
        return None
    visibility = getattr(queue.node.default_child, "visibility_timeout", None)
    return 30 if visibility is None else int(visibility)
