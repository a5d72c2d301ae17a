"""`constructs-lib local ...`: parse, call the local loop (`constructs_lib.local`), print what it returns."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from .output import UsageError, pretty, say


def add_parser(commands: Any) -> None:
    from ..adapters import OPTIONS

    local = commands.add_parser("local", help="your app on a local AWS (MiniStack): deploy, invoke, send, watch, "
                                "logs, destroy")
    local.add_argument("--app-dir", type=Path, default=Path.cwd(), help="the folder with cdk.json (default: here)")
    verbs = local.add_subparsers(dest="verb", required=True)
    deploy = verbs.add_parser("deploy", help="start a local AWS (or use AWS_ENDPOINT_URL), bootstrap, deploy")
    deploy.add_argument("--port", type=int, help="the port MiniStack listens on (default: a free one)")
    invoke = verbs.add_parser("invoke", help="invoke a function with the event its trigger would send")
    send = verbs.add_parser("send", help="fire the function's trigger (put the object, send the message, call the "
                                         "route, put the event) and show what the chain logged")
    for verb in (invoke, send):
        verb.add_argument("path", help="the function's construct path, e.g. MyStack/Thumbnails")
        verb.add_argument("--trigger", choices=OPTIONS, help="which of its triggers (default: its first)")
        verb.add_argument("--route", metavar="'METHOD /path'", help="which of its API routes, e.g. 'GET /items/{id}'")
    invoke.add_argument("--event", type=Path, help="a JSON event file instead of the trigger's")
    invoke.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a field of the event: Records.0.body='{\"id\": 1}'")
    invoke.add_argument("--no-deploy", action="store_true",
                        help="run the handler in a subprocess with its environment and timeout (no server)")
    body = send.add_mutually_exclusive_group()
    body.add_argument("--body", help="the object body, message body, request body or event detail (text)")
    body.add_argument("--body-file", type=Path, help="the same, read from a file as bytes (a binary object)")
    send.add_argument("--header", action="append", default=[], metavar="NAME:VALUE",
                      help="a request header for an API route or function URL (repeatable)")
    send.add_argument("--wait", type=float, default=15, help="seconds to wait for logs (default 15)")
    watch = verbs.add_parser("watch", help="update a function's code when its source folder changes; re-run the "
                             "last send or invoke")
    watch.add_argument("--interval", type=float, default=0.3)
    logs = verbs.add_parser("logs", help="a function's logs")
    logs.add_argument("path")
    logs.add_argument("--follow", action="store_true")
    logs.add_argument("--since", type=float, default=600, help="seconds back (default 600)")
    verbs.add_parser("destroy", help="destroy the local stacks and stop the local AWS")


def run(args: argparse.Namespace) -> int:
    from .. import local

    try:
        project = local.Project(args.app_dir)
        return VERBS[args.verb](local, project, args)
    except Exception as error:
        if type(error).__module__.startswith("botocore"):  # the local AWS refused or could not be reached
            raise UsageError(f"a call to the local AWS failed: {error}") from None
        raise


def _deploy(local: Any, project: Any, args: argparse.Namespace) -> int:
    deployed = local.deploy(project, args.port, progress=say)
    for stack in deployed.stacks:
        say(f"\n{stack.name}")
        for key, value in stack.outputs:
            say(f"  {key} = {value}")
        for function in stack.functions:
            say(f"  function {function.path}: {function.describe_triggers()}")
    say(f"\ndeployed in {deployed.seconds:.1f} s")
    return 0


def _destroy(local: Any, project: Any, args: argparse.Namespace) -> int:
    destroyed = local.destroy(project, progress=say)
    if destroyed.destroyed:
        say("destroyed " + ", ".join(destroyed.destroyed))
    for name, why in destroyed.failed:
        print(f"constructs-lib local: destroying {name} failed: {why}", file=sys.stderr)
    if destroyed.server_stopped:
        say("local AWS stopped")
    return 1 if destroyed.failed else 0


def _invoke(local: Any, project: Any, args: argparse.Namespace) -> int:
    event = None
    if args.event is not None:
        try:
            event = json.loads(args.event.read_text())
        except (OSError, ValueError) as error:
            raise UsageError(f"--event {args.event}: not a JSON file ({error})") from None
    invocation = local.invoke(project, args.path, option=args.trigger, route=args.route, event=event,
                              overrides=args.set, no_deploy=args.no_deploy, progress=say)
    show_invocation(invocation)
    return 0 if invocation.ok else 1


def show_invocation(invocation: Any) -> None:
    where = " (in a subprocess, not deployed)" if invocation.where == "subprocess" else ""
    state = "ok" if invocation.ok else f"FAILED {invocation.error}".rstrip()
    say(f"{invocation.function}: {state} in {invocation.seconds * 1000:.0f} ms{where}")
    if invocation.result:
        say(pretty(invocation.result))
    if invocation.logs:
        say("--- logs\n" + invocation.logs)


def _send(local: Any, project: Any, args: argparse.Namespace) -> int:
    body = args.body.encode() if args.body is not None else None
    if args.body_file is not None:
        try:
            body = args.body_file.read_bytes()
        except OSError as error:
            raise UsageError(f"--body-file {args.body_file}: {error.strerror}") from None
    headers = {}
    for header in args.header:
        name, sep, value = header.partition(":")
        if not sep or not name.strip():
            raise UsageError(f"--header {header!r}: write NAME:VALUE, e.g. --header 'Authorization: Bearer abc'")
        headers[name.strip()] = value.strip()
    sent = local.send(project, args.path, option=args.trigger, route=args.route, body=body,
                      name=args.body_file.name if args.body_file else None, headers=headers, wait_s=args.wait,
                      progress=say, on_log=show_log)
    if not sent.invoked:
        say("(answered before any function ran: no logs to wait for)")
    elif not sent.log_lines:
        say(f"(no logs within {args.wait:g} s)")
    return 0


def show_log(path: str, line: str) -> None:
    say(f"[{path}] {line}")


def _logs(local: Any, project: Any, args: argparse.Namespace) -> int:
    with contextlib.suppress(KeyboardInterrupt):
        if not local.logs(project, args.path, since_s=args.since, follow=args.follow, on_log=show_log):
            say(f"(no logs in the last {args.since:g} s)")
    return 0


def _watch(local: Any, project: Any, args: argparse.Namespace) -> int:
    local.watch(project, interval_s=args.interval, progress=say, on_log=show_log, on_result=show_invocation)
    return 0


VERBS = {"deploy": _deploy, "destroy": _destroy, "invoke": _invoke, "send": _send, "logs": _logs, "watch": _watch}
