"""A construct's code, packaged and checked: what `ServerlessFunction` and `PythonLayer` call. Every problem is a
`ConfigError` (or a warning) on the construct; the modules beside this one work without any construct."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from aws_cdk import aws_iam as iam
from constructs import IConstruct

from .. import context
from ..network import NOT_FROM_CODE
from ..render import before_synth
from ..roles import Granted, action_matches, attached_grants, grants_of
from ..rules import packaging as rules
from . import LayerInfo
from .aws_calls import AwsCall, CallsFound, Unchecked, aws_calls
from .bundle import Bundle, build_bundle
from .environment import EnvRead, environment_reads
from .imports import ImportProblem, check_imports
from .installed import RUNTIME_PROVIDED_MODULES, Dependencies
from .installer import InstallError, Target, find_lock, install
from .sdk_actions import sdk_data
from .stdlib import stdlib_modules


def target_for(construct: IConstruct, runtime_name: str, architecture_name: str) -> Target:
    if context.flag(construct, context.INSTALL_FOR_HOST):  # a local AWS runs handlers on this machine's Python
        return Target.host()
    return Target.for_lambda(runtime_name, architecture_name)


def install_dependencies(construct: IConstruct, folder: Path, target: Target) -> Dependencies | None:
    """The folder's requirements installed for `target` (cached), or None when it declares none."""
    try:
        lock = find_lock(folder)
    except InstallError as error:
        rules.fail_lock(construct, error)
    if lock is None:
        return None
    try:
        return install(lock, target)
    except InstallError as error:
        if error.kind == "lock":
            rules.fail_lock(construct, error)
        rules.fail_install_error(construct, lock.path, target, error)
    raise AssertionError("unreachable")  # every rule above raises


def _import_problems(bundle: Bundle, handler_module: str, available: frozenset[str]) -> list[ImportProblem]:
    """`check_imports` of a bundle, once per bundle, handler and available modules: the bundle's folder is named by
    its content hash, so the answer holds for every function that shares it. The files it follows (the code
    Lambda loads with the handler) are kept for `environment_reads_of`."""
    key = (bundle.path, handler_module, available)
    if key not in _IMPORT_PROBLEMS:
        loaded: list[Path] = []
        _IMPORT_PROBLEMS[key] = check_imports([bundle.path], handler_module, available, ours=bundle.code.keys(),
                                              visited=loaded)
        _LOADED[(bundle.path, handler_module)] = loaded
    return list(_IMPORT_PROBLEMS[key])


_IMPORT_PROBLEMS: dict[tuple[Path, str, frozenset[str]], list[ImportProblem]] = {}
_LOADED: dict[tuple[Path, str], list[Path]] = {}
_ENV_READS: dict[tuple[Path, str], list[EnvRead]] = {}


def environment_reads_of(bundle: Bundle, handler: str) -> list[EnvRead]:
    """The environment variables the handler's code reads (the files its module loads, followed as the import
    check follows them), with the user's own file paths; once per bundle and handler."""
    key = (bundle.path, handler.rsplit(".", 1)[0])
    if key not in _ENV_READS:
        found = environment_reads(_LOADED.get(key, []))
        _ENV_READS[key] = [replace(r, file=bundle.code.get(r.file, r.file)) for r in found]
    return _ENV_READS[key]


def aws_calls_of(bundle: Bundle, handler: str) -> CallsFound:
    """The AWS calls the handler's code makes (the files its module loads), with the user's own file paths; once
    per bundle and handler."""
    key = (bundle.path, handler.rsplit(".", 1)[0])
    if key not in _AWS_CALLS:
        found = aws_calls(_LOADED.get(key, []), bundle.path)
        _AWS_CALLS[key] = CallsFound([replace(c, file=bundle.code.get(c.file, c.file)) for c in found.calls],
                                     [replace(u, file=bundle.code.get(u.file, u.file)) for u in found.unchecked])
    return _AWS_CALLS[key]


_AWS_CALLS: dict[tuple[Path, str], CallsFound] = {}


def check_code_at_synth(construct: IConstruct, bundle: Bundle, handler: str,
                        environment: Callable[[], Mapping[str, str]],
                        role: Callable[[], tuple[iam.IRole, Sequence[str]]]) -> None:
    """Once the app is complete (triggers, grants and `add_environment` have added theirs), what the handler's code
    reads and calls against what the function is given:
    - every variable read with `os.environ[...]` is set (FN_ENV_UNSET), a `.get` without a default is said
      (FN_ENV_GET);
    - every AWS call is allowed by the role (FN_CALL_NOT_GRANTED), what cannot be followed is said
      (FN_CALL_NOT_CHECKED), and so are grants no call uses (FN_GRANT_UNUSED).
    `role` gives the role and the ARNs Lambda itself uses with it (its polled queues and streams, its on-failure
    queues)."""
    reads = environment_reads_of(bundle, handler)
    if reads:
        before_synth(construct, lambda: rules.check_environment_reads(construct, reads, environment()))
    found = aws_calls_of(bundle, handler)
    before_synth(construct, lambda: check_calls(construct, found, *role()))


def check_calls(construct: IConstruct, found: CallsFound, role: iam.IRole, lambda_resources: Sequence[str]) -> None:
    grants = grants_of(role, lambda_resources)
    if grants is None:
        return  # a role the user made (`make_role` overridden): its grants are wherever they put them
    unchecked = list(found.unchecked)
    denied = _denied(found.calls, grants)
    if denied:  # before failing, what else the stack attaches to the role
        attached, unseen = attached_grants(role)
        denied = _denied([call for call, _ in denied], attached + grants)
        if denied and unseen:
            unchecked += [Unchecked(call.file, call.line, f"{call.written} needs {', '.join(missing)}, which only "
                                    f"a managed policy of the role ({', '.join(unseen)}) may allow", call.service)
                          for call, missing in denied]
        elif denied:
            rules.fail_calls_not_granted(construct, denied)
    if unchecked:
        rules.warn_calls_not_checked(construct, unchecked)
    unused = _unused(grants, found.calls, unchecked)
    if unused:
        rules.warn_unused_grants(construct, unused)


def _denied(calls: Sequence[AwsCall], grants: Sequence[Granted]) -> list[tuple[AwsCall, list[str]]]:
    denied = [(call, [a for a in call.actions if not any(g.allows(a) for g in grants)]) for call in calls]
    return [(call, missing) for call, missing in denied if missing]


# Granted for the code's resources, but used by AWS on the code's behalf, not called: KMS keys of encrypted buckets,
# queues and tables (decrypting what is read), and what Lambda itself calls (logs, X-Ray, network interfaces).
_NOT_CALLED = NOT_FROM_CODE | {"kms"}


def _unused(grants: Sequence[Granted], calls: Sequence[AwsCall],
            unchecked: Sequence[Unchecked]) -> list[tuple[str, list[str]]]:
    """Per resource, the actions of the grant statements no call of the code makes use of. A statement some call
    uses counts as used whole: aws-cdk-lib's grants are bundles (`grant_put` is PutObject with its tagging,
    retention and multipart-abort companions), which no user can narrow without writing IAM by hand. Nothing for a
    service (or, when a service name is computed at run time, any service) whose calls are not all followed."""
    blind = {u.service for u in unchecked}
    if None in blind:
        return []
    data = sdk_data()
    skipped = _NOT_CALLED | {data["services"][s]["prefix"] for s in blind if s in data["services"]}
    called = {action for call in calls for action in call.actions}
    called |= {extra for action in called for extra in data["optional"].get(action, [])}
    unused: dict[str, list[str]] = {}
    for granted in grants:
        patterns = [p for p in granted.actions if p != "*" and p.split(":")[0] not in skipped]
        if not patterns or any(action_matches(a, p) for p in patterns for a in called):
            continue
        for resource in granted.resources or ('"*"',):
            label = _resource_label(resource)
            unused.setdefault(label, []).extend(p for p in patterns if p not in unused[label])
    return sorted(unused.items())


def _resource_label(resource: str) -> str:
    """A resolved ARN as a person reads it: logical ids for the references in it (`Data666C94C7/checks/*`)."""
    return _written(json.loads(resource))


def _written(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_written(part) for part in parts)
    return "..."


def package_code(
    construct: IConstruct,
    *,
    source_dir: Path,
    handler: str,
    target: Target,
    shared: Sequence[Path],
    exclude: Sequence[str],
    layers: Sequence[LayerInfo] = (),
) -> Bundle:
    """Install, bundle and check a function's code; every problem is a `ConfigError` (or a warning)."""
    rules.check_shared_code(construct, source_dir, list(shared))
    dependencies = install_dependencies(construct, source_dir, target)
    bundle = build_bundle(source_dir, exclude=exclude, shared=shared, dependencies=dependencies)
    largest = dependencies.largest() if dependencies else []
    rules.check_unzipped_size(construct, bundle.unzipped_bytes + sum(layer.unzipped_bytes for layer in layers),
                              largest)
    rules.check_zipped_size(construct, bundle.zipped_bytes, largest)
    available = stdlib_modules(target.version) | RUNTIME_PROVIDED_MODULES
    for layer in layers:
        available |= layer.modules or frozenset()
    handler_module = handler.rsplit(".", 1)[0]
    problems = _import_problems(bundle, handler_module, frozenset(available))
    rules.check_imports(construct, problems, bundle.code,
                        unknown_layers=sum(layer.modules is None for layer in layers))
    return bundle
