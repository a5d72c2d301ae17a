"""Acknowledging cdk-nag findings, always with a written reason.

cdk-nag 3.x reads CDK's native acknowledgements (`Validations.of(...).acknowledge`), so the library does not
need cdk-nag at run time: users who never run cdk-nag pay nothing, users who do see zero unexplained findings.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

XRAY_REASON = (
    "X-Ray's PutTraceSegments/PutTelemetryRecords do not support resource-level permissions; AWS requires "
    "Resource '*' (https://docs.aws.amazon.com/xray/latest/devguide/security_iam_service-with-iam.html)."
)


def acknowledge(construct: IConstruct, reason: str, *rule_ids: str) -> None:
    """Acknowledge the given cdk-nag findings on `construct` (and its children) with `reason`."""
    for rule_id in rule_ids:
        Validations.of(construct).acknowledge(Acknowledgment(id=rule_id, reason=reason))
