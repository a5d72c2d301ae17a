"""What a handler's code reads from its environment, found in its source: `os.environ["X"]`, `os.environ.get("X")`,
`os.getenv("X")` (and `environ` / `getenv` imported from `os`), at module level or in functions.

Only names written as string literals are found: a name built at run time is skipped, never guessed. A read under
`if "X" in os.environ:` or after the module sets the variable itself (`os.environ["X"] = ...`, `setdefault`) is
not one the function must provide. Pure Python (no aws-cdk-lib): `packaging/code.py` compares the reads with the
function's environment.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class EnvRead:
    file: Path
    line: int
    name: str
    required: bool  # os.environ["X"] (a KeyError when unset); False for .get / getenv (None when unset)
    has_default: bool  # .get("X", default) / getenv("X", default)
    written: str = ""  # how the code reads it: os.environ["X"], os.environ.get("X"), os.getenv("X")


def environment_reads(files: Iterable[Path]) -> list[EnvRead]:
    """Every environment read in `files` (the modules Lambda loads with the handler), in file and line order."""
    reads: list[EnvRead] = []
    for path in files:
        try:
            tree = ast.parse(path.read_bytes(), filename=str(path))
        except (SyntaxError, ValueError, RecursionError):
            continue  # the import check's business, not this one's
        reads += _Reads(path).found(tree)
    return sorted(reads, key=lambda r: (str(r.file), r.line, r.name))


class _Reads(ast.NodeVisitor):
    """One module's reads; `os` may be imported under another name, `environ` and `getenv` from it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.os_names = {"os"}
        self.environ_names: set[str] = set()
        self.getenv_names: set[str] = set()
        self.reads: list[EnvRead] = []
        self.set_here: set[str] = set()  # written or checked by the module itself
        self.checked: set[str] = set()

    def found(self, tree: ast.Module) -> list[EnvRead]:
        for node in ast.walk(tree):  # import names first: a read may come before the import in walk order
            if isinstance(node, ast.Import):
                self.os_names |= {a.asname or a.name for a in node.names if a.name == "os"}
            elif isinstance(node, ast.ImportFrom) and node.module == "os" and node.level == 0:
                self.environ_names |= {a.asname or a.name for a in node.names if a.name == "environ"}
                self.getenv_names |= {a.asname or a.name for a in node.names if a.name == "getenv"}
        self.visit(tree)
        return [r for r in self.reads if r.name not in self.set_here and r.name not in self.checked]

    def _is_environ(self, node: ast.expr) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr == "environ" and isinstance(node.value, ast.Name)
                and node.value.id in self.os_names) or (isinstance(node, ast.Name) and node.id in self.environ_names)

    def _is_getenv(self, node: ast.expr) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr == "getenv" and isinstance(node.value, ast.Name)
                and node.value.id in self.os_names) or (isinstance(node, ast.Name) and node.id in self.getenv_names)

    def visit_Subscript(self, node: ast.Subscript) -> None:  # noqa: N802 - ast.NodeVisitor's naming
        name = _literal(node.slice)
        if name is not None and self._is_environ(node.value):
            if isinstance(node.ctx, ast.Load):
                self.reads.append(EnvRead(self.path, node.lineno, name, required=True, has_default=False,
                                          written=f'os.environ["{name}"]'))
            else:
                self.set_here.add(name)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802
        function = node.func
        name = _literal(node.args[0]) if node.args else None
        if name is not None:
            if isinstance(function, ast.Attribute) and self._is_environ(function.value):
                if function.attr == "get":
                    self.reads.append(EnvRead(self.path, node.lineno, name, required=False,
                                              has_default=len(node.args) > 1 or bool(node.keywords),
                                              written=f'os.environ.get("{name}")'))
                elif function.attr == "setdefault":
                    self.set_here.add(name)
            elif self._is_getenv(function):
                self.reads.append(EnvRead(self.path, node.lineno, name, required=False,
                                          has_default=len(node.args) > 1 or bool(node.keywords),
                                          written=f'os.getenv("{name}")'))
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:  # noqa: N802
        # "X" in os.environ: the code checks before it reads
        name = _literal(node.left)
        if name is not None and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops) and any(
                self._is_environ(c) for c in node.comparators):
            self.checked.add(name)
        self.generic_visit(node)


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
