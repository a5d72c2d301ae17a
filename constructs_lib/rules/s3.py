"""Rules for S3 triggers."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import IConstruct

from .. import limits as L
from . import fail, rule, warn


@dataclass(frozen=True)
class KeyFilter:
    """The keys a notification (or a write grant) covers: `prefix...suffix`."""

    prefix: str = ""
    suffix: str = ""

    def overlaps(self, other: KeyFilter) -> bool:
        # Some key can match both iff one prefix extends the other and one suffix extends the other.
        prefixes = self.prefix.startswith(other.prefix) or other.prefix.startswith(self.prefix)
        suffixes = self.suffix.endswith(other.suffix) or other.suffix.endswith(self.suffix)
        return prefixes and suffixes

    @classmethod
    def from_key_pattern(cls, pattern: str) -> KeyFilter:
        """`"out/*"` -> prefix "out/"; `"*.png"` -> suffix ".png" (IAM object patterns)."""
        if "*" not in pattern:
            return cls(prefix=pattern, suffix=pattern)
        return cls(prefix=pattern.split("*", 1)[0], suffix=pattern.rsplit("*", 1)[1])

    def __str__(self) -> str:
        return f"prefix={self.prefix!r} suffix={self.suffix!r}"


# The S3 event name of each s3.EventType member (jsii exposes only the member names to Python).
S3_EVENT_NAMES = {
    "INTELLIGENT_TIERING": "s3:IntelligentTiering",
    "LIFECYCLE_EXPIRATION": "s3:LifecycleExpiration:*",
    "LIFECYCLE_EXPIRATION_DELETE": "s3:LifecycleExpiration:Delete",
    "LIFECYCLE_EXPIRATION_DELETE_MARKER_CREATED": "s3:LifecycleExpiration:DeleteMarkerCreated",
    "LIFECYCLE_TRANSITION": "s3:LifecycleTransition",
    "OBJECT_ACL_PUT": "s3:ObjectAcl:Put",
    "OBJECT_CREATED": "s3:ObjectCreated:*",
    "OBJECT_CREATED_COMPLETE_MULTIPART_UPLOAD": "s3:ObjectCreated:CompleteMultipartUpload",
    "OBJECT_CREATED_COPY": "s3:ObjectCreated:Copy",
    "OBJECT_CREATED_POST": "s3:ObjectCreated:Post",
    "OBJECT_CREATED_PUT": "s3:ObjectCreated:Put",
    "OBJECT_REMOVED": "s3:ObjectRemoved:*",
    "OBJECT_REMOVED_DELETE": "s3:ObjectRemoved:Delete",
    "OBJECT_REMOVED_DELETE_MARKER_CREATED": "s3:ObjectRemoved:DeleteMarkerCreated",
    "OBJECT_RESTORE": "s3:ObjectRestore:*",
    "OBJECT_RESTORE_COMPLETED": "s3:ObjectRestore:Completed",
    "OBJECT_RESTORE_DELETE": "s3:ObjectRestore:Delete",
    "OBJECT_RESTORE_POST": "s3:ObjectRestore:Post",
    "OBJECT_TAGGING": "s3:ObjectTagging:*",
    "OBJECT_TAGGING_DELETE": "s3:ObjectTagging:Delete",
    "OBJECT_TAGGING_PUT": "s3:ObjectTagging:Put",
    "REDUCED_REDUNDANCY_LOST_OBJECT": "s3:ReducedRedundancyLostObject",
    "REPLICATION": "s3:Replication:*",
    "REPLICATION_OPERATION_FAILED_REPLICATION": "s3:Replication:OperationFailedReplication",
    "REPLICATION_OPERATION_MISSED_THRESHOLD": "s3:Replication:OperationMissedThreshold",
    "REPLICATION_OPERATION_NOT_TRACKED": "s3:Replication:OperationNotTracked",
    "REPLICATION_OPERATION_REPLICATED_AFTER_THRESHOLD": "s3:Replication:OperationReplicatedAfterThreshold",
}

# The EventBridge detail-type(s) S3 sends for each event name (the S3 -> EventBridge route). Over EventBridge a
# narrower event (Put, Copy, ...) is matched by its detail-type, which covers its whole family.
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html
S3_EVENTBRIDGE_URL = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html"
EVENTBRIDGE_DETAIL_TYPES: dict[str, tuple[str, ...]] = {
    "s3:ObjectCreated": ("Object Created",),
    "s3:ObjectRemoved": ("Object Deleted",),
    "s3:LifecycleExpiration": ("Object Deleted",),
    "s3:ObjectRestore:Post": ("Object Restore Initiated",),
    "s3:ObjectRestore:Completed": ("Object Restore Completed",),
    "s3:ObjectRestore:Delete": ("Object Restore Expired",),
    "s3:ObjectRestore:*": ("Object Restore Initiated", "Object Restore Completed", "Object Restore Expired"),
    "s3:ObjectTagging:Put": ("Object Tags Added",),
    "s3:ObjectTagging:Delete": ("Object Tags Deleted",),
    "s3:ObjectTagging:*": ("Object Tags Added", "Object Tags Deleted"),
    "s3:ObjectAcl:Put": ("Object ACL Updated",),
    "s3:LifecycleTransition": ("Object Storage Class Changed",),
    "s3:IntelligentTiering": ("Object Access Tier Changed",),
}


def eventbridge_detail_types(event_name: str) -> tuple[str, ...] | None:
    """The detail-types of an S3 event name over EventBridge, or None when S3 sends none for it."""
    return EVENTBRIDGE_DETAIL_TYPES.get(event_name) or EVENTBRIDGE_DETAIL_TYPES.get(event_name.rsplit(":", 1)[0])


@rule("S3_EVENTBRIDGE_EVENT", "S3 event types that EventBridge delivers",
      limit="S3 sends object created/deleted/restore/tags/ACL/storage-class/access-tier events to EventBridge; "
            "not reduced-redundancy loss or replication events", source=S3_EVENTBRIDGE_URL)
def check_eventbridge_events(construct: IConstruct | str, names: list[str], bucket_path: str) -> None:
    missing = [name for name in names if eventbridge_detail_types(name) is None]
    if missing:
        fail(construct, "S3_EVENTBRIDGE_EVENT", f"{', '.join(missing)} on {bucket_path} cannot be delivered through "
             "EventBridge (S3 sends no EventBridge event for it)",
             "use a bucket this app owns with delivery='notification', or subscribe to another event type.")


def event_name(event: object) -> str:
    name = getattr(event, "name", str(event))
    return S3_EVENT_NAMES.get(name, name)


def event_types_overlap(a: str, b: str) -> bool:
    """`s3:ObjectCreated:*` overlaps `s3:ObjectCreated:Put`; `...:Put` does not overlap `...:Copy`."""
    family_a, family_b = a.rsplit(":", 1)[0], b.rsplit(":", 1)[0]
    return a == b or (family_a == family_b and (a.endswith(":*") or b.endswith(":*")))


@rule("S3_FILTER_OVERLAP", "S3 notifications on one bucket do not overlap",
      limit="AWS rejects overlapping prefix/suffix filters for the same event type ('Configurations overlap')",
      source=L.S3_FILTER_URL)
def check_filter_overlap(construct: IConstruct, bucket_path: str, event: str, new: KeyFilter,
                         existing: list[tuple[str, str, KeyFilter]]) -> None:
    for other_event, other_owner, other in existing:
        if event_types_overlap(event, other_event) and new.overlaps(other):
            fail(construct, "S3_FILTER_OVERLAP",
                 f"the {event} notification on {bucket_path} ({new}) overlaps the {other_event} notification "
                 f"for {other_owner} ({other})",
                 "give the triggers disjoint prefixes (e.g. 'uploads/' and 'imports/') or suffixes, or let one "
                 "function handle both.")


@rule("S3_RECURSIVE_WRITE", "a function does not write where its own S3 trigger fires", severity="warning",
      limit="a write that matches the trigger's filter invokes the function again, in a loop that bills until stopped",
      source=L.S3_RECURSION_URL)
def check_recursive_write(construct: IConstruct, bucket_path: str, trigger: KeyFilter,
                          write_patterns: list[str]) -> None:
    """A warning, not an error: a handler may write there on purpose and guard against the loop itself."""
    for pattern in write_patterns:
        if trigger.overlaps(KeyFilter.from_key_pattern(pattern)):
            warn(construct, "S3_RECURSIVE_WRITE", f"the function may write objects {pattern!r} to {bucket_path}, "
                 f"which triggers it ({trigger})", "grant writes to a separate prefix only, e.g. "
                 "bucket.grant_put(fn, 'thumbnails/*') with S3Trigger(bucket, prefix='uploads/'), or write to another "
                 "bucket; acknowledge if the handler guards against the loop.")
            return


@rule("S3_DELIVERY", "S3 delivery route", limit="'notification' (bucket notification) or 'eventbridge'",
      source="https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html")
def check_delivery(construct: IConstruct | str, delivery: str) -> None:
    if delivery not in ("auto", "notification", "eventbridge"):
        fail(construct, "S3_DELIVERY", f"delivery={delivery!r} is not a delivery route",
             "use delivery='notification', 'eventbridge', or leave it unset (notification for buckets this app "
             "owns, EventBridge for imported ones).")
