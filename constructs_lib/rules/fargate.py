"""Rules for the Fargate constructs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Duration, Token
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
      limit="container_cpu >= 0 and container_memory_mib >= 6 MiB (Docker's minimum), neither above the task's",
      source=L.FARGATE_URL)
def check_container_size(construct: IConstruct, cpu: int, memory_mib: int, container_cpu: int | None,
                         container_memory_mib: int | None) -> None:
    if container_cpu is not None and container_cpu < 0:
        fail(construct, "FARGATE_CONTAINER_SIZE", f"container_cpu={container_cpu} is negative",
             "use 0 or more CPU units (1024 = 1 vCPU), or leave container_cpu unset (the task's).")
    if container_memory_mib is not None and container_memory_mib < L.ECS_CONTAINER_MEMORY_MIN_MIB:
        fail(construct, "FARGATE_CONTAINER_SIZE", f"container_memory_mib={container_memory_mib} is below "
             f"{L.ECS_CONTAINER_MEMORY_MIN_MIB} MiB",
             "leave container_memory_mib unset (the task's memory) or raise it.")
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
    if image_source is not None and ("\0" in image_source or not image_source.strip()):
        fail(construct, "FARGATE_IMAGE", f"image_source={image_source[:80]!r} is not a usable folder name",
             "point image_source at the folder that holds the Dockerfile.")
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


@rule("FARGATE_WEB_SERVICE", "web service task count, port and health check",
      limit="desired_count >= 0; container_port 1..65535; health_check_path starting with '/', at most 1,024 "
            "characters", source="https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html")
def check_web_service(construct: IConstruct, desired_count: int, container_port: int, health_check_path: str) -> None:
    if desired_count < 0:
        fail(construct, "FARGATE_WEB_SERVICE", f"desired_count={desired_count} is negative",
             "use 0 (stopped) or more tasks; 2 or more for deploys without downtime.")
    if not 1 <= container_port <= 65_535:
        fail(construct, "FARGATE_WEB_SERVICE", f"container_port={container_port} is not a TCP port",
             "use the port your server listens on, 1..65535 (e.g. 8080).")
    if not health_check_path.startswith("/") or len(health_check_path) > 1024:
        fail(construct, "FARGATE_WEB_SERVICE", f"health_check_path={health_check_path[:80]!r} is not a path",
             f"use a path starting with '/', e.g. '/{health_check_path.lstrip('/')[:40] or 'health'}'.")


@rule("FARGATE_WEB_REGION", "a web service's stack names its region",
      limit="ALB access logs are written by the region's Elastic Load Balancing account, so the bucket policy "
            "needs the region at synth", source="https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html")
def check_region_known(construct: IConstruct, region: str) -> None:
    if Token.is_unresolved(region):
        fail(construct, "FARGATE_WEB_REGION", "the stack is environment-agnostic (no region)",
             "give the stack env=cdk.Environment(account=os.getenv('CDK_DEFAULT_ACCOUNT'), "
             "region=os.getenv('CDK_DEFAULT_REGION')) (the line `cdk init` leaves commented out in app.py).")


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
    # Our own props, used only to size the target: fractions of a second are fine (AWS never sees them).
    latency_ms, job_ms = latency.to_milliseconds(), max(duration.to_milliseconds(), 1)
    per_task = int(latency_ms // job_ms)
    if per_task < 1:
        fail(construct, "FARGATE_SCALING_TARGET",
             f"acceptable_latency={latency_ms / 1000:g} s is shorter than one job ({job_ms / 1000:g} s)",
             "accept a latency of at least one job's duration, or make jobs shorter.")
    return per_task


@rule("FARGATE_JOB_TIMEOUT", "queue visibility covers a job",
      limit=f"a message must stay invisible for the whole job, at most {L.SQS_VISIBILITY_TIMEOUT_MAX_S:,} s "
            "(SQS's maximum visibility timeout)", source=L.SQS_QUOTAS_URL)
def check_job_timeout(construct: IConstruct, job_timeout: Duration, queue_path: str | None = None,
                      visibility_s: int | None = None, stop_timeout: Duration | None = None) -> None:
    """`stop_timeout`: a created queue hides a message for the job and the task's stop together."""
    seconds = job_timeout.to_seconds()
    if seconds > L.SQS_VISIBILITY_TIMEOUT_MAX_S:
        fail(construct, "FARGATE_JOB_TIMEOUT", f"job_timeout={seconds} s is longer than SQS can hide a message",
             "split the job into steps of at most 12 hours, or extend visibility from the worker as it runs.")
    stop_s = stop_timeout.to_seconds() if stop_timeout is not None else 0
    if seconds + stop_s > L.SQS_VISIBILITY_TIMEOUT_MAX_S:
        fail(construct, "FARGATE_JOB_TIMEOUT",
             f"job_timeout={seconds} s plus stop_timeout={stop_s} s (the created queue's visibility timeout) is "
             "longer than SQS can hide a message",
             f"keep job_timeout at most {L.SQS_VISIBILITY_TIMEOUT_MAX_S - stop_s:,} s, or pass a queue of your own.")
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
