"""What every Fargate construct shares: network, cluster, task definition, logging, roles, validation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar, TypedDict

from aws_cdk import Duration, Stack, SymlinkFollowMode
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from ..data import log_group
from ..defaults import FargateAlarmDefaults, FargateDefaults
from ..guard import guard
from ..health import Graph, Health, HealthAlarm, Signal
from ..health.signals import service_graphs, service_signals
from ..nag import acknowledge, skip_checkov_cdk_handlers
from ..rules import fargate as rules
from ..rules.props import check_props

_SHARED_VPC_ID = "ConstructsLibVpc"
# The task CPU and image build platform of each architecture (the same `Architecture` a ServerlessFunction takes).
_TASK_CPUS = {"arm64": lambda: ecs.CpuArchitecture.ARM64, "x86_64": lambda: ecs.CpuArchitecture.X86_64}
_IMAGE_PLATFORMS = {"arm64": lambda: ecr_assets.Platform.LINUX_ARM64, "x86_64": lambda: ecr_assets.Platform.LINUX_AMD64}
_SHARED_CLUSTER_ID = "ConstructsLibCluster"


class FargateProps(TypedDict, total=False):
    """The keywords every Fargate construct passes on to `FargateBase` (each documented, with its default, there):
    what `**props` of `FargateQueueWorker`, `FargateScheduledTask` and `FargateWebService` accept."""

    image_source: str | None
    image: ecs.ContainerImage | None
    cpu: int | None
    memory_mib: int | None
    architecture: lambda_.Architecture | None
    container_cpu: int | None
    container_memory_mib: int | None
    ephemeral_storage_gib: int | None
    environment: Mapping[str, str] | None
    secrets: Mapping[str, ecs.Secret] | None
    command: Sequence[str] | None
    vpc: ec2.IVpc | None
    vpc_subnets: ec2.SubnetSelection | None
    cluster: ecs.ICluster | None
    stop_timeout: Duration | None
    alarms: bool


class FargateBase(Construct):
    """A Fargate task definition with one container, on arm64 (`architecture=` for x86-only images), logging to
    its own log group.

    Network: the `cluster` or `vpc` you pass, else one VPC (2 AZs, private subnets behind one NAT gateway,
    flow logs) and one Container Insights cluster shared by every Fargate construct of the stack.
    Tasks get no public IP. Secrets go in `secrets=` (Secrets Manager / SSM), never in `environment`.
    Subclasses add what differs (service and scaling, schedule, load balancer) in their own steps.
    """

    defaults: ClassVar[FargateDefaults] = FargateDefaults()
    alarm_defaults: ClassVar[FargateAlarmDefaults] = FargateAlarmDefaults()

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        image_source: str | None = None,
        image: ecs.ContainerImage | None = None,
        cpu: int | None = None,
        memory_mib: int | None = None,
        architecture: lambda_.Architecture | None = None,
        container_cpu: int | None = None,
        container_memory_mib: int | None = None,
        ephemeral_storage_gib: int | None = None,
        environment: Mapping[str, str] | None = None,
        secrets: Mapping[str, ecs.Secret] | None = None,
        command: Sequence[str] | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        cluster: ecs.ICluster | None = None,
        stop_timeout: Duration | None = None,
        port: int | None = None,
        alarms: bool = True,
    ) -> None:
        """The task definition, its network and its log group; each subclass adds what runs it.

        Args:
            image_source: a folder with a Dockerfile, built for `architecture`. Default: None (give this or `image`).
            image: a ready `ContainerImage`. Default: None.
            cpu: task CPU units (256..16,384, a valid pair with `memory_mib`). Default: 512.
            memory_mib: task memory. Default: 1024.
            architecture: `Architecture.ARM_64` or `.X86_64` (aws_lambda's). Default: `Architecture.ARM_64`.
            container_cpu: the container's share of `cpu`. Default: None (all of it).
            container_memory_mib: the container's hard limit. Default: None (the task's memory).
            ephemeral_storage_gib: 21..200. Default: 21.
            environment: plain variables (secrets are refused here: use `secrets`). Default: none.
            secrets: `ecs.Secret`s from Secrets Manager or SSM. Default: none.
            command: the container's command. Default: None (the image's).
            vpc: Default: None (the stack's shared VPC: 2 AZs, private subnets behind one NAT gateway, flow logs).
            vpc_subnets: Default: None (the VPC's private subnets).
            cluster: Default: None (the stack's shared cluster for the VPC, with Container Insights).
            stop_timeout: time the container gets after SIGTERM, up to 120 s. Default: `Duration.seconds(120)`.
            port: the container port (a web service's). Default: None.
            alarms: its health alarm. Default: True.
        """
        check_props(FargateBase.__init__, locals())
        super().__init__(scope, id)
        guard(self)
        d = self.defaults
        self.cpu = cpu if cpu is not None else d.cpu
        self.memory_mib = memory_mib if memory_mib is not None else d.memory_mib
        ephemeral = ephemeral_storage_gib if ephemeral_storage_gib is not None else d.ephemeral_storage_gib
        self.stop_timeout = stop_timeout or d.stop_timeout
        self.architecture = architecture or d.architecture
        self.environment = dict(environment or {})
        rules.check_image(self, image_source, image is not None)
        rules.check_cpu_memory(self, self.cpu, self.memory_mib)
        rules.check_container_size(self, self.cpu, self.memory_mib, container_cpu, container_memory_mib)
        rules.check_ephemeral_storage(self, ephemeral)
        rules.check_stop_timeout(self, self.stop_timeout)
        rules.check_plaintext_secrets(self, self.environment)

        self.cluster: ecs.ICluster = cluster or self.shared_cluster(Stack.of(self), vpc)
        self.vpc_subnets = vpc_subnets or ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        self._check_image_pull_route()
        self.log_group = log_group(self, "Logs", retention=d.log_retention)
        self.task_definition = ecs.FargateTaskDefinition(
            self, "Task", cpu=self.cpu, memory_limit_mib=self.memory_mib,
            ephemeral_storage_gib=ephemeral if ephemeral > 21 else None,
            runtime_platform=ecs.RuntimePlatform(cpu_architecture=_TASK_CPUS[self.architecture.name](),
                                                 operating_system_family=ecs.OperatingSystemFamily.LINUX),
        )
        self.container = self.task_definition.add_container(
            "App",
            image=image or ecs.ContainerImage.from_asset(
                image_source or "", platform=_IMAGE_PLATFORMS[self.architecture.name](),
                follow_symlinks=SymlinkFollowMode.ALWAYS),
            cpu=container_cpu, memory_limit_mib=container_memory_mib,
            logging=ecs.LogDrivers.aws_logs(stream_prefix=id, log_group=self.log_group),
            environment=self.environment or None, secrets=dict(secrets) if secrets else None,
            command=list(command) if command else None, stop_timeout=self.stop_timeout,
            port_mappings=[ecs.PortMapping(container_port=port)] if port else None,
        )
        self.task_role = self.task_definition.task_role
        self.alarms = alarms
        self.health = Health(self, f"{type(self).__name__} {self.node.path}", self.alarm_defaults, alarms=alarms)
        if self.environment:
            acknowledge(self.task_definition, "Environment holds non-secret configuration only; secrets go "
                        "through `secrets=` (Secrets Manager / SSM), and FARGATE_PLAINTEXT_SECRET warns otherwise.",
                        "AwsSolutions-ECS2")
        # On the execution role only: a wildcard granted to the task role must still be reported.
        acknowledge(self.task_definition.obtain_execution_role(), "ecr:GetAuthorizationToken supports no "
                    "resource-level permission; AWS requires Resource '*' (the pull itself is scoped to the image's "
                    "repository).", "AwsSolutions-IAM5[Resource::*]")

    def add_health_signals(self, *signals: Signal) -> None:
        """Add signals to this construct's alarm (a further one when it is full)."""
        self.health.add(*signals)

    @property
    def health_alarms(self) -> list[HealthAlarm]:
        return self.health.alarms

    def service_signals(self, service: ecs.FargateService) -> list[Signal]:
        """Fewer tasks running than the service wants, over a whole period (a crash loop, no capacity, a bad image)."""
        return service_signals(self.cluster.cluster_name, service.service_name, self.alarm_defaults)

    def service_widgets(self, service: ecs.FargateService) -> list[Graph]:
        return service_graphs(self.node.id, self.cluster.cluster_name, service)

    @classmethod
    def shared_cluster(cls, stack: Stack, vpc: ec2.IVpc | None) -> ecs.ICluster:
        """One cluster per stack (per VPC passed), with Container Insights (needed for backlog scaling).

        Args:
            stack: the stack whose cluster it is. Required.
            vpc: the VPC the cluster is in. Required (None: the stack's shared VPC).
        """
        cluster_id = _SHARED_CLUSTER_ID if vpc is None else f"{_SHARED_CLUSTER_ID}{vpc.node.addr[:8]}"
        existing = stack.node.try_find_child(cluster_id)
        if existing is not None:
            return existing  # type: ignore[return-value]
        return ecs.Cluster(stack, cluster_id, vpc=vpc or cls.shared_vpc(stack),
                           container_insights_v2=ecs.ContainerInsights.ENABLED)

    @classmethod
    def shared_vpc(cls, stack: Stack) -> ec2.IVpc:
        """See the class docstring.

        Args:
            stack: the stack whose VPC it is. Required.
        """
        existing = stack.node.try_find_child(_SHARED_VPC_ID)
        if existing is not None:
            return existing  # type: ignore[return-value]
        vpc = ec2.Vpc(
            stack, _SHARED_VPC_ID, max_azs=cls.defaults.max_azs, nat_gateways=1,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
                ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=20),
            ],
        )
        vpc.add_flow_log("FlowLogs", destination=ec2.FlowLogDestination.to_cloud_watch_logs(
            log_group(stack, f"{_SHARED_VPC_ID}FlowLogs", retention=cls.defaults.log_retention)))
        skip_checkov_cdk_handlers(stack, "Custom::VpcRestrictDefaultSG", "aws-cdk-lib's handler that empties the VPC's "
                                  "default security group (restrictDefaultSecurityGroup): generated by CDK, invoked "
                                  "only by CloudFormation during a deploy.")
        return vpc

    def _check_image_pull_route(self) -> None:
        vpc = self.cluster.vpc
        subnet_type = self.vpc_subnets.subnet_type
        isolated = subnet_type == ec2.SubnetType.PRIVATE_ISOLATED
        endpoints = [c for c in vpc.node.find_all() if isinstance(c, ec2.InterfaceVpcEndpoint)]
        has_ecr = any("ecr.dkr" in str(e.node.default_child.service_name) for e in endpoints)  # type: ignore[union-attr]
        rules.check_image_pull_route(self, isolated, has_ecr)
