"""The `constructs-lib` command (also `python -m constructs_lib`), run in a CDK app folder.

    constructs-lib cost [--profile traffic.toml] [--compare memory=512,1024] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path


class UsageError(Exception):
    """Something the user can fix: printed as one line, exit status 2, never a traceback."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="constructs-lib", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    cost = commands.add_parser("cost", help="estimate the app's monthly cost before deploy")
    cost.add_argument("--app-dir", type=Path, default=Path.cwd(), help="the folder with cdk.json (default: here)")
    cost.add_argument("--cdk-out", type=Path, help="a synthesized cloud assembly (default: <app-dir>/cdk.out)")
    cost.add_argument("--synth", action="store_true", help="run `cdk synth` first, even when cdk.out exists")
    cost.add_argument("--profile", type=Path, help="traffic profile (TOML; default: <app-dir>/traffic.toml if any)")
    cost.add_argument("--compare", action="append", default=[], metavar="SPEC",
                      help="memory=512,1024 | architecture | api[=http,rest] | fargate (repeatable)")
    cost.add_argument("--no-free-tier", action="store_true", help="the account's free tier is used elsewhere")
    cost.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    try:
        return run_cost(args)
    except UsageError as error:
        print(f"constructs-lib {args.command}: {error}", file=sys.stderr)
        return 2


def run_cost(args: argparse.Namespace) -> int:
    from .cost import Profile, estimate, read_cloud_assembly
    from .cost.compare import compare, queue_break_even
    from .cost.estimate import ACCOUNT_FREE_TIER
    from .cost.report import render

    cdk_out = args.cdk_out or args.app_dir / "cdk.out"
    if args.synth or not (cdk_out / "manifest.json").exists():
        synth(args.app_dir, cdk_out)
    profile_path = args.profile or (args.app_dir / "traffic.toml")
    data = {}
    if args.profile or profile_path.exists():
        try:
            data = tomllib.loads(profile_path.read_text())
        except FileNotFoundError:
            raise UsageError(f"no traffic profile at {profile_path}") from None
        except tomllib.TOMLDecodeError as error:
            raise UsageError(f"{profile_path} is not valid TOML: {error}") from None
    try:
        stacks = read_cloud_assembly(cdk_out)
        profile = Profile(data)
        free = None if args.no_free_tier else ACCOUNT_FREE_TIER
        result = estimate(stacks, profile, free=free)
        alternatives, break_even = [], []
        for spec in args.compare:
            if spec == "fargate":
                from .cost.prices import PRICES

                break_even = queue_break_even(stacks, profile, PRICES.get(result.region, PRICES["us-east-1"]))
            else:
                alternatives += compare(stacks, profile, spec, result, free)
    except ValueError as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        raise UsageError(f"cannot read the cloud assembly: {error}") from None
    except (KeyError, TypeError) as error:
        raise UsageError(f"the traffic profile or {cdk_out} has an unexpected shape ({error!r})") from None
    if args.json:
        payload = result.to_json()
        payload["compare"] = [vars(a) for a in alternatives]
        payload["break_even"] = [vars(b) for b in break_even]
        print(json.dumps(payload, indent=2))
    else:
        print(render(result, alternatives, break_even))
    return 0


def synth(app_dir: Path, cdk_out: Path) -> None:
    """`cdk synth` in `app_dir` (the project's own CLI from node_modules, else on PATH, else npx)."""
    if not (app_dir / "cdk.json").exists():
        raise UsageError(f"no cdk.json in {app_dir}: run this in a CDK app folder (`cdk init app --language "
                         "python` makes one), or pass --cdk-out with a synthesized cloud assembly")
    local = app_dir / "node_modules" / ".bin" / "cdk"
    cli = [str(local)] if local.exists() else [found] if (found := shutil.which("cdk")) else ["npx", "--yes", "cdk"]
    command = [*cli, "synth", "--quiet", "--no-notices", "--output", str(cdk_out)]
    result = subprocess.run(command, cwd=app_dir, capture_output=True, text=True,
                            env={**os.environ, "CDK_DISABLE_VERSION_CHECK": "1"})
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        raise UsageError(f"`cdk synth` failed in {app_dir}:\n{tail}")
