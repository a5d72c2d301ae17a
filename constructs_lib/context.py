"""The app's context switches (`-c constructs_lib:...`), read once per scope.

Every read of a context value is a jsii round trip; a function reads several (data policy, packaging target,
local alarms) for itself and each queue and log group it makes. Values are cached per construct, and a construct
shares its scope's cache (`inherit`), so a stack of 50 functions asks Node once per switch. CDK forbids changing
context once a scope has children, so a cached answer cannot go stale.
"""

from __future__ import annotations

import weakref
from typing import Any

from constructs import IConstruct

from . import reads

_CACHE: weakref.WeakKeyDictionary[IConstruct, dict[str, Any]] = weakref.WeakKeyDictionary()
_MISSING = object()


def value(scope: IConstruct, key: str) -> Any:
    """`scope.node.try_get_context(key)`, cached."""
    cache = _CACHE.get(scope)
    if cache is None:
        cache = _CACHE[scope] = {}
    found = cache.get(key, _MISSING)
    if found is _MISSING:
        found = cache[key] = scope.node.try_get_context(key)
    return found


def flag(scope: IConstruct, key: str) -> bool:
    """A switch given as `true` (bool or string, any case)."""
    found = value(scope, key)
    return found is True or (isinstance(found, str) and found.strip().lower() == "true")


def inherit(child: IConstruct, parent: IConstruct) -> None:
    """Let `child` (just created under `parent`) share `parent`'s answers."""
    _CACHE[child] = _CACHE.setdefault(parent, {})


def stack_name(scope: IConstruct) -> str:
    """The name of `scope`'s stack (a token when it is not known at synth), read once per stack."""
    return reads.attribute(reads.stack_of(scope), "stack_name")


def unresolved(text: str) -> bool:
    """Whether `text` holds a CDK token (known only at deploy): `Token.is_unresolved` without the jsii call."""
    return "${Token[" in text
