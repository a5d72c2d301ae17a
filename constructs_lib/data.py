"""What happens to data when a stack is deleted: one policy for every resource that holds it.

Buckets, queues (work queues, dead-letter queues, on-failure queues) and log groups are RETAINED when their
stack is deleted, so `cdk destroy` (or a replaced resource) never takes failed messages, uploads or logs with
it. A throwaway stack (a preview, a test, a local MiniStack run) sets one switch, and then everything goes:

    cdk deploy -c constructs_lib:destroy_data=true      # or "context": {"constructs_lib:destroy_data": true}

With the switch, buckets also get CDK's auto-delete custom resource, so deleting a non-empty bucket works.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from . import context


def destroys_data(scope: IConstruct) -> bool:
    """True when the app (or this scope's context) asks for data to be deleted with the stack."""
    return context.flag(scope, context.DESTROY_DATA)


def removal_policy(scope: IConstruct) -> RemovalPolicy:
    """RETAIN, or DESTROY under `constructs_lib:destroy_data`."""
    return RemovalPolicy.DESTROY if destroys_data(scope) else RemovalPolicy.RETAIN


def log_group(scope: Construct, id: str, *, retention: logs.RetentionDays) -> logs.LogGroup:
    """A log group with finite retention and the app's data policy: the one place log groups are made."""
    from .nag import skip_checkov

    group = logs.LogGroup(scope, id, retention=retention, removal_policy=removal_policy(scope))
    skip_checkov(group, "CloudWatch Logs encrypts every log group at rest; a customer-managed KMS key per log group "
                 "costs $1/month plus requests and adds a key policy to keep right. Pass your own log group for "
                 "logs under a CMK.", "CKV_AWS_158", cfn_type="AWS::Logs::LogGroup")
    return group
