"""`constructs-lib cost`: parse, estimate (`constructs_lib.cost`), print the table or JSON."""

from __future__ import annotations

import argparse
import json
import tomllib
from pathlib import Path
from typing import Any

from .output import UsageError, say


def add_parser(commands: Any) -> None:
    cost = commands.add_parser("cost", help="estimate the app's monthly cost before deploy")
    cost.add_argument("--app-dir", type=Path, default=Path.cwd(), help="the folder with cdk.json (default: here)")
    cost.add_argument("--cdk-out", type=Path, help="a synthesized cloud assembly (default: <app-dir>/cdk.out)")
    cost.add_argument("--synth", action="store_true", help="run `cdk synth` first, even when cdk.out exists")
    cost.add_argument("--profile", type=Path, help="traffic profile (TOML; default: <app-dir>/traffic.toml if any)")
    cost.add_argument("--compare", action="append", default=[], metavar="SPEC",
                      help="memory=512,1024 | architecture | api[=http,rest] | fargate (repeatable)")
    cost.add_argument("--no-free-tier", action="store_true", help="the account's free tier is used elsewhere")
    cost.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    from ..cost import CostError, estimate_with_options
    from ..cost.report import render, to_json

    cdk_out = args.cdk_out or args.app_dir / "cdk.out"
    if args.synth or not (cdk_out / "manifest.json").exists():
        synth(args.app_dir, cdk_out)
    try:
        report = estimate_with_options(cdk_out, profile=read_profile(args), compare=args.compare,
                                       free_tier=not args.no_free_tier)
    except CostError as error:
        raise UsageError(str(error)) from None
    say(json.dumps(to_json(report), indent=2) if args.json else render(report))
    return 0


def read_profile(args: argparse.Namespace) -> dict[str, Any]:
    path = args.profile or (args.app_dir / "traffic.toml")
    if not args.profile and not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"no traffic profile at {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path} is not valid TOML: {error}") from None


def synth(app_dir: Path, cdk_out: Path) -> None:
    """`cdk synth` in `app_dir` (the project's own CLI from node_modules, else on PATH, else npx)."""
    from ..cdk_cli import failure_line, run_cdk

    if not (app_dir / "cdk.json").exists():
        raise UsageError(f"no cdk.json in {app_dir}: run this in a CDK app folder (`cdk init app --language "
                         "python` makes one), or pass --cdk-out with a synthesized cloud assembly")
    result = run_cdk(app_dir, ["synth", "--quiet", "--output", str(cdk_out)])
    if result.returncode != 0:
        raise UsageError(f"`cdk synth` failed in {app_dir}: {failure_line(result)}")
