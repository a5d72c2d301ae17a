"""Rule cases for the Fargate constructs."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_sqs as sqs

from constructs_lib import FargateQueueWorker, FargateScheduledTask, FargateWebService
from constructs_lib.testing import new_stack

from .rulecases import assert_error, assert_warning, case

IMAGE = "example/worker"


def worker(stack=None, id="Worker", **props):  # type: ignore[no-untyped-def]
    return FargateQueueWorker(stack or new_stack(), id, **{"image_source": IMAGE, **props})


@case("FARGATE_CPU_MEMORY")
def _() -> None:
    assert_error("FARGATE_CPU_MEMORY", lambda: worker(cpu=1024, memory_mib=1024),
                 "Test/Worker: memory_mib=1024 is not offered with cpu=1024", "between 2048 and 8192 in steps of 1024")
    assert_error("FARGATE_CPU_MEMORY", lambda: worker(cpu=8192, memory_mib=18432),
                 "memory_mib=18432 is not offered with cpu=8192", "steps of 4096")
    assert_error("FARGATE_CPU_MEMORY", lambda: worker(cpu=3000, memory_mib=8192), "cpu=3000 is not a Fargate")
    for cpu, memory in ((256, 512), (16384, 122880), (8192, 61440), (4096, 30720)):
        worker(cpu=cpu, memory_mib=memory)  # the ends of the table are accepted


@case("FARGATE_CONTAINER_SIZE")
def _() -> None:
    assert_error("FARGATE_CONTAINER_SIZE", lambda: worker(container_memory_mib=4096),
                 "container_memory_mib=4096 exceeds the task's memory_mib=1024")
    assert_error("FARGATE_CONTAINER_SIZE", lambda: worker(container_cpu=1024), "container_cpu=1024 exceeds")
    assert_error("FARGATE_CONTAINER_SIZE", lambda: worker(container_cpu=-1), "container_cpu=-1 is negative")
    assert_error("FARGATE_CONTAINER_SIZE", lambda: worker(container_memory_mib=0), "container_memory_mib=0 is below 6")


@case("FARGATE_EPHEMERAL_STORAGE")
def _() -> None:
    assert_error("FARGATE_EPHEMERAL_STORAGE", lambda: worker(ephemeral_storage_gib=201), "ephemeral_storage_gib=201",
                 "21..200 GiB")


@case("FARGATE_IMAGE")
def _() -> None:
    assert_error("FARGATE_IMAGE", lambda: worker(image_source=None), "neither image_source nor image is given")
    assert_error("FARGATE_IMAGE", lambda: worker(image=ecs.ContainerImage.from_registry("x")),
                 "both image_source and image")
    assert_error("FARGATE_IMAGE", lambda: worker(image_source="lambda_src"),
                 "image_source='lambda_src' has no Dockerfile")


@case("FARGATE_IMAGE_PULL_ROUTE")
def _() -> None:
    stack = new_stack()
    vpc = ec2.Vpc(stack, "Vpc", subnet_configuration=[
        ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)])
    isolated = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)
    assert_error("FARGATE_IMAGE_PULL_ROUTE", lambda: worker(stack, cluster=cluster, vpc_subnets=isolated),
                 "isolated subnets, and the VPC has no ECR interface endpoints", "ECR_DOCKER")
    vpc.add_interface_endpoint("Ecr", service=ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER)
    worker(stack, "Worker2", cluster=cluster, vpc_subnets=isolated)  # with the endpoint it is fine


@case("FARGATE_SCALING")
def _() -> None:
    assert_error("FARGATE_SCALING", lambda: worker(min_tasks=5, max_tasks=2), "min_tasks=5, max_tasks=2")
    # 0 is refused, not silently replaced by the default
    assert_error("FARGATE_SCALING", lambda: worker(messages_per_task=0), "messages_per_task=0")


@case("FARGATE_WEB_SERVICE")
def _() -> None:
    def web(**props):  # type: ignore[no-untyped-def]
        return FargateWebService(new_stack(), "Web", image_source=IMAGE, **props)

    assert_error("FARGATE_WEB_SERVICE", lambda: web(desired_count=-1), "Test/Web: desired_count=-1 is negative")
    assert_error("FARGATE_WEB_SERVICE", lambda: web(container_port=0), "container_port=0 is not a TCP port")
    assert_error("FARGATE_WEB_SERVICE", lambda: web(health_check_path="health"), "health_check_path='health'",
                 "'/health'")


@case("FARGATE_WEB_REGION")
def _() -> None:
    assert_error("FARGATE_WEB_REGION",
                 lambda: FargateWebService(new_stack(env=None), "Web", image_source=IMAGE),
                 "Test/Web: the stack is environment-agnostic", "CDK_DEFAULT_REGION")


@case("FARGATE_SCALING_TARGET")
def _() -> None:
    assert_error("FARGATE_SCALING_TARGET", lambda: worker(acceptable_latency=Duration.minutes(10)),
                 "needs both acceptable_latency and average_job_duration")
    assert_error("FARGATE_SCALING_TARGET", lambda: worker(acceptable_latency=Duration.minutes(1),
                                                          average_job_duration=Duration.minutes(5)),
                 "acceptable_latency=60 s is shorter than one job (300 s)")
    assert worker(acceptable_latency=Duration.minutes(30), average_job_duration=Duration.minutes(4)
                  ).messages_per_task == 7
    # our own prop, never sent to AWS: a fraction of a second is fine (it was refused as not whole seconds)
    assert worker(acceptable_latency=Duration.seconds(30), average_job_duration=Duration.millis(1500)
                  ).messages_per_task == 20


@case("FARGATE_JOB_TIMEOUT")
def _() -> None:
    assert_error("FARGATE_JOB_TIMEOUT", lambda: worker(job_timeout=Duration.hours(13)),
                 "job_timeout=46800 s is longer than SQS can hide a message", "43,200 s")
    # close to 12 hours: the created queue hides a message for the job plus the 120 s stop (once a deploy error)
    assert_error("FARGATE_JOB_TIMEOUT", lambda: worker(job_timeout=Duration.seconds(43_150)),
                 "job_timeout=43150 s plus stop_timeout=120 s (the created queue's visibility timeout)",
                 "keep job_timeout at most 43,080 s")
    stack = new_stack()
    queue = sqs.Queue(stack, "Jobs", visibility_timeout=Duration.minutes(5))
    assert_error("FARGATE_JOB_TIMEOUT", lambda: worker(stack, queue=queue, job_timeout=Duration.minutes(30)),
                 "Test/Jobs has visibility timeout 300 s, shorter than job_timeout=1800 s")


@case("FARGATE_STOP_TIMEOUT")
def _() -> None:
    assert_error("FARGATE_STOP_TIMEOUT", lambda: worker(stop_timeout=Duration.minutes(5)), "stop_timeout=300 s",
                 "1..120 s")


@case("FARGATE_PLAINTEXT_SECRET")
def _() -> None:
    stack = new_stack()
    FargateScheduledTask(stack, "Task", image_source=IMAGE, schedule="rate(1 day)",
                         environment={"DB_PASSWORD": "hunter2", "MODE": "x"})
    assert_warning(stack, "FARGATE_PLAINTEXT_SECRET", "environment holds DB_PASSWORD in plain text", "ecs.Secret")
