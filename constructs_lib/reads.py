"""Values read from aws-cdk-lib once per object: every read is a jsii round trip to Node.

A stack of 50 functions used to ask Node the same questions hundreds of times: the stack of a scope, the seconds
in the shared default timeout, the name of the default runtime. Durations, runtimes and architectures never
change, and a construct never changes stack or path, so an answer kept on the Python side cannot go stale. The
defaults are shared objects, so 50 functions read each of them once.
"""

from __future__ import annotations

import weakref
from typing import Any

from aws_cdk import CfnResource, ConstructSelector, Duration, IConstructSelector, Stack
from constructs import IConstruct, Node

_MILLIS: weakref.WeakKeyDictionary[Duration, float] = weakref.WeakKeyDictionary()
_ATTRIBUTES: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
_STACKS: weakref.WeakKeyDictionary[IConstruct, Stack] = weakref.WeakKeyDictionary()
_NODES: weakref.WeakKeyDictionary[IConstruct, Node] = weakref.WeakKeyDictionary()
_PATHS: weakref.WeakKeyDictionary[IConstruct, str] = weakref.WeakKeyDictionary()
_SELECTORS: dict[str, IConstructSelector] = {}


def millis(duration: Duration) -> float:
    """`duration.to_milliseconds()`, read once per Duration object."""
    found = _MILLIS.get(duration)
    if found is None:
        found = _MILLIS[duration] = duration.to_milliseconds()
    return found


def seconds(duration: Duration) -> float:
    """`duration.to_seconds()`, read once (an int when whole, as jsii returns it)."""
    return _whole(millis(duration) / 1000)


def minutes(duration: Duration) -> float:
    """`duration.to_minutes()`, read once (an int when whole)."""
    return _whole(millis(duration) / 60_000)


def _whole(value: float) -> float:
    return int(value) if value.is_integer() else value


def attribute(value: Any, attribute_name: str) -> Any:
    """An attribute of an immutable aws-cdk-lib object (a Runtime's `name` or `family`), read once per object."""
    known = _ATTRIBUTES.get(value)
    if known is None:
        known = _ATTRIBUTES[value] = {}
    if attribute_name not in known:
        known[attribute_name] = getattr(value, attribute_name)
    return known[attribute_name]


def stack_of(scope: IConstruct) -> Stack:
    """`Stack.of(scope)`, read once per scope; a child made with `remember` shares its parent's answer."""
    if isinstance(scope, Stack):
        return scope
    found = _STACKS.get(scope)
    if found is None:
        found = _STACKS[scope] = Stack.of(scope)
    return found


def path_of(scope: IConstruct) -> str:
    """`scope.node.path`, read once per scope."""
    found = _PATHS.get(scope)
    if found is None:
        found = _PATHS[scope] = scope.node.path
    return found


def node_of(scope: IConstruct) -> Node:
    """`scope.node`, read once per scope (its methods still ask Node: children change)."""
    found = _NODES.get(scope)
    if found is None:
        found = _NODES[scope] = scope.node
    return found


def remember(child: IConstruct, parent: IConstruct, id: str) -> str:
    """Record what `child` (just made as `id` under `parent`, and not a stack) shares with its parent, without
    asking Node: its stack and its path. Returns the path."""
    parent_path = path_of(parent)
    path = _PATHS[child] = f"{parent_path}/{id}" if parent_path else id
    _STACKS[child] = stack_of(parent)
    return path


def cfn_resource(construct: IConstruct, cfn_type: str) -> CfnResource:
    """The `cfn_type` resource an L2 construct made just now (its default child), in one round trip where
    `construct.node.default_child` takes two: a selector of that type, made once, asked for it."""
    selector = _SELECTORS.get(cfn_type)
    if selector is None:
        selector = _SELECTORS[cfn_type] = ConstructSelector.resources_of_type(cfn_type)
    found = selector.select(construct)
    assert len(found) == 1 and isinstance(found[0], CfnResource), f"{construct} holds {len(found)} {cfn_type}"
    return found[0]
