"""ServerlessFunction: a Python Lambda function with safe, cheap defaults."""

from __future__ import annotations

import functools
import json
import re
import weakref
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import ClassVar

import jsii
from aws_cdk import Acknowledgment, Annotations, AssetHashType, Duration, Size, Stack, Validations
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from . import context, reads
from . import limits as L
from .alarms import HealthAlarm, Signal, add_signals, queue_signals
from .dashboard import Graph, MetricSpec, Row, dashboard
from .data import log_group
from .defaults import FunctionDefaults
from .deployment import (
    DEFAULT_ALIAS,
    HOOK_TARGET_VARIABLE,
    Deployment,
    ProvisionedConcurrency,
    application,
    codedeploy_enabled,
)
from .guard import guard
from .layers import PythonLayer, resolve_source
from .nag import XRAY_REASON, acknowledge, finding_resource, write_metadata
from .packaging import Bundle, LayerInfo, package_code, target_for
from .queues import dead_letter_queue
from .render import before_synth
from .rules import deployment as release_rules
from .rules import function as rules
from .rules import packaging as packaging_rules
from .rules.alarms import check_alarms_on
from .rules.props import check_props, check_value, created_uniquely
from .triggers.base import Trigger, watch_widget

TRACING_POLICY_ID = "XRayTracingPolicy"
SOURCE_METADATA = "constructs_lib:source"
FUNCTION_TYPE = "AWS::Lambda::Function"


def _shown_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@jsii.implements(iam.IGrantable, ec2.IConnectable)
class ServerlessFunction(Construct):
    """A Python Lambda function with its own role, log group and on-failure queue.

    Defaults (see `FunctionDefaults`): newest Python runtime, arm64, 256 MB, 20 s, X-Ray tracing, JSON logs
    into a log group kept for a month, a role with no AWS managed policy, and async invokes that retry twice
    and then land in an encrypted SQS queue rather than vanish.

    It is `IGrantable`: `bucket.grant_read(fn)` and `queue.grant_send_messages(fn)` work on it directly. In a VPC
    it is `IConnectable` too: `db.connections.allow_default_port_from(fn)`.
    """

    defaults: ClassVar[FunctionDefaults] = FunctionDefaults()

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        source: str,
        handler: str | None = None,
        runtime: lambda_.Runtime | None = None,
        architecture: lambda_.Architecture | None = None,
        memory_size: int | None = None,
        timeout: Duration | None = None,
        environment: Mapping[str, str] | None = None,
        ephemeral_storage_size: Size | None = None,
        reserved_concurrency: int | None = None,
        function_name: str | None = None,
        description: str | None = None,
        shared_code: str | Sequence[str] = (),
        layers: Sequence[PythonLayer | lambda_.ILayerVersion] = (),
        triggers: Trigger | Iterable[Trigger] = (),
        alarms: bool = True,
        deployment: Deployment | None = None,
        provisioned_concurrency: int | ProvisionedConcurrency | None = None,
        snap_start: bool = False,
        async_invokes: bool | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] = (),
    ) -> None:
        check_props(ServerlessFunction.__init__, locals(), unique_id=False)
        with created_uniquely(scope, id):
            super().__init__(scope, id)
        self._id, self._scope = id, scope
        self._path = reads.remember(self, scope, id)  # its path and stack, known without asking Node
        # Signals gathered while the function and its triggers are made: its alarm is then made whole, at the end.
        self._gathered_signals: list[Signal] | None = []
        context.inherit(self, scope)
        guard(self, scope)
        if isinstance(shared_code, str):
            shared_code = [shared_code]  # one folder, named the way it is natural to write
        triggers = [triggers] if isinstance(triggers, Trigger) else list(triggers)  # one, as it is natural to write
        d = self.defaults
        rules.check_source_text(self, source)
        self.source_dir = self.resolve_source(source)
        self.handler = handler or d.handler
        self.runtime = runtime or d.runtime
        self.architecture = architecture or d.architecture
        self._runtime_name = reads.attribute(self.runtime, "name")
        self._architecture_name = reads.attribute(self.architecture, "name")
        self.memory_size = memory_size if memory_size is not None else d.memory_size
        self.timeout = timeout or d.timeout
        environment = dict(environment or {})

        rules.check_source_dir(self, source, self.source_dir)
        rules.check_handler(self, self.source_dir, self.handler)
        rules.check_runtime(self, self.runtime)
        rules.check_memory_size(self, self.memory_size)
        rules.check_timeout(self, self.timeout)
        self._check_environment(environment)
        environment = self._with_powertools(environment)
        self._environment = environment  # what the function gets: add_environment checks the 4 KB against it all
        if ephemeral_storage_size is not None:
            rules.check_ephemeral_storage(self, ephemeral_storage_size)
        if reserved_concurrency is not None:
            rules.check_reserved_concurrency(self, reserved_concurrency)
        if function_name is not None:
            rules.check_function_name(self, function_name)
        self._check_release(deployment, provisioned_concurrency, snap_start, reserved_concurrency,
                            ephemeral_storage_size)
        self.shared_code = [self.resolve_source(folder) for folder in shared_code]
        self.layers = list(layers)
        self.bundle: Bundle = self.make_bundle()

        self.log_group: logs.ILogGroup = self.make_log_group()
        self.role: iam.IRole = self.make_role()
        self.vpc = vpc
        self.vpc_subnets: ec2.SubnetSelection | None = None
        self.security_groups: list[ec2.ISecurityGroup] = list(security_groups)
        vpc_access: iam.Policy | None = None
        if vpc is None:
            rules.check_no_vpc(self, vpc_subnets is not None, bool(security_groups))
        else:
            self.vpc_subnets = self.select_subnets(vpc, vpc_subnets)
            self.security_groups = self.security_groups or [self.make_security_group(vpc)]
            vpc_access = self.make_vpc_access_policy()
        self.function: lambda_.Function = lambda_.Function(
            self,
            "Function",
            code=lambda_.Code.from_asset(str(self.bundle.path), asset_hash=self.bundle.asset_hash,
                                         asset_hash_type=AssetHashType.CUSTOM),
            handler=self.handler,
            runtime=self.runtime,
            architecture=self.architecture,
            memory_size=self.memory_size,
            timeout=self.timeout,
            environment=environment or None,
            ephemeral_storage_size=ephemeral_storage_size,
            reserved_concurrent_executions=reserved_concurrency,
            function_name=function_name,
            description=description,
            layers=[layer.layer if isinstance(layer, PythonLayer) else layer for layer in self.layers] or None,
            role=self.role,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=d.application_log_level,
            system_log_level_v2=d.system_log_level,
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if snap_start else None,
            vpc=vpc, vpc_subnets=self.vpc_subnets, security_groups=self.security_groups or None,
        )
        if vpc_access is not None:
            self.function.node.add_dependency(vpc_access)  # Lambda checks the ENI permissions when it creates it
        if snap_start:  # aws-cdk-lib's reminder; the alias below always stands on a published version
            Annotations.of(self.function).acknowledge_warning(
                "@aws-cdk/aws-lambda:snapStartRequirePublish", "The function's alias points at a published version.")
        self._function_name = self.function.function_name  # a token, read once for every metric
        self._cfn_function = reads.cfn_resource(self.function, FUNCTION_TYPE)  # read once: tracing, metadata
        self.enable_tracing()
        self._write_metadata(reserved_concurrency is None, in_vpc=vpc is not None)
        self._acknowledge_last_stops()
        self.deployment = deployment
        self.version: lambda_.IVersion | None = None
        self.alias: lambda_.Alias | None = None
        if deployment is not None or provisioned_concurrency is not None or snap_start:
            self.version, self.alias = self.make_alias(deployment, provisioned_concurrency)
        # What every trigger invokes: the alias when there is one (so releases shift its traffic), else $LATEST.
        self.invoke_target: lambda_.IFunction = self.alias or self.function
        self.health_alarms: list[HealthAlarm] = []
        self.alarms = alarms
        if alarms:
            self.add_health_signals(*self.health_signals())
        else:
            check_alarms_on(self)
        self.dashboard_row = self.make_dashboard_row()
        self.deployment_group: codedeploy.LambdaDeploymentGroup | None = None
        if deployment is not None and codedeploy_enabled(self):
            self.deployment_group = self.make_deployment_group(deployment)
        # An on-failure destination where async invokes can happen: an async trigger (S3, EventBridge, Scheduler),
        # no trigger at all (direct invokes), or async_invokes=True. SQS and API triggers invoke synchronously, so
        # a function fed only by them gets no queue that nothing could ever reach.
        self.async_invokes = async_invokes
        self.failure_queue: sqs.IQueue | None = None
        if async_invokes or (async_invokes is None and (not triggers or any(t.invokes_async for t in triggers))):
            self.enable_failure_destination()
        self.triggers: list[Trigger] = []
        for trigger in triggers:
            self.add_trigger(trigger)
        gathered, self._gathered_signals = self._gathered_signals, None
        self.add_health_signals(*gathered)

    # --- steps a subclass may override -----------------------------------------------------------------

    def resolve_source(self, source: str) -> Path:
        """`"name"` -> `<source_root>/name`; anything with a path separator (or absolute) is a path."""
        return resolve_source(source, self.defaults.source_root)

    def make_bundle(self) -> Bundle:
        """The deployment package: code, shared code and dependencies installed for the runtime, checked.

        `requirements.txt` (or `pyproject.toml` + `uv.lock`) in the source folder is installed for the function's
        Python version and architecture, without Docker; see `constructs_lib.packaging`.
        """
        layers = [self._layer_info(layer) for layer in self.layers]
        packaging_rules.check_layers(self, len(layers), self._runtime_name, self._architecture_name,
                                     [(info.path, info.runtimes, info.architectures) for info in layers])
        return package_code(
            self, source_dir=self.source_dir, handler=self.handler, shared=self.shared_code,
            target=target_for(self, self._runtime_name, self._architecture_name),
            exclude=self.defaults.asset_exclude, layers=layers,
        )

    @staticmethod
    def _layer_info(layer: PythonLayer | lambda_.ILayerVersion) -> LayerInfo:
        if isinstance(layer, PythonLayer):
            return layer.info()
        runtimes = [r.name for r in layer.compatible_runtimes] if layer.compatible_runtimes else None
        cfn = layer.node.default_child
        architectures = list(cfn.compatible_architectures or []) if isinstance(cfn, lambda_.CfnLayerVersion) else None
        return LayerInfo(layer.node.path, None, 0, runtimes, architectures or None)

    def make_log_group(self) -> logs.ILogGroup:
        return log_group(self, "LogGroup", retention=self.defaults.log_retention)

    def make_role(self) -> iam.IRole:
        """A role of its own: logs only to its own log group, no AWS managed policy.

        The grant is the one `log_group.grant_write(role)` makes, written into the role as it is created.
        """
        return InlinePolicyRole(
            self, "Role", assumed_by=_lambda_principal(), description=f"Execution role of {self._path}",
            statements=[{"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                         "Resource": self.log_group.log_group_arn}],
        )

    def enable_tracing(self) -> None:
        """Active X-Ray tracing, its `Resource: *` grant kept in a policy that holds nothing else.

        CDK's `tracing=ACTIVE` would put that grant in the role's default policy, where acknowledging it for
        cdk-nag would also hide any wildcard a user grants later. The policy is one per stack, attached to every
        function's role: the same two X-Ray actions for each, one resource instead of one per function. The
        function does not wait for it (a shared policy would tie every function to every other one's
        dependencies): a new function's first traces may be refused for the seconds until the policy exists.
        """
        cfn_function = self._cfn_function
        assert isinstance(cfn_function, lambda_.CfnFunction)
        cfn_function.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")
        policy = tracing_policy(self)
        policy.attach_to_role(self.role)

    def select_subnets(self, vpc: ec2.IVpc, selection: ec2.SubnetSelection | None) -> ec2.SubnetSelection:
        """The subnets asked for, else the private ones with egress (NAT), else the isolated ones; never public.

        Isolated subnets reach AWS services only through VPC endpoints: the ones the function's grants need are
        checked when the app is complete (FN_VPC_ENDPOINTS).
        """
        candidates = [selection] if selection is not None else [
            ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)]
        problems = []
        for candidate in candidates:
            try:
                selected = vpc.select_subnets(**candidate._values)  # a jsii struct: its fields as keywords
            except Exception as error:  # jsii reports "There are no 'Private' subnet groups in this VPC ..."
                problems.append(str(error).splitlines()[0])
                continue
            public = {s.subnet_id for s in vpc.public_subnets}
            rules.check_subnets(self, selected.subnet_ids, public)
            isolated = {s.subnet_id for s in vpc.isolated_subnets}
            if isolated & set(selected.subnet_ids):
                before_synth(self, self._check_vpc_endpoints)
            return candidate
        rules.fail_no_subnets(self, problems, selection is not None)

    def make_security_group(self, vpc: ec2.IVpc) -> ec2.SecurityGroup:
        """The function's own group: no inbound rules (nothing connects to a function), all outbound."""
        return ec2.SecurityGroup(self, "SecurityGroup", vpc=vpc, allow_all_outbound=True,
                                 description=f"Function {self._path}: outbound only")

    def make_vpc_access_policy(self) -> iam.Policy:
        """What Lambda needs to attach the function to the VPC (the actions of AWSLambdaVPCAccessExecutionRole), in
        a policy of their own: EC2 grants them on `*` only, and the acknowledgement must not cover other grants."""
        policy = iam.Policy(self, "VpcAccess", roles=[self.role], statements=[iam.PolicyStatement(
            actions=["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
                     "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
            resources=["*"])])
        acknowledge(policy, "Lambda creates and removes the function's network interfaces with these EC2 actions, "
                    "which work only on Resource '*' (https://docs.aws.amazon.com/lambda/latest/dg/"
                    "configuration-vpc.html#configuration-vpc-permissions).", "AwsSolutions-IAM5[Resource::*]")
        return policy

    def _check_vpc_endpoints(self) -> None:
        """Isolated subnets: each AWS service the function is granted needs a VPC endpoint (warning per missing)."""
        assert self.vpc is not None
        granted = granted_services(self.role, self.lambda_service_resources())
        present = vpc_endpoint_services(Stack.of(self), self.vpc)
        if present is not None:
            rules.check_vpc_endpoints(self, sorted(granted - present))

    def lambda_service_resources(self) -> list[str]:
        """ARNs that Lambda itself uses with the function's role (its on-failure queue, the queues it polls), not
        the code: they need no VPC endpoint."""
        queues = [self.failure_queue] + [getattr(t, "queue", None) for t in self.triggers]
        return [q.queue_arn for q in queues if q is not None]

    @property
    def connections(self) -> ec2.Connections:
        """The function's security groups, for `db.connections.allow_default_port_from(fn)` (in a VPC only)."""
        if self.vpc is None:
            rules.check_no_vpc(self, False, False, connections=True)
        return self.function.connections

    def _acknowledge_last_stops(self) -> None:
        """Where failures end, in one acknowledgement on this construct (each costs round trips to Node): the
        function has no DeadLetterConfig, the dead-letter queues its triggers make under it have no DLQ, and its
        SQS mappings take no on-failure destination.

        Made on the construct, it covers what the construct makes: its one Lambda function, queues and mappings.
        Each of its work queues has a redrive policy, so only DLQs can be the subject; a queue without one that a
        subclass adds under it is still reported by AwsSolutions-SQS3, which is acknowledged queue by queue. A
        stream mapping added to the function is reported by the guard's ESM_STREAM_ON_FAILURE.
        """
        Validations.of(self).acknowledge(
            Acknowledgment(id="Serverless-LambdaDLQ", reason=(
                "Failed async invokes go to an on-failure destination (SQS, failure_queue), which supersedes "
                "DeadLetterConfig and keeps the whole invocation record; a function invoked only synchronously (SQS "
                "mapping, API) has none: its failures return to the caller (the queue's redrive to its DLQ, the "
                "HTTP client).")),
            Acknowledgment(id="Serverless-SQSRedrivePolicy", reason=(
                "The dead-letter queues of this function's triggers (and its on-failure queue) are the last stop "
                "for failed messages: a DLQ has no redrive policy of its own.")),
            Acknowledgment(id="Serverless-LambdaEventSourceMappingDestination", reason=(
                "SQS event source mappings take no on-failure destination (AWS supports those for streams and "
                "Kafka); failed messages go to the queue's DLQ through its redrive policy. Stream mappings are "
                "checked by the guard instead (ESM_STREAM_ON_FAILURE).")))

    def _write_metadata(self, unreserved: bool, in_vpc: bool = False) -> None:
        """The function resource's Metadata, in one jsii call: where its code comes from (for `constructs-lib local
        watch`, relative to the cdk.json folder when inside it) and the checkov checks it skips, with why."""
        checks = {
            "CKV_AWS_116": "Failed async invokes go to an on-failure destination (SQS, `failure_queue`), which "
                           "supersedes DeadLetterConfig and keeps the whole invocation record; functions invoked "
                           "only synchronously (SQS mapping, API) return failures to the caller.",
            "CKV_AWS_117": "Runs outside a VPC: it reaches AWS APIs over TLS with IAM; a VPC is only needed to reach "
                           "private resources, and costs cold-start time and NAT.",
            "CKV_AWS_173": "Lambda encrypts environment variables at rest with an AWS managed key; secrets belong in "
                           "Secrets Manager or SSM (their names in the environment), not in variables.",
        }
        if in_vpc:
            del checks["CKV_AWS_117"]
        if unreserved:
            checks["CKV_AWS_115"] = ("Unreserved by design: reserving concurrency carves it out of the account's pool "
                                     "for every function; set reserved_concurrency to cap this one.")
        write_metadata(self._cfn_function, {SOURCE_METADATA: _shown_path(self.source_dir)}, checks)

    def make_failure_destination(self) -> sqs.IQueue:
        """Async invokes (S3, EventBridge rules, direct) that fail every retry land here, not nowhere."""
        d = self.defaults
        queue = dead_letter_queue(
            self, "FailedInvocations", retention=d.failure_queue_retention,
            reason="On-failure destination of the function's async invokes: the last stop, so it has no DLQ.",
        )
        self.invoke_target.configure_async_invoke(  # per qualifier: the alias's invokes need their own
            on_failure=destinations.SqsDestination(queue),
            retry_attempts=d.async_retry_attempts,
            max_event_age=d.async_max_event_age,
        )
        return queue

    def make_alias(self, deployment: Deployment | None,
                   provisioned: int | ProvisionedConcurrency | None) -> tuple[lambda_.IVersion, lambda_.Alias]:
        """A version published whenever code or configuration changes, and the alias the triggers invoke.

        Old versions are kept (CloudFormation retains them), so a rollback has something to return to.
        """
        version = self.function.current_version
        scaling = provisioned if isinstance(provisioned, ProvisionedConcurrency) else None
        alias = lambda_.Alias(
            self, "Alias", alias_name=deployment.alias_name if deployment else DEFAULT_ALIAS, version=version,
            provisioned_concurrent_executions=scaling.minimum if scaling else provisioned,
            description=f"What the triggers of {self._path} invoke"
                        + (f"; releases shift to it {deployment.describe()}" if deployment else ""),
        )
        if scaling is not None:
            alias.add_auto_scaling(min_capacity=scaling.minimum, max_capacity=scaling.maximum).scale_on_utilization(
                utilization_target=scaling.target_utilization)
        return version, alias

    def make_deployment_group(self, deployment: Deployment) -> codedeploy.LambdaDeploymentGroup:
        """CodeDeploy shifts the alias to each new version; the rollback alarm or a failed hook sends it back.

        The role may only move this function's alias and read its own rollback alarm (aws-cdk-lib's default
        attaches AWSCodeDeployRoleForLambdaLimited, which may update any alias in the account).
        """
        assert self.alias is not None
        rollback = self.make_rollback_alarm()
        role = iam.Role(self, "DeploymentRole", assumed_by=iam.ServicePrincipal("codedeploy.amazonaws.com"),
                        description=f"CodeDeploy shifts the traffic of {self._path}")
        arn = self.function.function_arn
        role.add_to_policy(iam.PolicyStatement(
            actions=["lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"],
            resources=[arn, f"{arn}:*"]))
        role.add_to_policy(iam.PolicyStatement(actions=["cloudwatch:DescribeAlarms"],
                                               resources=rollback.arns))
        acknowledge(role, "CodeDeploy moves the alias of this one function between its versions (ARN:*).",
                    f"AwsSolutions-IAM5[Resource::{finding_resource(Stack.of(self), f'{arn}:*')}]")
        from aws_cdk import aws_cloudwatch as cloudwatch  # only here: its bindings take about 25 ms to import

        group = codedeploy.LambdaDeploymentGroup(
            self, "Deployment", application=application(self), alias=self.alias,
            deployment_config=deployment.config(self), role=role.without_policy_updates(),
            alarms=[cloudwatch.Alarm.from_alarm_arn(self, f"RollbackAlarm{i}Ref", arn)
                    for i, arn in enumerate(rollback.arns)],
            auto_rollback=codedeploy.AutoRollbackConfig(
                failed_deployment=True, stopped_deployment=True, deployment_in_alarm=True),
        )
        for hook, add in ((deployment.pre_traffic, group.add_pre_hook),
                          (deployment.post_traffic, group.add_post_hook)):
            if hook is not None:
                add(hook.function)  # it may report its result to CodeDeploy
                role.add_to_policy(iam.PolicyStatement(  # CodeDeploy invokes it by name (aws-cdk-lib's grant
                    actions=["lambda:InvokeFunction"], resources=[hook.function.function_arn]))  # needs a mutable role)
                assert self.version is not None
                self.version.grant_invoke(hook)  # it may invoke the new version (only that one), named in its
                hook.add_environment(HOOK_TARGET_VARIABLE, self.version.function_arn)  # environment
                self.alias.node.add_dependency(hook.function)  # the hook knows the version before traffic moves
        return group

    def make_rollback_alarm(self) -> HealthAlarm:
        """The alias's errors and p99 duration, per minute: what a release is judged on.

        Not the health alarm: that one also watches queues, whose backlog or dead letters from before a release
        would block every release.
        """
        assert self.alias is not None
        a = HealthAlarm.defaults
        period = a.rollback_period
        near = int(reads.millis(self.timeout) * a.duration_fraction_of_timeout)
        alarm = HealthAlarm(self, "RollbackAlarm", subject=f"Release of {self._path}", period=period)
        alias_name = self.alias.alias_name
        # The alias's metrics as aws-cdk-lib's `alias.metric_errors()` makes them, as data (reading those back costs
        # a dozen round trips to Node each).
        dimensions = {"FunctionName": self._function_name, "Resource": f"{self._function_name}:{alias_name}"}
        alarm.add(
            Signal("errors", MetricSpec.of("AWS/Lambda", "Errors", dimensions, "Sum"), a.function_errors,
                   f"alias {alias_name}: errors >= {a.function_errors} in {reads.minutes(period)} min"),
            Signal("duration", MetricSpec.of("AWS/Lambda", "Duration", dimensions, "p99"), near,
                   f"alias {alias_name}: p99 duration >= {near} ms"),
        )
        return alarm

    def health_signals(self) -> list[Signal]:
        """The function's own signals: errors, throttles, p99 duration near the timeout (failed async invokes are
        added with the on-failure destination)."""
        a = HealthAlarm.defaults
        near = int(reads.millis(self.timeout) * a.duration_fraction_of_timeout)
        metric = self.lambda_metric
        return [
            Signal("errors", metric("Errors"), a.function_errors,
                   f"errors >= {a.function_errors} in {reads.minutes(a.period)} min"),
            Signal("throttles", metric("Throttles"), a.function_throttles, f"throttles >= {a.function_throttles}"),
            Signal("duration", metric("Duration", "p99"), near,
                   f"p99 duration >= {near} ms ({a.duration_fraction_of_timeout:.0%} of the timeout)"),
        ]

    def lambda_metric(self, name: str, statistic: str = "Sum") -> MetricSpec:
        """An `AWS/Lambda` metric of this function (all versions) as plain data, for alarms and the dashboard."""
        return MetricSpec.of("AWS/Lambda", name, {"FunctionName": self._function_name}, statistic)

    def make_dashboard_row(self) -> Row:
        """The function's row on the stack's dashboard; its triggers add their queues to it."""
        metric = self.lambda_metric
        row = Row(
            Graph(title=f"{self._id}: invocations, errors, throttles", width=6,
                  left=[metric("Invocations"), metric("Errors"), metric("Throttles")]),
            Graph(title=f"{self._id}: duration", width=6,
                  left=[metric("Duration", "p50"), metric("Duration", "p99")]),
            Graph(title=f"{self._id}: concurrency", width=6, left=[metric("ConcurrentExecutions", "Maximum")]),
        )
        dashboard(self).add_widgets(row)
        return row

    def _with_powertools(self, environment: dict[str, str]) -> dict[str, str]:
        """POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE, so Powertools handlers emit metrics under the
        function and stack names; yours win, and they are left out when they would not fit in the 4 KB."""
        stack_name = context.stack_name(self._scope)
        powertools = {"POWERTOOLS_SERVICE_NAME": self._id}
        if not context.unresolved(stack_name):
            powertools["POWERTOOLS_METRICS_NAMESPACE"] = stack_name
        merged = {**powertools, **environment}
        if rules.environment_size(merged) > L.LAMBDA_ENVIRONMENT_MAX_BYTES:
            return environment
        return merged

    # --- public API ------------------------------------------------------------------------------------

    def add_health_signals(self, *signals: Signal) -> None:
        """Add signals (a trigger's DLQ, ...) to the function's alarm; a further alarm when it is full."""
        if self._gathered_signals is not None:
            self._gathered_signals.extend(signals)
        elif self.alarms:
            add_signals(self, self.health_alarms, f"Function {self._path}", *signals)

    def add_trigger(self, trigger: Trigger) -> Trigger:
        """Connect `trigger` (S3Trigger, QueueTrigger, ...) to this function; returns it for its attributes."""
        check_value(self, "trigger", trigger, Trigger)
        if trigger.invokes_async and self.failure_queue is None:
            rules.check_async_invokes(self, type(trigger).__name__, self.async_invokes)
            self.enable_failure_destination()
        trigger.bind(self)
        self.triggers.append(trigger)
        return trigger

    def enable_failure_destination(self) -> sqs.IQueue:
        """The on-failure queue for async invokes, on the alarm and the dashboard (once; returns it).

        Called for async triggers and functions without triggers; call it yourself when something outside this
        library invokes the function asynchronously (or pass `async_invokes=True`).
        """
        if self.failure_queue is None:
            self.failure_queue = self.make_failure_destination()
            self.add_health_signals(*queue_signals(self.failure_queue, "the failed-invocations queue",
                                                   dead_letters=True))
            self.dashboard_row.add_widget(watch_widget(self.failure_queue, f"{self._id}: failed invokes"))
        return self.failure_queue

    def add_environment(self, key: str, value: str) -> ServerlessFunction:
        """Add an environment variable, checked like the constructor's `environment`."""
        check_value(self, "environment", {key: value}, Mapping[str, str])
        self._environment[key] = value
        self._check_environment(self._environment)
        self.function.add_environment(key, value)
        return self

    @property
    def grant_principal(self) -> iam.IPrincipal:
        return self.role

    @property
    def function_arn(self) -> str:
        return self.function.function_arn

    def _check_release(self, deployment: Deployment | None, provisioned: int | ProvisionedConcurrency | None,
                       snap_start: bool, reserved: int | None, storage: Size | None) -> None:
        if isinstance(provisioned, int):
            release_rules.check_provisioned_fixed(self, provisioned)
        if provisioned is not None:
            most = provisioned.maximum if isinstance(provisioned, ProvisionedConcurrency) else provisioned
            release_rules.check_provisioned_reserved(self, most, reserved)
        for which, hook in (("pre_traffic", deployment and deployment.pre_traffic),
                            ("post_traffic", deployment and deployment.post_traffic)):
            if hook is not None:
                release_rules.check_hook(self, hook, which, hook._environment.get(HOOK_TARGET_VARIABLE))
        if snap_start:
            release_rules.check_snap_start_runtime(self, self.runtime.name)
            release_rules.check_snap_start_storage(self, storage.to_mebibytes() if storage else 512)
            release_rules.check_snap_start_provisioned(self, provisioned is not None)

    @property
    def function_name(self) -> str:
        return self.function.function_name

    def _check_environment(self, environment: dict[str, str]) -> None:
        rules.check_environment_reserved(self, environment)
        rules.check_environment_keys(self, environment)
        rules.check_environment_size(self, environment)
        self._environment = environment


@functools.cache
def _lambda_principal() -> iam.ServicePrincipal:
    """Lambda's service principal: a plain value, made once for every role."""
    return iam.ServicePrincipal("lambda.amazonaws.com")


_TRACING_POLICIES: weakref.WeakKeyDictionary[Stack, iam.Policy] = weakref.WeakKeyDictionary()


def tracing_policy(scope: Construct) -> iam.Policy:
    """The stack's X-Ray policy (PutTraceSegments/PutTelemetryRecords on `*`, which X-Ray requires), found
    without a jsii call once a function of the stack asked."""
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


# Service prefixes of IAM actions that are not called from the function's code (Lambda itself makes these calls).
_NOT_FROM_CODE = frozenset({"ec2", "logs", "xray"})
# IAM service prefix -> VPC endpoint service name, where the two differ.
_ENDPOINT_NAMES = {"cloudwatch": "monitoring", "execute-api": "execute-api"}


def granted_services(role: iam.IRole, not_from_code: Sequence[str] = ()) -> set[str]:
    """The VPC endpoint names of the AWS services whose actions `role`'s own grants allow (`s3`, `sqs`, ...), leaving
    out statements only on `not_from_code` (resources Lambda itself uses with the role)."""
    if not isinstance(role, InlinePolicyRole):
        return set()
    stack = Stack.of(role)
    document = stack.resolve(role.inline_grants.to_json()) or {}
    service_side = [json.dumps(stack.resolve(arn), sort_keys=True) for arn in not_from_code]
    services = set()
    for statement in document.get("Statement", []):
        resources = statement.get("Resource", [])
        resources = resources if isinstance(resources, list) else [resources]
        if statement.get("Effect") != "Allow" or (
                resources and all(json.dumps(r, sort_keys=True) in service_side for r in resources)):
            continue
        actions = statement.get("Action", [])
        for action in [actions] if isinstance(actions, str) else actions:
            prefix = action.split(":")[0]
            if prefix not in _NOT_FROM_CODE and prefix != "*":
                services.add(_ENDPOINT_NAMES.get(prefix, prefix))
    return services


def vpc_endpoint_services(stack: Stack, vpc: ec2.IVpc) -> set[str] | None:
    """The services with an endpoint in `vpc` (`s3`, `sqs`, ...), or None when the VPC is not defined in this app
    (an imported VPC's endpoints cannot be seen at synth)."""
    if not isinstance(vpc.node.default_child, ec2.CfnVPC):
        return None
    vpc_id = json.dumps(stack.resolve(vpc.vpc_id))
    services = set()
    for node in stack.node.find_all():
        if isinstance(node, ec2.CfnVPCEndpoint) and json.dumps(stack.resolve(node.vpc_id)) == vpc_id:
            name = json.dumps(stack.resolve(node.service_name))
            match = re.search(r'\.([a-z0-9-]+)"[\]}]*$', name)
            if match:
                services.add(match.group(1))
    return services
