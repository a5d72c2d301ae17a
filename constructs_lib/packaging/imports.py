"""The import check: every module a handler imports when Lambda loads it must be in the bundle or the runtime.

Starting at the handler's module, it follows the imports that run at import time (module level, class bodies,
`if` and `with` blocks) through the function's own files and shared code. Imports inside functions run later
and are not followed; imports guarded by `try: ... except ImportError` (or a broader except) are optional;
`if TYPE_CHECKING:` blocks never run. A relative import in a top-level module fails on Lambda ("attempted
relative import with no known parent package"), so it is reported too.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

_OPTIONAL_HANDLERS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


@dataclass(frozen=True)
class ImportProblem:
    file: Path
    line: int
    module: str
    reason: str  # "missing" | "relative"


@dataclass(frozen=True)
class _Import:
    line: int
    module: str  # absolute dotted name, or the relative name as written (".x")
    level: int  # 0 for absolute
    names: tuple[str, ...]  # `from m import a, b`


def check_imports(
    roots: Iterable[Path], handler_module: str, available: frozenset[str], *, ours: Collection[Path] | None = None,
    visited: list[Path] | None = None,
) -> list[ImportProblem]:
    """Problems in the modules reachable from `handler_module` ("pkg.mod") under `roots` (the bundle's folders
    in search order); `available` holds the top-level names found elsewhere (stdlib, runtime, layers).
    Only files in `ours` (default: all) are followed: installed dependencies are not ours to check. `visited`, when
    given, receives the files followed (the handler's module first): the code Lambda loads with the handler."""
    roots = list(roots)
    problems: list[ImportProblem] = []
    seen: set[Path] = set()
    start = _module_file(roots, handler_module)
    pending = [(start, handler_module)] if start else []
    while pending:
        path, dotted = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        if visited is not None:
            visited.append(path)
        package = dotted if path.name == "__init__.py" else dotted.rpartition(".")[0]
        for item in _imports_at_load(path):
            if item.level:
                if not package:
                    written = item.module or ", ".join(item.names)
                    problems.append(ImportProblem(path, item.line, "." * item.level + written, "relative"))
                    continue
                base = package.split(".")
                base = base[: len(base) - (item.level - 1)] if item.level > 1 else base
                absolute = ".".join([*base, item.module] if item.module else base)
            else:
                absolute = item.module
            top = absolute.split(".")[0]
            if item.level and item.module and _module_file(roots, absolute) is None \
                    and not _is_namespace(roots, absolute.replace(".", "/")):
                problems.append(ImportProblem(path, item.line, "." * item.level + item.module, "missing"))
                continue
            if _module_file(roots, top) is None and not _is_namespace(roots, top):
                if item.level == 0 and top not in available:
                    problems.append(ImportProblem(path, item.line, absolute, "missing"))
                continue
            for candidate in (absolute, *(f"{absolute}.{name}" for name in item.names)):
                found = _module_file(roots, candidate)
                if found and (ours is None or found in ours):
                    pending.append((found, candidate))
    return sorted(problems, key=lambda p: (str(p.file), p.line))


def _module_file(roots: list[Path], dotted: str) -> Path | None:
    parts = dotted.split(".")
    for root in roots:
        base = root.joinpath(*parts)
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
        if base.parent.is_dir() and any(base.parent.glob(f"{parts[-1]}.*.so")):
            return None  # an extension module: nothing to follow
    return None


def _is_namespace(roots: list[Path], top: str) -> bool:
    return any((root / top).is_dir() or any(root.glob(f"{top}.*.so")) for root in roots)


def _imports_at_load(path: Path) -> Iterator[_Import]:
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError, RecursionError):
        return  # not ours to judge here: Lambda reports a syntax error on the first invoke, Python on import
    yield from _walk(tree.body)


def _walk(body: list[ast.stmt]) -> Iterator[_Import]:
    for node in body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield _Import(node.lineno, alias.name, 0, ())
        elif isinstance(node, ast.ImportFrom):
            yield _Import(node.lineno, node.module or "", node.level, tuple(a.name for a in node.names))
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _walk(node.body)
            yield from _walk(node.orelse)
        elif isinstance(node, ast.Try | ast.TryStar):
            if not any(_catches_import_error(h) for h in node.handlers):
                yield from _walk(node.body)
            for handler in node.handlers:
                yield from _walk(handler.body)
            yield from _walk(node.orelse)
            yield from _walk(node.finalbody)
        elif isinstance(node, ast.With | ast.ClassDef):
            yield from _walk(node.body)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, ast.Name) and t.id in _OPTIONAL_HANDLERS for t in types)
