"""A function's execution role, and the X-Ray grant every function of a stack shares.

Least privilege by construction: the role starts with one statement (writing to the function's own log group), no
AWS managed policy; triggers and users add their grants to it. X-Ray's two actions need `Resource: *`, so they live
in a policy of their own that holds nothing else, acknowledged once per stack.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import AspectPriority, Aspects, IAspect, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from . import limits as L
from . import reads
from .nag import XRAY_REASON, acknowledge
from .rules.stack import estimated_size

TRACING_POLICY_ID = "XRayTracingPolicy"


class InlinePolicyRole(iam.Role):
    """A role whose grants live in its own inline policy, inside the `AWS::IAM::Role` resource.

    aws-cdk-lib puts grants in a separate `DefaultPolicy` resource (one more per function); the permissions are
    the same, the same 10 KB inline-policy limit applies, and the function's dependency on its role now covers
    them too (an SQS event source mapping is checked against the role's permissions when it is created).

    Grants past that limit overflow into managed policies under the role (`OverflowPolicy1`, ...), as aws-cdk-lib
    does with its default policy: children of the role, so whatever depends on the role waits for them too.
    """

    def __init__(self, scope: Construct, id: str, *, statements: Sequence[Mapping[str, object]] = (),
                 **kwargs: object) -> None:
        """`statements`: the role's first grants, as IAM JSON (one jsii call for the whole document)."""
        self._first_statements = [dict(s) for s in statements]
        self._added: list[iam.PolicyStatement] = []
        # Every grant of the role, wherever it is placed: what `network.granted_services` and the checks read.
        self.inline_grants = iam.PolicyDocument.from_json(self._document(self._first_statements))
        super().__init__(scope, id, inline_policies={"Grants": self.inline_grants}, **kwargs)  # type: ignore[arg-type]
        Aspects.of(self).add(_OverflowGrants(self), priority=AspectPriority.MUTATING)

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        self.inline_grants.add_statements(statement)
        self._added.append(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self)

    @staticmethod
    def _document(statements: Sequence[Any]) -> dict[str, Any]:
        return {"Version": "2012-10-17", "Statement": list(statements)}

    def place_grants(self) -> None:
        """Once every grant is known (before synthesis): keep them inline when they fit, else keep the first ones
        inline and move the rest, in order, into managed policies of at most `OVERFLOW_POLICY_CHARS` each.

        Sizes are measured on the documents as CloudFormation gets them (merged, when the app minimizes policies).
        """
        if estimated_size(Stack.of(self).resolve(self.inline_grants)) <= INLINE_GRANTS_CHARS:
            return  # `inline_grants` holds them all already: no second document for the common case
        groups: list[list[iam.PolicyStatement]] = []
        start = 0
        while start < len(self._added):
            first = not groups
            end = self._last_fitting(start, self._first_statements if first else [],
                                     INLINE_GRANTS_CHARS if first else OVERFLOW_POLICY_CHARS)
            if end == start and not first:  # a statement too large for any policy: its own (the guard names it)
                end += 1
            groups.append(self._added[start:end])
            start = end
        kept = self._policy_document(self._first_statements, groups[0])
        cfn_role = self.node.default_child
        assert isinstance(cfn_role, iam.CfnRole)
        cfn_role.policies = [iam.CfnRole.PolicyProperty(policy_name="Grants", policy_document=kept)]
        for number, group in enumerate(groups[1:], start=1):
            iam.ManagedPolicy(self, f"OverflowPolicy{number}", statements=group, roles=[self],  # pyright: ignore[reportArgumentType]
                              description=f"Part of the grants of {self.node.path} (past its inline policy's size)")

    def _last_fitting(self, start: int, first: list[dict[str, Any]], room: int) -> int:
        """The largest `end` for which `first` + the added statements [start:end] fit in `room` (a bisection:
        a few resolves, only for a role that overflows)."""
        low, high = start, len(self._added)
        while low < high:
            middle = (low + high + 1) // 2
            if self._size(first, self._added[start:middle]) <= room:
                low = middle
            else:
                high = middle - 1
        return low

    def _size(self, first: list[dict[str, Any]], statements: Sequence[iam.PolicyStatement]) -> int:
        return estimated_size(Stack.of(self).resolve(self._policy_document(first, statements)))

    def _policy_document(self, first: list[dict[str, Any]],
                         statements: Sequence[iam.PolicyStatement]) -> iam.PolicyDocument:
        document = iam.PolicyDocument.from_json(self._document(first))
        if statements:
            document.add_statements(*statements)
        return document


# Room left in the role's 10,240 characters for the inline policies attached to it (the stack's X-Ray policy, a VPC
# access policy) and for the size estimate's error; a managed policy keeps a margin below its 6,144 too.
INLINE_GRANTS_CHARS = L.IAM_ROLE_INLINE_POLICIES_MAX_CHARS - 1_240
OVERFLOW_POLICY_CHARS = L.IAM_MANAGED_POLICY_MAX_CHARS - 144


@jsii.implements(IAspect)
class _OverflowGrants:
    """Places a role's grants before synthesis, once (an aspect: it adds constructs, which validation may not)."""

    def __init__(self, role: InlinePolicyRole) -> None:
        self.role, self.done = role, False

    def visit(self, node: IConstruct) -> None:
        if node is self.role and not self.done:
            self.done = True
            self.role.place_grants()


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


STREAM_LISTING_POLICY_ID = "DynamoDBStreamListingPolicy"
STREAM_LISTING_REASON = (
    "dynamodb:ListStreams, which Lambda's poller of a DynamoDB stream needs, supports no resource-level permission: "
    "AWS requires Resource '*' (https://docs.aws.amazon.com/service-authorization/latest/reference/"
    "list_amazondynamodb.html). It lists stream ARNs only; reading a stream is granted on its ARN alone.")


def stream_listing_policy(scope: Construct) -> iam.Policy:
    """The stack's `dynamodb:ListStreams` on `*` for the roles of functions that read a table's stream, in a policy of
    its own (as X-Ray's): acknowledged there, so a wildcard a user grants in a role is still reported."""
    stack = reads.stack_of(scope)
    existing = stack.node.try_find_child(STREAM_LISTING_POLICY_ID)
    if isinstance(existing, iam.Policy):
        return existing
    policy = iam.Policy(stack, STREAM_LISTING_POLICY_ID, statements=[
        iam.PolicyStatement(actions=["dynamodb:ListStreams"], resources=["*"])])
    acknowledge(policy, STREAM_LISTING_REASON, "AwsSolutions-IAM5[Resource::*]")
    return policy


# --- What a role allows (read at synth: the VPC endpoint check, the code's AWS calls) ----------------------------


@dataclass(frozen=True)
class Granted:
    """One Allow statement of a role's grants, resolved: its actions as written (wildcards kept; a `NotAction`
    statement counts as `*`) and its resources, each as JSON text."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]

    def allows(self, action: str) -> bool:
        return any(action_matches(action, pattern) for pattern in self.actions)


def action_matches(action: str, pattern: str) -> bool:
    """IAM's matching of an action against a pattern of a statement: case-insensitive, `*` and `?` wildcards."""
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def grants_of(role: iam.IRole, not_from_code: Sequence[str] = ()) -> list[Granted] | None:
    """The Allow statements of `role`'s own grants, leaving out those only on `not_from_code` (resources Lambda
    itself uses with the role: the queues and streams it polls, its on-failure queues). None for a role this library
    did not make (its grants are wherever its owner put them)."""
    if not isinstance(role, InlinePolicyRole):
        return None
    stack = Stack.of(role)
    service_side = {json.dumps(stack.resolve(arn), sort_keys=True) for arn in not_from_code}
    granted = []
    for statement in _statements_of(stack.resolve(role.inline_grants.to_json()) or {}):
        resources = tuple(r for r in statement.resources if r not in service_side)  # minimized policies merge them
        if resources or not statement.resources:
            granted.append(Granted(statement.actions, resources))
    return granted


def attached_grants(role: iam.IRole) -> tuple[list[Granted], list[str]]:
    """What else the role is given in its stack: the statements of `iam.Policy` and `iam.ManagedPolicy` constructs
    attached to it, and the managed policies (AWS's or imported) whose content synth cannot read. A walk of the
    whole stack: for the rare call that the role's own grants do not allow."""
    stack = Stack.of(role)
    cfn_role = role.node.default_child
    if not isinstance(cfn_role, iam.CfnRole):
        return [], []
    reference = json.dumps(stack.resolve(cfn_role.ref), sort_keys=True)
    granted: list[Granted] = []
    ours: set[str] = set()
    for node in stack.node.find_all():
        if isinstance(node, iam.CfnPolicy | iam.CfnManagedPolicy):
            roles = stack.resolve(node.roles) or []
            if reference in {json.dumps(r, sort_keys=True) for r in roles}:
                granted += _statements_of(stack.resolve(node.policy_document))
                if isinstance(node, iam.CfnManagedPolicy):
                    ours.add(json.dumps(stack.resolve(node.ref), sort_keys=True))
    unseen = [json.dumps(arn) for arn in stack.resolve(cfn_role.managed_policy_arns) or []
              if json.dumps(arn, sort_keys=True) not in ours]
    return granted, unseen


def _statements_of(document: Mapping[str, Any]) -> list[Granted]:
    granted = []
    for statement in document.get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action", "*" if "NotAction" in statement else [])
        resources = statement.get("Resource", "*" if "NotResource" in statement else [])
        granted.append(Granted(
            tuple([actions] if isinstance(actions, str) else actions),
            tuple(json.dumps(r, sort_keys=True) for r in ([resources] if isinstance(resources, str | dict)
                                                          else resources))))
    return granted
