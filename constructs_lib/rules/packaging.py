"""Rules for a function's deployment package: dependencies, size, imports, shared code and layers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import NoReturn

from constructs import IConstruct

from .. import limits as L
from ..packaging.aws_calls import AwsCall, Unchecked
from ..packaging.environment import EnvRead
from ..packaging.imports import ImportProblem
from ..packaging.installer import InstallError, Target
from ..packaging.sdk_actions import access_level
from . import fail, rule, warn

_INSTALL_URL = "https://docs.aws.amazon.com/lambda/latest/dg/python-package.html"


def _mb(size: int) -> str:
    """In AWS's MB (MiB): the quota page's 250 MB is 262,144,000 bytes."""
    return f"{size / 1024 / 1024:,.1f} MB"


def _tail(output: str, lines: int = 6) -> str:
    text = "\n".join(output.strip().splitlines()[-lines:])
    return f"\n{text}\n" if text else " "


@rule("FN_DEPENDENCIES", "dependencies install for the function's runtime and architecture",
      limit="every requirement resolves to wheels (or pure-Python sources) for the target", source=_INSTALL_URL)
def fail_install(construct: IConstruct, lock: Path, target: Target, error: InstallError) -> None:
    fail(construct, "FN_DEPENDENCIES", f"installing {lock} for Python {target.python} on {target.platform} "
         f"failed: {error}:{_tail(error.output)}", "fix the requirement uv names above, then synth again.")


@rule("FN_DEPENDENCY_NO_WHEEL", "every dependency has a wheel for the target",
      limit="Lambda runs Linux (manylinux wheels) on arm64 or x86_64; a package without a matching wheel "
            "cannot be installed without building it there", source=_INSTALL_URL)
def fail_no_wheel(construct: IConstruct, lock: Path, target: Target, error: InstallError) -> None:
    other = "X86_64" if target.architecture == "arm64" else "ARM_64"
    fail(construct, "FN_DEPENDENCY_NO_WHEEL", f"{lock}: {error}:{_tail(error.output, 3)}",
         f"pin a version of {error.package} that publishes a wheel for {target.platform}, or set "
         f"architecture=lambda_.Architecture.{other} if the package only has wheels for that, or replace it.")


@rule("FN_DEPENDENCY_NATIVE_SDIST", "no native code built on the synth host",
      limit="a source distribution with native code would be compiled for the host, not for Lambda",
      source=_INSTALL_URL)
def fail_native_sdist(construct: IConstruct, lock: Path, target: Target, error: InstallError) -> None:
    fail(construct, "FN_DEPENDENCY_NATIVE_SDIST", f"{lock}: {error}",
         f"pin a version of {error.package} that publishes a manylinux wheel for {target.platform}, or publish "
         "such a wheel to your own index (--find-links in requirements.txt).")


@rule("FN_DEPENDENCIES_OFFLINE", "dependencies are in the cache or the index is reachable",
      limit="an install needs the package index unless the same lock was installed before (the cache)",
      source=_INSTALL_URL)
def fail_offline(construct: IConstruct, lock: Path, target: Target, error: InstallError) -> None:
    fail(construct, "FN_DEPENDENCIES_OFFLINE", f"{lock}: the package index could not be reached and no cached "
         f"install of these requirements for Python {target.python} on {target.platform} exists",
         "synth once with network access (the install is cached by content after that), or point "
         "UV_INDEX_URL / --find-links at a mirror you can reach.")


@rule("FN_DEPENDENCY_HASH", "pinned hashes match", limit="with --hash pins, every file must match its hash",
      source="https://pip.pypa.io/en/stable/topics/secure-installs/")
def fail_hash(construct: IConstruct, lock: Path, target: Target, error: InstallError) -> None:
    fail(construct, "FN_DEPENDENCY_HASH", f"{lock}: {error}:{_tail(error.output)}",
         "regenerate the hashes from a trusted source (uv pip compile --generate-hashes, or pip-compile), "
         "and check why the file changed.")


@rule("FN_DEPENDENCIES_LOCK", "a pyproject.toml with dependencies comes with its uv.lock",
      limit="pyproject.toml dependencies are installed from uv.lock, so every synth ships the same versions",
      source="https://docs.astral.sh/uv/concepts/projects/layout/#the-lockfile")
def fail_lock(construct: IConstruct, error: InstallError) -> NoReturn:
    fail(construct, "FN_DEPENDENCIES_LOCK", f"{error}{_tail(error.output, 4)}",
         "run `uv lock` in the function's folder and commit uv.lock, or list the dependencies in requirements.txt.")


def fail_install_error(construct: IConstruct, lock: Path, target: Target, error: InstallError) -> None:
    {"no_wheel": fail_no_wheel, "native_sdist": fail_native_sdist, "offline": fail_offline,
     "hash": fail_hash}.get(error.kind, fail_install)(construct, lock, target, error)


@rule("FN_PACKAGE_SIZE", "deployment package size, unzipped",
      limit=f"{L.LAMBDA_PACKAGE_UNZIPPED_MAX_BYTES / 1024 / 1024:,.0f} MB unzipped, the function and its layers "
            "together", source=L.LAMBDA_LIMITS_URL)
def check_unzipped_size(construct: IConstruct, unzipped: int, largest: list[tuple[str, int]]) -> None:
    if unzipped > L.LAMBDA_PACKAGE_UNZIPPED_MAX_BYTES:
        fail(construct, "FN_PACKAGE_SIZE", f"the function and its layers are {_mb(unzipped)} unzipped; the largest "
             f"packages: {', '.join(f'{n} {_mb(s)}' for n, s in largest) or 'none'}",
             "drop or replace the largest packages, move data files to S3, or use a container image "
             "(up to 10 GB).")


@rule("FN_PACKAGE_ZIPPED_SIZE", "deployment package size, zipped",
      limit=f"{L.LAMBDA_PACKAGE_ZIPPED_MAX_BYTES / 1024 / 1024:,.0f} MB zipped for a direct upload (the console, "
            "`update-function-code --zip-file`); CDK deploys through S3, where only the unzipped limit applies",
      source=L.LAMBDA_LIMITS_URL, severity="warning")
def check_zipped_size(construct: IConstruct, zipped: int, largest: list[tuple[str, int]]) -> None:
    if zipped > L.LAMBDA_PACKAGE_ZIPPED_MAX_BYTES:
        warn(construct, "FN_PACKAGE_ZIPPED_SIZE", f"the deployment package is about {_mb(zipped)} zipped; the "
             f"largest packages: {', '.join(f'{n} {_mb(s)}' for n, s in largest) or 'none'}",
             "keep deploying through CDK (S3), or make the package smaller to edit it in the console.")


_IMPORT_URL = "https://docs.aws.amazon.com/lambda/latest/dg/python-package.html"


def _import_message(problems: list[ImportProblem], originals: dict[Path, Path]) -> str:
    lines = []
    for p in problems:
        where = f"{originals.get(p.file, p.file)}:{p.line}"
        if p.reason == "relative":
            lines.append(f"{where} imports {p.module!r} relatively from a top-level module")
        else:
            lines.append(f"{where} imports {p.module!r}, which is in neither the bundle nor the runtime")
    return "; ".join(lines)


def _import_fix(problems: list[ImportProblem]) -> str:
    if all(p.reason == "relative" for p in problems):
        return ("Lambda imports the handler's module as a top-level module: use absolute imports "
                "(`import helpers`), or move the code into a package folder.")
    modules = sorted({p.module.split(".")[0] for p in problems
                      if p.reason == "missing" and not p.module.startswith(".")})
    return (f"add the package(s) providing {', '.join(modules) or 'them'} to requirements.txt in the function's "
            "folder, add the folder holding them with shared_code=[...], or fix the import.")


@rule("FN_IMPORT", "what the handler imports at load time exists in the bundle or the runtime",
      limit="a missing module fails every invoke with Runtime.ImportModuleError", source=_IMPORT_URL)
def check_imports(construct: IConstruct, problems: list[ImportProblem], originals: dict[Path, Path],
                  *, unknown_layers: int) -> None:
    if not problems:
        return
    if unknown_layers:
        warn_imports_unverified(construct, problems, originals, unknown_layers)
        return
    fail(construct, "FN_IMPORT", _import_message(problems, originals), _import_fix(problems))


@rule("FN_IMPORT_UNVERIFIED", "imports that only a layer of unknown content could provide",
      limit="a missing module fails every invoke with Runtime.ImportModuleError; a layer given by ARN cannot "
            "be inspected at synth", source=_IMPORT_URL, severity="warning")
def warn_imports_unverified(construct: IConstruct, problems: list[ImportProblem], originals: dict[Path, Path],
                            unknown_layers: int) -> None:
    warn(construct, "FN_IMPORT_UNVERIFIED", _import_message(problems, originals) +
         f" (unless one of the {unknown_layers} layer(s) provides it)",
         "make sure a layer provides it, or use PythonLayer (its content is checked), or add it to requirements.txt.")


@rule("FN_SHARED_CODE", "shared code folders exist and do not clash with the function's files",
      limit="each shared folder ships as a package of its own name at the bundle's root",
      source=_IMPORT_URL)
def check_shared_code(construct: IConstruct, source_dir: Path | None, shared: list[Path]) -> None:
    names: dict[str, Path] = {}
    for folder in shared:
        if not folder.is_dir():
            fail(construct, "FN_SHARED_CODE", f"shared_code folder {folder} does not exist",
                 "pass the name of a folder under lambda_src/ (e.g. 'common') or a path to it.")
        clash = names.get(folder.name) or (source_dir and (
            (source_dir / folder.name).exists() or (source_dir / f"{folder.name}.py").exists()) and source_dir)
        if clash:
            fail(construct, "FN_SHARED_CODE", f"shared_code folder {folder} ships as '{folder.name}/', which "
                 f"{clash} also has", "rename one of them: both would land at the same place in the bundle.")
        names[folder.name] = folder


@rule("FN_LAYERS", "layers fit the function",
      limit=f"at most {L.LAMBDA_LAYERS_MAX} layers; each compatible with the function's runtime and architecture",
      source="https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html")
def check_layers(construct: IConstruct, count: int, runtime: str, architecture: str,
                 layers: list[tuple[str, list[str] | None, list[str] | None]]) -> None:
    """`layers`: (path, compatible runtimes or None if unknown, compatible architectures or None)."""
    if count > L.LAMBDA_LAYERS_MAX:
        fail(construct, "FN_LAYERS", f"{count} layers", f"use at most {L.LAMBDA_LAYERS_MAX}: merge layers, or "
             "bundle the code with shared_code / requirements.txt instead.")
    for path, runtimes, architectures in layers:
        if runtimes is not None and runtimes and runtime not in runtimes:
            fail(construct, "FN_LAYERS", f"layer {path} supports {', '.join(runtimes)}, not {runtime}",
                 f"publish the layer for {runtime} (compatible_runtimes), or use a runtime it supports.")
        if architectures is not None and architectures and architecture not in architectures:
            fail(construct, "FN_LAYERS", f"layer {path} is built for {', '.join(architectures)}, not {architecture}",
                 f"build the layer for {architecture}, or set the function's architecture to match it.")


def _read_at(read: EnvRead) -> str:
    return f"{_at(read.file, read.line)} reads {read.written}"


def _at(path: Path, line: int) -> str:
    try:
        file = path.relative_to(Path.cwd())  # the app's folder, where cdk synth runs
    except ValueError:
        file = path
    return f"{file}:{line}"


@rule("FN_ENV_UNSET", "every variable the handler reads with os.environ[...] is set",
      limit="Lambda sets the function's environment and its reserved variables, nothing else: a variable read with "
            "[] that is not set is a KeyError on the invoke that reads it", source=L.LAMBDA_ENV_URL)
def check_environment_reads(construct: IConstruct, reads: list[EnvRead], environment: Mapping[str, str]) -> None:
    unset = [r for r in reads if r.name not in environment and r.name not in L.LAMBDA_RESERVED_ENV_KEYS
             and r.name not in L.LAMBDA_RUNTIME_ENV_KEYS]
    missing = [r for r in unset if r.required]
    if missing:
        names = sorted({r.name for r in missing})
        fail(construct, "FN_ENV_UNSET", "; ".join(f"{_read_at(r)}, which the function does not set" for r in missing),
             "set it: environment={" + ", ".join(f'"{n}": ...' for n in names) + "} (or fn.add_environment("
             f'"{names[0]}", ...), e.g. with a table\'s table_name), or read it with .get() and a default.')
    for read in unset:
        if not read.has_default:
            warn_environment_get(construct, read)


@rule("FN_ENV_GET", "a variable read with .get() or getenv() without a default is set",
      limit="an unset variable reads as None: the code goes on with None", source=L.LAMBDA_ENV_URL,
      severity="warning")
def warn_environment_get(construct: IConstruct, read: EnvRead) -> None:
    warn(construct, "FN_ENV_GET", f"{_read_at(read)} without a default, which the function does not set",
         f'set it (environment={{"{read.name}": ...}}), or give the read a default.')


# What the handler calls, the role allows (packaging/aws_calls.py finds the calls, roles.py reads the grants)

# The grant that gives an action, as aws-cdk-lib's L2s name it: by action, else by service and access level.
_GRANT_FOR_ACTION = {
    "sqs:SendMessage": "queue.grant_send_messages(fn)",
    "sqs:ReceiveMessage": "queue.grant_consume_messages(fn)",
    "sqs:DeleteMessage": "queue.grant_consume_messages(fn)",
    "sqs:ChangeMessageVisibility": "queue.grant_consume_messages(fn)",
    "sqs:PurgeQueue": "queue.grant_purge(fn)",
    "sns:Publish": "topic.grant_publish(fn)",
    "events:PutEvents": "bus.grant_put_events_to(fn)",
    "lambda:InvokeFunction": "other_function.grant_invoke(fn)",
    "states:StartExecution": "state_machine.grant_start_execution(fn)",
    "states:StartSyncExecution": "state_machine.grant_start_sync_execution(fn)",
    "secretsmanager:GetSecretValue": "secret.grant_read(fn)",
    "ssm:GetParameter": "parameter.grant_read(fn)",
    "ssm:GetParameters": "parameter.grant_read(fn)",
    "kms:Decrypt": "key.grant_decrypt(fn)",
    "kms:Encrypt": "key.grant_encrypt(fn)",
    "kms:GenerateDataKey": "key.grant_encrypt_decrypt(fn)",
    "s3:DeleteObject": "bucket.grant_delete(fn)",
    "kinesis:PutRecord": "stream.grant_write(fn)",
    "kinesis:PutRecords": "stream.grant_write(fn)",
    "firehose:PutRecord": "delivery_stream.grant_put_records(fn)",
    "firehose:PutRecordBatch": "delivery_stream.grant_put_records(fn)",
    "cloudwatch:PutMetricData": "cloudwatch.Metric.grant_put_metric_data(fn)",
    "execute-api:ManageConnections": "web_socket_stage.grant_management_api_access(fn)",
}
_GRANT_FOR_LEVEL = {
    ("s3", "Read"): "bucket.grant_read(fn)", ("s3", "List"): "bucket.grant_read(fn)",
    ("s3", "Write"): "bucket.grant_put(fn) (or grant_write)",
    ("dynamodb", "Read"): "table.grant_read_data(fn)", ("dynamodb", "List"): "table.grant_read_data(fn)",
    ("dynamodb", "Write"): "table.grant_write_data(fn)",
    ("kinesis", "Read"): "stream.grant_read(fn)", ("kinesis", "List"): "stream.grant_read(fn)",
}


def grant_for(action: str) -> str:
    """The call that grants `action`: an L2's grant method where one exists, else a plain statement."""
    known = _GRANT_FOR_ACTION.get(action) or _GRANT_FOR_LEVEL.get((action.split(":")[0], access_level(action)))
    statement = f'fn.add_to_role_policy(iam.PolicyStatement(actions=["{action}"], resources=[...]))'
    return f"{known} (or {statement})" if known else statement


@rule("FN_CALL_NOT_GRANTED", "every AWS call the handler makes is allowed by the function's role",
      limit="a call the role does not allow fails with AccessDenied (is not authorized to perform: <action>) "
            "on the invoke that makes it; an identity-based policy must allow it", source=L.IAM_POLICY_EVALUATION_URL)
def fail_calls_not_granted(construct: IConstruct, denied: list[tuple[AwsCall, list[str]]]) -> None:
    problems = [f"{_at(call.file, call.line)} calls {call.written}, which needs {', '.join(missing)}: the role "
                "does not allow it" for call, missing in denied]
    actions = sorted({action for _, missing in denied for action in missing})
    fail(construct, "FN_CALL_NOT_GRANTED", "; ".join(problems),
         "grant it where the resource is defined: " + "; ".join(f"{a}: {grant_for(a)}" for a in actions) + ".")


@rule("FN_CALL_NOT_CHECKED", "every AWS call the handler makes can be checked against the role",
      limit="calls through a client handed to another function, a service or operation named at run time, or an "
            "operation with no known IAM action are not checked at synth; AWS still checks them on invoke",
      source=L.IAM_POLICY_EVALUATION_URL, severity="warning")
def warn_calls_not_checked(construct: IConstruct, unchecked: list[Unchecked]) -> None:
    warn(construct, "FN_CALL_NOT_CHECKED", f"{len(unchecked)} AWS call(s) of the handler are not checked against "
         "the role: " + "; ".join(f"{_at(u.file, u.line)} {u.why}" for u in unchecked),
         "create the client where it is used (a module-level `s3 = boto3.client(\"s3\")` is followed), or "
         "acknowledge once the role is known to allow what those calls need.")


@rule("FN_GRANT_UNUSED", "the function's role allows only what its code calls",
      limit="grant least privilege: actions no code of the function calls are permissions an attacker with the "
            "function's credentials gets for free", source=L.IAM_LEAST_PRIVILEGE_URL, severity="warning")
def warn_unused_grants(construct: IConstruct, unused: list[tuple[str, list[str]]]) -> None:
    warn(construct, "FN_GRANT_UNUSED", "the role has grants no call of the handler's code uses: " + "; ".join(
        f"{', '.join(actions)} on {resource}" for resource, actions in unused),
         "remove the grant (for an S3Trigger whose handler reads only the event: read=False); if a library the "
         "code uses makes those calls (Powertools, an SDK wrapper), acknowledge with that reason.")
