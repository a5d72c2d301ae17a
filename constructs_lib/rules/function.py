"""Rules for a Lambda function's own props."""

from __future__ import annotations

import ast
import datetime as dt
import functools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import NoReturn

from aws_cdk import Duration, Size, SizeRoundingBehavior, Token
from aws_cdk import aws_lambda as lambda_
from constructs import IConstruct

from .. import context, reads
from .. import limits as L
from . import fail, rule, warn


@rule("FN_MEMORY", "Lambda memory size", limit=f"{L.LAMBDA_MEMORY_MIN_MB}..{L.LAMBDA_MEMORY_MAX_MB:,} MB",
      source=L.LAMBDA_LIMITS_URL)
def check_memory_size(construct: IConstruct, memory_size: int) -> None:
    if not L.LAMBDA_MEMORY_MIN_MB <= memory_size <= L.LAMBDA_MEMORY_MAX_MB:
        fail(construct, "FN_MEMORY", f"memory_size={memory_size} MB is outside the range Lambda accepts",
             f"set memory_size between {L.LAMBDA_MEMORY_MIN_MB} and {L.LAMBDA_MEMORY_MAX_MB} (MB).")
    check_memory_quota(construct, memory_size)


@rule("FN_MEMORY_QUOTA", "Lambda memory above new accounts' quota",
      limit=f"new accounts are limited to {L.LAMBDA_MEMORY_NEW_ACCOUNT_MAX_MB:,} MB until the quota is raised",
      source=L.LAMBDA_LIMITS_URL, severity="warning")
def check_memory_quota(construct: IConstruct, memory_size: int) -> None:
    if memory_size > L.LAMBDA_MEMORY_NEW_ACCOUNT_MAX_MB:
        warn(construct, "FN_MEMORY_QUOTA", f"memory_size={memory_size} MB may be refused by a new account",
             "check the account's Lambda memory quota (Service Quotas) before deploying.")


@rule("FN_TIMEOUT", "Lambda timeout", limit=f"1..{L.LAMBDA_TIMEOUT_MAX_S} s (15 minutes)",
      source=L.LAMBDA_LIMITS_URL)
def check_timeout(construct: IConstruct, timeout: Duration) -> None:
    seconds = reads.seconds(timeout)
    if not 1 <= seconds <= L.LAMBDA_TIMEOUT_MAX_S:
        fail(construct, "FN_TIMEOUT", f"timeout={seconds} s is outside the range Lambda accepts",
             "use a timeout of at most 900 s; for longer work use FargateQueueWorker or FargateScheduledTask.")


@rule("FN_EPHEMERAL_STORAGE", "Lambda /tmp size",
      limit=f"{L.LAMBDA_EPHEMERAL_MIN_MB}..{L.LAMBDA_EPHEMERAL_MAX_MB:,} MB", source=L.LAMBDA_LIMITS_URL)
def check_ephemeral_storage(construct: IConstruct, size: Size) -> None:
    mib = size.to_mebibytes(rounding=SizeRoundingBehavior.NONE)  # any unit: Size.gibibytes(1), Size.kibibytes(n)
    if mib != int(mib):
        fail(construct, "FN_EPHEMERAL_STORAGE", f"ephemeral_storage_size={mib:g} MB is not a whole number of MB",
             f"use Size.mebibytes(n) with a whole n between {L.LAMBDA_EPHEMERAL_MIN_MB} and "
             f"{L.LAMBDA_EPHEMERAL_MAX_MB}.")
    mib = int(mib)
    if not L.LAMBDA_EPHEMERAL_MIN_MB <= mib <= L.LAMBDA_EPHEMERAL_MAX_MB:
        fail(construct, "FN_EPHEMERAL_STORAGE", f"ephemeral_storage_size={mib} MB is outside the range Lambda accepts",
             f"use Size.mebibytes(n) with {L.LAMBDA_EPHEMERAL_MIN_MB} <= n <= {L.LAMBDA_EPHEMERAL_MAX_MB}.")


@rule("FN_ENV_RESERVED", "environment variable names Lambda reserves",
      limit=f"{len(L.LAMBDA_RESERVED_ENV_KEYS)} reserved names (AWS_REGION, _HANDLER, ...)", source=L.LAMBDA_ENV_URL)
def check_environment_reserved(construct: IConstruct, environment: Mapping[str, str]) -> None:
    reserved = sorted(set(environment) & L.LAMBDA_RESERVED_ENV_KEYS)
    if reserved:
        fail(construct, "FN_ENV_RESERVED", f"environment sets {', '.join(reserved)}, which Lambda reserves",
             "rename the variable(s); Lambda sets these itself at run time.")


@rule("FN_ENV_KEY", "environment variable name format",
      limit="a letter, then letters, digits or '_'; at least 2 characters", source=L.LAMBDA_ENV_URL)
def check_environment_keys(construct: IConstruct, environment: Mapping[str, str]) -> None:
    bad = [key for key in environment if not re.fullmatch(L.LAMBDA_ENV_KEY_PATTERN, key)]
    if bad:
        fail(construct, "FN_ENV_KEY", f"environment key(s) {', '.join(map(repr, bad))} are not valid names",
             "use names like MY_SETTING: start with a letter, then letters, digits and underscores.")


@rule("FN_ENV_SIZE", "total size of environment variables",
      limit=f"{L.LAMBDA_ENVIRONMENT_MAX_BYTES:,} bytes for all variables, measured as JSON (quotes, colons, commas "
            "and escapes count)", source=L.LAMBDA_LIMITS_URL)
def check_environment_size(construct: IConstruct, environment: Mapping[str, str]) -> None:
    size = environment_size(environment)
    if size > L.LAMBDA_ENVIRONMENT_MAX_BYTES:
        fail(construct, "FN_ENV_SIZE", f"environment is {size:,} bytes as JSON",
             "move large values to SSM Parameter Store or Secrets Manager and pass their names instead.")


def environment_size(environment: Mapping[str, str]) -> int:
    """Bytes of the variables as Lambda measures them: JSON. Tokens (known at deploy) count as empty."""
    measured = {k: "" if context.unresolved(v) else v for k, v in environment.items()}
    return len(json.dumps(measured, separators=(",", ":"), ensure_ascii=False).encode())


@rule("FN_RESERVED_CONCURRENCY", "reserved concurrency is not negative", limit="reserved_concurrency >= 0",
      source=L.LAMBDA_LIMITS_URL)
def check_reserved_concurrency(construct: IConstruct, reserved: int) -> None:
    if reserved < 0:
        fail(construct, "FN_RESERVED_CONCURRENCY", f"reserved_concurrency={reserved} is negative",
             "use 0 (function disabled) or a positive number, or leave it unset.")
    check_reserved_concurrency_quota(construct, reserved)


@rule("FN_RESERVED_CONCURRENCY_QUOTA", "reserved concurrency within the account quota",
      limit=(f"account concurrency {L.LAMBDA_ACCOUNT_CONCURRENCY:,} (adjustable) minus "
             f"{L.LAMBDA_UNRESERVED_CONCURRENCY_MIN} that AWS keeps unreserved"),
      source=L.LAMBDA_LIMITS_URL, severity="warning")
def check_reserved_concurrency_quota(construct: IConstruct, reserved: int) -> None:
    most = L.LAMBDA_ACCOUNT_CONCURRENCY - L.LAMBDA_UNRESERVED_CONCURRENCY_MIN
    if reserved > most:
        warn(construct, "FN_RESERVED_CONCURRENCY_QUOTA",
             f"reserved_concurrency={reserved} exceeds the {most} a default account can reserve",
             "raise the account's concurrency quota first, or reserve less.")


@rule("FN_NAME", "function name format", limit=f"1..{L.LAMBDA_FUNCTION_NAME_MAX} of [a-zA-Z0-9_-]",
      source=L.LAMBDA_LIMITS_URL)
def check_function_name(construct: IConstruct, name: str) -> None:
    if Token.is_unresolved(name):
        return
    if len(name) > L.LAMBDA_FUNCTION_NAME_MAX or not re.fullmatch(L.LAMBDA_FUNCTION_NAME_PATTERN, name):
        fail(construct, "FN_NAME", f"function_name={name!r} is not a valid Lambda function name",
             "use at most 64 letters, digits, '-' and '_', or leave function_name unset (recommended: "
             "a fixed name blocks replacement and clashes across stages).")


@rule("FN_DESCRIPTION", "function description length", limit=f"at most {L.LAMBDA_DESCRIPTION_MAX} characters",
      source=L.LAMBDA_CREATE_FUNCTION_URL)
def check_description(construct: IConstruct, description: str) -> None:
    if len(description) > L.LAMBDA_DESCRIPTION_MAX:
        fail(construct, "FN_DESCRIPTION", f"description is {len(description):,} characters",
             f"shorten it to {L.LAMBDA_DESCRIPTION_MAX} characters (keep the rest in the README or a tag).")


@rule("FN_RUNTIME", "a Python runtime Lambda still creates functions with",
      limit="a Python runtime before its block-create date", source=L.LAMBDA_RUNTIMES_URL)
def check_runtime(construct: IConstruct, runtime: lambda_.Runtime, *, today: dt.date | None = None) -> None:
    name = reads.attribute(runtime, "name")
    if reads.attribute(runtime, "family") != lambda_.RuntimeFamily.PYTHON:
        fail(construct, "FN_RUNTIME", f"runtime={name} is not a Python runtime",
             "this library builds Python functions: pass lambda_.Runtime.PYTHON_3_14 or leave runtime unset.")
    lifecycle = L.PYTHON_RUNTIME_LIFECYCLE.get(name)
    if lifecycle is None:
        return
    deprecated, block_create, block_update = lifecycle
    today = today or dt.date.today()
    if block_create <= today:
        fail(construct, "FN_RUNTIME", f"runtime={name}: Lambda blocks creating functions with it since "
             f"{block_create} (deprecated {deprecated}; updates blocked from {block_update})",
             "move to a current runtime (leave runtime unset for the newest).")
    if deprecated <= today:
        check_runtime_deprecated(construct, name, deprecated, block_create)


@rule("FN_RUNTIME_DEPRECATED", "a Python runtime past its deprecation date", severity="warning",
      limit="deprecated runtimes get no security patches; Lambda blocks creating functions with them later",
      source=L.LAMBDA_RUNTIMES_URL)
def check_runtime_deprecated(construct: IConstruct, name: str, deprecated: dt.date, block_create: dt.date) -> None:
    warn(construct, "FN_RUNTIME_DEPRECATED", f"runtime={name} was deprecated on {deprecated}; new functions are "
         f"refused from {block_create}", "move to a current runtime (leave runtime unset for the newest).")


@rule("FN_HANDLER", "handler names a function that exists in the source folder",
      limit="handler 'module.function' (at most 128 characters) that Lambda can import",
      source="https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html")
def check_handler(construct: IConstruct, source_dir: Path, handler: str) -> None:
    parts = handler.split(".")
    if len(handler) > L.LAMBDA_HANDLER_MAX or len(parts) < 2 or not all(p.isidentifier() for p in parts):
        fail(construct, "FN_HANDLER", f"handler={handler!r} is not of the form 'module.function'",
             "use e.g. 'lambda_function.lambda_handler' (file lambda_function.py, function lambda_handler).")
    *module_parts, function_name = parts
    module_file = source_dir.joinpath(*module_parts).with_suffix(".py")
    package_init = source_dir.joinpath(*module_parts, "__init__.py")
    module_path = module_file if module_file.is_file() else package_init
    if not module_path.is_file():
        present = sorted(p.name for p in source_dir.glob("*.py"))
        fail(construct, "FN_HANDLER", f"handler={handler!r} needs {module_file}, which does not exist "
             f"(the folder holds: {', '.join(present) or 'no .py files'})",
             "create the module or pass handler='<module>.<function>' naming an existing one.")
    if function_name not in _top_level_names(module_path):
        fail(construct, "FN_HANDLER", f"handler={handler!r}: {module_path.name} defines no top-level "
             f"'{function_name}'", f"define `def {function_name}(event, context):` in {module_path}.")


def _top_level_names(module_path: Path) -> frozenset[str]:
    """The names a module defines at its top level (parsed once per file version: functions often share one)."""
    status = module_path.stat()
    return _parsed_names(module_path, status.st_size, status.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _parsed_names(module_path: Path, size: int, mtime_ns: int) -> frozenset[str]:
    tree = ast.parse(module_path.read_text(), filename=str(module_path))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names)
    return frozenset(names)


@rule("FN_SOURCE", "the source folder exists", limit="a folder holding the handler's module",
      source="https://docs.aws.amazon.com/lambda/latest/dg/python-package.html")
def check_source_dir(construct: IConstruct, source: str, source_dir: Path) -> None:
    """After `check_source_text`, which callers run before they turn `source` into a path."""
    if not source_dir.is_dir():
        fail(construct, "FN_SOURCE", f"source={source!r} resolves to {source_dir}, which is not a folder",
             "pass the name of a folder under lambda_src/ or a path to the function's code folder "
             "(relative paths resolve from the folder holding cdk.json).")


def check_source_text(construct: IConstruct, source: str, prop: str = "source") -> None:
    """A path the file system can take: not empty, no NUL byte, not absurdly long (before any Path call)."""
    if not source.strip() or "\0" in source or len(source) > 4096:
        fail(construct, "FN_SOURCE", f"{prop}={source[:80]!r} is not a usable folder name or path",
             "pass the name of a folder under lambda_src/ or a path to the function's code folder.")


@rule("TRIGGER_REUSE", "a trigger object serves one function",
      limit="a trigger creates per-function resources (queue, rule, schedule) when bound",
      source="https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html")
def check_trigger_not_bound(construct: IConstruct, trigger_name: str, bound_to: str | None) -> None:
    if bound_to is not None:
        fail(construct, "TRIGGER_REUSE", f"this {trigger_name} is already bound to {bound_to}",
             f"create a separate {trigger_name}(...) for each function; to share a queue, pass the same queue "
             "to each QueueTrigger.")


@rule("FN_ASYNC_INVOKES", "async_invokes=False with a trigger that invokes asynchronously",
      limit="S3, EventBridge and Scheduler invoke asynchronously: after the retries a failed event goes to the "
            "on-failure destination, or is dropped", source="https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html")
def check_async_invokes(construct: IConstruct, trigger_name: str, async_invokes: bool | None) -> None:
    if async_invokes is False:
        fail(construct, "FN_ASYNC_INVOKES", f"async_invokes=False, but {trigger_name} invokes it asynchronously",
             "leave async_invokes unset (its failed events then land in the function's failure_queue).")


@rule("URL_ONE", "one function URL per function", limit="a function (or alias) has at most one function URL",
      source=L.LAMBDA_URL_URL)
def check_one_url(construct: IConstruct, has_url: bool) -> None:
    if has_url:
        fail(construct, "URL_ONE", "a second UrlTrigger", "keep one UrlTrigger per function; route paths in the "
             "handler, or use ServerlessApi with ApiTriggers for several routes.")


@rule("FN_VPC_SUBNETS", "a function in a VPC gets private subnets",
      limit="vpc_subnets and security_groups need a vpc; subnets that exist in it, none public (a function gets no "
            "public IP, so a public subnet gives it no internet)", source=L.LAMBDA_VPC_URL)
def check_no_vpc(construct: IConstruct, has_subnets: bool, has_groups: bool, connections: bool = False) -> None:
    if has_subnets or has_groups:
        given = "vpc_subnets" if has_subnets else "security_groups"
        fail(construct, "FN_VPC_SUBNETS", f"{given} without vpc", f"pass vpc= too, or drop {given}.")
    if connections:
        fail(construct, "FN_VPC_SUBNETS", "connections of a function outside a VPC",
             "pass vpc= (and the subnets) to the function to connect it to resources in the VPC.")


def check_subnets(construct: IConstruct, selected: list[str], public: set[str]) -> None:
    chosen = [s for s in selected if s in public]
    if chosen:
        fail(construct, "FN_VPC_SUBNETS", f"vpc_subnets selects public subnet(s) {', '.join(chosen)}",
             "use SubnetSelection(subnet_type=SubnetType.PRIVATE_WITH_EGRESS) (internet through NAT) or "
             "PRIVATE_ISOLATED with VPC endpoints.")


def fail_no_subnets(construct: IConstruct, problems: list[str], asked: bool) -> NoReturn:
    if asked:
        fail(construct, "FN_VPC_SUBNETS", f"vpc_subnets selects no subnet ({'; '.join(problems)})",
             "select subnets the VPC has, e.g. SubnetSelection(subnet_type=SubnetType.PRIVATE_WITH_EGRESS).")
    fail(construct, "FN_VPC_SUBNETS", "the VPC has no private subnets (with egress or isolated), only public ones",
         "add private subnets to the VPC (subnet_configuration with PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED).")


@rule("FN_VPC_ENDPOINTS", "isolated subnets have endpoints for the services the function is granted",
      limit="from an isolated subnet AWS APIs are reachable only through VPC endpoints (gateway for S3 and DynamoDB, "
            "interface for the others)", source=L.LAMBDA_VPC_URL, severity="warning")
def check_vpc_endpoints(construct: IConstruct, missing: list[str]) -> None:
    if missing:
        fix = ", ".join(f"vpc.add_gateway_endpoint('{m.upper()}', service=GatewayVpcEndpointAwsService."
                        f"{'DYNAMODB' if m == 'dynamodb' else 'S3'})" if m in ("s3", "dynamodb")
                        else f"vpc.add_interface_endpoint('{m.upper()}', service=InterfaceVpcEndpointAwsService("
                        f"'{m}'))" for m in missing)
        warn(construct, "FN_VPC_ENDPOINTS", f"the function runs in isolated subnets and is granted "
             f"{', '.join(missing)} with no VPC endpoint for it: those calls would time out",
             f"add {fix}; or use PRIVATE_WITH_EGRESS subnets (NAT).")
