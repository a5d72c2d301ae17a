"""`make bench`: synth cost, template size, scale and handler start-up, written to bench/RESULTS.md.

Every timing is a median of repeated runs on this machine, taken side by side in one run of this script, so
ratios are comparable; absolute numbers move with the machine. Nothing here is asserted in the test suite.
"""

from __future__ import annotations

import compileall
import datetime as dt
import importlib.metadata
import io
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

import aws_cdk as cdk  # noqa: E402

from bench import plain_app  # noqa: E402
from constructs_lib import (  # noqa: E402
    ApiTrigger,
    EventTrigger,
    QueueTrigger,
    S3Trigger,
    ScheduleTrigger,
    ServerlessApi,
    ServerlessFunction,
    StreamTrigger,
    TopicTrigger,
)
from constructs_lib.testing import DEFAULT_ENV, FEATURE_FLAGS, LOOKUPS, scratch_dir  # noqa: E402

BENCH_ENV = plain_app.BENCH_ENV
HANDLER_EVENTS = {"check_upload": "s3-object-created.json", "process_job": "sqs-batch.json",
                  "job_api": "apigw-http-v2.json", "job_events": "eventbridge-event.json",
                  "nightly_report": "eventbridge-scheduler.json"}
REPEATS = 5
lines: list[str] = []


def out(line: str = "") -> None:
    print(line, flush=True)
    lines.append(line)


def median_wall(command: list[str], repeats: int = REPEATS, **kwargs: object) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, **kwargs)  # type: ignore[call-overload]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timed_synth(command: list[str]) -> tuple[float, str]:
    """Wall time and output of a synth in a fresh process, its cloud assembly written to a folder of its own
    (CDK_OUTDIR, as under the CLI) that is removed after the clock stops."""
    with tempfile.TemporaryDirectory(prefix="bench-") as outdir:
        start = time.perf_counter()
        done = subprocess.run(command, check=True, capture_output=True, text=True,
                              env={**os.environ, "CDK_OUTDIR": outdir})
        return time.perf_counter() - start, done.stdout


def new_stack(**context: object) -> cdk.Stack:
    app = cdk.App(outdir=scratch_dir("bench-"), context={**FEATURE_FLAGS, **LOOKUPS, **context})
    return cdk.Stack(app, "Bench", env=DEFAULT_ENV)


def template_of(stack: cdk.Stack) -> dict:  # type: ignore[type-arg]
    return stack.node.root.synth().get_stack_artifact(stack.artifact_id).template  # type: ignore[union-attr]


# --- 1. synth wall time ------------------------------------------------------------------------------------

def synth_times() -> dict[str, float]:
    out("## Synth wall time (fresh process each, as `cdk synth` runs the app)")
    out()
    results: dict[str, list[float]] = {"floor": [], "plain": [], "ours": []}
    for _ in range(REPEATS):  # interleaved, so drift in machine load hits all three alike
        for kind in results:
            results[kind].append(timed_synth([sys.executable, "-m", "bench.synth_one", kind])[0])
    medians = {k: statistics.median(v) for k, v in results.items()}
    out("| variant | median wall (s) | over floor (s) |")
    out("|---|---|---|")
    for kind, label in (("floor", "floor: import aws_cdk + one-resource stack"),
                        ("plain", "plain aws-cdk-lib equivalent of the example's Lambda stack"),
                        ("ours", "the example's Lambda stack (ServerlessAppStack)")):
        out(f"| {label} | {medians[kind]:.2f} | {medians[kind] - medians['floor']:.2f} |")
    ratio = medians["ours"] / medians["plain"]
    above_floor = (medians["ours"] - medians["floor"]) / max(medians["plain"] - medians["floor"], 1e-9)
    out()
    out(f"ours / plain = **{ratio:.2f}** (target <= 1.15: {'met' if ratio <= 1.15 else 'NOT met'}); "
        f"above the floor, ours costs {above_floor:.2f}x plain.")
    out()
    return {"ratio": ratio, **medians}


# --- 2. resources and bytes per construct --------------------------------------------------------------------

def per_construct() -> None:
    out("## Resources and template bytes per construct (ours vs the plain equivalent)")
    out()

    def ours(trigger: Callable[[cdk.Stack], object] | None, alarms: bool = True) -> Callable[[cdk.Stack], None]:
        def build(stack: cdk.Stack) -> None:
            extra = trigger(stack) if trigger else None
            fn = ServerlessFunction(stack, "Fn", source="job_events", environment=BENCH_ENV,
                                    triggers=[extra] if extra else [], alarms=alarms)
            plain_app.grant_bench_write(fn)
        return build

    def plain(extra: Callable[[cdk.Stack, object], None] | None) -> Callable[[cdk.Stack], None]:
        def build(stack: cdk.Stack) -> None:
            fn = plain_app.function(stack, "Fn", "job_events")
            plain_app.grant_bench_write(fn)
            if extra:
                extra(stack, fn)
        return build

    from aws_cdk import aws_apigatewayv2 as apigwv2
    from aws_cdk import aws_apigatewayv2_integrations as integrations
    from aws_cdk import aws_events as events
    from aws_cdk import aws_events_targets as targets
    from aws_cdk import aws_lambda_event_sources as sources
    from aws_cdk import aws_logs as logs
    from aws_cdk import aws_s3 as s3
    from aws_cdk import aws_s3_notifications as s3n
    from aws_cdk import aws_scheduler as scheduler
    from aws_cdk import aws_scheduler_targets as scheduler_targets
    from aws_cdk import aws_sqs as sqs

    def plain_queue(stack, fn):  # type: ignore[no-untyped-def]
        dlq = plain_app.queue(stack, "Dlq")
        q = plain_app.queue(stack, "Q", visibility_timeout=cdk.Duration.seconds(120),
                            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=5))
        fn.add_event_source(sources.SqsEventSource(q, report_batch_item_failures=True))

    def plain_s3(stack, fn):  # type: ignore[no-untyped-def]
        plain_app.bucket(stack, "B").add_event_notification(s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(fn))

    def plain_api(stack, fn):  # type: ignore[no-untyped-def]
        api = apigwv2.HttpApi(stack, "Api", create_default_stage=False)
        logs.LogGroup(stack, "ApiLogs")
        apigwv2.HttpStage(stack, "Stage", http_api=api, stage_name="$default", auto_deploy=True)
        api.add_routes(path="/x", methods=[apigwv2.HttpMethod.GET],
                       integration=integrations.HttpLambdaIntegration("I", fn, scope_permission_to_route=False))

    def plain_rule(stack, fn):  # type: ignore[no-untyped-def]
        events.Rule(stack, "R", event_pattern=events.EventPattern(source=["a"]),
                    targets=[targets.LambdaFunction(fn, dead_letter_queue=plain_app.queue(stack, "Dlq"))])

    def plain_topic(stack, fn):  # type: ignore[no-untyped-def]
        plain_app.topic(stack, "T", fn)

    def our_table_stream(stack):  # type: ignore[no-untyped-def]
        return StreamTrigger(plain_app.table(stack, "Table"))

    def plain_table_stream(stack, fn):  # type: ignore[no-untyped-def]
        plain_app.table_stream(stack, fn, plain_app.table(stack, "Table"))

    def plain_schedule(stack, fn):  # type: ignore[no-untyped-def]
        scheduler.Schedule(stack, "S", schedule=scheduler.ScheduleExpression.expression("rate(1 hour)"),
                           target=scheduler_targets.LambdaInvoke(fn, dead_letter_queue=plain_app.queue(stack, "Dlq")))

    cases = [
        ("ServerlessFunction", ours(None), plain(None)),
        ("+ QueueTrigger()", ours(lambda s: QueueTrigger()), plain(plain_queue)),
        ("+ S3Trigger()", ours(lambda s: S3Trigger()), plain(plain_s3)),
        ("+ ServerlessApi + ApiTrigger", ours(lambda s: ApiTrigger(ServerlessApi(s, "Api"), "GET /x")),
         plain(plain_api)),
        ("+ EventTrigger", ours(lambda s: EventTrigger({"source": ["a"]})), plain(plain_rule)),
        ("+ ScheduleTrigger", ours(lambda s: ScheduleTrigger("rate(1 hour)")), plain(plain_schedule)),
        ("+ TopicTrigger", ours(lambda s: TopicTrigger()), plain(plain_topic)),
        ("+ StreamTrigger() (own Kinesis stream)", ours(lambda s: StreamTrigger()), plain(plain_app.kinesis_stream)),
        ("+ StreamTrigger(table) (table counted)", ours(our_table_stream), plain(plain_table_stream)),
    ]
    out("| construct | resources (ours) | ours, alarms=False | resources (plain) | template bytes (ours) | "
        "template bytes (plain) |")
    out("|---|---|---|---|---|---|")
    quiet = {"ServerlessFunction": ours(None, alarms=False),
             "+ QueueTrigger()": ours(lambda s: QueueTrigger(), alarms=False)}
    for name, build_ours, build_plain in cases:
        measured = []
        for build in (build_ours, quiet.get(name), build_plain):
            if build is None:
                measured.append((None, 0))
                continue
            stack = new_stack()
            build(stack)
            template = template_of(stack)
            measured.append((len(template["Resources"]), len(json.dumps(template, indent=1))))
        (r_ours, b_ours), (r_quiet, _), (r_plain, b_plain) = measured
        out(f"| {name} | {r_ours} | {r_quiet if r_quiet is not None else ''} | {r_plain} | {b_ours:,} | {b_plain:,} |")
    out()
    out("Counted in a stack of its own, so the per-stack resources are in each row: the dashboard and the "
        "X-Ray policy (each one per stack, shared by every function). Per function, ours adds the health alarm (all "
        "its and its triggers' signals) and TLS-only policies on every queue; it saves the role's separate "
        "`DefaultPolicy` (grants are inline in the role) and, for functions only SQS or an API invoke "
        "(synchronously), the on-failure queue, its policy and the `EventInvokeConfig` nothing could reach. A "
        "schedule gets its own role (instead of a shared one granting `function:*`). Each is there for least "
        "privilege, no-loss or being told; none is idle.")
    out()


# --- 3. scale --------------------------------------------------------------------------------------------------

SCALE_SIZES = {1: 6, 10: 6, 50: 10, 100: 4}  # functions -> paired runs (even: half the pairs run each way round)


def scale() -> dict[int, float]:
    out("## Scale: N queue-triggered functions, ours vs plain aws-cdk-lib (fresh process each, paired)")
    out()
    out("Each size runs ours and plain alternately in fresh processes (`bench/synth_scale.py`): ours fully "
        "protected and alarmed (DLQ, partial batch failures, TLS-only queues, retention, least privilege, one "
        "health alarm per function, the dashboard, Alerting); plain is a careful aws-cdk-lib L2 app (queue + DLQ, "
        "TLS-only, the mapping with partial batch failures, a log group with retention, tracing, an on-failure "
        "queue) without alarms. Above 50 functions both are spread over stacks of 50.")
    out()
    out("| functions | variant | resources | largest stack | template bytes | wall min / median / max (s) "
        "| CPU median (s) |")
    out("|---|---|---|---|---|---|---|")
    ratios: dict[int, float] = {}
    paired: dict[int, list[float]] = {}
    for n, repeats in SCALE_SIZES.items():
        walls: dict[str, list[float]] = {"ours": [], "plain": []}
        cpus: dict[str, list[float]] = {"ours": [], "plain": []}
        facts: dict[str, dict[str, int]] = {}
        # Pairs alternate which runs first (plain-ours, ours-plain, ...): running second in a pair (a warm page
        # cache, the first run's processes still exiting) favours neither.
        for pair in range(repeats):
            for kind in ("plain", "ours") if pair % 2 == 0 else ("ours", "plain"):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                wall, stdout = timed_synth([sys.executable, "-m", "bench.synth_scale", kind, str(n)])
                walls[kind].append(wall)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpus[kind].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
                facts[kind] = json.loads(stdout.strip().splitlines()[-1])
        for kind in ("ours", "plain"):
            f, w = facts[kind], walls[kind]
            out(f"| {n} | {kind} | {f['resources']} | {f['largest_stack']} | {f['bytes']:,} | "
                f"{min(w):.2f} / {statistics.median(w):.2f} / {max(w):.2f} | {statistics.median(cpus[kind]):.2f} |")
        ratios[n] = statistics.median(walls["ours"]) / statistics.median(walls["plain"])
        # Each pair ran back to back, so its ratio cancels the drift of a shared machine across the series.
        paired[n] = [o / p for o, p in zip(walls["ours"], walls["plain"], strict=True)]
    out()
    verdicts = ", ".join(f"{n}: **{r:.2f}**" for n, r in ratios.items())
    met = all(r <= 1.15 for n, r in ratios.items() if n in (1, 10, 50))
    out(f"Median wall, ours / plain, by functions: {verdicts} (target <= 1.15 at 1, 10 and 50: "
        f"{'met' if met else 'NOT met'}).")
    out()
    out("The same runs pair by pair (ours over the plain run next to it; half the pairs run plain first, half ours "
        "first), min / median / max: " + ", ".join(
        f"{n}: {min(r):.2f} / **{statistics.median(r):.2f}** / {max(r):.2f}" for n, r in paired.items())
        + ". On this shared 2-core machine a run's wall time drifts by about 10% over minutes; the spread is "
        "the honest error bar of the ratios above.")
    out()
    calls = {kind: round_trips(kind) for kind in ("ours", "plain")}
    out(f"Round trips from Python to aws-cdk-lib in Node per function (N=10, construction; each costs half a "
        f"millisecond or more): ours **{calls['ours']:.0f}**, plain **{calls['plain']:.0f}**. Where ours went: the"
        f" typed props of a CloudWatch alarm cost a Python type evaluation per field and overflowed `typing`'s "
        f"cache, so every later jsii struct paid it too (alarms are now raw `AWS::CloudWatch::Alarm` resources); "
        f"values read again and again (the stack of a scope, durations, runtime names) are read once; each "
        f"acknowledgement costs two round trips and Node's stack capture, so a function acknowledges its own "
        f"findings in one; a function's metadata and a role's first grant are written in one call each; a "
        f"function's alarm is made whole once its triggers are bound (not written again at synth); a resource's "
        f"CloudFormation twin is found in one call (a selector of its type) instead of two; functions that share a"
        f" folder share its bundle and import check, as aws-cdk-lib caches an asset folder. The rest is what the "
        f"protections are: the alarm, TLS-only queues, checkov and cdk-nag explanations. At synth, CDK's built-in "
        f"template validation (once per synth, cold) spends about 13 ms on each alarm of ours (a single-metric "
        f"alarm alone costs it about 5 ms, each metric-math query about 1.5 ms more): about 0.6 s of the "
        f"difference at 50 functions, the largest part of it. CDK resolves a string holding tokens by joining its "
        f"pieces pairwise, each join copying all before it: the dashboard body of 50 functions (a thousand pieces)"
        f" took about 0.1 s at every synth, and is now handed over as one `Fn::Join` of its pieces (the same "
        f"template). The library imports aws-cdk-lib's bindings only where they are used (Python loads each "
        f"module's bindings whole): CloudWatch's, the REST API's, Route 53's and Cognito's took about 0.3 s of "
        f"every synth that used none of them. Every timed run uses compiled byte code, as a pip install leaves it.")
    out()
    return ratios


def round_trips(kind: str, n: int = 10) -> float:
    """jsii requests per function while N queue-triggered functions are constructed (in this process)."""
    from jsii._kernel.providers import process as jsii_process

    from bench import synth_scale

    sent = [0]
    original = jsii_process._NodeProcess.send

    def counting_send(self, request, response_type):  # type: ignore[no-untyped-def]
        sent[0] += 1
        return original(self, request, response_type)

    counts = []
    for size in (n, 2 * n):
        app = cdk.App(outdir=scratch_dir("bench-"), context={**FEATURE_FLAGS, **LOOKUPS})
        jsii_process._NodeProcess.send = counting_send
        try:
            sent[0] = 0
            synth_scale.build(app, kind, size)
            counts.append(sent[0])
        finally:
            jsii_process._NodeProcess.send = original
    return (counts[1] - counts[0]) / n


def resources_per_function() -> None:
    out("## Resources per queue-triggered function in one stack")
    out()

    def triggered_stack(n: int, alarms: bool = True) -> cdk.Stack:
        stack = new_stack(**{"@aws-cdk/core:stackResourceLimit": 0, "@aws-cdk/core:validateAgainstDefaultRules": False})
        cdk.Validations.of(stack).acknowledge(cdk.Acknowledgment(id="ConstructsLib::STACK_RESOURCES",
                                                                 reason="measuring growth only"))
        from constructs_lib import Alerting

        Alerting(stack, "Alerts")
        for i in range(n):
            plain_app.grant_bench_write(ServerlessFunction(stack, f"Fn{i}", source="job_events", environment=BENCH_ENV,
                                                           triggers=[QueueTrigger()], alarms=alarms))
        return stack

    for alarms in (True, False):
        one, two = (len(template_of(triggered_stack(n, alarms))["Resources"]) for n in (1, 2))
        per_function, fixed = two - one, one - (two - one)
        out(f"- alarms {'on' if alarms else 'off'}: **{per_function}** resources per function, {fixed} per stack "
            f"(dashboard, X-Ray policy, Alerting topic and its policy): **{(500 - fixed) // per_function}** fit under "
            "CloudFormation's 500 (the guard warns from 400).")
    out()


# --- 4. handlers ----------------------------------------------------------------------------------------------

def handlers() -> list[float]:
    out("## Handlers: import time, first invoke, asset size")
    out()
    interpreter = median_wall([sys.executable, "-c", "pass"], repeats=9)
    out(f"Interpreter start alone: {interpreter * 1000:.0f} ms (median of 9). ")
    out()
    out("| handler | import, -X importtime (ms) | import beyond interpreter, wall (ms) | first invoke (ms) "
        "| zipped asset (bytes) |")
    out("|---|---|---|---|---|")
    beyond_all = []
    for name, event in HANDLER_EVENTS.items():
        folder = ROOT / "lambda_src" / name
        trace = subprocess.run([sys.executable, "-X", "importtime", "-c", "import lambda_function"], cwd=folder,
                               capture_output=True, text=True, check=True).stderr
        cumulative_us = next(int(m.group(1)) for m in re.finditer(r"\|\s*(\d+) \|\s+lambda_function$", trace, re.M))
        wall = median_wall([sys.executable, "-c", "import lambda_function"], repeats=9, cwd=folder)
        beyond = (wall - interpreter) * 1000
        beyond_all.append(beyond)
        first = subprocess.run([sys.executable, "-m", "bench.first_invoke", name, event], capture_output=True,
                               text=True, check=True).stdout.strip().splitlines()[-1]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    archive.write(path, path.relative_to(folder))
        out(f"| {name} | {cumulative_us / 1000:.1f} | {beyond:.0f} | {float(first):.1f} | {len(buffer.getvalue()):,} |")
    boto = subprocess.run([sys.executable, "-c", "import time; t=time.perf_counter(); import boto3; "
                           "boto3.client('s3', region_name='us-east-1'); print((time.perf_counter()-t)*1000)"],
                          capture_output=True, text=True, check=True).stdout.strip()
    out()
    out(f"Target: import under 50 ms beyond the interpreter: {'met' if max(beyond_all) < 50 else 'NOT met'} "
        f"(worst {max(beyond_all):.0f} ms). boto3 is imported on the first AWS call instead: that first call pays "
        f"{float(boto):.0f} ms for `import boto3` + one client, once per execution environment.")
    out()
    return beyond_all


# --- 5. packaging -------------------------------------------------------------------------------------------

def zip_size(folder: Path) -> tuple[int, int]:
    """(unzipped, zipped) bytes of `folder`, zipped with deflate as the CDK CLI does."""
    buffer = io.BytesIO()
    unzipped = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                unzipped += path.stat().st_size
                archive.write(path, path.relative_to(folder))
    return unzipped, len(buffer.getvalue())


def packaging() -> None:
    """Ours (uv, pruned, cached) against `pip install --target --platform --only-binary` (SAM without a container)."""
    from constructs_lib.packaging import installer
    from constructs_lib.packaging.installer import Target, find_lock

    folder = ROOT / "lambda_src" / "job_api"
    lock = find_lock(folder)
    assert lock is not None
    target = Target.for_lambda("python3.14", "arm64")
    out("## Packaging: the example's dependencies (job_api: pydantic, with native pydantic_core), arm64, Python 3.14")
    out()
    pip_command = [sys.executable, "-m", "pip", "install", "--no-input", "--quiet", "--disable-pip-version-check",
                   "--no-cache-dir",
                   "--only-binary=:all:", "--implementation", "cp", "--python-version", "3.14",
                   *[x for p in installer.pip_platforms(target) for x in ("--platform", p)], "-r", str(lock.path)]
    ours, pips = [], []
    ours_dir = pip_dir = Path()
    for _ in range(3):  # alternating, each from empty caches (ours and uv's; pip runs with --no-cache-dir)
        with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as uv_cache:
            env = {**os.environ, "CONSTRUCTS_LIB_CACHE_DIR": cache, "UV_CACHE_DIR": uv_cache}
            # The install alone, as the synth runs it (not the import of aws_cdk that loading the library costs).
            result = subprocess.run([sys.executable, "-c", "import sys, time; from constructs_lib.packaging.installer "
                                     "import *; lock = find_lock(__import__('pathlib').Path(sys.argv[1])); "
                                     "t = time.perf_counter(); d = install(lock, Target.for_lambda('python3.14', "
                                     "'arm64')); print(time.perf_counter() - t); import shutil; "
                                     "shutil.copytree(d.path, sys.argv[2], dirs_exist_ok=True)",
                                     str(folder), str(ROOT / ".bench-ours")], check=True, env=env, capture_output=True,
                                    text=True)
            ours.append(float(result.stdout.strip().splitlines()[-1]))
        pip_target = Path(scratch_dir("bench-pip-"))
        start = time.perf_counter()
        subprocess.run([*pip_command, "--target", str(pip_target)], check=True,
                       env={**os.environ, "PIP_FIND_LINKS": ""})
        pips.append(time.perf_counter() - start)
        ours_dir, pip_dir = ROOT / ".bench-ours", pip_target
    ours_unzipped, ours_zipped = zip_size(ours_dir)
    pip_unzipped, pip_zipped = zip_size(pip_dir)
    subprocess.run(["rm", "-rf", str(ours_dir), str(pip_dir)], check=True)
    # Warm: what packaging adds to a synth once the install is cached (hash the code, find the bundle, check).
    function = ServerlessFunction(new_stack(), "Warm", source="job_api")
    warm = []
    for _ in range(9):
        start = time.perf_counter()
        function.make_bundle()
        warm.append(time.perf_counter() - start)
    cold_ratio = statistics.median(ours) / statistics.median(pips)
    out("| measure | ours (uv, pruned) | pip --target --platform --only-binary | ratio | target |")
    out("|---|---|---|---|---|")
    out(f"| cold install, empty caches (s, median of 3) | {statistics.median(ours):.2f} | "
        f"{statistics.median(pips):.2f} "
        f"| {cold_ratio:.2f} | <= 0.33: {'met' if cold_ratio <= 1 / 3 else 'NOT met'} |")
    out(f"| unzipped (bytes) | {ours_unzipped:,} | {pip_unzipped:,} | {ours_unzipped / pip_unzipped:.2f} | |")
    out(f"| zipped (bytes) | {ours_zipped:,} | {pip_zipped:,} | {ours_zipped / pip_zipped:.2f} | <= 0.7: "
        f"{'met' if ours_zipped / pip_zipped <= 0.7 else 'NOT met'} |")
    out(f"| warm synth overhead per function (s, median of 9) | {statistics.median(warm):.3f} | | | < 0.5: "
        f"{'met' if statistics.median(warm) < 0.5 else 'NOT met'} |")
    out()
    out("Where the size goes: pip compiles byte code for the host's Python (useless on the runtime's) and keeps type "
        "stubs and console scripts; ours leaves those out, and the runtime-provided SDK when it is only a transitive "
        "dependency. The cold install is uv's parallel download and install plus our pruning and size accounting.")
    out()


# --- 6. test suite --------------------------------------------------------------------------------------------

def test_suite() -> None:
    out("## Test suite")
    out()
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], capture_output=True,
                            text=True)
    elapsed = time.perf_counter() - start
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "no output"
    out(f"`make test` body (`pytest -q`, e2e included): {elapsed:.0f} s wall, {summary.strip('= ')}.")
    out()


# --- 7. load and faults on the local AWS -------------------------------------------------------------------------

LOAD_TITLE = "## Load and faults on the local AWS: nothing lost"


def load_runs() -> None:
    from bench import load

    out(LOAD_TITLE)
    out()
    for line in load.main():
        out(line)
    out()
    out("Lost must be 0. Deliveries above processed are redeliveries (a batch that failed as a whole, a message in "
        "flight when the server stopped): the handler's effect is still applied once. The records/s are the local "
        "AWS's (one Python process running every handler), not Lambda's.")
    out()


# --- 8. code against infrastructure: the case set and the analysis's cost ----------------------------------------

CHECKS_TITLE = "## Code against infrastructure: what the handler reads and calls"


def code_checks() -> None:
    from bench.iam_cases import CASES_DIR, run_cases
    from constructs_lib.packaging import code as packaging_code
    from constructs_lib.packaging.aws_calls import aws_calls
    from constructs_lib.packaging.sdk_actions import sdk_data

    out(CHECKS_TITLE)
    out()
    outcomes = run_cases()
    out("| case | should get | got |")
    out("|---|---|---|")
    for outcome in outcomes:
        out(f"| `{outcome.case.name}` | {outcome.case.expect} | {outcome.got} |")
    example_handlers = [p for p in (ROOT / "lambda_src").iterdir() if p.is_dir()]  # the example app's
    seeded = [o for o in outcomes if o.seeded]
    correct = [o for o in outcomes if not o.seeded]
    out()
    out(f"Seeded mistakes caught: {sum(o.caught for o in seeded)} of {len(seeded)}. False errors on correct "
        f"handlers: {sum(o.false_error for o in correct)} of {len(correct)} (the example app's "
        f"{len(example_handlers)} handlers synthesize clean too: "
        "`make synth`).")
    out()
    sdk_data.cache_clear()
    start = time.perf_counter()
    sdk_data()
    data_ms = (time.perf_counter() - start) * 1000
    folders = sorted([p for p in CASES_DIR.iterdir() if p.is_dir()] + example_handlers)
    parse = []
    for folder in folders:
        files = sorted(folder.rglob("*.py"))
        start = time.perf_counter()
        aws_calls(files, folder)
        parse.append((time.perf_counter() - start) * 1000)
    stack = new_stack()
    functions = [ServerlessFunction(stack, f"Fn{i}", source="job_events", environment=BENCH_ENV) for i in range(20)]
    bucket = cdk.aws_s3.Bucket(stack, "Data")
    for function in functions:
        bucket.grant_put(function)
    found = packaging_code.aws_calls_of(functions[0].bundle, functions[0].handler)
    checks = []
    for function in functions:
        start = time.perf_counter()
        packaging_code.aws_calls_of(function.bundle, function.handler)  # cached by bundle content
        packaging_code.check_calls(function, found, function.role, function.lambda_service_resources())
        checks.append((time.perf_counter() - start) * 1000)
    out(f"Cost: the operation data loads once per process ({data_ms:.0f} ms); finding the calls in a handler's "
        f"files takes {statistics.median(parse):.1f} ms (median of {len(parse)} handlers, cold), once per bundle "
        f"content; the check against a function's role at synth, warm, {statistics.median(checks):.1f} ms per "
        f"function (median of {len(checks)}; reading the role's grants through jsii is most of it).")
    out()


def only_section(title: str, section: Callable[[], None]) -> None:
    """`bench/run.py --only-...` (ONE_SECTION): one section alone, replacing its old text in RESULTS.md."""
    compile_byte_code()
    section()
    results = ROOT / "bench" / "RESULTS.md"
    text = results.read_text()
    start = text.find(title)
    if start < 0:
        start = text.find("## Test suite") if "## Test suite" in text else len(text)
        end = start
    else:
        following = text.find("\n## ", start + 1)
        end = following + 1 if following >= 0 else len(text)
    results.write_text(text[:start] + "\n".join(lines) + "\n" + text[end:])
    print(f"written: bench/RESULTS.md ({title})")


def compile_byte_code() -> None:
    """pip compiles a package's byte code when it installs it; this checkout is an editable install, and this
    machine sets PYTHONDONTWRITEBYTECODE, so without this every timed run of ours (and of the example app)
    would recompile the modules changed since their byte code was last written."""
    for folder in ("constructs_lib", "bench", "example"):
        compileall.compile_dir(ROOT / folder, quiet=1)


def main() -> None:
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    out("# Benchmark results")
    out()
    out(f"Recorded {dt.date.today()} by `make bench` on {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, Node {node}, aws-cdk-lib {importlib.metadata.version('aws-cdk-lib')}, "
        f"jsii {importlib.metadata.version('jsii')}.")
    out()
    compile_byte_code()
    synth_times()
    per_construct()
    scale()
    resources_per_function()
    handlers()
    packaging()
    from bench import local_loop

    for line in local_loop.measure():
        out(line)
    load_runs()
    code_checks()
    if "--skip-tests" not in sys.argv:
        test_suite()
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines) + "\n")
    print("written: bench/RESULTS.md")


ONE_SECTION = {  # `python bench/run.py --only-X`: that section alone (RESULTS.md's other sections are kept)
    "--only-synth": ("## Synth wall time", synth_times),
    "--only-constructs": ("## Resources and template bytes per construct", per_construct),
    "--only-load": (LOAD_TITLE, load_runs),
    "--only-checks": (CHECKS_TITLE, code_checks),
}

if __name__ == "__main__":
    chosen = [flag for flag in ONE_SECTION if flag in sys.argv]
    if chosen:
        only_section(*ONE_SECTION[chosen[0]])
    else:
        main()
