"""What every command shares: printing as it goes, and the one-line error."""

from __future__ import annotations

import json


class UsageError(Exception):
    """Something the user can fix: printed as one line, exit status 2, never a traceback."""


def say(message: str) -> None:
    print(message, flush=True)


def pretty(text: str) -> str:
    """JSON text indented for reading; anything else as it is."""
    try:
        return json.dumps(json.loads(text), indent=2)
    except ValueError:
        return text
