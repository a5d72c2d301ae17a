"""The `constructs-lib local` commands. Each prints what happened and returns an exit status."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

from ..cdk_cli import last_lines, run_cdk
from .app import AppError, LocalFunction, LocalStack, find_function, read_app
from .events import apply_overrides, event_for, object_key
from .server import (
    ACCOUNT,
    CREDENTIALS,
    REGION,
    ensure_server,
    healthy,
    load_state,
    save_state,
    state_dir,
    stop_group,
)

# Context for a local deploy: dependencies installed for this machine's Python (MiniStack runs handlers on it),
# one alarm per signal (MiniStack evaluates no metric math), no CodeDeploy (MiniStack has none).
LOCAL_CONTEXT = ["-c", "constructs_lib:install_for_host=true", "-c", "constructs_lib:alarms_per_signal=true",
                 "-c", "constructs_lib:codedeploy=false"]


def say(message: str) -> None:
    print(message, flush=True)


class Local:
    def __init__(self, app_dir: Path) -> None:
        self.app_dir = app_dir.resolve()
        if not (self.app_dir / "cdk.json").exists():
            raise AppError(f"no cdk.json in {self.app_dir}: run this in a CDK app folder (`cdk init app --language "
                           "python` makes one)")
        self.cdk_out = state_dir(self.app_dir) / "cdk.out"

    # --- building blocks ----------------------------------------------------------------------------------

    def synth(self) -> tuple[list[LocalStack], list[LocalFunction]]:
        started = time.monotonic()
        result = run_cdk(self.app_dir, ["synth", "--quiet", "--output", str(self.cdk_out), *LOCAL_CONTEXT],
                         CREDENTIALS)
        if result.returncode != 0:
            raise AppError(f"`cdk synth` failed:\n{last_lines(result)}")
        say(f"synthesized in {time.monotonic() - started:.1f} s")
        return read_app(self.cdk_out)

    def assembly(self) -> tuple[list[LocalStack], list[LocalFunction]]:
        if not (self.cdk_out / "manifest.json").exists():
            return self.synth()
        return read_app(self.cdk_out)

    def client(self, state: dict[str, Any], service: str) -> Any:
        try:
            import boto3
        except ImportError:
            raise AppError("boto3 is not installed: pip install 'constructs-lib[local]'") from None

        return boto3.client(service, endpoint_url=state["endpoint"], region_name=REGION,
                            aws_access_key_id=ACCOUNT, aws_secret_access_key="local")  # noqa: S106

    def names(self, state: dict[str, Any], stack: str) -> dict[str, str]:
        """Logical id -> physical id of a deployed stack (a queue's name, not its URL)."""
        try:
            listing = self.client(state, "cloudformation").describe_stack_resources(StackName=stack)
        except Exception as error:  # noqa: BLE001 - botocore's errors: the stack is not deployed
            raise AppError(f"stack {stack} is not deployed locally: run `constructs-lib local deploy`") from error
        return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in listing["StackResources"]}

    def deployed(self, deploy_if_needed: bool = False) -> tuple[dict[str, Any], list[LocalFunction]]:
        """The running local AWS and the app's functions; `deploy_if_needed`: deploy first when nothing runs, so
        `invoke` and `send` go from `cdk.json` to a run in one command."""
        state = load_state(self.app_dir)
        running = bool(state.get("endpoint") and state.get("stacks")) and healthy(state["endpoint"])
        if not running:
            if not deploy_if_needed:
                raise AppError("nothing is deployed locally: run `constructs-lib local deploy` first")
            say("nothing deployed locally yet: deploying first")
            self.deploy(None)
            state = load_state(self.app_dir)
        return state, self.assembly()[1]

    # --- deploy / destroy ------------------------------------------------------------------------------------

    def deploy(self, port: int | None) -> int:
        started = time.monotonic()
        stacks, functions = self.synth()
        runnable = [s for s in stacks if not s.not_local]
        for stack in stacks:
            if stack.not_local:
                say(f"skipped {stack.name}: {'; '.join(stack.not_local)}")
        if not runnable:
            raise AppError("no stack of this app can run locally")
        state = ensure_server(self.app_dir, port)
        env = {**CREDENTIALS, "AWS_ENDPOINT_URL": state["endpoint"]}
        say(f"local AWS at {state['endpoint']}")
        for args in (["bootstrap", f"aws://{ACCOUNT}/{REGION}"],
                     ["deploy", *[s.name for s in runnable], "--app", str(self.cdk_out), "--require-approval",
                      "never"]):
            result = run_cdk(self.app_dir, args, env)
            if result.returncode != 0:
                raise AppError(f"`cdk {args[0]}` failed:\n{last_lines(result)}")
        state["stacks"] = [s.name for s in runnable]
        save_state(self.app_dir, state)
        cloudformation = self.client(state, "cloudformation")
        for stack in runnable:
            outputs = cloudformation.describe_stacks(StackName=stack.name)["Stacks"][0].get("Outputs", [])
            say(f"\n{stack.name}")
            for output in outputs:
                say(f"  {output['OutputKey']} = {output['OutputValue']}")
            for function in (f for f in functions if f.stack == stack.name):
                triggers = ", ".join(_describe(t.kind, t.detail) for t in function.triggers) or "no trigger"
                say(f"  function {function.path}: {triggers}")
        say(f"\ndeployed in {time.monotonic() - started:.1f} s")
        return 0

    def destroy(self) -> int:
        state = load_state(self.app_dir)
        if state.get("endpoint") and state.get("stacks"):
            result = run_cdk(self.app_dir, ["destroy", *state["stacks"], "--app", str(self.cdk_out), "--force"],
                             {**CREDENTIALS, "AWS_ENDPOINT_URL": state["endpoint"]})
            say("destroyed " + ", ".join(state["stacks"]) if result.returncode == 0 else
                f"`cdk destroy` failed (the server is stopped anyway):\n{last_lines(result)}")
        stop_group(state.get("pid"))
        (state_dir(self.app_dir) / "local.json").unlink(missing_ok=True)
        say("local AWS stopped" if state.get("pid") else "nothing was running")
        return 0

    # --- invoke / send -------------------------------------------------------------------------------------

    def invoke(self, path: str, trigger: str | None, event_file: Path | None, settings: list[str],
               no_deploy: bool) -> int:
        if no_deploy:
            _, functions = self.assembly()
            function = find_function(functions, path)
            event = self._event(function, {}, trigger, event_file, settings)
            return run_in_subprocess(function, event, load_state(self.app_dir).get("endpoint"))
        state, functions = self.deployed(deploy_if_needed=True)
        function = find_function(functions, path)
        names = self.names(state, function.stack)
        event = self._event(function, names, trigger, event_file, settings)
        state["last"] = {"command": "invoke", "path": path, "trigger": trigger, "event": event}
        save_state(self.app_dir, state)
        return self._invoke_deployed(state, function, names, event)

    def _event(self, function: LocalFunction, names: dict[str, str], trigger: str | None, event_file: Path | None,
               settings: list[str]) -> dict[str, Any]:
        if event_file is not None:
            try:
                event = json.loads(event_file.read_text())
            except (OSError, ValueError) as error:
                raise AppError(f"--event {event_file}: {error}") from None
        else:
            _, event = event_for(function, _short_names(names), trigger)
        return apply_overrides(event, settings)

    def _invoke_deployed(self, state: dict[str, Any], function: LocalFunction, names: dict[str, str],
                         event: dict[str, Any]) -> int:
        started = time.monotonic()
        answer = self.client(state, "lambda").invoke(FunctionName=names[function.logical_id], LogType="Tail",
                                                     Payload=json.dumps(event).encode())
        elapsed = time.monotonic() - started
        payload = answer["Payload"].read().decode()
        logs = base64.b64decode(answer.get("LogResult", "")).decode(errors="replace")
        say(f"{function.path}: {'FAILED ' + answer['FunctionError'] if answer.get('FunctionError') else 'ok'} "
            f"in {elapsed * 1000:.0f} ms")
        say(_pretty(payload))
        if logs.strip():
            say("--- logs\n" + logs.rstrip())
        return 1 if answer.get("FunctionError") else 0

    def send(self, path: str, trigger: str | None, body: str | None, wait_s: float) -> int:
        state, functions = self.deployed(deploy_if_needed=True)
        function = find_function(functions, path)
        names = self.names(state, function.stack)
        chosen, event = event_for(function, _short_names(names), trigger)
        if chosen is None:
            raise AppError(f"{function.path} has no trigger to fire: use `constructs-lib local invoke`")
        state["last"] = {"command": "send", "path": path, "trigger": chosen.kind, "body": body}
        save_state(self.app_dir, state)
        since = int(time.time() * 1000) - 1000
        d = chosen.detail
        if chosen.kind == "s3":
            bucket = names[d["bucket"]] if d.get("bucket") else event["detail"]["bucket"]["name"]
            key = object_key(d)
            self.client(state, "s3").put_object(Bucket=bucket, Key=key, Body=(body or "example").encode())
            say(f"put s3://{bucket}/{key}")
        elif chosen.kind == "sqs":
            url = self.client(state, "sqs").get_queue_url(QueueName=_short_names(names)[d["queue"]])["QueueUrl"]
            self.client(state, "sqs").send_message(QueueUrl=url, MessageBody=body or '{"example": true}')
            say(f"sent a message to {url}")
        elif chosen.kind == "events":
            bus = names.get(d["bus"], "default") if d.get("bus") else "default"
            entry = {"Source": event["source"], "DetailType": event["detail-type"],
                     "Detail": body or json.dumps(event.get("detail", {})), "EventBusName": bus}
            self.client(state, "events").put_events(Entries=[entry])
            say(f"put a {entry['DetailType']!r} event from {entry['Source']} on {bus}")
        elif chosen.kind in ("api", "url"):
            status, text = self._http(state, function, names, chosen.kind, d, body)
            say(f"{d.get('route', 'GET /')} -> {status}\n{_pretty(text)}")
        elif chosen.kind == "schedule":  # Scheduler invokes asynchronously, with its payload
            self.client(state, "lambda").invoke(FunctionName=names[function.logical_id], InvocationType="Event",
                                                Payload=json.dumps(event).encode())
            say(f"invoked {function.path} as its schedule ({d.get('expression')}) would")
        self.show_logs(state, functions, since, wait_s)
        return 0

    def _http(self, state: dict[str, Any], function: LocalFunction, names: dict[str, str], kind: str,
              d: dict[str, Any], body: str | None) -> tuple[int, str]:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        method, path = (d.get("route") or "GET /").split(" ", 1)
        method = "GET" if method == "ANY" else method
        path = "/".join("1" if part.startswith("{") else part for part in path.split("/"))
        if kind == "api":
            url, service, signed = (f"{state['endpoint']}/_aws/execute-api/{names[d['api']]}/$default{path}",
                                    "execute-api", d.get("authorization") == "AWS_IAM")
        else:
            qualifier = {"Qualifier": d["qualifier"]} if d.get("qualifier") else {}
            config = self.client(state, "lambda").get_function_url_config(FunctionName=names[function.logical_id],
                                                                          **qualifier)
            url_id = config["FunctionUrl"].split("//", 1)[1].split(".", 1)[0]
            url, service = f"{state['endpoint']}/_aws/lambda-url/{url_id}/", "lambda"
            signed = d.get("auth") == "AWS_IAM"
        data = body.encode() if body else None
        headers = {"content-type": "application/json"} if data else {}
        if signed:
            request = AWSRequest(method=method, url=url, data=data, headers=headers)
            SigV4Auth(Credentials(ACCOUNT, "local"), service, REGION).add_auth(request)
            headers = dict(request.headers)
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method, headers=headers),
                                        timeout=30) as response:  # noqa: S310 - the local endpoint
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    # --- logs / watch -----------------------------------------------------------------------------------------

    def show_logs(self, state: dict[str, Any], functions: list[LocalFunction], since_ms: int, wait_s: float,
                  only: LocalFunction | None = None, follow: bool = False) -> None:
        """What each function (or `only`) logged since `since_ms`, waiting up to `wait_s` for the chain to run."""
        logs = self.client(state, "logs")
        groups: list[tuple[str, str]] = []
        names_of: dict[str, dict[str, str]] = {}  # one DescribeStackResources per stack, not per function
        for function in [only] if only else functions:
            if function.stack not in names_of:
                names_of[function.stack] = self.names(state, function.stack)
            groups += [(function.path, group) for group in _log_groups(function, names_of[function.stack])]
        seen: set[str] = set()
        deadline = time.monotonic() + wait_s
        quiet_since = time.monotonic()
        while True:
            for path, group in groups:
                try:
                    events = logs.filter_log_events(logGroupName=group, startTime=since_ms).get("events", [])
                except Exception:  # noqa: BLE001 - a group not created yet: nothing logged
                    continue
                for event in events:
                    key = event.get("eventId") or f"{group}|{event.get('logStreamName')}|{event.get('timestamp')}|" \
                                                  f"{event.get('message')}"
                    if key not in seen:
                        seen.add(key)
                        quiet_since = time.monotonic()
                        say(f"[{path}] {event['message'].rstrip()}")
            now = time.monotonic()
            if not follow and (now > deadline or (seen and now - quiet_since > 3)):
                break
            time.sleep(0.5)
        if not seen and not follow:
            say(f"(no logs within {wait_s:g} s)")

    def logs(self, path: str, follow: bool, since_s: float) -> int:
        state, functions = self.deployed()
        function = find_function(functions, path)
        with contextlib.suppress(KeyboardInterrupt):
            self.show_logs(state, functions, int((time.time() - since_s) * 1000), 1.0, only=function, follow=follow)
        return 0

    def watch(self, interval_s: float = 0.3, rounds: int | None = None) -> int:
        """Update a function's code on the local AWS when a file under its source folder changes, then re-run the
        last send or invoke. `rounds`: stop after that many updates (tests)."""
        state, functions = self.deployed()
        watched = {f.path: self.app_dir / f.source_dir for f in functions if f.source_dir}
        stamps = {path: _stamp(folder) for path, folder in watched.items()}
        say(f"watching {len(watched)} source folder(s); Ctrl-C to stop")
        updates = 0
        try:
            while rounds is None or updates < rounds:
                time.sleep(interval_s)
                for function in functions:
                    folder = watched.get(function.path)
                    if folder is None or _stamp(folder) == stamps[function.path]:
                        continue
                    stamps[function.path] = _stamp(folder)
                    started = time.monotonic()
                    names = self.names(state, function.stack)
                    self.client(state, "lambda").update_function_code(FunctionName=names[function.logical_id],
                                                                      ZipFile=_bundle(function, folder))
                    say(f"updated {function.path} in {time.monotonic() - started:.2f} s")
                    updates += 1
                    self._rerun(load_state(self.app_dir))
        except KeyboardInterrupt:
            pass
        return 0

    def _rerun(self, state: dict[str, Any]) -> None:
        last = state.get("last")
        if not last:
            return
        if last["command"] == "send":
            self.send(last["path"], last.get("trigger"), last.get("body"), 5)
        else:
            _, functions = self.deployed()
            function = find_function(functions, last["path"])
            self._invoke_deployed(state, function, self.names(state, function.stack), last["event"])


def run_in_subprocess(function: LocalFunction, event: dict[str, Any], endpoint: str | None = None) -> int:
    """The handler in a subprocess: its bundle on sys.path, its environment from the template (a reference to another
    resource becomes that resource's logical id), its timeout enforced. No deploy: its AWS calls go to the local AWS
    when one runs (`endpoint`), else to 127.0.0.1:9, where they fail at once instead of reaching a real account."""
    if function.asset_dir is None or not function.asset_dir.exists():
        raise AppError(f"{function.path}: its code bundle is not in the cloud assembly")
    module, _, handler = function.handler.rpartition(".")
    env = {k: v if isinstance(v, str) else _placeholder(v) for k, v in function.environment.items()}
    env.update(CREDENTIALS, AWS_LAMBDA_FUNCTION_NAME=function.path.replace("/", "-"),
               AWS_LAMBDA_FUNCTION_TIMEOUT=str(function.timeout), AWS_ENDPOINT_URL=endpoint or "http://127.0.0.1:9")
    runner = RUNNER.format(module=module, handler=handler, timeout=function.timeout, name=function.path)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(event, handle)
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-c", runner, handle.name], cwd=function.asset_dir, capture_output=True,
                              text=True, timeout=function.timeout + 5, env={**os.environ, **env})
    except subprocess.TimeoutExpired:
        say(f"{function.path}: timed out after {function.timeout} s")
        return 1
    finally:
        os.unlink(handle.name)
    elapsed = time.monotonic() - started
    logs, mark, result = done.stdout.rpartition(RESULT_MARK)
    if not mark:
        logs, result = done.stdout, ""
    ok = done.returncode == 0
    say(f"{function.path}: {'ok' if ok else 'FAILED'} in {elapsed * 1000:.0f} ms (in a subprocess, not deployed)")
    say(_pretty(result.strip()) if ok else done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "")
    output = (logs + done.stderr).strip()
    if output:
        say("--- logs\n" + output)
    return 0 if ok else 1


RESULT_MARK = "\n__constructs_lib_result__\n"
RUNNER = """
import importlib, json, sys, time, uuid
class Context:
    function_name = {name!r}
    memory_limit_in_mb = 128
    aws_request_id = str(uuid.uuid4())
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:local"
    _deadline = time.monotonic() + {timeout}
    def get_remaining_time_in_millis(self):
        return int((self._deadline - time.monotonic()) * 1000)
sys.path.insert(0, ".")
event = json.load(open(sys.argv[1]))
result = getattr(importlib.import_module({module!r}), {handler!r})(event, Context())
sys.stdout.write({mark!r} + json.dumps(result, default=str))
""".replace("{mark!r}", repr(RESULT_MARK))


def _placeholder(value: Any) -> str:
    """`{"Ref": "DataBucket1A2B"}` -> "databucket1a2b": a name-shaped stand-in for a resource that is not deployed."""
    from ..assembly import ref

    logical_id = ref(value)
    return logical_id.lower() if logical_id else json.dumps(value)


def _pretty(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2)
    except ValueError:
        return text


def _short_names(names: dict[str, str]) -> dict[str, str]:
    """Queue URLs (a queue's physical id) as queue names; everything else as it is."""
    return {k: v.rsplit("/", 1)[-1] if v.startswith("http") else v for k, v in names.items()}


def _log_groups(function: LocalFunction, names: dict[str, str]) -> list[str]:
    """The function's own log group (ServerlessFunction sets one), and Lambda's default name as a fallback."""
    groups = [names[function.log_group]] if function.log_group in names else []
    if function.logical_id in names:
        groups.append(f"/aws/lambda/{names[function.logical_id]}")
    return groups


def _describe(kind: str, detail: dict[str, Any]) -> str:
    if kind == "s3":
        return f"S3 {detail.get('prefix', '')}*{detail.get('suffix', '')}"
    if kind == "api":
        return f"API {detail.get('route')} ({detail.get('authorization')})"
    if kind == "events":
        return f"EventBridge {json.dumps(detail.get('pattern'))}"
    if kind == "schedule":
        return f"schedule {detail.get('expression')}"
    if kind == "url":
        return f"function URL ({detail.get('auth')})"
    return kind.upper() if kind == "sqs" else kind


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
