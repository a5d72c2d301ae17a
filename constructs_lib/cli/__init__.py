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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="constructs-lib", description=(__doc__ or "constructs-lib").splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS.values():
        module.add_parser(commands)
    args = parser.parse_args(argv)
    from ..local import AppError

    try:
        return COMMANDS[args.command].run(args)
    except (UsageError, AppError) as error:
        print(f"constructs-lib {args.command}: {error}", file=sys.stderr)
        return 2
