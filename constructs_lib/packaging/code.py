"""A construct's code, packaged and checked: what `ServerlessFunction` and `PythonLayer` call. Every problem is a
`ConfigError` (or a warning) on the construct; the modules beside this one work without any construct."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from constructs import IConstruct

from .. import context
from ..render import before_synth
from ..rules import packaging as rules
from . import LayerInfo
from .bundle import Bundle, build_bundle
from .environment import EnvRead, environment_reads
from .imports import ImportProblem, check_imports
from .installer import RUNTIME_PROVIDED_MODULES, Dependencies, InstallError, Target, find_lock, install
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


def check_environment_at_synth(construct: IConstruct, bundle: Bundle, handler: str,
                               environment: Callable[[], Mapping[str, str]]) -> None:
    """Once the app is complete (triggers and `add_environment` have added theirs): every variable the handler
    reads with `os.environ[...]` is set (FN_ENV_UNSET), and a `.get` without a default is said (FN_ENV_GET)."""
    reads = environment_reads_of(bundle, handler)
    if reads:
        before_synth(construct, lambda: rules.check_environment_reads(construct, reads, environment()))


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
