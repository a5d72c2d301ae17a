"""Function code that really runs: dependencies installed for Lambda, shared code, and the import check.

`package_code` is what `ServerlessFunction` (and `PythonLayer`) call; the modules below it work without any
construct: `installer` (uv or pip, cached by content), `bundle` (the deployment folder, hashed by content),
`imports` (what the handler imports at load time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from constructs import IConstruct

from .. import context
from ..rules import packaging as rules
from .bundle import Bundle, build_bundle
from .imports import ImportProblem, check_imports
from .installer import RUNTIME_PROVIDED_MODULES, Dependencies, InstallError, Target, find_lock, install
from .stdlib import stdlib_modules

__all__ = ["Bundle", "Dependencies", "InstallError", "LayerInfo", "Target", "build_bundle", "check_imports",
           "install", "install_dependencies", "package_code", "target_for"]

# `cdk deploy -c constructs_lib:install_for_host=true`: install for the synth host's Python and platform, for a
# local AWS (MiniStack) that runs handlers on the host's interpreter. Never for a real deploy.
HOST_CONTEXT_KEY = "constructs_lib:install_for_host"


@dataclass(frozen=True)
class LayerInfo:
    """What the import and size checks know of one layer."""

    path: str
    modules: frozenset[str] | None  # None: content unknown (a layer given by ARN)
    unzipped_bytes: int = 0
    runtimes: list[str] | None = None
    architectures: list[str] | None = None


def target_for(construct: IConstruct, runtime_name: str, architecture_name: str) -> Target:
    if context.flag(construct, HOST_CONTEXT_KEY):
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
    its content hash, so the answer holds for every function that shares it."""
    key = (bundle.path, handler_module, available)
    if key not in _IMPORT_PROBLEMS:
        _IMPORT_PROBLEMS[key] = check_imports([bundle.path], handler_module, available, ours=bundle.code.keys())
    return list(_IMPORT_PROBLEMS[key])


_IMPORT_PROBLEMS: dict[tuple[Path, str, frozenset[str]], list[ImportProblem]] = {}


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
