"""What every trigger has in common: validated options in the constructor, wiring in `bind`."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

from ..errors import ConfigError

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
        if self._function is not None:
            raise ConfigError(
                function.node.path, "TRIGGER_REUSE",
                f"this {type(self).__name__} is already bound to {self._function.node.path}",
                limit="a trigger object serves one function",
                fix=f"create a separate {type(self).__name__}(...) for each function.",
            )
        self._function = function
        self._bind(function)

    @abc.abstractmethod
    def _bind(self, function: ServerlessFunction) -> None:
        """Create the resources and grants that connect the event source to `function`."""
