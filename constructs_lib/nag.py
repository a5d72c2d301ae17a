"""Acknowledging cdk-nag findings, always with a written reason.

cdk-nag 3.x reads CDK's native acknowledgements (`Validations.of(...).acknowledge`), so the library does not
need cdk-nag at run time: users who never run cdk-nag pay nothing, users who do see zero unexplained findings.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct

XRAY_REASON = (
    "X-Ray's PutTraceSegments/PutTelemetryRecords do not support resource-level permissions; AWS requires "
    "Resource '*' (https://docs.aws.amazon.com/xray/latest/devguide/security_iam_service-with-iam.html)."
)


def acknowledge(construct: IConstruct, reason: str, *rule_ids: str) -> None:
    """Acknowledge the given cdk-nag findings on `construct` (and its children) with `reason`."""
    for rule_id in rule_ids:
        Validations.of(construct).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def finding_resource(stack: Stack, arn: str) -> str:
    """How cdk-nag writes a resource in a finding id: `arn:aws:...:<LogicalId>/*`, `<Bucket.Arn>/prefix/*`."""

    def render(value: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(render(p) for p in parts)
        if isinstance(value, dict) and "Ref" in value:
            return f"<{value['Ref']}>"
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            return f"<{'.'.join(value['Fn::GetAtt'])}>"
        return str(value)

    return render(stack.resolve(arn))
