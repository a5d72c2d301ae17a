"""Which AWS operations a handler's code calls, found in its source, and the IAM actions each needs.

Follows what boto3 code is written like: clients and resources made by `boto3.client("s3")`,
`boto3.resource("dynamodb").Table(...)`, a `boto3.Session()`'s, kept in module globals, in `self.x`, in another
module of the bundle, or returned by a function of the bundle; and the calls on them (`s3.put_object(...)`,
`table.put_item(...)`, `bucket.objects.all()`, `s3.upload_file(...)`, `s3.get_paginator("list_objects_v2")`,
`s3.generate_presigned_url("get_object", ...)`). What cannot be followed without running the code (a service
name held in a variable, a client handed to a function, `getattr`) is reported as not checked, never guessed.

The operation -> IAM action data is generated from botocore's and boto3's models and the Service Authorization
Reference (`tools/sdk_actions.py`). Pure Python (no aws-cdk-lib): `packaging/code.py` compares the calls with the
function's role.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .sdk_actions import sdk_data

_COLLECTION_READS = frozenset({"all", "filter", "limit", "page_size", "pages"})


@dataclass(frozen=True)
class AwsCall:
    file: Path
    line: int
    service: str  # boto3's name: s3, dynamodb, sqs, ...
    operation: str  # the client operation, snake_case: put_object
    written: str  # how the code makes it: s3.put_object(...)
    actions: tuple[str, ...]  # every IAM action it needs


@dataclass(frozen=True)
class Unchecked:
    file: Path
    line: int
    why: str
    service: str | None = None  # None: any service (a service name the code computes)


@dataclass
class CallsFound:
    calls: list[AwsCall] = field(default_factory=list)
    unchecked: list[Unchecked] = field(default_factory=list)

    def unchecked_services(self) -> set[str | None]:
        return {u.service for u in self.unchecked}


# What an expression evaluates to, as far as boto3 goes: a tuple whose first item is the kind.
#   ("boto3",) the module; ("factory", "client" | "resource" | "Session"); ("session",); ("client", service);
#   ("resource", service, type) with type "service" for the service resource; ("collection", service, operation,
#   item type); ("module", dotted name) a module of the bundle; ("unknown",) a client or resource of an unknown
#   service.
Kind = tuple[str, ...]


def aws_calls(files: Sequence[Path], root: Path) -> CallsFound:
    """Every AWS call in `files` (the modules Lambda loads with the handler, under the bundle's `root`)."""
    modules = {_module_name(path, root): path for path in files}
    found = CallsFound()
    analysed: dict[str, _Module] = {}
    for name in modules:
        _analyse(name, modules, analysed, found)
    found.calls.sort(key=lambda c: (str(c.file), c.line, c.operation))
    found.unchecked.sort(key=lambda u: (str(u.file), u.line))
    return found


def _module_name(path: Path, root: Path) -> str:
    try:
        parts = list(path.relative_to(root).with_suffix("").parts)
    except ValueError:
        parts = [path.stem]
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _analyse(name: str, modules: Mapping[str, Path], analysed: dict[str, _Module],
             found: CallsFound) -> _Module | None:
    if name in analysed:
        return analysed[name]
    path = modules.get(name)
    if path is None:
        return None
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError, RecursionError):
        return None  # the import check's business
    module = _Module(name, path, modules, analysed, found, is_package=path.name == "__init__.py")
    analysed[name] = module  # before its imports: an import cycle finds the names bound so far
    module.run(tree)
    return module


class _Module:
    """One module: its names (module level, `self.x` attributes, functions' return values), then its calls."""

    def __init__(self, name: str, path: Path, modules: Mapping[str, Path], analysed: dict[str, _Module],
                 found: CallsFound, *, is_package: bool) -> None:
        self.name, self.path, self.modules, self.analysed, self.found = name, path, modules, analysed, found
        self.is_package = is_package
        self.globals: dict[str, Kind | None] = {}
        self.attributes: dict[str, Kind | None] = {}  # self.x / cls.x, module-wide
        self.returns: dict[str, Kind | None] = {}  # module-level function name -> what every return gives
        # functions that make a client (or resource) of the service named by a parameter: `def client(name): ...
        # boto3.client(name)`, the memoizing wrapper handlers write; `client("s3")` is then an S3 client
        self.factories: dict[str, tuple[str, int, str]] = {}
        self.data = sdk_data()
        self._reported: set[tuple[int, str]] = set()
        self._wrapped: set[int] = set()  # the factory calls inside those wrappers (their calls are named the service)

    # --- names ---------------------------------------------------------------------------------------------

    def run(self, tree: ast.Module) -> None:
        functions = [(n.name, n) for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        functions += [(f"self.{n.name}", n) for cls in ast.walk(tree) if isinstance(cls, ast.ClassDef)
                      for n in cls.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        self._bind(_statements(tree.body), self.globals, None)  # imports first: a wrapper calls boto3.client
        for name, function in functions:
            self._factory(name, function)
        for _ in range(2):  # a global may come from a function's return, and a function may return a global
            self._bind(_statements(tree.body), self.globals, None)
            for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
                self._bind([s for s in cls.body if not isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)],
                           self.attributes, None, prefix="self.")
            for name, function in functions:
                local = self._locals(function)
                returned = {self._eval(r.value, local) for r in _own_nodes(function, ast.Return) if r.value}
                self.returns[name] = returned.pop() if len(returned) == 1 else None
        for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
            local = self._locals(function)
            for call in _own_nodes(function, ast.Call):
                self._call(call, local)
            self._handed_on(function, local)
        for call in (n for s in _statements(tree.body) for n in ast.walk(s) if isinstance(n, ast.Call)):
            self._call(call, None)

    def _locals(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, Kind | None]:
        """A function's own names; its `self.x = ...` go to the module-wide attributes."""
        local: dict[str, Kind | None] = {}
        self._bind(_own_statements(function), local, local)
        self._bind(_own_statements(function), self.attributes, local, only_attributes=True)
        return local

    def _bind(self, statements: Iterable[ast.stmt], into: dict[str, Kind | None], local: dict[str, Kind | None] | None,
              *, prefix: str = "", only_attributes: bool = False) -> None:
        for statement in statements:
            if isinstance(statement, ast.Import | ast.ImportFrom):
                if not only_attributes:
                    self._import(statement, into)
                continue
            targets: list[tuple[ast.expr, ast.expr | None]] = []
            if isinstance(statement, ast.Assign):
                targets = [(t, statement.value) for t in statement.targets]
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                targets = [(statement.target, statement.value)]
            elif isinstance(statement, ast.With | ast.AsyncWith):
                targets = [(i.optional_vars, i.context_expr) for i in statement.items if i.optional_vars]
            elif isinstance(statement, ast.For | ast.AsyncFor):
                kind = self._eval(statement.iter, local)
                if kind and kind[0] == "collection" and isinstance(statement.target, ast.Name) and not only_attributes:
                    into[prefix + statement.target.id] = ("resource", kind[1], kind[3])
                continue
            for target, value in targets:
                key = _target_key(target)
                if key is None or (only_attributes != key.startswith("self.")):
                    continue
                kind = self._eval(value, local) if value is not None else None
                key = prefix + key
                if key in into and into[key] != kind and into[key] is not None and kind is not None:
                    into[key] = None  # bound to two different things: not followed
                elif kind is not None or key not in into:
                    into[key] = kind

    def _import(self, statement: ast.Import | ast.ImportFrom, into: dict[str, Kind | None]) -> None:
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.name == "boto3" or (alias.name == "boto3.session" and not alias.asname):
                    into[alias.asname or "boto3"] = ("boto3",)
                elif alias.name == "boto3.session":
                    into[alias.asname or ""] = ("boto3.session",)
                elif alias.name in self.modules:
                    into[alias.asname or alias.name.split(".")[0]] = ("module", alias.name if alias.asname else
                                                                     alias.name.split(".")[0])
            return
        source = self._absolute(statement)
        for alias in statement.names:
            bound = alias.asname or alias.name
            if source == "boto3" and alias.name in ("client", "resource", "Session"):
                into[bound] = ("factory", alias.name)
            elif source == "boto3" and alias.name == "session":
                into[bound] = ("boto3.session",)
            elif source == "boto3.session" and alias.name == "Session":
                into[bound] = ("factory", "Session")
            elif f"{source}.{alias.name}" in self.modules:
                into[bound] = ("module", f"{source}.{alias.name}")
            elif source in self.modules:
                module = _analyse(source, self.modules, self.analysed, self.found)
                if module is not None and alias.name in module.factories:
                    kind, position, parameter = module.factories[alias.name]
                    into[bound] = ("wrapper", kind, str(position), parameter)
                elif module is not None:
                    into[bound] = module.globals.get(alias.name) or (
                        ("returns", source, alias.name) if module.returns.get(alias.name) else None)

    def _absolute(self, statement: ast.ImportFrom) -> str:
        if not statement.level:
            return statement.module or ""
        package = self.name.split(".") if self.is_package else self.name.split(".")[:-1]
        base = package[: len(package) - (statement.level - 1)] if statement.level > 1 else package
        return ".".join([*base, *([statement.module] if statement.module else [])])

    def _factory(self, name: str, function: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        parameters = [a.arg for a in function.args.args if a.arg not in ("self", "cls")]
        local: dict[str, Kind | None] = {}
        self._bind((s for s in _own_statements(function) if isinstance(s, ast.Import | ast.ImportFrom)), local, local)
        for call in _own_nodes(function, ast.Call):
            argument = call.args[0] if call.args else _keyword(call, "service_name")
            if isinstance(argument, ast.Name) and argument.id in parameters:
                callee = self._eval(call.func, local)
                if callee and callee[0] == "factory" and callee[1] in ("client", "resource"):
                    self.factories[name] = (callee[1], parameters.index(argument.id), argument.id)
                    self._wrapped.add(id(call))

    # --- values --------------------------------------------------------------------------------------------

    def _lookup(self, name: str, local: dict[str, Kind | None] | None) -> Kind | None:
        if local is not None and name in local:
            return local[name]
        if name in self.factories and name not in self.globals:
            kind, position, parameter = self.factories[name]
            return ("wrapper", kind, str(position), parameter)
        return self.globals.get(name)

    def _eval(self, node: ast.expr, local: dict[str, Kind | None] | None) -> Kind | None:
        if isinstance(node, ast.Name):
            return self._lookup(node.id, local)
        if isinstance(node, ast.Attribute):
            key = _target_key(node)
            if key is not None and key.startswith("self."):
                return self.attributes.get(key)
            return self._attribute(self._eval(node.value, local), node.attr)
        if isinstance(node, ast.Await):
            return self._eval(node.value, local)
        if isinstance(node, ast.Call):
            return self._result(node, local)
        return None

    def _attribute(self, base: Kind | None, attr: str) -> Kind | None:
        if base is None:
            return None
        if base[0] == "boto3":
            if attr in ("client", "resource", "Session"):
                return ("factory", attr)
            return ("boto3.session",) if attr == "session" else None
        if base[0] == "boto3.session":
            return ("factory", "Session") if attr == "Session" else None
        if base[0] == "session" and attr in ("client", "resource"):
            return ("factory", attr)
        if base[0] == "module":
            if f"{base[1]}.{attr}" in self.modules:
                return ("module", f"{base[1]}.{attr}")
            module = _analyse(base[1], self.modules, self.analysed, self.found)
            if module is None:
                return None
            if attr in module.factories:
                kind, position, parameter = module.factories[attr]
                return ("wrapper", kind, str(position), parameter)
            if attr in module.returns and module.returns[attr]:
                return ("returns", base[1], attr)
            return module.globals.get(attr)
        if base[0] == "resource":
            shape = self._shape(base[1], base[2])
            if shape and attr in shape["collections"]:
                operation, item = shape["collections"][attr]
                return ("collection", base[1], operation, item)
        return None

    def _result(self, call: ast.Call, local: dict[str, Kind | None] | None) -> Kind | None:
        """What a call returns: a client, a resource, a session, a collection or a function's known return."""
        function = call.func
        own = _target_key(function)  # a function or method of this module
        if own is not None and self.returns.get(own):
            return self.returns[own]
        callee = self._eval(function, local) if not isinstance(function, ast.Name) else self._lookup(function.id,
                                                                                                     local)
        if callee is None and isinstance(function, ast.Attribute):
            base = self._eval(function.value, local)
            if base and base[0] == "resource":
                shape = self._shape(base[1], base[2])
                if shape and function.attr in shape["has"]:
                    return ("resource", base[1], shape["has"][function.attr])
            if base and base[0] == "collection" and function.attr in _COLLECTION_READS:
                return base
            return None
        if callee is None:
            return None
        if callee[0] == "returns":
            module = self.analysed.get(callee[1])
            return module.returns.get(callee[2]) if module else None
        if callee[0] == "wrapper":
            kind, position, parameter = callee[1:4]
            given = call.args[int(position)] if len(call.args) > int(position) else _keyword(call, parameter)
            return self._made(call, kind, _literal(given), f"{_source(function)}(...)")
        if callee[0] != "factory":
            return None
        if callee[1] == "Session":
            return ("session",)
        if id(call) in self._wrapped:
            return None  # inside a wrapper: its callers name the service
        service = _literal(call.args[0]) if call.args else _literal(_keyword(call, "service_name"))
        return self._made(call, callee[1], service, f"boto3.{callee[1]}(...)")

    def _made(self, call: ast.Call, kind: str, service: str | None, written: str) -> Kind:
        """A client or resource made for `service` (None: a name computed at run time)."""
        if service is None:
            self._unchecked(call, f"{written} with a service name computed at run time", None)
            return ("unknown",)
        if service not in self.data["services"]:
            self._unchecked(call, f'{written} of "{service}": no IAM actions are known for this service', service)
            return ("unknown",)
        if kind == "client":
            return ("client", service)
        if not self.data["services"][service]["resources"]:
            return ("unknown",)
        return ("resource", service, "service")

    def _shape(self, service: str, type_name: str) -> dict[str, Any] | None:
        resources = self.data["services"].get(service, {}).get("resources") or {}
        return resources.get(type_name)

    # --- calls ---------------------------------------------------------------------------------------------

    def _call(self, call: ast.Call, local: dict[str, Kind | None] | None) -> None:
        function = call.func
        if isinstance(function, ast.Name) and function.id == "getattr" and call.args:
            kind = self._eval(call.args[0], local)
            if kind and kind[0] in ("client", "resource", "unknown"):
                self._unchecked(call, "getattr() on a client or resource: the operation is chosen at run time",
                                kind[1] if len(kind) > 1 else None)
            return
        callee = self._eval(function, local) if isinstance(function, ast.Name | ast.Attribute) else None
        if callee and callee[0] in ("factory", "wrapper"):
            self._result(call, local)  # says when the service cannot be known
        if not isinstance(function, ast.Attribute):
            return
        base = self._eval(function.value, local)
        if base is None:
            return
        method = function.attr
        written = f"{_source(function.value)}.{method}(...)"
        if base[0] == "client":
            self._client_call(call, base[1], method, written)
        elif base[0] == "resource":
            shape = self._shape(base[1], base[2]) or {}
            injected = self.data["injected"].get(base[1], {}).get(base[2], {})
            if method in shape.get("actions", {}):
                self._record(call, base[1], shape["actions"][method], written)
            for operation in injected.get(method, []):
                self._record(call, base[1], operation, written)
        elif base[0] == "collection":
            if method in _COLLECTION_READS:
                self._record(call, base[1], base[2], written)
            else:
                batch = (self._shape(base[1], base[3]) or {}).get("batch", {})
                if method in batch:
                    self._record(call, base[1], batch[method], written)

    def _client_call(self, call: ast.Call, service: str, method: str, written: str) -> None:
        operations = self.data["services"][service]["operations"]
        if method in ("get_paginator", "generate_presigned_url"):
            named = _literal(call.args[0]) if call.args else _literal(
                _keyword(call, "operation_name" if method == "get_paginator" else "ClientMethod"))
            if named is None:
                self._unchecked(call, f"{written} with an operation computed at run time", service)
            else:
                self._record(call, service, named, written)
        elif method in operations:
            self._record(call, service, method, written)
        else:
            for operation in self.data["injected"].get(service, {}).get("client", {}).get(method, []):
                self._record(call, service, operation, written)

    def _record(self, call: ast.Call, service: str, operation: str, written: str) -> None:
        actions = self.data["services"][service]["operations"].get(operation)
        if actions is None:
            self._unchecked(call, f"{written}: no IAM action is known for {service}.{operation}", service)
            return
        self.found.calls.append(AwsCall(self.path, call.lineno, service, operation, written, tuple(actions)))

    def _handed_on(self, function: ast.FunctionDef | ast.AsyncFunctionDef, local: dict[str, Kind | None]) -> None:
        """A client or resource passed to another function: what that function calls with it is not followed."""
        for call in _own_nodes(function, ast.Call):
            for argument in [*call.args, *(k.value for k in call.keywords)]:
                kind = self._eval(argument, local) if isinstance(argument, ast.Name | ast.Attribute | ast.Call) \
                    else None
                if kind and kind[0] in ("client", "resource", "collection") and not (
                        isinstance(call.func, ast.Name) and call.func.id == "getattr"):
                    self._unchecked(call, f"{_source(argument)} is handed to {_source(call.func)}(...): the calls "
                                          "made through it there are not followed", kind[1])

    def _unchecked(self, node: ast.expr, why: str, service: str | None) -> None:
        if (node.lineno, why) not in self._reported:
            self._reported.add((node.lineno, why))
            self.found.unchecked.append(Unchecked(self.path, node.lineno, why, service))


def _statements(body: Sequence[ast.stmt]) -> list[ast.stmt]:
    """The statements of a block and of the if/try/with/for blocks in it, not of the functions or classes."""
    found: list[ast.stmt] = []
    for statement in body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        found.append(statement)
        for name in ("body", "orelse", "finalbody"):
            found += _statements(getattr(statement, name, []))
        for handler in getattr(statement, "handlers", []):
            found += _statements(handler.body)
    return found


def _own_statements(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    return _statements(function.body)


def _own_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef, kind: type[ast.AST]) -> list[Any]:
    """The nodes of `kind` in a function's own body (not in the functions or classes nested in it)."""
    found: list[Any] = []
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, kind):
            found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _target_key(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
        return f"self.{node.attr}"
    return None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _source(node: ast.expr) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "..."
