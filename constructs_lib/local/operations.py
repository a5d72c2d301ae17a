"""The local loop: deploy, invoke, send, logs, watch, destroy. Each returns what happened and reports its steps
through `progress`; `constructs-lib local ...` (constructs_lib/cli/local.py) prints them. Usable without the CLI:

    from constructs_lib.local import Project, deploy, send
    project = Project(Path("."))
    deployed = deploy(project, progress=print)
    sent = send(project, "MyStack/Orders", body=b'{"id": 7}', on_log=lambda path, line: print(path, line))
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..adapters import Fire
from ..cdk_cli import failure_line, run_cdk
from .app import AppError, LocalApp, LocalFunction, LocalStack, in_deploy_order, pick_trigger
from .aws import LocalAws
from .events import apply_overrides, event_for
from .logs import OnLog, follow_logs
from .permissions import write_permissions
from .project import Progress, Project, quiet
from .runner import Invocation, run_in_subprocess
from .server import ACCOUNT, CREDENTIALS, REGION, ensure_server, permissions_file, running, stop_group

# Outputs that name AWS's endpoints (or a host-style local one, which needs DNS for *.localhost): an API's URL, a
# function URL. They are printed with the local AWS's path-style URLs instead.
_API_URL = re.compile(r"^https?://([a-z0-9]+)\.execute-api\.(?:[a-z0-9-]+\.amazonaws\.com(?:\.cn)?|localhost(?::\d+)?)"
                      r"(/.*)?$")
_FUNCTION_URL = re.compile(r"^https://([a-z0-9]+)\.lambda-url\.[a-z0-9-]+\.on\.aws/?$")


def _no_log(path: str, line: str) -> None:
    """An `on_log` that drops the lines."""


# --- deploy / destroy ---------------------------------------------------------------------------------------

@dataclass
class DeployedStack:
    name: str
    outputs: list[tuple[str, str]]  # with the local AWS's URLs in place of AWS's
    functions: list[LocalFunction]


@dataclass
class Deployed:
    endpoint: str
    stacks: list[DeployedStack]
    skipped: list[tuple[str, str]]  # (stack, why the local AWS cannot run it)
    seconds: float


def deploy(project: Project, port: int | None = None, progress: Progress = quiet) -> Deployed:
    """Synthesize for the local AWS, start it (or use AWS_ENDPOINT_URL's), bootstrap, deploy every stack it can run.

    A failure stops the server this call started, and raises `AppError` with the one line that says why (the whole
    CDK output is in `.constructs-lib/`)."""
    started = time.monotonic()
    app = project.synth(progress)
    skipped = [(s.name, "; ".join(s.not_local)) for s in app.stacks if s.not_local]
    for name, why in skipped:
        progress(f"skipped {name}: {why}")
    runnable = in_deploy_order(app.runnable)
    if not runnable:
        raise AppError("no stack of this app can run locally")
    server = ensure_server(project.state(), project.app_dir, port, state_dir=project.aws_state_dir)
    progress(f"local AWS at {server.endpoint}")
    try:
        _cdk(project, ["bootstrap", f"aws://{ACCOUNT}/{REGION}"], server.endpoint, progress, "bootstrapped")
        names = [s.name for s in runnable]
        _cdk(project, ["deploy", *names, "--app", str(project.cdk_out), "--require-approval", "never"],
             server.endpoint, progress, f"deployed {', '.join(names)}")
    except AppError:
        if server.started_now:
            stop_group(server.pid)
            shutil.rmtree(project.aws_state_dir, ignore_errors=True)  # a half-made deploy is not kept either
            progress("local AWS stopped (it was started for this deploy)")
        raise
    project.update_state(endpoint=server.endpoint, pid=server.pid, log=server.log, stacks=[s.name for s in runnable])
    aws = LocalAws(server.endpoint)
    for stack in runnable:
        _apply_cors(aws, stack, progress)
    _write_permissions(aws, [f for f in app.functions if f.stack in names], permissions_file(project.aws_state_dir))
    stacks = [DeployedStack(s.name, localized_outputs(aws, s), [f for f in app.functions if f.stack == s.name])
              for s in runnable]
    return Deployed(server.endpoint, stacks, skipped, time.monotonic() - started)


@dataclass
class Destroyed:
    destroyed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (stack, why)
    server_stopped: bool = False


def destroy(project: Project, progress: Progress = quiet) -> Destroyed:
    """Destroy the deployed stacks, each after the stacks that depend on it, then stop the server we started."""
    state = project.state()
    result = Destroyed()
    server = running(state)
    if server is not None:
        for name in reversed(state.get("stacks", [])):
            try:
                _cdk(project, ["destroy", name, "--exclusively", "--force", "--app", str(project.cdk_out)],
                     server.endpoint, progress, f"destroyed {name}")
                result.destroyed.append(name)
            except AppError as error:
                result.failed.append((name, str(error)))
    if state.get("pid"):
        stop_group(state["pid"])
        result.server_stopped = True
    shutil.rmtree(project.aws_state_dir, ignore_errors=True)
    project.save_state({k: v for k, v in state.items() if k not in ("endpoint", "pid", "log", "stacks", "last")})
    return result


def _write_permissions(aws: LocalAws, functions: list[LocalFunction], path: Path) -> None:
    """What each deployed function's role allows, by the function's name there: its handler workers enforce it."""
    entries = {}
    for function in functions:
        if function.permissions is not None:
            names = aws.names(function.stack)
            role = function.permissions.role
            entries[names.get(function.logical_id, function.logical_id)] = function.permissions.entry(
                names.get(role, role))
    write_permissions(path, entries)


def _cdk(project: Project, args: list[str], endpoint: str, progress: Progress, done: str) -> None:
    """A CDK command against the local AWS; its whole output in `.constructs-lib/cdk-<verb>.log`; `done` said after."""
    started = time.monotonic()
    result = run_cdk(project.app_dir, args, {**CREDENTIALS, "AWS_ENDPOINT_URL": endpoint})
    project.state_dir.mkdir(exist_ok=True)
    log = project.state_dir / f"cdk-{args[0]}.log"
    log.write_text(f"$ cdk {' '.join(args)}\n{result.stdout}\n{result.stderr}")
    if result.returncode != 0:
        raise AppError(f"`cdk {args[0]}` failed: {failure_line(result)} (the whole output: "
                       f"{log.relative_to(project.app_dir)})")
    progress(f"{done} in {time.monotonic() - started:.1f} s")


def localized_outputs(aws: LocalAws, stack: LocalStack) -> list[tuple[str, str]]:
    """The stack's outputs, with AWS's API and function URLs replaced by the local AWS's."""
    names = aws.names(stack.name)
    rest_ids = {names.get(logical_id) for logical_id, r in stack.template.get("Resources", {}).items()
                if r.get("Type") == "AWS::ApiGateway::RestApi"}
    outputs = []
    for key, value in aws.outputs(stack.name):
        api, function_url = _API_URL.match(value), _FUNCTION_URL.match(value)
        if api is not None:
            stage_path = api.group(2) or "/"
            value = (f"{aws.endpoint}/_aws/execute-api/{api.group(1)}{stage_path}" if api.group(1) in rest_ids
                     else f"{aws.endpoint}/_aws/execute-api/{api.group(1)}/$default{stage_path}")
        elif function_url is not None:
            value = f"{aws.endpoint}/_aws/lambda-url/{function_url.group(1)}/"
        outputs.append((key, value))
    return outputs


def _apply_cors(aws: LocalAws, stack: LocalStack, progress: Progress) -> None:
    """MiniStack 1.5.33 keeps an HTTP API's CorsConfiguration from CloudFormation under keys its data plane does not
    read: preflights then answer 403. The deployed template's own configuration, applied again through UpdateApi,
    makes them answer as on AWS. Nothing is done where the API already has it (AWS, a fixed local AWS)."""
    names = aws.names(stack.name)
    for logical_id, resource in stack.template.get("Resources", {}).items():
        cors = resource.get("Properties", {}).get("CorsConfiguration")
        if resource.get("Type") != "AWS::ApiGatewayV2::Api" or not cors or logical_id not in names:
            continue
        api = aws.client("apigatewayv2")
        if not api.get_api(ApiId=names[logical_id]).get("CorsConfiguration"):
            api.update_api(ApiId=names[logical_id], CorsConfiguration=cors)
            progress(f"CORS of {logical_id} applied again (the local AWS keeps CloudFormation's where its API does "
                     "not read it)")


def deployed(project: Project, progress: Progress = quiet, *,
             deploy_if_needed: bool = False) -> tuple[LocalAws, LocalApp]:
    """The running local AWS and the app as deployed; `deploy_if_needed`: deploy first when nothing runs, so
    `invoke` and `send` go from `cdk.json` to a run in one command."""
    state = project.state()
    server = running(state) if state.get("stacks") else None
    if server is None:
        if not deploy_if_needed:
            raise AppError("nothing is deployed locally: run `constructs-lib local deploy` first")
        progress("nothing deployed locally yet: deploying first")
        return LocalAws(deploy(project, None, progress).endpoint), project.deployed_app()
    return LocalAws(server.endpoint), project.deployed_app()


# --- invoke / send ----------------------------------------------------------------------------------------------

def invoke(project: Project, path: str, *, option: str | None = None, route: str | None = None,
           event: dict[str, Any] | None = None, overrides: list[str] | None = None, no_deploy: bool = False,
           progress: Progress = quiet) -> Invocation:
    """Invoke a function with the event its trigger would send (or `event`), `--set` `overrides` applied: on the
    local AWS through its alias when it has one (deploying first when nothing is), or with `no_deploy` in a
    subprocess, synthesized again first when the app's files changed."""
    if no_deploy:
        app = project.current(progress)
        function = app.function(path)
        trigger, built = event_for(function, {}, option, route)
        chosen = apply_overrides(event if event is not None else built, overrides or [], _text_fields(trigger))
        server = running(project.state())
        return run_in_subprocess(function, chosen, server.endpoint if server else None)
    aws, app = deployed(project, progress, deploy_if_needed=True)
    function = app.function(path)
    names = aws.names(function.stack)
    trigger, built = event_for(function, names, option, route)
    chosen = apply_overrides(event if event is not None else built, overrides or [], _text_fields(trigger))
    project.update_state(last={"command": "invoke", "path": function.path, "event": chosen})
    return invoke_deployed(aws, function, chosen)


def invoke_deployed(aws: LocalAws, function: LocalFunction, event: dict[str, Any]) -> Invocation:
    """Invoke the deployed function (its alias, when it has one: what its triggers invoke)."""
    name = aws.names(function.stack)[function.logical_id]
    qualifier = {"Qualifier": function.alias_name} if function.alias_name else {}
    started = time.monotonic()
    answer = aws.client("lambda").invoke(FunctionName=name, LogType="Tail", Payload=json.dumps(event).encode(),
                                         **qualifier)
    payload = answer["Payload"].read().decode()
    logs = base64.b64decode(answer.get("LogResult", "")).decode(errors="replace")
    error = answer.get("FunctionError") or ""
    return Invocation(function.path + (f":{function.alias_name}" if function.alias_name else ""), not error,
                      time.monotonic() - started, payload, logs.strip(), "local AWS", error)


@dataclass
class Sent:
    function: str
    trigger: str  # how it was fired: "S3 uploads/*.jpg"
    line: str  # what firing did
    invoked: bool  # False: the local AWS answered before any function ran (a refused authorizer)
    log_lines: int = 0


def send(project: Project, path: str, *, option: str | None = None, route: str | None = None,
         body: bytes | None = None, name: str | None = None, headers: dict[str, str] | None = None,
         wait_s: float = 15, progress: Progress = quiet, on_log: OnLog = _no_log) -> Sent:
    """Fire the function's trigger on the local AWS (put the object, send the message, call the route, put the
    event), then pass what every function of the app logged to `on_log` (the chain it set off), for up to
    `wait_s`. `name`: the body's file name (an S3 trigger puts the object under it when its filter allows)."""
    aws, app = deployed(project, progress, deploy_if_needed=True)
    function = app.function(path)
    trigger = pick_trigger(function, option, route)
    if trigger is None:
        raise AppError(f"{function.path} has no trigger to fire: use `constructs-lib local invoke`")
    project.update_state(last={"command": "send", "path": function.path, "trigger": option, "route": route,
                               "headers": headers or {}, "name": name,
                               "body": base64.b64encode(body).decode() if body is not None else None})
    names = aws.names(function.stack)
    since = int(time.time() * 1000) - 200  # the local AWS stamps logs with this machine's clock
    fired = trigger.adapter.fire(aws, trigger.detail, names, Fire(
        function=names[function.logical_id], qualifier=function.alias_name, body=body, name=name,
        headers=headers or {}))
    progress(fired.line)
    sent = Sent(function.path, trigger.adapter.describe(trigger.detail), fired.line, fired.invoked)
    if fired.invoked:
        sent.log_lines = follow_logs(aws, app.functions, since, wait_s, on_log)
    return sent


def _text_fields(trigger: Any) -> frozenset[str]:
    return trigger.adapter.text_fields if trigger is not None else frozenset()


# --- logs / watch ---------------------------------------------------------------------------------------------

def logs(project: Project, path: str, *, since_s: float = 600, follow: bool = False, on_log: OnLog = _no_log) -> int:
    """Pass a function's log lines of the last `since_s` to `on_log` (and new ones as they come, with `follow`)."""
    aws, app = deployed(project)
    function = app.function(path)
    try:
        return follow_logs(aws, [function], int((time.time() - since_s) * 1000), 1.0, on_log, follow=follow)
    except KeyboardInterrupt:
        return 0


def watch(project: Project, *, interval_s: float = 0.3, rounds: int | None = None, progress: Progress = quiet,
          on_log: OnLog = _no_log, on_result: Any = None) -> int:
    """Update a function's code on the local AWS when a file under its source folder changes (and move its alias to
    the new code), then run the last send or invoke again. `rounds`: stop after that many updates (tests)."""
    aws, app = deployed(project)
    watched = {f.path: project.app_dir / f.source_dir for f in app.functions if f.source_dir}
    stamps = {path: _stamp(folder) for path, folder in watched.items()}
    progress(f"watching {len(watched)} source folder(s); Ctrl-C to stop")
    updates = 0
    try:
        while rounds is None or updates < rounds:
            time.sleep(interval_s)
            for function in app.functions:
                folder = watched.get(function.path)
                if folder is None or _stamp(folder) == stamps[function.path]:
                    continue
                stamps[function.path] = _stamp(folder)
                started = time.monotonic()
                _update_code(aws, function, folder)
                progress(f"updated {function.path} in {time.monotonic() - started:.2f} s")
                updates += 1
                _run_last(project, aws, app, progress, on_log, on_result)
    except KeyboardInterrupt:
        pass
    return updates


def _update_code(aws: LocalAws, function: LocalFunction, folder: Path) -> None:
    lambda_ = aws.client("lambda")
    name = aws.names(function.stack)[function.logical_id]
    lambda_.update_function_code(FunctionName=name, ZipFile=_bundle(function, folder))
    if function.alias_name:  # its triggers invoke the alias: it moves to a version of the new code
        version = lambda_.publish_version(FunctionName=name)["Version"]
        lambda_.update_alias(FunctionName=name, Name=function.alias_name, FunctionVersion=version)


def _run_last(project: Project, aws: LocalAws, app: LocalApp, progress: Progress, on_log: OnLog,
              on_result: Any) -> None:
    last = project.state().get("last")
    if not last:
        return
    if last["command"] == "send":
        body = base64.b64decode(last["body"]) if last.get("body") else None
        send(project, last["path"], option=last.get("trigger"), route=last.get("route"), body=body,
             name=last.get("name"), headers=last.get("headers"), wait_s=5, progress=progress, on_log=on_log)
    else:
        invocation = invoke_deployed(aws, app.function(last["path"]), last["event"])
        if on_result is not None:
            on_result(invocation)


def _stamp(folder: Path) -> tuple[tuple[str, float], ...]:
    return tuple(sorted((str(p), p.stat().st_mtime) for p in folder.rglob("*")
                        if p.is_file() and "__pycache__" not in p.parts))


def _bundle(function: LocalFunction, folder: Path) -> bytes:
    """The deployed bundle (dependencies included) with the source folder's current files on top."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        sources = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts}
        if function.asset_dir and function.asset_dir.exists():
            for path in function.asset_dir.rglob("*"):
                name = path.relative_to(function.asset_dir).as_posix()
                if path.is_file() and name not in sources:
                    archive.write(path, name)
        for name, path in sources.items():
            archive.write(path, name)
    return buffer.getvalue()
