"""Releases: versions, the alias every trigger follows, CodeDeploy shifting and rollback, warm starts."""

from __future__ import annotations

import json

import pytest
from aws_cdk import Duration
from aws_cdk.assertions import Match

from constructs_lib import (
    Alerting,
    ApiTrigger,
    Deployment,
    EventTrigger,
    ProvisionedConcurrency,
    QueueTrigger,
    S3Trigger,
    ScheduleTrigger,
    ServerlessApi,
    ServerlessFunction,
)
from constructs_lib.context import CODEDEPLOY as CODEDEPLOY_CONTEXT
from constructs_lib.testing import new_stack, synth


def every_trigger(stack, deployment: Deployment, *, rest: bool = False) -> ServerlessFunction:  # type: ignore[no-untyped-def]
    Alerting(stack, "Alerts")
    api = ServerlessApi(stack, "Api", kind="rest" if rest else "http")
    return ServerlessFunction(stack, "Fn", source="tests/handler", deployment=deployment, triggers=[
        QueueTrigger(), S3Trigger(prefix="in/"), S3Trigger(prefix="ev/", delivery="eventbridge"),
        EventTrigger({"source": ["app"]}), ScheduleTrigger("rate(1 hour)"), ApiTrigger(api, "GET /items"),
    ])


def _refs(value: object) -> str:
    return json.dumps(value, sort_keys=True)


def test_canary_function_snapshot(snapshot):
    stack = new_stack()
    hook = ServerlessFunction(stack, "CheckRelease", source="tests/handler")
    every_trigger(stack, Deployment.canary(percent=10, interval=Duration.minutes(5), pre_traffic=hook))
    assert synth(stack).template == snapshot


@pytest.mark.parametrize("rest", [False, True], ids=["http", "rest"])
def test_no_trigger_or_permission_targets_the_unqualified_function(rest: bool):
    stack = new_stack()
    fn = every_trigger(stack, Deployment.linear(percent=20, interval=Duration.minutes(2)), rest=rest)
    template = synth(stack).template
    resources = template["Resources"]
    function_id = stack.get_logical_id(fn.function.node.default_child)
    alias_id = stack.get_logical_id(fn.alias.node.default_child)
    unqualified = [{"Ref": function_id}, {"Fn::GetAtt": [function_id, "Arn"]}]

    def of_type(kind: str) -> list[dict]:
        return [r["Properties"] for r in resources.values() if r["Type"] == kind]

    permissions = of_type("AWS::Lambda::Permission")
    assert len(permissions) == 4  # API, S3 notification, the S3 EventBridge rule, the event rule
    for permission in permissions:
        assert permission["FunctionName"] == {"Ref": alias_id}, permission
    (mapping,) = of_type("AWS::Lambda::EventSourceMapping")
    assert mapping["FunctionName"]["Fn::Join"][1][1] == ":live"
    for rule in of_type("AWS::Events::Rule"):
        assert rule["Targets"][0]["Arn"] == {"Ref": alias_id}
    (schedule,) = of_type("AWS::Scheduler::Schedule")
    assert schedule["Target"]["Arn"] == {"Ref": alias_id}
    (invoke_config,) = [c for c in of_type("AWS::Lambda::EventInvokeConfig")
                        if c["FunctionName"] == {"Ref": function_id}]
    assert invoke_config["Qualifier"] != "$LATEST"  # failed async invokes through the alias still land in the queue
    notifications = _refs([n["NotificationConfiguration"] for n in of_type("Custom::S3BucketNotifications")])
    assert notifications.count(_refs({"Ref": alias_id})) == 1  # the notification bucket; the other uses EventBridge
    integration_kind = "AWS::ApiGateway::Method" if rest else "AWS::ApiGatewayV2::Integration"
    assert alias_id in _refs(of_type(integration_kind))
    # Nothing that invokes refers to $LATEST: the only references left are the alias, version and grants.
    for logical_id, resource in resources.items():
        if resource["Type"] in ("AWS::Lambda::Permission", "AWS::Lambda::EventSourceMapping", "AWS::Events::Rule",
                                "AWS::Scheduler::Schedule", "AWS::ApiGateway::Method",
                                "AWS::ApiGatewayV2::Integration", "Custom::S3BucketNotifications"):
            for ref in unqualified:
                assert _refs(ref) not in _refs(resource), logical_id


def test_deployment_group_rolls_back_on_the_alias_alarm_and_failed_hooks():
    stack = new_stack()
    before, after = (ServerlessFunction(stack, name, source="tests/handler") for name in ("Before", "After"))
    fn = ServerlessFunction(stack, "Fn", source="tests/handler", deployment=Deployment.canary(
        percent=10, interval=Duration.minutes(5), pre_traffic=before, post_traffic=after))
    Alerting(stack, "Alerts")
    result = synth(stack)
    t = result.assertions
    function_id = stack.get_logical_id(fn.function.node.default_child)
    t.has_resource_properties("AWS::CodeDeploy::DeploymentGroup", {
        "DeploymentConfigName": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
        "AutoRollbackConfiguration": {"Enabled": True, "Events": Match.array_with(
            ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"])},
        "AlarmConfiguration": {"Enabled": True, "Alarms": Match.any_value()},
    })
    t.has_resource("AWS::Lambda::Alias", {"UpdatePolicy": {"CodeDeployLambdaAliasUpdate": {
        "BeforeAllowTrafficHook": {"Ref": stack.get_logical_id(before.function.node.default_child)},
        "AfterAllowTrafficHook": {"Ref": stack.get_logical_id(after.function.node.default_child)},
        "ApplicationName": Match.any_value(), "DeploymentGroupName": Match.any_value()}}})
    # The rollback alarm judges the alias (both versions while traffic shifts) per minute, and tells a person.
    rollback_id = stack.get_logical_id(fn.node.find_child("RollbackAlarm").alarm)
    rollback = result.resources("AWS::CloudWatch::Alarm")[rollback_id]
    dims = [q["MetricStat"]["Metric"]["Dimensions"] for q in rollback["Properties"]["Metrics"] if "MetricStat" in q]
    assert all(any(x["Name"] == "Resource" for x in d) for d in dims)
    assert {q["MetricStat"]["Period"] for q in rollback["Properties"]["Metrics"] if "MetricStat" in q} == {60}
    assert rollback["Properties"]["AlarmActions"]
    # CodeDeploy's role moves this alias only: no AWS managed policy (aws-cdk-lib's default may move any alias).
    (role,) = [r for k, r in result.resources("AWS::IAM::Role").items() if k.startswith("FnDeploymentRole")]
    assert "ManagedPolicyArns" not in role["Properties"]
    policy = next(r for k, r in result.resources("AWS::IAM::Policy").items() if k.startswith("FnDeploymentRole"))
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statements[0]["Resource"][0] == {"Fn::GetAtt": [function_id, "Arn"]}
    (invoked,) = [s["Resource"] for s in statements if s["Action"] == "lambda:InvokeFunction"]
    assert len(invoked) == 2  # the two hooks, by name
    # Each hook may invoke the new version, and only it, named in its environment.
    hook_role = next(r for k, r in result.resources("AWS::IAM::Role").items() if k.startswith("BeforeRole"))
    (version_id,) = result.resources("AWS::Lambda::Version")
    assert {"Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": {"Ref": version_id}} in \
        hook_role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    t.has_resource_properties("AWS::Lambda::Function", {"Environment": {"Variables": Match.object_like(
        {"TARGET_VERSION_ARN": {"Ref": version_id}})}})


def test_shapes_use_predefined_configs_or_one_custom_config_per_shape():
    stack = new_stack()
    for i, shape in enumerate([Deployment.all_at_once(), Deployment.linear(percent=10, interval=Duration.minutes(1)),
                               Deployment.canary(percent=25, interval=Duration.minutes(7)),
                               Deployment.canary(percent=25, interval=Duration.minutes(7))]):
        ServerlessFunction(stack, f"Fn{i}", source="tests/handler", deployment=shape)
    result = synth(stack)
    groups = result.resources("AWS::CodeDeploy::DeploymentGroup").values()
    names = [g["Properties"]["DeploymentConfigName"] for g in groups]
    assert names[:2] == ["CodeDeployDefault.LambdaAllAtOnce", "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"]
    (config,) = result.resources("AWS::CodeDeploy::DeploymentConfig").values()
    assert config["Properties"]["TrafficRoutingConfig"] == {
        "Type": "TimeBasedCanary", "TimeBasedCanary": {"CanaryInterval": 7, "CanaryPercentage": 25}}
    assert result.count("AWS::CodeDeploy::Application") == 1  # one per stack
    descriptions = [a["Properties"]["Description"] for a in result.resources("AWS::Lambda::Alias").values()]
    assert any(d.endswith("linear 10% every 1 min, 9 min in all") for d in descriptions), descriptions


def test_provisioned_concurrency_fixed_and_autoscaled():
    stack = new_stack()
    fixed = ServerlessFunction(stack, "Fixed", source="tests/handler", provisioned_concurrency=2)
    scaled = ServerlessFunction(stack, "Scaled", source="tests/handler", reserved_concurrency=20,
                                provisioned_concurrency=ProvisionedConcurrency(minimum=1, maximum=10))
    result = synth(stack)
    t = result.assertions
    t.has_resource_properties("AWS::Lambda::Alias", {"Name": "live", "ProvisionedConcurrencyConfig": {
        "ProvisionedConcurrentExecutions": 2}})
    t.has_resource_properties("AWS::Lambda::Alias", {"ProvisionedConcurrencyConfig": {
        "ProvisionedConcurrentExecutions": 1}})
    t.has_resource_properties("AWS::ApplicationAutoScaling::ScalableTarget", {
        "MinCapacity": 1, "MaxCapacity": 10, "ScalableDimension": "lambda:function:ProvisionedConcurrency"})
    t.has_resource_properties("AWS::ApplicationAutoScaling::ScalingPolicy", {
        "TargetTrackingScalingPolicyConfiguration": Match.object_like({"TargetValue": 0.7})})
    assert result.count("AWS::CodeDeploy::DeploymentGroup") == 0  # an alias without a deployment: no CodeDeploy
    assert fixed.invoke_target is fixed.alias and scaled.version is not None


def test_snap_start_publishes_a_version_and_triggers_use_it():
    stack = new_stack()
    fn = ServerlessFunction(stack, "Fn", source="tests/handler", snap_start=True, triggers=[QueueTrigger()])
    result = synth(stack)  # aws-cdk-lib's "publish a version" reminder is answered, so no warning is left
    result.assertions.has_resource_properties("AWS::Lambda::Function", {"SnapStart": {
        "ApplyOn": "PublishedVersions"}})
    assert result.count("AWS::Lambda::Version") == 1
    assert fn.invoke_target is fn.alias
    assert not [w for w in result.warnings if "snapStart" in w]


def test_without_a_deployment_nothing_changes():
    stack = new_stack()
    fn = ServerlessFunction(stack, "Fn", source="tests/handler", triggers=[QueueTrigger()])
    result = synth(stack)
    assert fn.alias is None and fn.version is None and fn.invoke_target is fn.function
    assert result.count("AWS::Lambda::Alias") == 0 and result.count("AWS::Lambda::Version") == 0


def test_local_aws_without_codedeploy_gets_the_alias_only():
    stack = new_stack(context={CODEDEPLOY_CONTEXT: "false"})
    fn = ServerlessFunction(stack, "Fn", source="tests/handler",
                            deployment=Deployment.canary(percent=10, interval=Duration.minutes(5)))
    result = synth(stack)
    assert fn.deployment_group is None
    assert result.count("AWS::CodeDeploy::DeploymentGroup") == 0 and result.count("AWS::Lambda::Alias") == 1
