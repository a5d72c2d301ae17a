"""What every trigger has in common: validated options in the constructor, wiring in `bind(target)`.

`TriggerTarget` names everything a trigger uses of the function it is bound to (a `ServerlessFunction`), as
aws-lambda's `IEventSource.bind(target: IFunction)` does: a trigger reaches nothing else of it.
"""

from __future__ import annotations

import abc
import functools
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from constructs import Construct, IConstruct, Node

if TYPE_CHECKING:
    from aws_cdk import Duration
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_lambda as lambda_

    from ..health import Health


class TriggerTarget(IConstruct, Protocol):
    """What a trigger uses of its function. Resources a trigger makes live under it (`scope_of(target)`)."""

    @property
    def node(self) -> Node: ...  # its path, in errors and resource descriptions
    @property
    def timeout(self) -> Duration: ...  # an SQS visibility timeout and an API integration timeout depend on it
    @property
    def invoke_target(self) -> lambda_.IFunction: ...  # what the event source invokes: the alias, else $LATEST
    @property
    def alias(self) -> lambda_.Alias | None: ...  # a schedule's grant is the alias's ARN alone
    @property
    def function_arn(self) -> str: ...  # the unqualified ARN, in acknowledgements of `ARN:*` grants
    @property
    def function_name(self) -> str: ...  # a stream's iterator age is a metric of the function
    @property
    def role(self) -> iam.IRole: ...  # whose grants a trigger reads (a bucket written to where it fires)
    @property
    def triggers(self) -> Sequence[Trigger]: ...  # those bound before: ids of resources, one URL per function
    @property
    def health(self) -> Health: ...  # the alarm signals and dashboard graphs a trigger adds


def scope_of(target: TriggerTarget) -> Construct:
    """The function's construct, under which a trigger makes its resources (a `TriggerTarget` is one)."""
    return cast(Construct, target)


class Trigger(abc.ABC):
    """Something that invokes a `ServerlessFunction`.

    Options are checked in the constructor, so a `ConfigError` points at the user's line; resources and
    permissions are created by `bind`, once the function (and its timeout) is known.
    """

    # Whether the service invokes the function asynchronously (S3, EventBridge, Scheduler): then a failed invoke
    # is retried and, in the end, sent to the function's on-failure destination. SQS mappings and APIs invoke
    # synchronously: a failure goes back to the caller (the queue's redrive, the HTTP client).
    invokes_async: bool = True

    def __init__(self) -> None:
        self._function: TriggerTarget | None = None
        # Named in the constructor's errors: which of several triggers is wrong, before it has a path.
        self.where = where_created(self)

    @property
    def function(self) -> TriggerTarget:
        if self._function is None:
            raise RuntimeError(f"{type(self).__name__} is not bound to a function yet")
        return self._function

    def bind(self, function: TriggerTarget) -> None:
        """Connect this trigger to `function` (called by `ServerlessFunction.add_trigger`)."""
        from ..rules.function import check_trigger_not_bound

        check_trigger_not_bound(function, type(self).__name__, self._function.node.path if self._function else None)
        self._function = function
        self._bind(function)

    def scoped_id(self, function: TriggerTarget, name: str) -> str:
        """`name` for the first trigger of this kind on `function`, `name1`, `name2`, ... for the next ones, so
        a function drained from two queues or fed by two buckets gets resources that do not collide."""
        index = sum(type(t) is type(self) for t in function.triggers)
        return f"{name}{index or ''}"

    def service_resources(self) -> list[str]:
        """ARNs Lambda itself uses with the function's role for this trigger (a queue or stream it polls, an
        on-failure queue): not the code's grants, and reached without a VPC endpoint."""
        return []

    @abc.abstractmethod
    def _bind(self, function: TriggerTarget) -> None:
        """Create the resources and grants that connect the event source to `function`."""


def where_created(trigger: object) -> str:
    """"QueueTrigger at app.py:42": how a trigger is named in errors before it is bound to a function."""
    return f"{type(trigger).__name__} at {_call_site()}"


_PACKAGE_DIR = str(Path(__file__).resolve().parent.parent) + os.sep


def _call_site() -> str:
    """`file:line` of the user's code that created the trigger (the first frame outside this library)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "an unknown line"
    return f"{_shown_file(frame.f_code.co_filename, os.getcwd())}:{frame.f_lineno}"


@functools.lru_cache(maxsize=64)
def _shown_file(filename: str, cwd: str) -> str:
    """`filename` relative to `cwd`, else its name (resolved once per file: triggers are made by the hundred in one
    app file)."""
    path = Path(filename)
    try:
        return str(path.resolve().relative_to(cwd))
    except ValueError:
        return path.name
