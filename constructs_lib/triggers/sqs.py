"""QueueTrigger: drain an SQS queue with a function, losing no message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs

from ..defaults import QueueDefaults
from ..queues import known_dead_letter_queue, known_visibility_timeout_s, queue_with_dead_letter_queue
from ..rules import sqs as rules
from ..rules.props import check_props
from .base import Trigger, TriggerTarget, scope_of


class QueueTrigger(Trigger):
    """Invoke the function with batches from `queue` (created, with a DLQ, when not given).

    Partial batch responses are on: the handler returns `{"batchItemFailures": [...]}` and only those
    messages are retried; after `max_receive_count` receives a message moves to the DLQ.
    A created queue's visibility timeout is `visibility_timeout_for(function timeout, batching window)`.
    """

    invokes_async = False  # the event source mapping invokes synchronously; failures return to the queue

    defaults: ClassVar[QueueDefaults] = QueueDefaults()

    def __init__(
        self,
        queue: sqs.IQueue | None = None,
        *,
        batch_size: int | None = None,
        max_batching_window: Duration | None = None,
        max_concurrency: int | None = None,
        filters: Sequence[Mapping[str, object]] | None = None,
        fifo: bool | None = None,
        max_receive_count: int | None = None,
        enabled: bool = True,
    ) -> None:
        """The function is invoked with batches from `queue`, partial batch failures reported.

        Args:
            queue: a queue of yours (checked: visibility timeout, its DLQ, FIFO-ness). Default: None (one made with a
                DLQ, SSE-SQS, TLS-only, visibility 6x the function timeout plus the batching window).
            batch_size: 1..10,000 (FIFO 10); above 10 needs a batching window. Default: 10.
            max_batching_window: 0..300 whole seconds (none on FIFO). Default: None (no wait).
            max_concurrency: 2..1,000 concurrent invocations for this queue. Default: None (Lambda's scaling).
            filters: up to 10 EventBridge-syntax patterns on the messages, e.g. `[{"body": {"kind": ["thumbnail"]}}]`.
                Default: None (every message).
            fifo: make the queue (and its DLQ) FIFO. Default: None (standard; a given queue decides itself).
            max_receive_count: 1..1,000 receives before a message goes to the DLQ. Default: 5 (as AWS recommends for
                Lambda).
            enabled: Default: True.
        """
        super().__init__()
        check_props(QueueTrigger.__init__, locals(), self.where)
        self._given_queue = queue
        self.fifo = bool(fifo if fifo is not None else (queue is not None and queue.fifo))
        self.batch_size = batch_size if batch_size is not None else self.defaults.batch_size
        if self.fifo and max_batching_window is not None and max_batching_window.to_milliseconds() == 0:
            max_batching_window = None  # no window, as FIFO sources take it (aws-cdk-lib refuses a 0 s one there)
        self.max_batching_window = max_batching_window
        self.max_concurrency = max_concurrency
        self.filters = list(filters) if filters else None  # an empty list filters nothing
        self.max_receive_count = max_receive_count
        self.enabled = enabled
        where = self.where
        rules.check_batch_size(where, self.batch_size, fifo=self.fifo)
        if max_batching_window is not None:
            rules.check_batching_window(where, max_batching_window, fifo=self.fifo)
        rules.check_batch_needs_window(where, self.batch_size, max_batching_window)
        if max_concurrency is not None:
            rules.check_max_concurrency(where, max_concurrency)
        if self.filters:
            rules.check_filters(where, self.filters)
        if max_receive_count is not None:
            rules.check_max_receive_count(where, max_receive_count)
        self.dead_letter_queue = known_dead_letter_queue(queue) if queue is not None else None
        self.event_source: sources.SqsEventSource | None = None

    @property
    def queue(self) -> sqs.IQueue:
        """The drained queue (given or created); a created one exists once the trigger is bound."""
        if self._given_queue is None:
            raise RuntimeError("QueueTrigger creates its queue when bound to a function")
        return self._given_queue

    def service_resources(self) -> list[str]:
        return [self.queue.queue_arn] if self._given_queue is not None else []

    def _bind(self, function: TriggerTarget) -> None:
        created = self._given_queue is None
        if created:
            self._queue_id = self.scoped_id(function, "Queue")
            self._given_queue, self.dead_letter_queue = queue_with_dead_letter_queue(
                scope_of(function), self._queue_id, defaults=self.defaults, fifo=self.fifo,
                visibility_timeout=rules.visibility_timeout_for(function.timeout, self.max_batching_window),
                max_receive_count=self.max_receive_count, redrive_acknowledged=True,  # by the function, once
            )
        else:
            self._check_given_queue(function)
        if self.filters:
            rules.check_filter_count(function, len(self.filters))
        self.event_source = sources.SqsEventSource(
            self.queue,
            batch_size=self.batch_size,
            max_batching_window=self.max_batching_window,
            max_concurrency=self.max_concurrency,
            # aws-cdk-lib wants {"pattern": "<json>"} per filter; a raw dict deploys as an empty pattern.
            filters=[lambda_.FilterCriteria.filter(f) for f in self.filters] if self.filters else None,
            report_batch_item_failures=True,
            enabled=self.enabled,
        )
        function.invoke_target.add_event_source(self.event_source)
        queue_id = self._queue_id if created else self.queue.node.id
        function.health.watch_queue(self.queue, f"queue {queue_id}", dead_letters=False,
                                    retention=self.defaults.retention if created else None)
        if self.dead_letter_queue is not None:
            dlq_id = f"{queue_id}DeadLetters" if created else self.dead_letter_queue.node.id
            function.health.watch_queue(self.dead_letter_queue, f"DLQ {dlq_id}", dead_letters=True)
        # cdk-nag's Serverless-LambdaEventSourceMappingDestination is acknowledged by the function, once.

    def _check_given_queue(self, function: TriggerTarget) -> None:
        """What can be known of a given queue: its visibility timeout and DLQ, when it is defined in this app."""
        visibility_s = known_visibility_timeout_s(self.queue)
        if visibility_s is None:
            return  # imported: its settings live outside this app
        rules.check_visibility_timeout(function, self.queue, visibility_s, function.timeout, self.max_batching_window)
        rules.check_has_dead_letter_queue(self.queue, self.queue.node.path, self.dead_letter_queue is not None)
        if self.dead_letter_queue is not None:
            rules.check_dead_letter_queue_kind(function, self.queue.node.path, bool(self.queue.fifo),
                                               bool(self.dead_letter_queue.fifo))
