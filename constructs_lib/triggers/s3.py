"""S3Trigger: invoke a function when objects change in a bucket."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Sequence
from typing import Any, ClassVar

import jsii
from aws_cdk import Aspects, IAspect, Stack, aws_events, aws_events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct

from ..buckets import secure_bucket
from ..defaults import BucketDefaults, EventDefaults
from ..nag import acknowledge, finding_resource
from ..queues import dead_letter_queue
from ..rules import s3 as rules
from ..rules.props import check_props
from .base import Trigger, TriggerTarget, scope_of


class _NotificationFilters(Construct):
    """Every notification filter placed on one bucket by this library, to catch overlaps at synth."""

    ID = "ConstructsLibNotificationFilters"

    def __init__(self, bucket: s3.IBucket) -> None:
        super().__init__(bucket, self.ID)  # pyright: ignore[reportArgumentType]
        self.entries: list[tuple[str, str, rules.KeyFilter]] = []  # (event type, function path, filter)

    @classmethod
    def of(cls, bucket: s3.IBucket) -> _NotificationFilters:
        return bucket.node.try_find_child(cls.ID) or cls(bucket)  # type: ignore[return-value]


class S3Trigger(Trigger):
    """Invoke the function for object events in `bucket` (created, secure, when not given).

    Delivery: a bucket notification for buckets this app owns (no extra cost), or an EventBridge rule for
    imported buckets, so no custom resource rewrites the notification configuration of a bucket we do not
    own. The imported bucket must have EventBridge notifications turned on by its owner.
    Invocations are async: failures retry twice, then land in the function's on-failure queue.
    """

    bucket_defaults: ClassVar[BucketDefaults] = BucketDefaults()
    event_defaults: ClassVar[EventDefaults] = EventDefaults()

    def __init__(
        self,
        bucket: s3.IBucket | None = None,
        *,
        events: Sequence[s3.EventType] = (s3.EventType.OBJECT_CREATED,),
        prefix: str | None = None,
        suffix: str | None = None,
        delivery: str = "auto",
        read: bool = True,
    ) -> None:
        """The function is invoked for object events of `bucket`.

        Args:
            bucket: a bucket of yours, or an imported one (then delivered over EventBridge). Default: None (one made:
                SSE-S3, public access blocked, TLS-only, access logs).
            events: S3 event types. Default: (`EventType.OBJECT_CREATED`,).
            prefix: key prefix filter. Default: None (every key).
            suffix: key suffix filter. Default: None.
            delivery: "auto" (a notification for buckets of this app, EventBridge for imported ones), "notification" or
                "eventbridge". Default: "auto".
            read: grant `s3:GetObject` on the objects it fires for; False for a handler that reads only the event.
                Default: True.
        """
        super().__init__()
        check_props(S3Trigger.__init__, locals(), self.where)
        rules.check_delivery(self.where, delivery)
        self._given_bucket = bucket
        self.events = list(events)
        self.key_filter = rules.KeyFilter(prefix or "", suffix or "")
        self.delivery = delivery
        self.read = read
        self.rule: aws_events.Rule | None = None  # the EventBridge rule, when delivered that way
        self.dead_letter_queue: sqs.IQueue | None = None  # the rule target's DLQ, when delivered that way

    @property
    def bucket(self) -> s3.IBucket:
        """The bucket (given or created); created ones exist once the trigger is bound."""
        if self._given_bucket is None:
            raise RuntimeError("S3Trigger creates its bucket when bound to a function")
        return self._given_bucket

    def _bind(self, function: TriggerTarget) -> None:
        if self._given_bucket is None:
            self._given_bucket = secure_bucket(scope_of(function), self.scoped_id(function, "Bucket"),
                                               defaults=self.bucket_defaults)
        bucket = self.bucket
        owned = isinstance(bucket, s3.Bucket)
        if self.delivery == "eventbridge" or (self.delivery == "auto" and not owned):
            self._bind_eventbridge(function, bucket, owned)
        else:
            self._bind_notification(function, bucket)
        _acknowledge_notification_handler(Stack.of(bucket))
        if self.read:
            self.grant_read(function, bucket)
        Aspects.of(function).add(_RecursiveWriteCheck(function, bucket, self.key_filter))

    def grant_read(self, function: TriggerTarget, bucket: s3.IBucket) -> None:
        """`s3:GetObject` on the objects the trigger fires for (`prefix*`), and `kms:Decrypt` with the bucket's key."""
        objects = bucket.arn_for_objects(f"{self.key_filter.prefix}*")
        function.role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=[objects]))
        if bucket.encryption_key is not None:
            bucket.encryption_key.grant_decrypt(function.role)
        acknowledge(function.role, "The function reads the objects its S3 trigger fires for: GetObject on the "
                    "trigger's key prefix, nothing else of the bucket.",
                    f"AwsSolutions-IAM5[Resource::{finding_resource(Stack.of(function), objects)}]")

    def _bind_notification(self, function: TriggerTarget, bucket: s3.IBucket) -> None:
        registry = _NotificationFilters.of(bucket)
        for event in self.events:
            name = rules.event_name(event)
            rules.check_filter_overlap(function, bucket.node.path, name, self.key_filter, registry.entries)
            registry.entries.append((name, function.node.path, self.key_filter))
        # aws-cdk-lib refuses an empty NotificationKeyFilter: pass one only when there is something to filter.
        filters = []
        if self.key_filter != rules.KeyFilter():
            filters.append(s3.NotificationKeyFilter(prefix=self.key_filter.prefix or None,
                                                    suffix=self.key_filter.suffix or None))
        for event in self.events:
            bucket.add_event_notification(event, s3n.LambdaDestination(function.invoke_target), *filters)

    def _bind_eventbridge(self, function: TriggerTarget, bucket: s3.IBucket, owned: bool) -> None:
        if owned:
            bucket.enable_event_bridge_notification()
        names = [rules.event_name(e) for e in self.events]
        rules.check_eventbridge_events(function, names, bucket.node.path)
        detail_types = sorted({t for name in names for t in rules.eventbridge_detail_types(name) or ()})
        detail: dict[str, Any] = {"bucket": {"name": [bucket.bucket_name]}}
        key = self._key_matcher()
        if key is not None:
            detail["object"] = {"key": [key]}
        d = self.event_defaults
        self.dead_letter_queue = dead_letter_queue(
            scope_of(function), self.scoped_id(function, "S3EventsDeadLetters"), retention=d.dead_letter_retention,
            reason="DLQ of the S3 -> EventBridge rule target: the last stop for undeliverable events.",
        )
        self.rule = aws_events.Rule(
            scope_of(function), self.scoped_id(function, "S3Events"),
            description=f"S3 {', '.join(detail_types)} in {bucket.node.path} -> {function.node.path}",
            event_pattern=aws_events.EventPattern(source=["aws.s3"], detail_type=detail_types, detail=detail),
            targets=[aws_events_targets.LambdaFunction(function.invoke_target, dead_letter_queue=self.dead_letter_queue,  # pyright: ignore[reportArgumentType]
                                            retry_attempts=d.retry_attempts, max_event_age=d.max_event_age)],
        )
        function.health.watch_rule(self.rule.rule_name, self.dead_letter_queue, f"S3 events of {bucket.node.id}")

    def _key_matcher(self) -> dict[str, str] | None:
        prefix, suffix = self.key_filter.prefix, self.key_filter.suffix
        if prefix and suffix:
            return {"wildcard": f"{prefix}*{suffix}"}
        if prefix:
            return {"prefix": prefix}
        if suffix:
            return {"suffix": suffix}
        return None


@jsii.implements(IAspect)
class _RecursiveWriteCheck:
    """Before synth, once every grant is known: does the function write where its own trigger fires?

    An aspect rather than a validation: its warning is written before the tree is locked for synthesis.
    """

    _WRITE_ACTION = "s3:PutObject"

    def __init__(self, function: TriggerTarget, bucket: s3.IBucket, key_filter: rules.KeyFilter) -> None:
        self.function, self.bucket, self.key_filter = function, bucket, key_filter

    def visit(self, node: IConstruct) -> None:
        if node is not self.function:
            return
        stack = Stack.of(self.function)
        bucket_arn = _flatten(stack.resolve(self.bucket.bucket_arn)) + "/"
        patterns = []
        role = self.function.role
        documents = [stack.resolve(p.policy_document) for p in role.node.find_all()
                     if isinstance(p, (iam.CfnPolicy, iam.CfnManagedPolicy))]  # overflow policies included
        cfn_role = role.node.default_child
        if isinstance(cfn_role, iam.CfnRole):  # grants inline in the role (InlinePolicyRole)
            documents += [p.get("PolicyDocument") or p.get("policyDocument") or {}
                          for p in stack.resolve(cfn_role.policies) or []]
        for document in documents:
            for statement in document.get("Statement", []):
                actions = _as_list(statement.get("Action"))
                if statement.get("Effect") != "Allow" or not any(
                        fnmatch.fnmatchcase(self._WRITE_ACTION, a) for a in actions):
                    continue
                for resource in _as_list(statement.get("Resource")):
                    arn = _flatten(resource)
                    if arn == "*":
                        patterns.append("*")
                    elif arn.startswith(bucket_arn):
                        patterns.append(arn[len(bucket_arn):])
        rules.check_recursive_write(self.function, self.bucket.node.path, self.key_filter, patterns)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _flatten(value: Any) -> str:
    """An ARN as one comparable string: Fn::Join with '' is concatenated, other intrinsics kept as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value and value["Fn::Join"][0] == "":
        return "".join(_flatten(part) for part in value["Fn::Join"][1])
    return json.dumps(value, sort_keys=True)


def _acknowledge_notification_handler(stack: Stack) -> None:
    """aws-cdk-lib's one notification custom resource per stack: its findings, with why they are fine."""
    from ..nag import acknowledge_cdk_handler

    acknowledge_cdk_handler(
        stack, "BucketNotificationsHandler",
        "aws-cdk-lib's BucketNotificationsHandler (S3 notification custom resource): CDK fixes its role "
        "(AWSLambdaBasicExecutionRole), its Resource '*' for s3:PutBucketNotification (the bucket is only known per "
        "request) and its runtime; it runs once per deploy.",
        "AwsSolutions-IAM5[Resource::*]",
    )
