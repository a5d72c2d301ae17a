"""Fargate constructs: snapshots and the guarantees each one makes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import Duration
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match

from constructs_lib import FargateQueueWorker, FargateScheduledTask, FargateWebService
from constructs_lib.testing import DEFAULT_ENV, new_app, new_stack, synth
from example.workers import WorkersStack

IMAGE = "example/worker"


def test_queue_worker(snapshot):
    stack = new_stack()
    worker = FargateQueueWorker(stack, "Worker", image_source=IMAGE, cpu=1024, memory_mib=2048,
                                max_tasks=10, messages_per_task=5, job_timeout=Duration.hours(2))
    result = synth(stack)
    assert result.template == snapshot
    t = result.assertions
    t.has_resource_properties("AWS::ECS::TaskDefinition", {
        "Cpu": "1024", "Memory": "2048",
        "RuntimePlatform": {"CpuArchitecture": "ARM64", "OperatingSystemFamily": "LINUX"},
        "ContainerDefinitions": [Match.object_like({
            "StopTimeout": 120,
            "LogConfiguration": Match.object_like({"LogDriver": "awslogs"}),
            "Environment": Match.array_with([{"Name": "JOB_TIMEOUT_SECONDS", "Value": "7200"},
                                             Match.object_like({"Name": "QUEUE_URL"})]),
        })],
    })
    t.has_resource_properties("AWS::ECS::Service", {
        "DesiredCount": 0, "LaunchType": "FARGATE",
        "NetworkConfiguration": {"AwsvpcConfiguration": Match.object_like({"AssignPublicIp": "DISABLED"})},
        "DeploymentConfiguration": Match.object_like({"DeploymentCircuitBreaker": {"Enable": True, "Rollback": True}}),
    })
    t.has_resource_properties("AWS::ApplicationAutoScaling::ScalableTarget", {"MinCapacity": 0, "MaxCapacity": 10})
    t.has_resource_properties("AWS::ApplicationAutoScaling::ScalingPolicy", {
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": Match.object_like({
            "TargetValue": 5,
            "CustomizedMetricSpecification": {"Metrics": Match.array_with([Match.object_like({
                "Id": "backlog", "Expression": "IF(running > 0, visible / running, visible)", "ReturnData": True})])},
        }),
    })
    t.has_resource_properties("AWS::ApplicationAutoScaling::ScalingPolicy", {"PolicyType": "StepScaling"})
    policies = [p["Properties"]["TargetTrackingScalingPolicyConfiguration"]
                for p in result.resources("AWS::ApplicationAutoScaling::ScalingPolicy").values()
                if p["Properties"]["PolicyType"] == "TargetTrackingScaling"]
    assert len(policies) == 1 and "PredefinedMetricSpecification" not in policies[0]  # no CPU scaling
    t.has_resource_properties("AWS::SQS::Queue", {"VisibilityTimeout": 7320, "RedrivePolicy": Match.any_value()})
    t.has_resource_properties("AWS::IAM::Policy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Action": ["ecs:GetTaskProtection", "ecs:UpdateTaskProtection"]})])}})
    t.has_resource_properties("AWS::ECS::Cluster",
                              {"ClusterSettings": [{"Name": "containerInsights", "Value": "enabled"}]})
    assert worker.queue is not None and worker.dead_letter_queue is not None


def test_queue_worker_drains_a_given_queue_and_shares_the_cluster():
    stack = new_stack()
    dlq = sqs.Queue(stack, "Dlq", enforce_ssl=True)
    queue = sqs.Queue(stack, "Jobs", visibility_timeout=Duration.hours(1), enforce_ssl=True,
                      dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=3))
    from constructs_lib.nag import acknowledge

    acknowledge(dlq, "test DLQ", "AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy")
    first = FargateQueueWorker(stack, "A", image_source=IMAGE, queue=queue, job_timeout=Duration.minutes(30))
    second = FargateQueueWorker(stack, "B", image=ecs.ContainerImage.from_registry("public.ecr.aws/x/y:1"))
    result = synth(stack)
    assert first.queue is queue and first.dead_letter_queue is dlq
    assert first.cluster is second.cluster
    assert result.count("AWS::ECS::Cluster") == 1 and result.count("AWS::EC2::VPC") == 1
    assert result.count("AWS::EC2::NatGateway") == 1 and result.count("AWS::EC2::FlowLog") == 1


def test_scheduled_task(snapshot):
    stack = new_stack()
    task = FargateScheduledTask(stack, "Nightly", image_source=IMAGE, schedule="cron(0 2 * * ? *)",
                                timezone="Europe/Berlin", cpu=2048, memory_mib=4096, ephemeral_storage_gib=50)
    result = synth(stack)
    assert result.template == snapshot
    t = result.assertions
    t.has_resource_properties("AWS::Scheduler::Schedule", {
        "ScheduleExpression": "cron(0 2 * * ? *)", "ScheduleExpressionTimezone": "Europe/Berlin",
        "Target": Match.object_like({
            "EcsParameters": Match.object_like({"LaunchType": "FARGATE", "NetworkConfiguration": {
                "AwsvpcConfiguration": Match.object_like({"AssignPublicIp": "DISABLED"})}}),
            "RetryPolicy": {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400},
            "DeadLetterConfig": Match.any_value(),
        }),
    })
    t.has_resource_properties("AWS::ECS::TaskDefinition", {"EphemeralStorage": {"SizeInGiB": 50}})
    t.has_resource_properties("AWS::Events::Rule", {"EventPattern": Match.object_like({
        "source": ["aws.ecs"], "detail-type": ["ECS Task State Change"],
        "detail": Match.object_like({"lastStatus": ["STOPPED"], "$or": [
            {"containers": {"exitCode": [{"anything-but": 0}]}}, {"stopCode": ["TaskFailedToStart"]}]}),
    })})
    t.has_resource_properties("AWS::CloudWatch::Alarm", {"Threshold": 1, "Metrics": Match.array_with([
        Match.object_like({"MetricStat": Match.object_like({"Metric": Match.object_like({
            "MetricName": "MatchedEvents"})})})])})
    assert task.failure_rule is not None and task.failure_alarm is not None


def test_web_service(snapshot):
    stack = new_stack()
    web = FargateWebService(stack, "Web", image_source=IMAGE, container_port=8000, health_check_path="/ready")
    result = synth(stack)
    assert result.template == snapshot
    t = result.assertions
    t.has_resource_properties("AWS::ElasticLoadBalancingV2::TargetGroup", {
        "HealthCheckPath": "/ready", "Port": 8000, "TargetType": "ip"})
    for attribute in ("access_logs.s3.enabled", "routing.http.drop_invalid_header_fields.enabled"):
        t.has_resource_properties("AWS::ElasticLoadBalancingV2::LoadBalancer", {
            "LoadBalancerAttributes": Match.array_with([{"Key": attribute, "Value": "true"}])})
    t.has_resource_properties("AWS::ECS::Service", {"DesiredCount": 2, "DeploymentConfiguration": Match.object_like({
        "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True}})})
    assert web.url.startswith("http://")


def test_example_workers_stack_passes_the_gates():
    result = synth(WorkersStack(new_app(), "Workers", env=DEFAULT_ENV))
    assert result.count("AWS::ECS::Service") == 2 and result.count("AWS::Scheduler::Schedule") == 1


def test_a_users_wildcard_on_the_task_role_is_still_reported():
    # The ECR Resource '*' acknowledgement sits on the execution role only.
    from aws_cdk import aws_iam as iam

    from constructs_lib.testing import ComplianceError

    stack = new_stack()
    worker = FargateQueueWorker(stack, "Worker", image_source=IMAGE)
    worker.task_role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"]))
    with pytest.raises(ComplianceError, match=r"AwsSolutions-IAM5\[Resource::\*\] at Test/Worker/Task/TaskRole"):
        synth(stack)


def test_architecture_is_a_prop_arm64_by_default():
    from aws_cdk import aws_lambda as lambda_

    stack = new_stack()
    FargateQueueWorker(stack, "Arm", image_source=IMAGE)
    FargateQueueWorker(stack, "X86", image_source=IMAGE, architecture=lambda_.Architecture.X86_64)
    result = synth(stack)
    cpus = sorted(t["Properties"]["RuntimePlatform"]["CpuArchitecture"]
                  for t in result.resources("AWS::ECS::TaskDefinition").values())
    assert cpus == ["ARM64", "X86_64"]
    manifest = json.loads(next(Path(stack.node.root.outdir).glob("*.assets.json")).read_text())
    platforms = sorted(a["source"].get("platform") for a in manifest["dockerImages"].values())
    assert platforms == ["linux/amd64", "linux/arm64"]  # the image is built for the task's CPU


def test_task_protection_copies_into_an_image_folder(tmp_path):
    """pip users get the helper into their image with one command, no site-packages digging."""
    result = subprocess.run([sys.executable, "-m", "constructs_lib.fargate.task_protection", str(tmp_path)],
                            capture_output=True, text=True, check=True)
    copied = tmp_path / "task_protection.py"
    assert "copied" in result.stdout and "def protected" in copied.read_text()
    bad = subprocess.run([sys.executable, "-m", "constructs_lib.fargate.task_protection", str(tmp_path / "no")],
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "usage" in bad.stderr
