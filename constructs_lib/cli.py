"""The `constructs-lib` command (also `python -m constructs_lib`), run in a CDK app folder.

    constructs-lib cost [--profile traffic.toml] [--compare memory=512,1024] [--json]
    constructs-lib local deploy | invoke PATH | send PATH | watch | logs PATH [--follow] | destroy
"""

from __future__ import annotations

import argparse
import json
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
    add_local_commands(commands)
    args = parser.parse_args(argv)
    from .local.app import AppError

    try:
        return run_cost(args) if args.command == "cost" else run_local(args)
    except (UsageError, AppError) as error:
        print(f"constructs-lib {args.command}: {error}", file=sys.stderr)
        return 2


def add_local_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    local = commands.add_parser("local", help="your app on a local AWS (MiniStack): deploy, invoke, send, watch, "
                                "logs, destroy")
    local.add_argument("--app-dir", type=Path, default=Path.cwd(), help="the folder with cdk.json (default: here)")
    verbs = local.add_subparsers(dest="verb", required=True)
    deploy = verbs.add_parser("deploy", help="start a local AWS (or use AWS_ENDPOINT_URL), bootstrap, deploy")
    deploy.add_argument("--port", type=int, help="the port MiniStack listens on (default: a free one)")
    for name, text in (("invoke", "invoke a function with the event its trigger would send"),
                       ("send", "fire the function's trigger (put the object, send the message, call the route, "
                                "put the event) and show what the chain logged")):
        verb = verbs.add_parser(name, help=text)
        verb.add_argument("path", help="the function's construct path, e.g. MyStack/Thumbnails")
        verb.add_argument("--trigger", choices=["s3", "sqs", "api", "events", "schedule", "url"],
                          help="which of its triggers (default: its first)")
        if name == "invoke":
            verb.add_argument("--event", type=Path, help="a JSON event file instead of the trigger's")
            verb.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                              help="override a field of the event: Records.0.body='{\"id\": 1}'")
            verb.add_argument("--no-deploy", action="store_true",
                              help="run the handler in a subprocess with its environment and timeout (no server)")
        else:
            verb.add_argument("--body", help="the object body, message body, request body or event detail")
            verb.add_argument("--wait", type=float, default=15, help="seconds to wait for logs (default 15)")
    watch = verbs.add_parser("watch", help="update a function's code when its source folder changes; re-run the "
                             "last send or invoke")
    watch.add_argument("--interval", type=float, default=0.3)
    logs = verbs.add_parser("logs", help="a function's logs")
    logs.add_argument("path")
    logs.add_argument("--follow", action="store_true")
    logs.add_argument("--since", type=float, default=600, help="seconds back (default 600)")
    verbs.add_parser("destroy", help="destroy the local stacks and stop the local AWS")


def run_local(args: argparse.Namespace) -> int:
    try:
        return _run_local(args)
    except Exception as error:
        if type(error).__module__.startswith("botocore"):  # the local AWS refused or could not be reached
            raise UsageError(f"a call to the local AWS failed: {error}") from None
        raise


def _run_local(args: argparse.Namespace) -> int:
    from .local.commands import Local

    local = Local(args.app_dir)
    if args.verb == "deploy":
        return local.deploy(args.port)
    if args.verb == "invoke":
        return local.invoke(args.path, args.trigger, args.event, args.set, args.no_deploy)
    if args.verb == "send":
        return local.send(args.path, args.trigger, args.body, args.wait)
    if args.verb == "watch":
        return local.watch(args.interval)
    if args.verb == "logs":
        return local.logs(args.path, args.follow, args.since)
    return local.destroy()


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
    from .cdk_cli import last_lines, run_cdk

    if not (app_dir / "cdk.json").exists():
        raise UsageError(f"no cdk.json in {app_dir}: run this in a CDK app folder (`cdk init app --language "
                         "python` makes one), or pass --cdk-out with a synthesized cloud assembly")
    result = run_cdk(app_dir, ["synth", "--quiet", "--output", str(cdk_out)])
    if result.returncode != 0:
        raise UsageError(f"`cdk synth` failed in {app_dir}:\n{last_lines(result)}")
