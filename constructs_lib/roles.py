"""A function's execution role, and the X-Ray grant every function of a stack shares.

Least privilege by construction: the role starts with one statement (writing to the function's own log group), no
AWS managed policy; triggers and users add their grants to it. X-Ray's two actions need `Resource: *`, so they live
in a policy of their own that holds nothing else, acknowledged once per stack.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Mapping, Sequence

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from . import reads
from .nag import XRAY_REASON, acknowledge

TRACING_POLICY_ID = "XRayTracingPolicy"


class InlinePolicyRole(iam.Role):
    """A role whose grants live in its own inline policy, inside the `AWS::IAM::Role` resource.

    aws-cdk-lib puts grants in a separate `DefaultPolicy` resource (one more per function); the permissions are
    the same, the same 10 KB inline-policy limit applies, and the function's dependency on its role now covers
    them too (an SQS event source mapping is checked against the role's permissions when it is created).
    """

    def __init__(self, scope: Construct, id: str, *, statements: Sequence[Mapping[str, object]] = (),
                 **kwargs: object) -> None:
        """`statements`: the role's first grants, as IAM JSON (one jsii call for the whole document)."""
        self.inline_grants = iam.PolicyDocument.from_json({"Version": "2012-10-17", "Statement": list(statements)})
        super().__init__(scope, id, inline_policies={"Grants": self.inline_grants}, **kwargs)  # type: ignore[arg-type]

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        self.inline_grants.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self)


def execution_role(scope: Construct, id: str, *, path: str, log_group_arn: str) -> InlinePolicyRole:
    """A function's own role: it may write to its own log group (the grant `log_group.grant_write(role)` makes,
    written into the role as it is created), nothing else yet."""
    return InlinePolicyRole(
        scope, id, assumed_by=_lambda_principal(), description=f"Execution role of {path}",
        statements=[{"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                     "Resource": log_group_arn}],
    )


@functools.cache
def _lambda_principal() -> iam.ServicePrincipal:
    """Lambda's service principal: a plain value, made once for every role."""
    return iam.ServicePrincipal("lambda.amazonaws.com")


_TRACING_POLICIES: weakref.WeakKeyDictionary[Stack, iam.Policy] = weakref.WeakKeyDictionary()


def tracing_policy(scope: Construct) -> iam.Policy:
    """The stack's X-Ray policy (PutTraceSegments/PutTelemetryRecords on `*`, which X-Ray requires), found
    without a jsii call once a function of the stack asked.

    CDK's `tracing=ACTIVE` would put that grant in the role's default policy, where acknowledging it for cdk-nag
    would also hide any wildcard a user grants later. The policy is one per stack, attached to every function's
    role: the same two X-Ray actions for each, one resource instead of one per function. A function does not wait
    for it (a shared policy would tie every function to every other one's dependencies): a new function's first
    traces may be refused for the seconds until the policy exists.
    """
    stack = reads.stack_of(scope)
    if stack not in _TRACING_POLICIES:
        _TRACING_POLICIES[stack] = _stack_tracing_policy(stack)
    return _TRACING_POLICIES[stack]


def _stack_tracing_policy(stack: Stack) -> iam.Policy:
    existing = stack.node.try_find_child(TRACING_POLICY_ID)
    if isinstance(existing, iam.Policy):
        return existing
    policy = iam.Policy(stack, TRACING_POLICY_ID, statements=[
        iam.PolicyStatement(actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]),
    ])
    acknowledge(policy, XRAY_REASON, "AwsSolutions-IAM5[Resource::*]")
    return policy
