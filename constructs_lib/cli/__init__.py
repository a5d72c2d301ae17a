"""The `constructs-lib` command (also `python -m constructs_lib`), run in a CDK app folder.

    constructs-lib cost [--profile traffic.toml] [--compare memory=512,1024] [--json]
    constructs-lib local deploy | invoke PATH | send PATH | watch | logs PATH [--follow] | destroy

One module per command group, each thin: parse the options, call the library (`constructs_lib.local`,
`constructs_lib.cost`), print what it returns, choose the exit status. A problem the user can fix is one line on
stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import cost, local
from .output import UsageError

COMMANDS = {"cost": cost, "local": local}


def parser() -> argparse.ArgumentParser:
    """The whole command line: every command, subcommand and option (`cli_reference` documents it)."""
    made = argparse.ArgumentParser(prog="constructs-lib", description=(__doc__ or "constructs-lib").splitlines()[0])
    commands = made.add_subparsers(dest="command", required=True)
    for module in COMMANDS.values():
        module.add_parser(commands)
    return made


def cli_reference() -> str:
    """The CLI reference of the docs (docs/cli.md, between its markers): each command's `--help`, from the parser
    itself, so the page cannot drift from the code."""
    sections: list[str] = []

    def walk(current: argparse.ArgumentParser, depth: int) -> None:
        sections.append(f"{'#' * depth} `{current.prog}`\n\n```\n{current.format_help().rstrip()}\n```")
        for action in current._actions:  # argparse keeps its subparsers here, and nowhere public
            if isinstance(action, argparse._SubParsersAction):
                for child in dict.fromkeys(action.choices.values()):
                    walk(child, min(depth + 1, 4))

    import os

    columns = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"  # argparse wraps help to the terminal: the page is the same on every machine
    try:
        walk(parser(), 2)
    finally:
        if columns is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = columns
    return "\n\n".join(sections)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from ..local import AppError

    try:
        return COMMANDS[args.command].run(args)
    except (UsageError, AppError) as error:
        print(f"constructs-lib {args.command}: {error}", file=sys.stderr)
        return 2
