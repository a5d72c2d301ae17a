"""The app's context switches (`-c constructs_lib:...`), named once here and read once per scope.

Every read of a context value is a jsii round trip; a function reads several (data policy, packaging target,
local alarms) for itself and each queue and log group it makes. Values are cached per construct, and a construct
shares its scope's cache (`inherit`), so a stack of 50 functions asks Node once per switch. CDK forbids changing
context once a scope has children, so a cached answer cannot go stale.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the command-line tools read the names below without loading aws-cdk-lib (and Node)
    from constructs import IConstruct

# Every bucket, queue and log group is deleted with its stack (throwaway stacks: previews, tests, local runs).
DESTROY_DATA = "constructs_lib:destroy_data"
# Dependencies installed for the synth host's Python and platform, for a local AWS (MiniStack) that runs handlers
# on the host's interpreter. Never for a real deploy.
INSTALL_FOR_HOST = "constructs_lib:install_for_host"
# Local AWS emulators evaluate single-metric alarms only: each plain signal gets an alarm of its own.
ALARMS_PER_SIGNAL = "constructs_lib:alarms_per_signal"
# "false": no CodeDeploy (a local AWS has none); the alias moves to each new version directly.
CODEDEPLOY = "constructs_lib:codedeploy"
# What `constructs-lib local deploy` and `make deploy-local` synthesize with.
LOCAL_DEPLOY = {INSTALL_FOR_HOST: "true", ALARMS_PER_SIGNAL: "true", CODEDEPLOY: "false"}

# Template metadata the constructs write for the command-line tools: where a function's code comes from.
SOURCE_METADATA = "constructs_lib:source"

_CACHE: weakref.WeakKeyDictionary[IConstruct, dict[str, Any]] = weakref.WeakKeyDictionary()
_MISSING = object()


def cli_arguments(switches: dict[str, str]) -> list[str]:
    """`{"a": "b"}` -> `["-c", "a=b"]`, for the CDK CLI."""
    return [part for key, value in switches.items() for part in ("-c", f"{key}={value}")]


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


def switched_off(scope: IConstruct, key: str) -> bool:
    """A switch given as `false` (bool or string, any case); unset is not off."""
    found = value(scope, key)
    return found is False or (isinstance(found, str) and found.strip().lower() == "false")


def inherit(child: IConstruct, parent: IConstruct) -> None:
    """Let `child` (just created under `parent`) share `parent`'s answers."""
    _CACHE[child] = _CACHE.setdefault(parent, {})


def stack_name(scope: IConstruct) -> str:
    """The name of `scope`'s stack (a token when it is not known at synth), read once per stack."""
    from . import reads

    return reads.attribute(reads.stack_of(scope), "stack_name")


def unresolved(text: str) -> bool:
    """Whether `text` holds a CDK token (known only at deploy): `Token.is_unresolved` without the jsii call."""
    return "${Token[" in text
