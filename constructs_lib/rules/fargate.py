"""Rules for the Fargate constructs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Duration
from constructs import IConstruct

from .. import limits as L
from . import fail, rule, warn


@rule("FARGATE_CPU_MEMORY", "Fargate CPU/memory pair",
      limit="one of Fargate's task sizes: 256 CPU: 512-2048 MiB; 512: 1-4 GiB; 1024: 2-8 GiB; 2048: 4-16 GiB; "
            "4096: 8-30 GiB; 8192: 16-60 GiB (4 GiB steps); 16384: 32-120 GiB (8 GiB steps)", source=L.FARGATE_URL)
def check_cpu_memory(construct: IConstruct, cpu: int, memory_mib: int) -> None:
    if cpu not in L.FARGATE_CPU_MEMORY_MIB:
        fail(construct, "FARGATE_CPU_MEMORY", f"cpu={cpu} is not a Fargate task CPU size",
             f"use one of {', '.join(map(str, L.FARGATE_CPU_MEMORY_MIB))} (1024 = 1 vCPU).")
    allowed = L.FARGATE_CPU_MEMORY_MIB[cpu]
    if memory_mib not in allowed:
        fail(construct, "FARGATE_CPU_MEMORY", f"memory_mib={memory_mib} is not offered with cpu={cpu}",
             f"with cpu={cpu} use memory_mib between {allowed[0]} and {allowed[-1]} in steps of "
             f"{allowed[1] - allowed[0]}.")


@rule("FARGATE_CONTAINER_SIZE", "container CPU/memory within the task's",
      limit="a container cannot reserve more CPU or memory than its task has", source=L.FARGATE_URL)
def check_container_size(construct: IConstruct, cpu: int, memory_mib: int, container_cpu: int | None,
                         container_memory_mib: int | None) -> None:
    if container_cpu is not None and container_cpu > cpu:
        fail(construct, "FARGATE_CONTAINER_SIZE", f"container_cpu={container_cpu} exceeds the task's cpu={cpu}",
             "lower container_cpu or raise cpu.")
    if container_memory_mib is not None and container_memory_mib > memory_mib:
        fail(construct, "FARGATE_CONTAINER_SIZE",
             f"container_memory_mib={container_memory_mib} exceeds the task's memory_mib={memory_mib}",
             "lower container_memory_mib or raise memory_mib.")


@rule("FARGATE_EPHEMERAL_STORAGE", "Fargate ephemeral storage",
      limit=f"{L.FARGATE_EPHEMERAL_MIN_GIB}..{L.FARGATE_EPHEMERAL_MAX_GIB} GiB", source=L.FARGATE_URL)
def check_ephemeral_storage(construct: IConstruct, gib: int) -> None:
    if not L.FARGATE_EPHEMERAL_MIN_GIB <= gib <= L.FARGATE_EPHEMERAL_MAX_GIB:
        fail(construct, "FARGATE_EPHEMERAL_STORAGE", f"ephemeral_storage_gib={gib}",
             "use 21..200 GiB (21 is included at no charge).")


@rule("FARGATE_IMAGE", "a container image to run",
      limit="exactly one of image_source (a folder with a Dockerfile) or image",
      source="https://docs.aws.amazon.com/cdk/api/v2/python/aws_cdk.aws_ecs/ContainerImage.html")
def check_image(construct: IConstruct, image_source: str | None, has_image: bool) -> None:
    if (image_source is None) == (not has_image):
        fail(construct, "FARGATE_IMAGE", "both image_source and image are given" if has_image else
             "neither image_source nor image is given",
             "pass image_source='path/to/folder' (with a Dockerfile) or image=ecs.ContainerImage.from_registry(...).")
    if image_source is not None and not (Path(image_source) / "Dockerfile").is_file():
        fail(construct, "FARGATE_IMAGE", f"image_source={image_source!r} has no Dockerfile",
             "point image_source at the folder that holds the Dockerfile.")


@rule("FARGATE_IMAGE_PULL_ROUTE", "tasks can reach the registry to pull their image",
      limit="tasks in isolated subnets need VPC endpoints for ECR (api, dkr) and S3, or a NAT route",
      source="https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html")
def check_image_pull_route(construct: IConstruct, isolated: bool, has_ecr_endpoints: bool) -> None:
    if isolated and not has_ecr_endpoints:
        fail(construct, "FARGATE_IMAGE_PULL_ROUTE",
             "the tasks run in isolated subnets, and the VPC has no ECR interface endpoints",
             "add vpc.add_interface_endpoint(...) for ECR_DOCKER and ECR, and a gateway endpoint for S3, or use "
             "private subnets with egress (NAT).")


@rule("FARGATE_SCALING", "task counts", limit="0 <= min_tasks <= max_tasks, max_tasks >= 1",
      source="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-auto-scaling.html")
def check_task_counts(construct: IConstruct, min_tasks: int, max_tasks: int, messages_per_task: int) -> None:
    if not 0 <= min_tasks <= max_tasks or max_tasks < 1 or messages_per_task < 1:
        fail(construct, "FARGATE_SCALING",
             f"min_tasks={min_tasks}, max_tasks={max_tasks}, messages_per_task={messages_per_task}",
             "use 0 <= min_tasks <= max_tasks, max_tasks >= 1 and messages_per_task >= 1.")


@rule("FARGATE_SCALING_TARGET", "backlog target stated once",
      limit="either messages_per_task, or acceptable_latency with average_job_duration (latency >= duration)",
      source="https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-using-sqs-queue.html")
def messages_per_task_for(construct: IConstruct, latency: Duration | None, duration: Duration | None,
                          messages_per_task: int | None) -> int:
    if messages_per_task is not None or latency is None or duration is None:
        fail(construct, "FARGATE_SCALING_TARGET",
             "the scaling target needs both acceptable_latency and average_job_duration, and not messages_per_task",
             "pass messages_per_task=N, or acceptable_latency=... with average_job_duration=....")
    per_task = int(latency.to_seconds() // max(duration.to_seconds(), 1))
    if per_task < 1:
        fail(construct, "FARGATE_SCALING_TARGET",
             f"acceptable_latency={latency.to_seconds()} s is shorter than one job ({duration.to_seconds()} s)",
             "accept a latency of at least one job's duration, or make jobs shorter.")
    return per_task


@rule("FARGATE_JOB_TIMEOUT", "queue visibility covers a job",
      limit=f"a message must stay invisible for the whole job, at most {L.SQS_VISIBILITY_TIMEOUT_MAX_S:,} s "
            "(SQS's maximum visibility timeout)", source=L.SQS_QUOTAS_URL)
def check_job_timeout(construct: IConstruct, job_timeout: Duration, queue_path: str | None = None,
                      visibility_s: int | None = None) -> None:
    seconds = job_timeout.to_seconds()
    if seconds > L.SQS_VISIBILITY_TIMEOUT_MAX_S:
        fail(construct, "FARGATE_JOB_TIMEOUT", f"job_timeout={seconds} s is longer than SQS can hide a message",
             "split the job into steps of at most 12 hours, or extend visibility from the worker as it runs.")
    if visibility_s is not None and visibility_s < seconds:
        fail(construct, "FARGATE_JOB_TIMEOUT",
             f"{queue_path} has visibility timeout {visibility_s} s, shorter than job_timeout={seconds} s",
             f"set the queue's visibility_timeout to at least Duration.seconds({seconds}), or pass no queue.")


@rule("FARGATE_STOP_TIMEOUT", "container stop timeout", limit=f"1..{L.FARGATE_STOP_TIMEOUT_MAX_S} s on Fargate",
      source="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html")
def check_stop_timeout(construct: IConstruct, stop_timeout: Duration) -> None:
    seconds = stop_timeout.to_seconds()
    if not 1 <= seconds <= L.FARGATE_STOP_TIMEOUT_MAX_S:
        fail(construct, "FARGATE_STOP_TIMEOUT", f"stop_timeout={seconds} s", "use 1..120 s.")


_SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIALS?)", re.IGNORECASE)


@rule("FARGATE_PLAINTEXT_SECRET", "secrets are not plain environment variables",
      limit="environment values are visible to anyone who can describe the task definition",
      source="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/specifying-sensitive-data.html",
      severity="warning")
def check_plaintext_secrets(construct: IConstruct, environment: Mapping[str, str]) -> None:
    suspicious = sorted(k for k in environment if _SECRET_NAME.search(k))
    if suspicious:
        warn(construct, "FARGATE_PLAINTEXT_SECRET", f"environment holds {', '.join(suspicious)} in plain text",
             "pass them as secrets={'NAME': ecs.Secret.from_secrets_manager(secret)} (or from_ssm_parameter).")
