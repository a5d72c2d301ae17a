"""ServerlessFunction: defaults, every prop, CDK idioms, subclassing."""

from __future__ import annotations

from dataclasses import replace

import pytest
from aws_cdk import Duration, Size
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match

from constructs_lib import ServerlessFunction
from constructs_lib.nag import acknowledge
from constructs_lib.testing import new_stack, synth


def test_default_function_snapshot(snapshot):
    stack = new_stack()
    ServerlessFunction(stack, "Fn", source="tests/handler")
    assert synth(stack).template == snapshot


def test_defaults_are_cheap_observable_and_lossless():
    stack = new_stack()
    fn = ServerlessFunction(stack, "Fn", source="tests/handler")
    result = synth(stack)
    t = result.assertions
    t.has_resource_properties("AWS::Lambda::Function", {
        "Runtime": "python3.14",
        "Architectures": ["arm64"],
        "Handler": "lambda_function.lambda_handler",
        "MemorySize": 256,
        "Timeout": 20,
        "TracingConfig": {"Mode": "Active"},
        "LoggingConfig": {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN",
                          "LogGroup": {"Ref": Match.string_like_regexp("FnLogGroup")}},
    })
    t.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 30})
    t.has_resource_properties("AWS::Lambda::EventInvokeConfig", {
        "MaximumRetryAttempts": 2,
        "MaximumEventAgeInSeconds": 21600,
        "DestinationConfig": {
            "OnFailure": {"Destination": {"Fn::GetAtt": [Match.string_like_regexp("FnFailed"), "Arn"]}},
        },
    })
    t.has_resource_properties("AWS::SQS::Queue", {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": 1209600})
    assert fn.failure_queue is not None and fn.log_group is not None


def test_role_has_no_managed_policy_and_logs_only_to_its_own_group():
    stack = new_stack()
    ServerlessFunction(stack, "Fn", source="tests/handler")
    result = synth(stack)
    (role,) = result.resources("AWS::IAM::Role").values()
    assert "ManagedPolicyArns" not in role["Properties"]
    # Grants are inline in the role (no DefaultPolicy resource): logs to its own group, sends to its own failure
    # queue (no trigger: it is invoked directly, perhaps asynchronously), nothing else.
    (grants,) = role["Properties"]["Policies"]
    logs_statement, send_statement = grants["PolicyDocument"]["Statement"]
    assert logs_statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert logs_statement["Resource"]["Fn::GetAtt"][0].startswith("FnLogGroup")
    assert "sqs:SendMessage" in send_statement["Action"]
    assert send_statement["Resource"]["Fn::GetAtt"][0].startswith("FnFailedInvocations")
    # The only Resource "*" is X-Ray's, in the stack's one policy holding nothing else.
    ((policy_id, policy),) = result.resources("AWS::IAM::Policy").items()
    assert policy_id.startswith("XRayTracingPolicy")
    assert [s["Action"] for s in policy["Properties"]["PolicyDocument"]["Statement"]] == [
        ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]]


def test_every_prop_reaches_the_template(tmp_path):
    (tmp_path / "app.py").write_text("def main(event, context):\n    return event\n")
    stack = new_stack()
    fn = ServerlessFunction(
        stack, "Fn", source=str(tmp_path), handler="app.main", runtime=lambda_.Runtime.PYTHON_3_13,
        architecture=lambda_.Architecture.X86_64, memory_size=1024, timeout=Duration.seconds(60),
        environment={"SIZES": "128,512"}, ephemeral_storage_size=Size.mebibytes(2048),
        reserved_concurrency=5, function_name="thumbnails-dev", description="makes thumbnails",
    )
    acknowledge(fn, "Pinned to 3.13 until our dependencies support 3.14.",
                "AwsSolutions-L1", "Serverless-LambdaLatestVersion")
    t = synth(stack, lint=True)
    t.assertions.has_resource_properties("AWS::Lambda::Function", {
        "Handler": "app.main", "Runtime": "python3.13", "Architectures": ["x86_64"], "MemorySize": 1024,
        "Timeout": 60, "Environment": {"Variables": {"SIZES": "128,512"}}, "EphemeralStorage": {"Size": 2048},
        "ReservedConcurrentExecutions": 5, "FunctionName": "thumbnails-dev", "Description": "makes thumbnails",
    })


def test_handler_in_a_package_module_is_found(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "handlers.py").write_text("from json import dumps as handle\n")
    stack = new_stack()
    ServerlessFunction(stack, "Fn", source=str(tmp_path), handler="pkg.handlers.handle")
    synth(stack).assertions.has_resource_properties("AWS::Lambda::Function", {"Handler": "pkg.handlers.handle"})


def test_it_is_grantable_like_a_cdk_function():
    stack = new_stack()
    fn = ServerlessFunction(stack, "Fn", source="tests/handler")
    bucket = s3.Bucket.from_bucket_name(stack, "Bucket", "some-bucket")
    queue = sqs.Queue.from_queue_arn(stack, "Queue", "arn:aws:sqs:us-east-1:123456789012:jobs")
    bucket.grant_read(fn)
    queue.grant_send_messages(fn)
    acknowledge(fn.role, "CDK's grant_read uses wildcard actions, scoped to this one bucket.",
                "AwsSolutions-IAM5[Action::s3:GetBucket*]", "AwsSolutions-IAM5[Action::s3:GetObject*]",
                "AwsSolutions-IAM5[Action::s3:List*]", "AwsSolutions-IAM5[Resource::arn:aws:s3:::some-bucket/*]")
    policy = synth(stack).assertions
    for statement in (
        {"Action": Match.array_with(["s3:GetObject*"]), "Resource": Match.array_with(["arn:aws:s3:::some-bucket/*"])},
        {"Action": Match.array_with(["sqs:SendMessage"]),
         "Resource": Match.array_with(["arn:aws:sqs:us-east-1:123456789012:jobs"])},
    ):
        policy.has_resource_properties("AWS::IAM::Role", {"Policies": [{
            "PolicyName": "Grants", "PolicyDocument": {"Statement": Match.array_with([Match.object_like(statement)])},
        }]})
    assert fn.grant_principal is fn.role


@pytest.mark.parametrize("feature_flags", [False, True], ids=["cdk-init-app", "feature-flags"])
def test_grants_past_the_inline_limit_overflow_into_managed_policies_the_function_waits_for(feature_flags):
    import json

    from aws_cdk import aws_iam as iam

    from constructs_lib.rules.stack import estimated_size

    stack = new_stack(feature_flags=feature_flags, env=None)
    fn = ServerlessFunction(stack, "Fn", source="tests/handler")
    objects = [f"arn:aws:s3:::reports-of-team-{index}/exports/latest.json" for index in range(120)]
    for index, arn in enumerate(objects):  # 120 bucket statements, more than a role holds inline, which aws-cdk-lib
        # deploys too; each its own condition, so that minimizing policies (a feature flag) cannot merge them
        fn.add_to_role_policy(iam.PolicyStatement(actions=["s3:PutObject"], resources=[arn], conditions={
            "StringEquals": {"s3:RequestObjectTag/team": f"team-{index}"}}))
    template = synth(stack).template  # the guard (IAM_INLINE_POLICY_SIZE), cdk-nag and cfn-lint pass
    resources = template["Resources"]
    role_id = next(k for k, v in resources.items() if v["Type"] == "AWS::IAM::Role" and k.startswith("FnRole"))
    overflow = {k: v["Properties"] for k, v in resources.items() if v["Type"] == "AWS::IAM::ManagedPolicy"}
    assert overflow and all(k.startswith("FnRoleOverflowPolicy") for k in overflow)
    assert all(p["Roles"] == [{"Ref": role_id}] for p in overflow.values())
    inline = resources[role_id]["Properties"]["Policies"]
    assert estimated_size(inline) <= 10_240
    assert all(estimated_size(p["PolicyDocument"]) <= 6_144 for p in overflow.values())
    placed = json.dumps([inline] + [p["PolicyDocument"] for p in overflow.values()])
    assert all(placed.count(f'"{arn}"') == 1 for arn in objects)  # each grant once, none lost
    function = next(v for v in resources.values() if v["Type"] == "AWS::Lambda::Function")
    assert set(overflow) <= set(function["DependsOn"])  # a mapping made with the function finds its permissions


def test_a_plain_iam_statement_goes_on_the_role_as_aws_cdk_libs_add_to_role_policy():
    from aws_cdk import aws_iam as iam

    from constructs_lib import ConfigError

    stack = new_stack()
    fn = ServerlessFunction(stack, "Fn", source="tests/handler")
    fn.add_to_role_policy(iam.PolicyStatement(actions=["ssm:GetParameter"],
                                              resources=["arn:aws:ssm:us-east-1:123456789012:parameter/app/key"]))
    synth(stack).assertions.has_resource_properties("AWS::IAM::Role", {"Policies": [{
        "PolicyName": "Grants", "PolicyDocument": {"Statement": Match.array_with([Match.object_like({
            "Action": "ssm:GetParameter", "Resource": "arn:aws:ssm:us-east-1:123456789012:parameter/app/key"})])}}]})
    with pytest.raises(ConfigError, match="PROP_TYPE"):
        fn.add_to_role_policy({"Action": "s3:*"})  # type: ignore[arg-type]


def test_add_environment_is_checked_and_applied():
    stack = new_stack()
    fn = ServerlessFunction(stack, "Fn", source="tests/handler", environment={"A_KEY": "1"})
    fn.add_environment("B_KEY", "2")
    synth(stack).assertions.has_resource_properties(
        "AWS::Lambda::Function", {"Environment": {"Variables": {"A_KEY": "1", "B_KEY": "2"}}}
    )


class HouseFunction(ServerlessFunction):
    """A house style: bigger, logs kept longer."""

    defaults = replace(ServerlessFunction.defaults, memory_size=512, log_retention=logs.RetentionDays.THREE_MONTHS)


def test_a_subclass_changes_defaults_in_one_place():
    stack = new_stack()
    HouseFunction(stack, "House", source="tests/handler")
    ServerlessFunction(stack, "Plain", source="tests/handler")
    result = synth(stack)
    memory = {k: v["Properties"]["MemorySize"] for k, v in result.resources("AWS::Lambda::Function").items()}
    assert sorted(memory.values()) == [256, 512]
    retention = sorted(v["Properties"]["RetentionInDays"] for v in result.resources("AWS::Logs::LogGroup").values())
    assert retention == [30, 90]
    # An explicit keyword still wins over the subclass default.
    stack2 = new_stack()
    HouseFunction(stack2, "House", source="tests/handler", memory_size=1024)
    synth(stack2).assertions.has_resource_properties("AWS::Lambda::Function", {"MemorySize": 1024})


def test_failure_destination_only_where_async_invokes_can_happen():
    stack = new_stack()
    from constructs_lib import ApiTrigger, QueueTrigger, S3Trigger, ServerlessApi

    api = ServerlessApi(stack, "Api")
    synchronous = ServerlessFunction(stack, "Sync", source="tests/handler",
                                     triggers=[QueueTrigger(), ApiTrigger(api, "GET /x")])
    assert synchronous.failure_queue is None  # SQS mappings and APIs never reach an on-failure destination
    later = ServerlessFunction(stack, "Later", source="tests/handler", triggers=[QueueTrigger()])
    later.add_trigger(S3Trigger())  # S3 invokes asynchronously: the destination comes with it
    direct = ServerlessFunction(stack, "Direct", source="tests/handler")  # no trigger: invoked directly
    forced = ServerlessFunction(stack, "Forced", source="tests/handler", triggers=[QueueTrigger()], async_invokes=True)
    assert all(f.failure_queue is not None for f in (later, direct, forced))
    assert forced.enable_failure_destination() is forced.failure_queue  # once
    result = synth(stack)
    configs = result.resources("AWS::Lambda::EventInvokeConfig").values()
    assert sorted(c["Properties"]["FunctionName"]["Ref"][:6] for c in configs) == ["Direct", "Forced", "LaterF"]
    health = result.resources("AWS::CloudWatch::Alarm")
    later_alarm = next(a for k, a in health.items() if k.startswith("LaterHealth"))
    assert "failed-invocations queue" in later_alarm["Properties"]["AlarmDescription"]
