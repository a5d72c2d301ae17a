"""Rule cases for the whole-stack guard (constructs_lib.guard): each rule fails on a stack built to break it,
including resources added by hand with plain aws-cdk-lib beside ours."""

from __future__ import annotations

import pytest
from aws_cdk import CfnOutput, CfnParameter, CfnWaitConditionHandle, Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs

from constructs_lib import QueueTrigger, ServerlessFunction
from constructs_lib.testing import ComplianceError, new_stack, synth

from .rulecases import case


def guarded_stack(nag: bool = False):  # type: ignore[no-untyped-def]
    """A stack holding one of our functions (which plugs the guard in) and whatever the case adds."""
    stack = new_stack(nag=nag)
    function = ServerlessFunction(stack, "Fn", source="tests/handler")
    return stack, function


def assert_guard_error(stack, rule_id: str, *fragments: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ComplianceError) as info:
        synth(stack, lint=False)
    text = str(info.value)
    assert f"{rule_id} at " in text, text
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in {text}"


def guard_warnings(stack, rule_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [w for w in synth(stack, lint=False).warnings if f"ConstructsLib::{rule_id}:" in w]


def handles(stack, count: int) -> None:  # type: ignore[no-untyped-def]
    for index in range(count):
        CfnWaitConditionHandle(stack, f"Handle{index}")


@case("STACK_RESOURCES")
def _() -> None:
    # aws-cdk-lib stops at 500 itself unless a team lifts its check (context stackResourceLimit 0, as teams with
    # generated stacks do); the guard still catches it then.
    stack = new_stack(nag=False, context={"@aws-cdk/core:stackResourceLimit": 0})
    ServerlessFunction(stack, "Fn", source="tests/handler")
    handles(stack, 501)  # + the function's 9
    assert_guard_error(stack, "STACK_RESOURCES", "the stack has 510 resources", "500 resources per stack",
                       "split it")


@case("STACK_RESOURCES_NEAR_LIMIT")
def _() -> None:
    stack, _ = guarded_stack()
    handles(stack, 449)
    (warning,) = guard_warnings(stack, "STACK_RESOURCES_NEAR_LIMIT")
    assert "the stack has 458 resources" in warning and "warn from 400 of 500" in warning
    stack, _ = guarded_stack()
    handles(stack, 390)  # 399 resources: no warning yet
    assert guard_warnings(stack, "STACK_RESOURCES_NEAR_LIMIT") == []


@case("STACK_OUTPUTS")
def _() -> None:
    stack, _ = guarded_stack()
    for index in range(201):
        CfnOutput(stack, f"Out{index}", value=str(index))
    assert_guard_error(stack, "STACK_OUTPUTS", "the stack has 201 outputs")


@case("STACK_PARAMETERS")
def _() -> None:
    stack, _ = guarded_stack()
    for index in range(201):
        CfnParameter(stack, f"Param{index}", default="x")
    assert_guard_error(stack, "STACK_PARAMETERS", "the stack has 202 parameters")


@case("STACK_TEMPLATE_SIZE")
def _() -> None:
    stack, _ = guarded_stack()
    for index in range(130):
        CfnWaitConditionHandle(stack, f"Big{index}").add_metadata("notes", "x" * 8_000)
    assert_guard_error(stack, "STACK_TEMPLATE_SIZE", "the template is 1,0")


@case("FN_RESOURCE_POLICY_SIZE")
def _() -> None:
    stack, function = guarded_stack()
    for index in range(80):  # e.g. one permission per REST method, the pattern ApiTrigger avoids
        function.function.add_permission(f"Invoke{index}", principal=iam.ServicePrincipal("apigateway.amazonaws.com"),
                                         source_arn=f"arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*/GET/items{index}")
    assert_guard_error(stack, "FN_RESOURCE_POLICY_SIZE", "gets 80 invoke permissions", "20,480 bytes per function")
    stack, function = guarded_stack()
    for index in range(40):  # well under the limit: no finding
        function.function.add_permission(f"Invoke{index}", principal=iam.ServicePrincipal("apigateway.amazonaws.com"),
                                         source_arn=f"arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*/GET/items{index}")
    synth(stack, lint=False)


@case("IAM_INLINE_POLICY_SIZE")
def _() -> None:
    # A function's own role overflows into managed policies (test_function); a role of yours does not.
    stack, _ = guarded_stack()
    document = iam.PolicyDocument(statements=[iam.PolicyStatement(
        actions=[f"s3:GetObject{'Version' * (index % 2)}", f"sqs:SendMessage{'Batch' * (index % 3)}"],
        resources=[f"arn:aws:s3:::bucket-number-{index}/reports/2026/*.json"],
        conditions={"StringEquals": {"aws:ResourceTag/team": f"team-{index}"}}) for index in range(100)])
    iam.Role(stack, "Mine", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), inline_policies={"Big": document})
    assert_guard_error(stack, "IAM_INLINE_POLICY_SIZE", "characters of inline policy", "10,240 characters")


@case("IAM_MANAGED_POLICY_SIZE")
def _() -> None:
    stack, _ = guarded_stack()
    objects = [f"arn:aws:s3:::bucket-{i}/very/long/prefix/for/objects/*" for i in range(150)]
    iam.ManagedPolicy(stack, "Big", statements=[iam.PolicyStatement(actions=["s3:GetObject"], resources=objects)])
    assert_guard_error(stack, "IAM_MANAGED_POLICY_SIZE", "characters", "6,144 characters")


@case("IAM_MANAGED_POLICIES_PER_ROLE")
def _() -> None:
    stack, _ = guarded_stack()
    role = iam.Role(stack, "Ops", assumed_by=iam.AccountRootPrincipal())
    for index in range(11):
        iam.ManagedPolicy(stack, f"Policy{index}", roles=[role], statements=[
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[f"arn:aws:s3:::bucket-{index}"])])
    (warning,) = guard_warnings(stack, "IAM_MANAGED_POLICIES_PER_ROLE")
    assert "has 11 managed policies attached" in warning


@case("FIFO_DESTINATION")
def _() -> None:
    stack, _ = guarded_stack()
    bucket = s3.Bucket(stack, "Bucket")
    bucket.add_event_notification(s3.EventType.OBJECT_CREATED, s3n.SqsDestination(sqs.Queue(stack, "Jobs", fifo=True)))
    assert_guard_error(stack, "FIFO_DESTINATION", "is a FIFO queue used as an S3 event notification")


@case("MANAGED_KEY_DESTINATION")
def _() -> None:
    stack, _ = guarded_stack()
    queue = sqs.Queue(stack, "Jobs", encryption=sqs.QueueEncryption.KMS_MANAGED)
    s3.Bucket(stack, "Bucket").add_event_notification(s3.EventType.OBJECT_CREATED, s3n.SqsDestination(queue))
    assert_guard_error(stack, "MANAGED_KEY_DESTINATION", "is encrypted with alias/aws/sqs and used as an S3 event")


@case("SQS_ESM_VISIBILITY")
def _() -> None:
    stack, function = guarded_stack()
    plain = lambda_.Function(stack, "Plain", runtime=lambda_.Runtime.PYTHON_3_14,
                             handler="lambda_function.lambda_handler",
                             code=lambda_.Code.from_asset("lambda_src/job_events"), timeout=Duration.seconds(60))
    plain.add_event_source(sources.SqsEventSource(sqs.Queue(stack, "Jobs", visibility_timeout=Duration.seconds(20))))
    assert_guard_error(stack, "SQS_ESM_VISIBILITY", "has visibility timeout 20 s, below", "timeout 60 s")


@case("SQS_REDRIVE_RECEIVE_COUNT")
def _() -> None:
    """A queue the user gives (not made by us) whose redrive policy AWS refuses: caught at synth, it once passed."""
    stack, function = guarded_stack()
    dead_letters = sqs.Queue(stack, "Dead", enforce_ssl=True)
    jobs = sqs.Queue(stack, "Jobs", visibility_timeout=Duration.minutes(10), enforce_ssl=True,
                     dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=5))
    jobs.node.default_child.add_property_override("RedrivePolicy.maxReceiveCount", 1001)  # as raw CloudFormation
    function.add_trigger(QueueTrigger(jobs))
    assert_guard_error(stack, "SQS_REDRIVE_RECEIVE_COUNT", "moves messages to its dead-letter queue after "
                       "maxReceiveCount=1001 receives", "between 1 and 1000")


@case("ESM_STREAM_ON_FAILURE")
def _() -> None:
    from aws_cdk import aws_kinesis as kinesis

    # A stream mapping added to a ServerlessFunction: cdk-nag's finding is acknowledged on the function (for its
    # SQS mappings), so the guard is what reports it; with an on-failure destination it is quiet.
    stack, function = guarded_stack()
    stream = kinesis.Stream(stack, "Clicks")
    function.function.add_event_source(sources.KinesisEventSource(
        stream, starting_position=lambda_.StartingPosition.LATEST))
    (warning,) = guard_warnings(stack, "ESM_STREAM_ON_FAILURE")
    assert "reads a Kinesis stream with no on-failure destination" in warning and "on_failure=SqsDlq" in warning
    safe, safe_function = guarded_stack()
    safe_function.function.add_event_source(sources.KinesisEventSource(
        kinesis.Stream(safe, "Clicks"), starting_position=lambda_.StartingPosition.LATEST,
        on_failure=sources.SqsDlq(sqs.Queue(safe, "Failed", enforce_ssl=True))))
    assert guard_warnings(safe, "ESM_STREAM_ON_FAILURE") == []


@case("IAM_TRUST_POLICY_SIZE")
def _() -> None:
    stack, _ = guarded_stack()
    principals = [iam.ArnPrincipal(f"arn:aws:iam::123456789012:role/team-{i}-deployer") for i in range(50)]
    iam.Role(stack, "Shared", assumed_by=iam.CompositePrincipal(*principals))
    (warning,) = guard_warnings(stack, "IAM_TRUST_POLICY_SIZE")
    assert "trust policy is about" in warning and "2,048 characters" in warning


@case("EVENTS_TARGETS_PER_RULE")
def _() -> None:
    from aws_cdk import aws_events as events

    # aws-cdk-lib's L2 Rule refuses a sixth target itself; the guard covers rules written as L1 resources.
    stack, function = guarded_stack()
    queues = [sqs.Queue(stack, f"Q{index}") for index in range(6)]
    events.CfnRule(stack, "Fanout", event_pattern={"source": ["my.app"]}, targets=[
        events.CfnRule.TargetProperty(id=f"T{index}", arn=queue.queue_arn) for index, queue in enumerate(queues)])
    assert_guard_error(stack, "EVENTS_TARGETS_PER_RULE", "Fanout has 6 targets", "5 targets per rule")


@case("APIGW_HTTP_ROUTES")
def _() -> None:
    from constructs_lib import ApiTrigger, ServerlessApi

    stack, function = guarded_stack()
    api = ServerlessApi(stack, "Api")
    for index in range(301):
        function.add_trigger(ApiTrigger(api, f"GET /r{index}"))
    (warning,) = guard_warnings(stack, "APIGW_HTTP_ROUTES")
    assert "has 301 routes" in warning
