"""One test per rule in the catalogue, asserting its message; and near-limit stacks that must pass."""

from __future__ import annotations

import datetime as dt

import pytest
from aws_cdk import Acknowledgment, Duration, Size, Validations
from aws_cdk import aws_lambda as lambda_

from constructs_lib import ServerlessFunction
from constructs_lib.rules import RULES
from constructs_lib.rules import function as function_rules
from constructs_lib.testing import new_stack, synth

from . import rule_cases_fargate, rule_cases_packaging, rule_cases_stack, rule_cases_triggers  # noqa: F401
from .rulecases import CASES, assert_error, assert_warning, case


def fn(**props):  # type: ignore[no-untyped-def]
    return ServerlessFunction(new_stack(), "Fn", **{"source": "job_events", **props})


@case("PROP_TYPE")
def _() -> None:
    assert_error("PROP_TYPE", lambda: fn(memory_size="1024"), "memory_size='1024' is a str", "pass memory_size as int")
    assert_error("PROP_TYPE", lambda: fn(timeout=30), "timeout=30 is a int", "as Duration")
    assert_error("PROP_TYPE", lambda: fn(environment={"PORT": 8080}), "environment values must be strings",
                 "str(8080)")
    assert_error("PROP_TYPE", lambda: fn(triggers=["queue"]), "trigger='queue' is a str", "as Trigger")
    assert_error("PROP_TYPE", lambda: fn(reserved_concurrency=True), "reserved_concurrency=True is a bool")


@case("FN_MEMORY")
def _() -> None:
    assert_error("FN_MEMORY", lambda: fn(memory_size=64), "Test/Fn: memory_size=64 MB", "128..10,240 MB",
                 "Fix: set memory_size between 128 and 10240")


@case("FN_MEMORY_QUOTA")
def _() -> None:
    stack = new_stack()
    ServerlessFunction(stack, "Fn", source="job_events", memory_size=4096)
    assert_warning(stack, "FN_MEMORY_QUOTA", "memory_size=4096 MB", "3,008 MB")


@case("FN_TIMEOUT")
def _() -> None:
    assert_error("FN_TIMEOUT", lambda: fn(timeout=Duration.minutes(16)), "timeout=960 s", "1..900 s",
                 "FargateQueueWorker")


@case("FN_EPHEMERAL_STORAGE")
def _() -> None:
    assert_error("FN_EPHEMERAL_STORAGE", lambda: fn(ephemeral_storage_size=Size.mebibytes(256)),
                 "ephemeral_storage_size=256 MB", "512..10,240 MB")


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
    assert_error("FN_ENV_SIZE", lambda: fn(environment={"BIG": "x" * 4094}), "environment is 4,097 bytes",
                 "4,096 bytes", "Parameter Store")
    # add_environment is checked too
    function = fn(environment={"BIG": "x" * 4000})
    assert_error("FN_ENV_SIZE", lambda: function.add_environment("MORE", "y" * 100), "4,107 bytes")


@case("FN_RESERVED_CONCURRENCY")
def _() -> None:
    assert_error("FN_RESERVED_CONCURRENCY", lambda: fn(reserved_concurrency=-1), "reserved_concurrency=-1")


@case("FN_RESERVED_CONCURRENCY_QUOTA")
def _() -> None:
    stack = new_stack()
    ServerlessFunction(stack, "Fn", source="job_events", reserved_concurrency=950)
    assert_warning(stack, "FN_RESERVED_CONCURRENCY_QUOTA", "reserved_concurrency=950", "900")


@case("FN_NAME")
def _() -> None:
    assert_error("FN_NAME", lambda: fn(function_name="has spaces"), "function_name='has spaces'", "1..64")
    assert_error("FN_NAME", lambda: fn(function_name="x" * 65), "function_name='xxx")


@case("FN_RUNTIME")
def _() -> None:
    assert_error("FN_RUNTIME", lambda: fn(runtime=lambda_.Runtime.PYTHON_3_9),
                 "runtime=python3.9 was deprecated by Lambda on 2025-12-15")
    assert_error("FN_RUNTIME", lambda: fn(runtime=lambda_.Runtime.NODEJS_22_X), "nodejs22.x is not a Python runtime")
    # The check is by date: a runtime is fine until its deprecation day.
    function_rules.check_runtime("Test/Fn", lambda_.Runtime.PYTHON_3_9, today=dt.date(2025, 12, 14))


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


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule(rule_id: str) -> None:
    assert rule_id in CASES, f"rule {rule_id} has no test case"
    CASES[rule_id]()


def test_every_case_names_a_registered_rule() -> None:
    assert set(CASES) <= set(RULES)


def test_a_function_at_every_limit_still_synthesizes() -> None:
    stack = new_stack()
    ServerlessFunction(
        stack, "Fn", source="job_events", memory_size=10_240, timeout=Duration.seconds(900),
        ephemeral_storage_size=Size.mebibytes(10_240), reserved_concurrency=900,
        environment={"BIG": "x" * 4093}, function_name="f" * 64,
    )
    ServerlessFunction(stack, "Small", source="job_events", memory_size=128, timeout=Duration.seconds(1),
                       ephemeral_storage_size=Size.mebibytes(512), reserved_concurrency=0)
    result = synth(stack)
    assert [w for w in result.warnings if "FN_RESERVED_CONCURRENCY_QUOTA" in w] == []


def test_a_warning_can_be_acknowledged() -> None:
    stack = new_stack()
    function = ServerlessFunction(stack, "Fn", source="job_events", memory_size=4096)
    Validations.of(function).acknowledge(Acknowledgment(id="FN_MEMORY_QUOTA", reason="quota raised to 10 GB"))
    assert [w for w in synth(stack).warnings if "FN_MEMORY_QUOTA" in w] == []
