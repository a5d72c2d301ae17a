"""One test per rule in the catalogue, asserting its message; and near-limit stacks that must pass."""

from __future__ import annotations

import datetime as dt

import pytest
from aws_cdk import Acknowledgment, Duration, Size, Validations
from aws_cdk import aws_lambda as lambda_

from constructs_lib import ConfigError, QueueTrigger, ServerlessApi, ServerlessFunction
from constructs_lib.rules import RULES, load_all
from constructs_lib.rules import function as function_rules
from constructs_lib.testing import new_stack, synth

from . import (  # noqa: F401
    rule_cases_alarms,
    rule_cases_deployment,
    rule_cases_fargate,
    rule_cases_network,
    rule_cases_packaging,
    rule_cases_stack,
    rule_cases_triggers,
)
from .rulecases import CASES, assert_error, assert_warning, case


def fn(**props):  # type: ignore[no-untyped-def]
    return ServerlessFunction(new_stack(), "Fn", **{"source": "tests/handler", **props})


@case("PROP_TYPE")
def _() -> None:
    assert_error("PROP_TYPE", lambda: fn(memory_size="1024"), "memory_size='1024' is a str", "pass memory_size as int")
    assert_error("PROP_TYPE", lambda: fn(timeout=30), "timeout=30 is a int", "as Duration")
    assert_error("PROP_TYPE", lambda: fn(environment={"PORT": 8080}), "environment['PORT']=8080 is a int",
                 "a dict of str to str")
    assert_error("PROP_TYPE", lambda: fn(source=None), "source is required and was None")
    assert_error("PROP_TYPE", lambda: fn(memory_size=float("nan")), "memory_size=nan is a float")
    assert_error("PROP_TYPE", lambda: fn(layers={"a": 1}), "layers={'a': 1} is a dict", "a list of PythonLayer")
    assert_error("PROP_TYPE", lambda: QueueTrigger(batch_size="10"), "QueueTrigger at tests/test_rules.py:",
                 "batch_size='10' is a str")
    assert_error("PROP_TYPE", lambda: ServerlessApi(new_stack(), "Api", integration_timeout=29), "Test/Api: ",
                 "integration_timeout=29 is a int", "as Duration")
    assert_error("PROP_TYPE", lambda: fn(triggers=["queue"]), "triggers[0]='queue' is a str", "a list of Trigger")
    assert_error("PROP_TYPE", lambda: fn(reserved_concurrency=True), "reserved_concurrency=True is a bool")


@case("CONSTRUCT_ID")
def _() -> None:
    stack = new_stack()
    assert_error("CONSTRUCT_ID", lambda: ServerlessFunction(stack, "", source="tests/handler"), "id is empty")
    ServerlessFunction(stack, "Fn", source="tests/handler")
    assert_error("CONSTRUCT_ID", lambda: ServerlessApi(stack, "Fn"), "Test/Fn: Test already has a child 'Fn'")
    # ServerlessFunction lets CDK find the clash (one round trip fewer) and reports it the same way.
    assert_error("CONSTRUCT_ID", lambda: ServerlessFunction(stack, "Fn", source="tests/handler"),
                 "Test/Fn: Test already has a child 'Fn'")


@case("FN_MEMORY")
def _() -> None:
    assert_error("FN_MEMORY", lambda: fn(memory_size=64), "Test/Fn: memory_size=64 MB", "128..10,240 MB",
                 "Fix: set memory_size between 128 and 10240")


@case("FN_MEMORY_QUOTA")
def _() -> None:
    stack = new_stack()
    ServerlessFunction(stack, "Fn", source="tests/handler", memory_size=4096)
    assert_warning(stack, "FN_MEMORY_QUOTA", "memory_size=4096 MB", "3,008 MB")


@case("FN_TIMEOUT")
def _() -> None:
    assert_error("FN_TIMEOUT", lambda: fn(timeout=Duration.minutes(16)), "timeout=960 s", "1..900 s",
                 "FargateQueueWorker")


@case("FN_EPHEMERAL_STORAGE")
def _() -> None:
    assert_error("FN_EPHEMERAL_STORAGE", lambda: fn(ephemeral_storage_size=Size.mebibytes(256)),
                 "ephemeral_storage_size=256 MB", "512..10,240 MB")
    # other units are read as MB; a fraction is an error of ours, not jsii's "cannot be converted" (it was)
    assert_error("FN_EPHEMERAL_STORAGE", lambda: fn(ephemeral_storage_size=Size.kibibytes(600_000)),
                 "ephemeral_storage_size=585.938 MB is not a whole number of MB", "Size.mebibytes(n)")
    assert_error("FN_EPHEMERAL_STORAGE", lambda: fn(ephemeral_storage_size=Size.gibibytes(11)),
                 "ephemeral_storage_size=11264 MB")
    fn(ephemeral_storage_size=Size.gibibytes(1))


@case("FN_ENV_RESERVED")
def _() -> None:
    assert_error("FN_ENV_RESERVED", lambda: fn(environment={"AWS_REGION": "eu-west-1", "OK": "1"}),
                 "environment sets AWS_REGION, which Lambda reserves", "18 reserved names")


@case("FN_ENV_KEY")
def _() -> None:
    assert_error("FN_ENV_KEY", lambda: fn(environment={"1ST": "x", "has-dash": "y"}), "'1ST', 'has-dash'",
                 "start with a letter")


@case("FN_ENV_SIZE")
def _() -> None:
    # measured as JSON, as Lambda does: {"BIG":"xx..."} is 10 bytes more than the value
    assert_error("FN_ENV_SIZE", lambda: fn(environment={"BIG": "x" * 4087}), "environment is 4,097 bytes as JSON",
                 "4,096 bytes", "Parameter Store")
    fn(environment={"BIG": "x" * 4086})
    # escapes count: a quote is two bytes in JSON
    assert_error("FN_ENV_SIZE", lambda: fn(environment={"QQ": '"' * 2045}), "4,099 bytes")
    # add_environment is checked too, against all the function gets (the Powertools names included)
    function = fn(environment={"BIG": "x" * 4000})
    assert_error("FN_ENV_SIZE", lambda: function.add_environment("MORE", "y" * 100), "4,189 bytes")


@case("FN_RESERVED_CONCURRENCY")
def _() -> None:
    assert_error("FN_RESERVED_CONCURRENCY", lambda: fn(reserved_concurrency=-1), "reserved_concurrency=-1")


@case("FN_RESERVED_CONCURRENCY_QUOTA")
def _() -> None:
    stack = new_stack()
    ServerlessFunction(stack, "Fn", source="tests/handler", reserved_concurrency=950)
    assert_warning(stack, "FN_RESERVED_CONCURRENCY_QUOTA", "reserved_concurrency=950", "900")


@case("FN_DESCRIPTION")
def _() -> None:
    """Lambda takes 256 characters; a longer description used to fail at deploy (CloudFormation's validation)."""
    assert_error("FN_DESCRIPTION", lambda: fn(description="d" * 257), "Test/Fn: description is 257 characters",
                 "at most 256 characters", "Fix: shorten it to 256 characters")
    fn(description="d" * 256)


@case("FN_NAME")
def _() -> None:
    assert_error("FN_NAME", lambda: fn(function_name="has spaces"), "function_name='has spaces'", "1..64")
    assert_error("FN_NAME", lambda: fn(function_name="x" * 65), "function_name='xxx")


@case("FN_RUNTIME")
def _() -> None:
    assert_error("FN_RUNTIME", lambda: fn(runtime=lambda_.Runtime.PYTHON_3_6),
                 "runtime=python3.6: Lambda blocks creating functions with it since 2022-07-18")
    assert_error("FN_RUNTIME", lambda: fn(runtime=lambda_.Runtime.NODEJS_22_X), "nodejs22.x is not a Python runtime")
    # The check is by date: python3.9 is refused from its block-create day, not from its deprecation day.
    with pytest.raises(ConfigError, match="since 2027-02-01"):
        function_rules.check_runtime("Test/Fn", lambda_.Runtime.PYTHON_3_9, today=dt.date(2027, 2, 1))


@case("FN_RUNTIME_DEPRECATED")
def _() -> None:
    stack = new_stack(nag=False)
    ServerlessFunction(stack, "Fn", source="tests/handler", runtime=lambda_.Runtime.PYTHON_3_10)
    # (cfn-lint flags it too, as W2531; the warning says when deploys will start to fail)
    assert_warning(stack, "FN_RUNTIME_DEPRECATED", "runtime=python3.10 was deprecated on 2026-10-31; "
                   "new functions are refused from 2027-02-01", lint=False)


@case("FN_HANDLER")
def _() -> None:
    assert_error("FN_HANDLER", lambda: fn(handler="lambda_function.main"),
                 "handler='lambda_function.main'", "defines no top-level 'main'")
    assert_error("FN_HANDLER", lambda: fn(handler="app.lambda_handler"), "app.py, which does not exist",
                 "the folder holds: lambda_function.py")
    assert_error("FN_HANDLER", lambda: fn(handler="no_dot"), "is not of the form 'module.function'")


@case("FN_SOURCE")
def _() -> None:
    assert_error("FN_SOURCE", lambda: fn(source="does_not_exist"), "source='does_not_exist' resolves to",
                 "lambda_src/does_not_exist, which is not a folder")


@pytest.mark.parametrize("rule_id", sorted(load_all()))  # every rules module, whatever the tests import
def test_rule(rule_id: str) -> None:
    assert rule_id in CASES, f"rule {rule_id} has no test case"
    CASES[rule_id]()


def test_every_case_names_a_registered_rule() -> None:
    assert set(CASES) <= set(RULES)


def test_a_function_at_every_limit_still_synthesizes() -> None:
    stack = new_stack()
    ServerlessFunction(
        stack, "Fn", source="tests/handler", memory_size=10_240, timeout=Duration.seconds(900),
        ephemeral_storage_size=Size.mebibytes(10_240), reserved_concurrency=900,
        environment={"BIG": "x" * 4086}, function_name="f" * 64,
    )
    ServerlessFunction(stack, "Small", source="tests/handler", memory_size=128, timeout=Duration.seconds(1),
                       ephemeral_storage_size=Size.mebibytes(512), reserved_concurrency=0)
    result = synth(stack)
    assert [w for w in result.warnings if "FN_RESERVED_CONCURRENCY_QUOTA" in w] == []


def test_a_warning_can_be_acknowledged() -> None:
    stack = new_stack()
    function = ServerlessFunction(stack, "Fn", source="tests/handler", memory_size=4096)
    Validations.of(function).acknowledge(Acknowledgment(id="FN_MEMORY_QUOTA", reason="quota raised to 10 GB"))
    assert [w for w in synth(stack).warnings if "FN_MEMORY_QUOTA" in w] == []


def test_warnings_have_one_ack_format_sit_where_the_fix_is_and_carry_no_jsii_trace() -> None:
    from aws_cdk import aws_sqs as sqs

    stack = new_stack(nag=False)
    queue = sqs.Queue(stack, "Jobs", visibility_timeout=Duration.seconds(30))
    ServerlessFunction(stack, "Fn", source="tests/handler", triggers=[QueueTrigger(queue)])
    assembly = stack.node.root.synth()
    messages = [m for m in assembly.get_stack_artifact(stack.artifact_id).messages if "[SQS_" in str(m.entry.data)]
    assert {m.id for m in messages} == {"/Test/Jobs"}  # on the queue, whose setting is the fix
    for message in messages:
        assert message.entry.trace is None  # a trace would print as a program.js line above the warning
        assert "acknowledge" not in str(message.entry.data).lower()  # CDK prints the one ack id below it
    # Acknowledged before the warning exists (on the stack) or after (on the construct): both silence it.
    early = new_stack(nag=False)
    Validations.of(early).acknowledge(Acknowledgment(id="Annotation::FN_MEMORY_QUOTA", reason="quota raised"))
    ServerlessFunction(early, "Fn", source="tests/handler", memory_size=4096)
    assert not [w for w in synth(early).warnings if "FN_MEMORY_QUOTA" in w]
