"""What every trigger has in common: validated options in the constructor, wiring in `bind`."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..function import ServerlessFunction


class Trigger(abc.ABC):
    """Something that invokes a `ServerlessFunction`.

    Options are checked in the constructor, so a `ConfigError` points at the user's line; resources and
    permissions are created by `bind`, once the function (and its timeout) is known.
    """

    def __init__(self) -> None:
        self._function: ServerlessFunction | None = None

    @property
    def function(self) -> ServerlessFunction:
        if self._function is None:
            raise RuntimeError(f"{type(self).__name__} is not bound to a function yet")
        return self._function

    def bind(self, function: ServerlessFunction) -> None:
        """Connect this trigger to `function` (called by `ServerlessFunction.add_trigger`)."""
        from ..rules.function import check_trigger_not_bound

        check_trigger_not_bound(function, type(self).__name__, self._function and self._function.node.path)
        self._function = function
        self._bind(function)

    def scoped_id(self, function: ServerlessFunction, name: str) -> str:
        """`name` for the first trigger of this kind on `function`, `name1`, `name2`, ... for the next ones, so
        a function drained from two queues or fed by two buckets gets resources that do not collide."""
        index = sum(type(t) is type(self) for t in function.triggers)
        return f"{name}{index or ''}"

    @abc.abstractmethod
    def _bind(self, function: ServerlessFunction) -> None:
        """Create the resources and grants that connect the event source to `function`."""
