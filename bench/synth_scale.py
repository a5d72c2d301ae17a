"""Synthesize N queue-triggered functions in a fresh process, as `cdk synth` does: `ours N` | `plain N`.

Ours is fully protected (DLQ, partial batch failures, TLS-only queues, retention, least privilege, alarms and the
dashboard); plain is what a careful team writes with aws-cdk-lib L2s (queue + DLQ, TLS-only, the mapping with
partial batch failures, a log group with retention, tracing), without alarms. Above 50 functions the app is
spread over stacks of 50, as docs/many-functions.md describes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs

from constructs_lib.testing import DEFAULT_ENV, FEATURE_FLAGS, LOOKUPS

PER_STACK = 50


def plain_function(stack: cdk.Stack, i: int) -> None:
    from bench import plain_app

    fn = plain_app.function(stack, f"Fn{i}", "job_events")
    plain_app.grant_bench_write(fn)
    dlq = plain_app.queue(stack, f"Fn{i}Dlq")
    queue = plain_app.queue(stack, f"Fn{i}Queue", visibility_timeout=cdk.Duration.seconds(120),
                            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=5))
    fn.add_event_source(sources.SqsEventSource(queue, batch_size=10, report_batch_item_failures=True))


def our_function(stack: cdk.Stack, i: int, alarms: bool = True) -> None:
    from bench import plain_app
    from constructs_lib import QueueTrigger, ServerlessFunction

    fn = ServerlessFunction(stack, f"Fn{i}", source="job_events", environment=plain_app.BENCH_ENV,
                            triggers=[QueueTrigger()], alarms=alarms)
    plain_app.grant_bench_write(fn)


def build(app: cdk.App, kind: str, n: int) -> list[cdk.Stack]:
    stacks = []
    for s in range(-(-n // PER_STACK)):
        stack = cdk.Stack(app, f"Scale{s}", env=DEFAULT_ENV)
        # Plain's 12 resources per function pass 500 before 50 functions: measured, not deployed.
        cdk.Validations.of(stack).acknowledge(cdk.Acknowledgment(id="CloudFormation-Validate::F0007",
                                                                 reason="measuring synth time only"))
        if kind == "ours":
            from constructs_lib import Alerting

            Alerting(stack, "Alerts")
        for i in range(s * PER_STACK, min(n, (s + 1) * PER_STACK)):
            if kind == "plain":
                plain_function(stack, i)
            else:
                our_function(stack, i, alarms=kind != "ours-no-alarms")
        stacks.append(stack)
    return stacks


def main(kind: str, n: int) -> None:
    """Synthesize, then print one JSON line: resources, template bytes and the largest stack's resources."""
    # Plain needs 12 resources per function, so 50 do not fit in a stack of 500: the limit is lifted for both.
    # The cloud assembly goes where CDK_OUTDIR says, as under the CLI (bench/run.py gives and removes a folder).
    app = cdk.App(context={**FEATURE_FLAGS, **LOOKUPS, "@aws-cdk/core:stackResourceLimit": 0})
    stacks = build(app, kind, n)
    assembly = app.synth()
    # Read from the files CDK wrote, as the CLI does once the app exits (asking the assembly through jsii for each
    # template would time a transfer `cdk synth` never makes).
    templates = [json.loads(Path(assembly.get_stack_by_name(s.stack_name).template_full_path).read_text())
                 for s in stacks]
    counts = [len(t["Resources"]) for t in templates]
    print(json.dumps({"resources": sum(counts), "largest_stack": max(counts), "stacks": len(counts),
                      "bytes": sum(len(json.dumps(t)) for t in templates)}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
