"""Prop types, checked from the constructor's own type hints.

Every public construct and trigger calls `check_props(Class.__init__, locals())` as its first line, so the
signature a user reads is the contract that is enforced: a wrong type is a `ConfigError` naming the prop and
the expected type, never an opaque jsii deserialization error later. A subclass that adds props gets the same
check by doing the same.
"""

from __future__ import annotations

import collections.abc as abc
import contextlib
import functools
import importlib
import math
import reprlib
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

import jsii
from aws_cdk import Duration
from constructs import Construct, IConstruct

from .. import limits as L
from .. import reads
from . import fail, rule

_NOT_CHECKED = {"self", "args", "kwargs", "props"}
# Durations AWS takes in milliseconds, and the library's own that AWS never sees (used to size a Fargate worker's
# scaling target); every other Duration prop is whole seconds (minutes are checked by their rule).
SUB_SECOND_DURATIONS = frozenset({"integration_timeout", "average_job_duration", "acceptable_latency"})


@rule("PROP_TYPE", "props have the documented types",
      limit="each prop of the type in its signature (jsii would fail later with an opaque deserialization error)",
      source="https://docs.aws.amazon.com/cdk/v2/guide/work-with-cdk-python.html")
def check_props(init: Callable[..., Any], arguments: Mapping[str, Any],
                where: str | IConstruct | Callable[[], str] | None = None, *, unique_id: bool = True) -> None:
    """Check `arguments` (the constructor's `locals()`) against the type hints of `init`.

    `where` defaults to the construct path `scope/id` when the arguments hold a valid `scope` and `id`.
    `unique_id=False`: the caller creates the construct inside `created_uniquely` instead of asking Node first.
    """
    # The path costs jsii calls: computed only for an error.
    where = where or (lambda: _where(init, arguments))
    for name, annotation in _annotations(init):
        if name not in arguments or name in _NOT_CHECKED:
            continue
        value = arguments[name]
        if value is None and _optional(annotation):  # most props are left out: their hints are not even evaluated
            continue
        hint = _hint(init, name)
        if hint is _UNCHECKED:
            continue
        if value is None:
            if not _allows_none(hint):
                fail(where, "PROP_TYPE", f"{name} is required and was None", f"pass {name} ({describe(hint)}).")
            continue
        problem = mismatch(value, hint, name)
        if problem is not None:
            fail(where, "PROP_TYPE", problem, f"pass {name} as {describe(hint)}.")
        if isinstance(value, Duration) and name not in SUB_SECOND_DURATIONS:
            check_whole_seconds(where, name, value)
    if "scope" in arguments and "id" in arguments:
        check_construct_id(where, arguments["scope"], arguments["id"], unique=unique_id)


@rule("DURATION_WHOLE_SECONDS", "durations AWS takes in seconds",
      limit="whole seconds, except API integration timeouts (milliseconds)", source=L.LAMBDA_LIMITS_URL)
def check_whole_seconds(where: str | IConstruct | Callable[[], str], name: str, duration: Duration) -> None:
    if duration.is_unresolved():
        return
    ms = duration.to_milliseconds()
    if ms % 1000:
        fail(where, "DURATION_WHOLE_SECONDS", f"{name}={ms:g} ms is not a whole number of seconds",
             f"use Duration.seconds({max(round(ms / 1000), 1)}) (AWS takes {name} in whole seconds).")


@rule("CONSTRUCT_ID", "construct ids", limit="a non-empty id of printable characters, unique among the scope's "
      "children (ids end up in names and descriptions CloudFormation checks)",
      source="https://docs.aws.amazon.com/cdk/v2/guide/identifiers.html")
def check_construct_id(where: str | IConstruct | Callable[[], str], scope: Construct, id: str, *,
                       unique: bool = True) -> None:
    if not id:
        fail(where, "CONSTRUCT_ID", "id is empty", "give the construct an id, e.g. 'Thumbnails'.")
    if not id.isprintable():
        fail(where, "CONSTRUCT_ID", f"id {id!r} holds control characters",
             "use letters, digits and '-', e.g. 'Thumbnails'.")
    if unique and reads.node_of(scope).try_find_child(id) is not None:
        _fail_taken(where, scope, id)


def _fail_taken(where: str | IConstruct | Callable[[], str], scope: Construct, id: str) -> None:
    fail(where, "CONSTRUCT_ID", f"{scope.node.path or 'the app'} already has a child {id!r}",
         "give each construct in a scope its own id.")


@contextlib.contextmanager
def created_uniquely(scope: Construct, id: str) -> abc.Iterator[None]:
    """Create `id` under `scope`, turning CDK's duplicate-id error into CONSTRUCT_ID: one jsii round trip fewer
    than asking Node first, for the constructs an app makes by the dozen."""
    try:
        yield
    except RuntimeError as error:
        if "There is already a Construct with name" not in str(error):
            raise
        _fail_taken(_child_path(scope, id), scope, id)


def check_value(where: str | IConstruct, name: str, value: Any, hint: Any) -> None:
    """One value against one hint (for methods such as `add_trigger`)."""
    problem = mismatch(value, hint, name)
    if problem is not None:
        fail(where, "PROP_TYPE", problem, f"pass {name} as {describe(hint)}.")


def mismatch(value: Any, hint: Any, name: str, depth: int = 0) -> str | None:
    """None when `value` fits `hint`, else what is wrong with it ("memory_size='1024' is a str")."""
    if depth > L.PROP_NESTING_MAX:
        return f"{name} is nested more than {L.PROP_NESTING_MAX} levels deep"
    def wrong() -> str:
        return f"{name}={_short(value)} is a {type(value).__name__}"

    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any or hint is object:
        return None
    if hint is None or hint is type(None):
        return None if value is None else wrong()
    if origin in (typing.Union, types.UnionType):
        problems = [mismatch(value, arg, name, depth) for arg in args]
        if any(p is None for p in problems):
            return None
        # The most specific problem: one about an item inside a matching container, if any.
        plain = wrong()
        nested = [p for p in problems if p and not p.startswith(plain)]
        return nested[0] if nested else plain
    if origin is typing.Literal:
        return None if value in args else f"{name}={_short(value)} is not one of {', '.join(map(repr, args))}"
    if origin in (abc.Sequence, list, tuple):
        if not isinstance(value, list | tuple):
            return wrong()
        item = args[0] if args else Any
        return _first(mismatch(v, item, f"{name}[{i}]", depth + 1) for i, v in enumerate(value))
    if origin is abc.Iterable:
        if not isinstance(value, abc.Iterable) or isinstance(value, str | bytes | Mapping):
            return wrong()
        if isinstance(value, list | tuple):
            return _first(mismatch(v, args[0], f"{name}[{i}]", depth + 1) for i, v in enumerate(value))
        return None
    if origin in (abc.Mapping, dict):
        if not isinstance(value, Mapping):
            return wrong()
        key_hint, value_hint = args or (Any, Any)
        for key, item in value.items():
            problem = mismatch(key, key_hint, f"{name} key", depth + 1) or mismatch(
                item, value_hint, f"{name}[{key!r}]", depth + 1)
            if problem:
                return problem
        return None
    if not isinstance(hint, type):
        return None  # a hint this checker does not understand is not enforced
    if hint is int:
        return None if isinstance(value, int) and not isinstance(value, bool) else wrong()
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return wrong()
        return None if math.isfinite(value) else f"{name}={value!r} is not a finite number"
    if hint is bool:
        return None if isinstance(value, bool) else wrong()
    if _is_jsii_interface(hint):
        return None if implements(value, hint) else wrong()
    return None if isinstance(value, hint) else wrong()


def implements(value: Any, interface: type) -> bool:
    """Whether a jsii object implements `interface` (jsii interfaces are not runtime-checkable Protocols)."""
    objects = getattr(value, "_delegates", None) or [value]  # an InterfaceDynamicProxy wraps several
    for obj in objects:
        try:
            if isinstance(obj, jsii.proxy_for(interface)):
                return True
        except (AttributeError, TypeError):
            pass
        for cls in type(obj).__mro__:
            if any(interface in iface.__mro__ for iface in getattr(cls, "__jsii_ifaces__", ())):
                return True
    return False


_DESCRIBED_AS: dict[type, str] = {}
T = typing.TypeVar("T", bound=type)


def described_as(text: str) -> Callable[[T], T]:
    """How errors name a type a user never writes (a Protocol that stands for a construct: "a ServerlessFunction")."""
    def register(cls: T) -> T:
        _DESCRIBED_AS[cls] = text
        return cls

    return register


def describe(hint: Any) -> str:
    """A hint as a user reads it: `Duration`, `a list of str`, `int or None`."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(describe(a) for a in args if a is not type(None))
    if origin is typing.Literal:
        return " or ".join(map(repr, args))
    if origin in (abc.Sequence, abc.Iterable, list, tuple):
        return f"a list of {describe(args[0])}" if args else "a list"
    if origin in (abc.Mapping, dict):
        return f"a dict of {describe(args[0])} to {describe(args[1])}" if args else "a dict"
    if hint is Any:
        return "any value"
    if isinstance(hint, type) and hint in _DESCRIBED_AS:
        return _DESCRIBED_AS[hint]
    return getattr(hint, "__name__", str(hint))


def _allows_none(hint: Any) -> bool:
    return hint is Any or hint is None or hint is type(None) or (
        typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in typing.get_args(hint))


def _is_jsii_interface(hint: type) -> bool:
    return bool(getattr(hint, "_is_protocol", False)) and hasattr(hint, "__jsii_type__")


def _first(problems: abc.Iterable[str | None]) -> str | None:
    return next((p for p in problems if p is not None), None)


_REPR = reprlib.Repr()  # (keyword arguments only from Python 3.12)
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxdict = 3, 60, 60, 4, 4


def _short(value: Any) -> str:
    """A value as the user wrote it, cut short (never deep: a 1,500-level dict must not recurse)."""
    return value.__name__ if isinstance(value, type) else _REPR.repr(value)


def _where(init: Callable[..., Any], arguments: Mapping[str, Any]) -> str:
    owner = init.__qualname__.split(".")[0]
    scope, id = arguments.get("scope"), arguments.get("id")
    if isinstance(scope, Construct) and isinstance(id, str):
        return _child_path(scope, id)
    return owner


def _child_path(scope: Construct, id: str) -> str:
    """The path a construct `id` under `scope` has (or would have)."""
    return f"{scope.node.path}/{id}" if scope.node.path else id


# Names that hints refer to but their modules import only for type checking: (module, attribute), imported when a
# hint names them (so a function's hints do not load the API modules).
_TYPE_CHECKING_NAMES = {
    "ServerlessFunction": ("..function", "ServerlessFunction"), "ServerlessApi": ("..api", "ServerlessApi"),
    "ApiAuthorization": ("..api", "ApiAuthorization"), "PythonLayer": ("..layers", "PythonLayer"),
    "Trigger": ("..triggers.base", "Trigger"),
    # aws-cdk-lib modules only some props need (REST APIs, custom domains, Cognito): (module, None) is the module.
    "apigw": ("aws_cdk.aws_apigateway", None), "acm": ("aws_cdk.aws_certificatemanager", None),
    "cognito": ("aws_cdk.aws_cognito", None), "route53": ("aws_cdk.aws_route53", None),
}


class _TypeCheckingNames(abc.Mapping[str, Any]):
    def __getitem__(self, name: str) -> Any:
        module, attribute = _TYPE_CHECKING_NAMES[name]
        imported = importlib.import_module(module, __package__)
        return imported if attribute is None else getattr(imported, attribute)

    def __iter__(self) -> abc.Iterator[str]:
        return iter(_TYPE_CHECKING_NAMES)

    def __len__(self) -> int:
        return len(_TYPE_CHECKING_NAMES)


@functools.cache
def _annotations(init: Callable[..., Any]) -> tuple[tuple[str, Any], ...]:
    """`init`'s parameters and their annotations, as written (strings, under `from __future__ import annotations`)."""
    return tuple((name, annotation) for name, annotation in init.__annotations__.items() if name != "return")


_UNCHECKED = object()  # a hint that cannot be evaluated here is documentation only


def _optional(annotation: Any) -> bool:
    """`X | None` as written (None one of its top-level alternatives): None fits it, known without evaluating X."""
    return isinstance(annotation, str) and _optional_text(annotation)


@functools.cache
def _optional_text(annotation: str) -> bool:
    depth, alternatives, current = 0, [], ""
    for char in annotation:
        depth += (char == "[") - (char == "]")
        if char == "|" and depth == 0:
            alternatives.append(current)
            current = ""
        else:
            current += char
    return "None" in (alternative.strip() for alternative in [*alternatives, current])


@functools.cache
def _hint(init: Callable[..., Any], name: str) -> Any:
    """The evaluated hint of `init`'s parameter `name`, or `_UNCHECKED`. Evaluated once, and only for a value that
    was passed: names imported only for type checking are resolved (their modules imported) here, when needed."""
    annotation = init.__annotations__[name]
    if not isinstance(annotation, str):
        return annotation
    try:
        return eval(annotation, {**init.__globals__, "Construct": Construct}, _TypeCheckingNames())  # noqa: S307
    except Exception:
        return _UNCHECKED
