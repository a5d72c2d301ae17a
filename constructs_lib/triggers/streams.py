"""StreamTrigger: process a DynamoDB table's stream or a Kinesis stream with a function, dropping no record unseen."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs

from ..data import removal_policy
from ..defaults import StreamDefaults
from ..queues import dead_letter_queue
from ..roles import stream_listing_policy
from ..rules import streams as rules
from ..rules.props import check_props, implements
from .base import Trigger, TriggerTarget, scope_of


class StreamTrigger(Trigger):
    """Invoke the function with batches of records from a DynamoDB table's stream or a Kinesis stream (a new
    encrypted on-demand Kinesis stream when `source` is not given).

    A stream is read shard by shard, in order: one failing record would block its shard until it expired. So a
    failed batch is split in two and retried (`bisect_on_error`), the handler can name the records that failed
    (`{"batchItemFailures": [{"itemIdentifier": <sequence number>}]}`, `report_batch_item_failures`), retries and the
    age of a record are bounded, and what is given up on goes to an on-failure queue (a pointer to the records: shard
    and sequence numbers, read back from the stream while it keeps them). The queue and the iterator age are on the
    function's alarm.
    """

    invokes_async = False  # the event source mapping invokes synchronously; failures stay in the shard

    defaults: ClassVar[StreamDefaults] = StreamDefaults()

    def __init__(
        self,
        source: dynamodb.ITable | kinesis.IStream | None = None,
        *,
        batch_size: int | None = None,
        max_batching_window: Duration | None = None,
        starting_position: lambda_.StartingPosition = lambda_.StartingPosition.TRIM_HORIZON,
        starting_position_timestamp: float | None = None,
        bisect_on_error: bool = True,
        report_batch_item_failures: bool = True,
        retry_attempts: int | None = None,
        max_record_age: Duration | None = None,
        parallelization_factor: int = 1,
        tumbling_window: Duration | None = None,
        filters: Sequence[Mapping[str, object]] | None = None,
        on_failure_queue: sqs.IQueue | None = None,
        enabled: bool = True,
    ) -> None:
        """The function is invoked with batches of the stream's records, in order per shard.

        Args:
            source: a DynamoDB table with a stream (`stream=StreamViewType.NEW_AND_OLD_IMAGES`; a table without one
                is refused) or a Kinesis stream. Default: None (a Kinesis stream made: on-demand capacity, encrypted
                with the AWS-managed key, records kept a day).
            batch_size: 1..10,000 records per invocation. Default: 100.
            max_batching_window: 0..300 whole seconds to gather a batch. Default: None (no wait).
            starting_position: TRIM_HORIZON (every record the stream still holds), LATEST (new records only), or
                AT_TIMESTAMP (Kinesis only, with `starting_position_timestamp`). Default: TRIM_HORIZON.
            starting_position_timestamp: Unix seconds, for AT_TIMESTAMP. Default: None.
            bisect_on_error: split a failed batch in two and retry each half, until the failing record is alone
                (splits spend no retries). Default: True.
            report_batch_item_failures: the handler may return the sequence numbers of the records that failed;
                Lambda checkpoints before the first of them. Default: True.
            retry_attempts: 0..10,000 retries of a failed batch before its records go to the on-failure queue.
                Default: 10.
            max_record_age: 60 s..7 days; older records go to the on-failure queue unprocessed. Default: 1 day.
            parallelization_factor: 1..10 batches of one shard processed at once (order kept per partition key).
                Default: 1.
            tumbling_window: 0..900 whole seconds of aggregation windows (state passed between invocations).
                Default: None (none).
            filters: up to 10 EventBridge-syntax patterns on the records, e.g. `[{"eventName": ["INSERT"]}]`
                (DynamoDB) or `[{"data": {"kind": ["order"]}}]` (Kinesis JSON). Default: None (every record).
            on_failure_queue: a standard queue of yours for the pointers of dropped records. Default: None (one
                made, SSE-SQS, 14 days, on the alarm).
            enabled: Default: True.
        """
        super().__init__()
        check_props(StreamTrigger.__init__, locals(), self.where)
        where = self.where
        d = self.defaults
        self._given_source = source
        self.kinesis = source is None or not implements(source, dynamodb.ITable)
        self.batch_size = batch_size if batch_size is not None else d.batch_size
        self.retry_attempts = retry_attempts if retry_attempts is not None else d.retry_attempts
        self.max_record_age = max_record_age if max_record_age is not None else d.max_record_age
        rules.check_batch_size(where, self.batch_size)
        if max_batching_window is not None:
            rules.check_batching_window(where, max_batching_window)
        rules.check_starting_position(where, starting_position.value, kinesis=self.kinesis,
                                      timestamp=starting_position_timestamp)
        rules.check_retry_attempts(where, self.retry_attempts)
        rules.check_record_age(where, self.max_record_age)
        rules.check_parallelization(where, parallelization_factor)
        if tumbling_window is not None:
            rules.check_tumbling_window(where, tumbling_window)
        self.filters = list(filters) if filters else None  # an empty list filters nothing
        if self.filters:
            rules.check_filters(where, self.filters)
        if on_failure_queue is not None:
            rules.check_on_failure_queue(where, on_failure_queue.node.path, bool(on_failure_queue.fifo))
        if not self.kinesis:
            assert source is not None
            rules.check_table_has_stream(where, source.node.path, source.table_stream_arn)  # pyright: ignore
        self.max_batching_window = max_batching_window
        self.starting_position = starting_position
        self.starting_position_timestamp = starting_position_timestamp
        self.bisect_on_error = bisect_on_error
        self.report_batch_item_failures = report_batch_item_failures
        self.parallelization_factor = parallelization_factor
        self.tumbling_window = tumbling_window
        self.enabled = enabled
        self.on_failure_queue: sqs.IQueue | None = on_failure_queue
        self.mapping: lambda_.EventSourceMapping | None = None

    @property
    def source(self) -> dynamodb.ITable | kinesis.IStream:
        """The table or stream read (given or made); a made stream exists once the trigger is bound."""
        if self._given_source is None:
            raise RuntimeError("StreamTrigger creates its Kinesis stream when bound to a function")
        return self._given_source

    def service_resources(self) -> list[str]:
        """The stream Lambda reads and the on-failure queue it writes to."""
        if self._given_source is None or self.on_failure_queue is None:
            return []
        stream = self.source.table_stream_arn if not self.kinesis else self.source.stream_arn  # pyright: ignore
        return [arn for arn in (stream, self.on_failure_queue.queue_arn) if arn]

    def _bind(self, function: TriggerTarget) -> None:
        scope = scope_of(function)
        if self._given_source is None:
            self._given_source = self.make_stream(function)
        if self.on_failure_queue is None:
            self.on_failure_queue = dead_letter_queue(
                scope, self.scoped_id(function, "StreamFailures"), retention=self.defaults.on_failure_retention,
                reason="On-failure destination of a stream mapping: pointers to the records given up on.")
        if self.filters:
            rules.check_filter_quota_on(scope, len(self.filters))
        self.mapping = self.make_mapping(function, sources.SqsDlq(self.on_failure_queue))
        label = f"stream {self.scoped_id(function, 'Stream')}"
        function.health.watch_stream(function.function_name, self.max_record_age, self.on_failure_queue, label,
                                     fraction=self.defaults.iterator_age_fraction)

    def make_mapping(self, function: TriggerTarget, on_failure: sources.SqsDlq) -> lambda_.EventSourceMapping:
        """The event source mapping, with every setting, and the role's grants to read the stream (as aws-cdk-lib's
        Kinesis and DynamoDB event sources make them, but for a table's `ListStreams`)."""
        target = function.invoke_target
        source = self.source
        if self.kinesis:
            stream_arn: str = source.stream_arn  # pyright: ignore[reportAttributeAccessIssue]
            mapping_id = f"KinesisEventSource{self.scoped_id(function, '')}"
        else:
            stream_arn = str(source.table_stream_arn)  # pyright: ignore[reportAttributeAccessIssue]
            mapping_id = f"DynamoDBEventSource{self.scoped_id(function, '')}"
        mapping = target.add_event_source_mapping(
            mapping_id, event_source_arn=stream_arn, starting_position=self.starting_position,
            starting_position_timestamp=self.starting_position_timestamp, batch_size=self.batch_size,
            max_batching_window=self.max_batching_window, bisect_batch_on_error=self.bisect_on_error,
            report_batch_item_failures=self.report_batch_item_failures, retry_attempts=self.retry_attempts,
            max_record_age=self.max_record_age, parallelization_factor=self.parallelization_factor,
            tumbling_window=self.tumbling_window, on_failure=on_failure,  # pyright: ignore[reportArgumentType]
            enabled=self.enabled,
            # aws-cdk-lib wants {"pattern": "<json>"} per filter; a raw dict deploys as an empty pattern.
            filters=[lambda_.FilterCriteria.filter(f) for f in self.filters] if self.filters else None)
        if self.kinesis:
            source.grant_read(target)  # pyright: ignore[reportAttributeAccessIssue]
            source.grant(target, "kinesis:DescribeStream")  # pyright: ignore[reportAttributeAccessIssue]
            return mapping
        # aws-cdk-lib's DynamoEventSource would put ListStreams on * into the role; it goes into the stack's
        # acknowledged policy instead, and the mapping waits for it (Lambda checks the role when it creates one).
        iam.Grant.add_to_principal(grantee=target, resource_arns=[stream_arn], actions=[
            "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"])
        listing = stream_listing_policy(scope_of(function))
        listing.attach_to_role(function.role)
        mapping.node.add_dependency(listing)
        return mapping

    def make_stream(self, function: TriggerTarget) -> kinesis.IStream:
        """The stream when none is given: on-demand capacity (no shards to size), encrypted with Kinesis's
        AWS-managed key (writers in the account need nothing more)."""
        scope = scope_of(function)
        return kinesis.Stream(scope, self.scoped_id(function, "Stream"), stream_mode=kinesis.StreamMode.ON_DEMAND,
                              encryption=kinesis.StreamEncryption.MANAGED,
                              retention_period=self.defaults.kinesis_retention, removal_policy=removal_policy(scope))
