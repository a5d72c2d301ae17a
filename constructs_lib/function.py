"""ServerlessFunction: a Python Lambda function with safe, cheap defaults."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import ClassVar

import jsii
from aws_cdk import Annotations, AssetHashType, Duration, Size
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from . import context, network, reads
from . import deployment as releases
from . import limits as L
from .data import log_group
from .defaults import FunctionAlarmDefaults, FunctionDefaults
from .deployment import Deployment, ProvisionedConcurrency, Release
from .guard import guard
from .health import Health, HealthAlarm, Row, Signal
from .health.signals import function_row, function_signals
from .layers import PythonLayer, layer_info, resolve_source, shown_path
from .nag import acknowledge_last_stops, function_checkov_skips, write_metadata
from .packaging import Bundle
from .packaging.code import check_code_at_synth, package_code, target_for
from .queues import dead_letter_queue
from .roles import execution_role, tracing_policy
from .rules import function as rules
from .rules import packaging as packaging_rules
from .rules.props import check_props, check_value, created_uniquely
from .triggers.base import Trigger

FUNCTION_TYPE = "AWS::Lambda::Function"


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
    alarm_defaults: ClassVar[FunctionAlarmDefaults] = FunctionAlarmDefaults()

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
        """A function whose code is the folder `source`, checked and packaged at synth.

        Args:
            source: the folder of the handler's code: a name under `lambda_src/` (relative to the `cdk.json` folder), or
                a path (`./x`, `/abs/x`, `a/b`). Its requirements.txt or uv.lock is installed for Lambda's platform,
                without Docker. Required.
            handler: `module.function` in that folder, checked at synth. Default: "lambda_function.lambda_handler".
            runtime: a Python runtime; past its deprecation date a warning, past Lambda's block date an error. Default:
                `Runtime.PYTHON_3_14` (`FunctionDefaults.runtime`).
            architecture: Default: `Architecture.ARM_64` (about 20% cheaper per GB-second).
            memory_size: MB, 128..10,240 (a warning above 3,008, new accounts' quota). Default: 256.
            timeout: 1..900 whole seconds. Default: `Duration.seconds(20)` (fits under API Gateway's 29 s).
            environment: variables for the handler: reserved names, key format and the 4 KB total are checked, and every
                `os.environ["X"]` the code reads must be set (FN_ENV_UNSET). Default: none.
            ephemeral_storage_size: /tmp, 512..10,240 MB. Default: Lambda's 512 MB.
            reserved_concurrency: >= 0 (a warning above 900). Default: unreserved.
            function_name: 1..64 of `[a-zA-Z0-9_-]` (a fixed name blocks replacement). Default: generated.
            description: Default: none.
            shared_code: folders (names under `lambda_src/` or paths) copied into the bundle as packages of their own
                name: `shared_code=["common"]` gives `import common`. Default: none.
            layers: `PythonLayer`s (their content checked) or any `ILayerVersion`; at most 5, runtime and architecture
                matching. Default: none.
            triggers: what invokes it (a trigger or several); `add_trigger` adds more. Default: none.
            alarms: its health alarm on errors, throttles, duration and its queues (`False` warns ALARMS_OFF). Default:
                True.
            deployment: `Deployment.canary(...)`, `.linear(...)` or `.all_at_once(...)`: a version per change, the alias
                `live`, CodeDeploy shifting traffic with rollback. Default: none (each deploy moves all traffic to
                `$LATEST` at once).
            provisioned_concurrency: an int (fixed) or `ProvisionedConcurrency(minimum, maximum)` (scaled), on the
                alias; paid while idle. Default: none.
            snap_start: SnapStart on published versions (Python 3.12+). Default: False.
            async_invokes: True when something outside the library invokes it asynchronously (it then gets the
                on-failure queue even with only queue or API triggers); False never. Default: None (decided by its
                triggers).
            vpc: a VPC to place it in (private subnets). Default: none (outside any VPC).
            vpc_subnets: Default: the VPC's private subnets with egress, else its isolated ones; public subnets are an
                error.
            security_groups: Default: one of its own, with no inbound rules and all outbound.
        """
        check_props(ServerlessFunction.__init__, locals(), unique_id=False)
        with created_uniquely(scope, id):
            super().__init__(scope, id)
        self._id, self._scope = id, scope
        self._path = reads.remember(self, scope, id)  # its path and stack, known without asking Node
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
        if description is not None:
            rules.check_description(self, description)
        releases.check_release(self, deployment, provisioned_concurrency, snap_start, reserved_concurrency,
                               ephemeral_storage_size, self._runtime_name)
        self.shared_code = [self.resolve_source(folder) for folder in shared_code]
        self.layers = list(layers)
        self.bundle: Bundle = self.make_bundle()
        self.log_group: logs.ILogGroup = self.make_log_group()
        self.role: iam.IRole = self.make_role()
        check_code_at_synth(self, self.bundle, self.handler, lambda: self._environment,  # FN_ENV_*, FN_CALL_*
                            lambda: (self.role, self.lambda_service_resources()))
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
        write_metadata(self._cfn_function, {context.SOURCE_METADATA: shown_path(self.source_dir)},
                       function_checkov_skips(in_vpc=vpc is not None, unreserved=reserved_concurrency is None))
        acknowledge_last_stops(self)
        # Releases (deployment.py): a version and the alias every trigger invokes, CodeDeploy shifting it.
        self.deployment = deployment
        self.release: Release = releases.release_of(self, deployment, provisioned_concurrency, snap_start)
        self.version, self.alias = self.release.version, self.release.alias
        self.deployment_group: codedeploy.LambdaDeploymentGroup | None = self.release.deployment_group
        # What every trigger invokes: the alias when there is one (so releases shift its traffic), else $LATEST.
        self.invoke_target: lambda_.IFunction = self.alias or self.function  # pyright: ignore[reportAttributeAccessIssue]
        # Its health: signals gathered while it and its triggers are made, so its alarm is made whole at the end.
        self.alarms = alarms
        self.health = Health(self, f"Function {self._path}", self.alarm_defaults, alarms=alarms)
        self.health.hold()
        self.health.add_from(self.health_signals)
        self.health.show(self.make_dashboard_row())
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
        self.health.release()

    # --- steps a subclass may override -----------------------------------------------------------------

    def resolve_source(self, source: str) -> Path:
        """`"name"` -> `<source_root>/name`; anything with a path separator (or absolute) is a path."""
        return resolve_source(source, self.defaults.source_root)

    def make_bundle(self) -> Bundle:
        """The deployment package: code, shared code and dependencies installed for the runtime, checked.

        `requirements.txt` (or `pyproject.toml` + `uv.lock`) in the source folder is installed for the function's
        Python version and architecture, without Docker; see `constructs_lib.packaging`.
        """
        layers = [layer_info(layer) for layer in self.layers]
        packaging_rules.check_layers(self, len(layers), self._runtime_name, self._architecture_name,
                                     [(info.path, info.runtimes, info.architectures) for info in layers])
        return package_code(
            self, source_dir=self.source_dir, handler=self.handler, shared=self.shared_code,
            target=target_for(self, self._runtime_name, self._architecture_name),
            exclude=self.defaults.asset_exclude, layers=layers,
        )

    def make_log_group(self) -> logs.ILogGroup:
        return log_group(self, "LogGroup", retention=self.defaults.log_retention)

    def make_role(self) -> iam.IRole:
        """A role of its own (`roles.py`): logs only to its own log group, no AWS managed policy."""
        return execution_role(self, "Role", path=self._path, log_group_arn=self.log_group.log_group_arn)  # pyright: ignore[reportReturnType]

    def enable_tracing(self) -> None:
        """Active X-Ray tracing, its `Resource: *` grant kept in the stack's X-Ray policy, which holds nothing else
        (`roles.tracing_policy` says why)."""
        cfn_function = self._cfn_function
        assert isinstance(cfn_function, lambda_.CfnFunction)
        cfn_function.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")
        tracing_policy(self).attach_to_role(self.role)

    # In a VPC (`network.py`)

    def select_subnets(self, vpc: ec2.IVpc, selection: ec2.SubnetSelection | None) -> ec2.SubnetSelection:
        """The subnets asked for, else the private ones with egress (NAT), else the isolated ones; never public."""
        return network.select_subnets(self, vpc, selection, self._check_vpc_endpoints)

    def make_security_group(self, vpc: ec2.IVpc) -> ec2.SecurityGroup:
        """The function's own group: no inbound rules (nothing connects to a function), all outbound."""
        return network.outbound_only_group(self, vpc, self._path)

    def make_vpc_access_policy(self) -> iam.Policy:
        """What Lambda needs to attach the function to the VPC, in a policy of its own."""
        return network.vpc_access_policy(self, self.role)

    def _check_vpc_endpoints(self) -> None:
        assert self.vpc is not None
        network.check_vpc_endpoints(self, self.role, self.vpc, self.lambda_service_resources())

    def lambda_service_resources(self) -> list[str]:
        """ARNs that Lambda itself uses with the function's role (its on-failure queue, the queues it polls), not
        the code: they need no VPC endpoint."""
        own = [self.failure_queue.queue_arn] if self.failure_queue is not None else []
        return own + [arn for t in self.triggers for arn in t.service_resources()]

    @property
    def connections(self) -> ec2.Connections:
        """The function's security groups, for `db.connections.allow_default_port_from(fn)` (in a VPC only)."""
        if self.vpc is None:
            rules.check_no_vpc(self, False, False, connections=True)
        return self.function.connections

    # Where failures go

    def make_failure_destination(self) -> sqs.IQueue:
        """Async invokes (S3, EventBridge rules, direct) that fail every retry land here, not nowhere."""
        d = self.defaults
        queue = dead_letter_queue(
            self, "FailedInvocations", retention=d.failure_queue_retention,
            reason="On-failure destination of the function's async invokes: the last stop, so it has no DLQ.",
        )
        self.invoke_target.configure_async_invoke(  # per qualifier: the alias's invokes need their own
            on_failure=destinations.SqsDestination(queue),  # pyright: ignore[reportArgumentType]
            retry_attempts=d.async_retry_attempts,
            max_event_age=d.async_max_event_age,
        )
        return queue

    # Releases (`deployment.py`: `release_of` calls these in order)

    def make_alias(self, deployment: Deployment | None,
                   provisioned: int | ProvisionedConcurrency | None) -> tuple[lambda_.IVersion, lambda_.Alias]:
        """A version published whenever code or configuration changes, and the alias the triggers invoke."""
        return releases.published_alias(self, self.function, deployment, provisioned, self._path)

    def make_rollback_alarm(self, alias: lambda_.Alias) -> HealthAlarm:
        """The alias's errors and p99 duration, per minute: what a release is judged on."""
        return releases.rollback_alarm(self, alias, function_name=self._function_name, timeout=self.timeout,
                                       path=self._path, defaults=self.alarm_defaults)

    def make_deployment_group(self, deployment: Deployment, version: lambda_.IVersion, alias: lambda_.Alias,
                              rollback: HealthAlarm) -> codedeploy.LambdaDeploymentGroup:
        """CodeDeploy shifts the alias to each new version; the rollback alarm or a failed hook sends it back."""
        return releases.deployment_group(self, deployment, function=self.function, version=version, alias=alias,
                                         rollback=rollback, path=self._path)

    # Health (`health/`)

    def health_signals(self) -> list[Signal]:
        """The function's own signals: errors, throttles, p99 duration near the timeout (failed async invokes are
        added with the on-failure destination, each trigger adds its own)."""
        return function_signals(self._function_name, self.timeout, self.alarm_defaults)

    def make_dashboard_row(self) -> Row:
        """The function's row on the stack's dashboard; its triggers add their queues to it."""
        return function_row(self._id, self._function_name)

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
        self.health.add(*signals)

    @property
    def health_alarms(self) -> list[HealthAlarm]:
        return self.health.alarms

    @property
    def dashboard_row(self) -> Row:
        return self.health.row

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
            self.health.watch_queue(self.failure_queue, "the failed-invocations queue", dead_letters=True,
                                    graph_label=f"{self._id}: failed invokes")
        return self.failure_queue

    @property
    def environment(self) -> Mapping[str, str]:
        """The variables the function gets (yours, the library's and its triggers'), as far as known at synth."""
        return dict(self._environment)

    def add_environment(self, key: str, value: str) -> ServerlessFunction:
        """Add an environment variable, checked like the constructor's `environment`."""
        check_value(self, "environment", {key: value}, Mapping[str, str])
        self._environment[key] = value
        self._check_environment(self._environment)
        self.function.add_environment(key, value)
        return self

    def add_to_role_policy(self, statement: iam.PolicyStatement) -> None:
        """A plain IAM statement on the function's role, as aws-cdk-lib's `Function.add_to_role_policy`: for what no
        `grant_*` method covers (`bucket.grant_read(fn)` and the like are shorter when one does)."""
        check_value(self, "statement", statement, iam.PolicyStatement)
        self.role.add_to_principal_policy(statement)

    @property
    def grant_principal(self) -> iam.IPrincipal:
        return self.role

    @property
    def function_arn(self) -> str:
        return self.function.function_arn

    @property
    def function_name(self) -> str:
        return self.function.function_name

    def _check_environment(self, environment: dict[str, str]) -> None:
        rules.check_environment_reserved(self, environment)
        rules.check_environment_keys(self, environment)
        rules.check_environment_size(self, environment)
        self._environment = environment
