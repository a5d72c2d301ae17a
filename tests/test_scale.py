"""Scale: resources per construct are pinned (adding one is a visible decision), 50 alarmed queue functions fit in
one stack, and 100 functions spread over stacks as docs/many-functions.md describes."""

from __future__ import annotations

from collections.abc import Callable

import aws_cdk as cdk
import pytest
from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_events as events
from constructs import Construct

from constructs_lib import (
    Alerting,
    ApiTrigger,
    Deployment,
    EventTrigger,
    QueueTrigger,
    S3Trigger,
    ScheduleTrigger,
    ServerlessApi,
    ServerlessFunction,
    StreamTrigger,
    TopicTrigger,
)
from constructs_lib.testing import new_app, new_stack, synth


def resources_added(build: Callable[[cdk.Stack, int], object], *, alarms: bool = True) -> int:
    """Resources one more function adds (a second one, so per-stack resources are not counted)."""
    counts = []
    for n in (1, 2):
        stack = new_stack(nag=False)
        Alerting(stack, "Alerts")
        for i in range(n):
            build(stack, i)
        counts.append(len(synth(stack, lint=False).template["Resources"]))
    return counts[1] - counts[0]


def with_triggers(make: Callable[[cdk.Stack], list], **props) -> Callable[[cdk.Stack, int], None]:  # type: ignore[type-arg, no-untyped-def]
    def build(stack: cdk.Stack, i: int) -> None:
        ServerlessFunction(stack, f"Fn{i}", source="tests/handler", triggers=make(stack), **props)
    return build


def shared_api(stack: cdk.Stack) -> ServerlessApi:
    return stack.node.try_find_child("Api") or ServerlessApi(stack, "Api")  # type: ignore[return-value]


# What each adds, and why: function, role (grants inline), log group, health alarm; a queue trigger's queue, DLQ,
# their two TLS-only policies and the mapping; async triggers bring the on-failure queue, its policy and the
# EventInvokeConfig.
PINNED = {
    "function, no trigger (invoked directly: on-failure queue)": (with_triggers(lambda s: []), 7),
    "QueueTrigger": (with_triggers(lambda s: [QueueTrigger()]), 9),
    "QueueTrigger, alarms=False": (with_triggers(lambda s: [QueueTrigger()], alarms=False), 8),
    "ApiTrigger (shared API)": (with_triggers(lambda s: [ApiTrigger(shared_api(s), f"GET /{len(s.node.children)}")]),
                                7),
    "S3Trigger (own bucket, access logs bucket, their policies)": (with_triggers(lambda s: [S3Trigger()]), 14),
    "EventTrigger": (with_triggers(lambda s: [EventTrigger({"source": ["app"]})]), 11),
    "ScheduleTrigger": (with_triggers(lambda s: [ScheduleTrigger("rate(1 hour)")]), 12),
    # its topic and the topic's TLS-only policy, the subscription, SNS's invoke permission, the subscription's DLQ
    # and that queue's policy (SNS may send to it)
    "TopicTrigger (own topic)": (with_triggers(lambda s: [TopicTrigger()]), 13),
    # its Kinesis stream, the mapping, the on-failure queue and that queue's TLS-only policy (no EventInvokeConfig
    # and on-failure queue of the function's own: a mapping invokes synchronously)
    "StreamTrigger (own Kinesis stream)": (with_triggers(lambda s: [StreamTrigger()]), 8),
    "QueueTrigger + canary deployment": (with_triggers(
        lambda s: [QueueTrigger()], deployment=Deployment.canary(percent=10, interval=Duration.minutes(5))), 15),
}


@pytest.mark.parametrize("case", list(PINNED), ids=list(PINNED))
def test_resources_per_function_are_pinned(case: str) -> None:
    build, expected = PINNED[case]
    assert resources_added(build) == expected


def test_fifty_alarmed_queue_functions_fit_in_one_stack() -> None:
    stack = new_stack()
    Alerting(stack, "Alerts", emails=["ops@example.com"])
    for i in range(50):
        ServerlessFunction(stack, f"Fn{i}", source="tests/handler", triggers=[QueueTrigger()])
    Validations.of(stack).acknowledge(Acknowledgment(id="ConstructsLib::STACK_RESOURCES_NEAR_LIMIT",
                                                     reason="this test fills the stack on purpose"))
    result = synth(stack, lint=False)
    assert len(result.template["Resources"]) < 500
    assert result.count("AWS::CloudWatch::Alarm") == 50  # every function alarmed, DLQ and queue age included


class BaseStack(cdk.Stack):
    """What the functions share: the alert topic (one inbox) and the event bus they publish to."""

    def __init__(self, scope: Construct, id: str, **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)
        self.alerts = Alerting(self, "Alerts", emails=["ops@example.com"])
        self.bus = events.EventBus(self, "Bus")


class FunctionsStack(cdk.Stack):
    """A slice of the functions, each stack with its own queues and triggers; shared resources passed in."""

    def __init__(self, scope: Construct, id: str, *, base: BaseStack, names: list[str], **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)
        Alerting(self, "Alerts", topic=base.alerts.topic)  # alarms of this stack go to the base's topic
        for name in names:
            fn = ServerlessFunction(self, name, source="tests/handler", triggers=[QueueTrigger()])
            base.bus.grant_put_events_to(fn)


def test_a_hundred_functions_over_several_stacks() -> None:
    app = new_app()  # our feature flags, cdk-nag plugged in
    env = cdk.Environment(account="123456789012", region="us-east-1")
    base = BaseStack(app, "Base", env=env)
    names = [f"Worker{i}" for i in range(100)]
    slices = [FunctionsStack(app, f"Functions{n}", base=base, names=names[n::3], env=env) for n in range(3)]
    assembly = app.synth()
    for stack in slices:
        template = assembly.get_stack_by_name(stack.stack_name).template
        assert len(template["Resources"]) < 400  # under the guard's warning, with room to grow
        assert not template.get("Outputs")  # references flow one way: from the base, never back
    base_template = assembly.get_stack_by_name("Base").template
    assert len(base_template["Outputs"]) == 2  # the topic and the bus, exported once each, whatever the count
