"""The case set of the code/infrastructure check (issue 30): handlers with a seeded mistake, and correct ones, each
deployed as a user would write it (its environment, its grants), synthesized, and compared with what it should get.

Seeded mistakes must all be caught (an error naming the rule and the line; a "not checked" warning for what cannot
be followed), correct handlers must synthesize with no error. `tests/test_aws_calls.py` runs it; `make bench`
reports the rates and the analysis's cost per function.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from constructs_lib import QueueTrigger, S3Trigger, ServerlessFunction
from constructs_lib.testing import new_stack, synth

CASES_DIR = Path(__file__).resolve().parent / "iam_cases"


def _table(fn: ServerlessFunction, grant: str = "grant_read_write_data") -> dict[str, str]:
    table = dynamodb.TableV2(Stack.of(fn), "Table", partition_key=dynamodb.Attribute(
        name="id", type=dynamodb.AttributeType.STRING))
    getattr(table, grant)(fn)
    return {"TABLE_NAME": table.table_name}


def _bucket(fn: ServerlessFunction, grant: str) -> dict[str, str]:
    bucket = s3.Bucket(Stack.of(fn), "Bucket", enforce_ssl=True, block_public_access=s3.BlockPublicAccess.BLOCK_ALL)
    getattr(bucket, grant)(fn)
    return {"BUCKET": bucket.bucket_name}


def _queue(fn: ServerlessFunction) -> dict[str, str]:
    return {"QUEUE_URL": sqs.Queue(Stack.of(fn), "Out", enforce_ssl=True).queue_url}  # not granted


def _topic(fn: ServerlessFunction) -> dict[str, str]:
    topic = sns.Topic(Stack.of(fn), "Topic", enforce_ssl=True)
    topic.grant_publish(fn)
    return {"TOPIC_ARN": topic.topic_arn}


def _thumbnails(fn: ServerlessFunction) -> dict[str, str]:
    out = s3.Bucket(Stack.of(fn), "Thumbnails", enforce_ssl=True, block_public_access=s3.BlockPublicAccess.BLOCK_ALL)
    out.grant_put(fn)
    return {"THUMBNAIL_BUCKET": out.bucket_name}


@dataclass(frozen=True)
class Case:
    name: str
    give: Callable[[ServerlessFunction], dict[str, str]]  # makes the function's resources and grants: its env
    expect: str  # "error RULE line", "warning RULE line", or "clean"
    triggers: Callable[[], list] = list  # type: ignore[type-arg]
    environment: bool = True  # False: the environment `give` returns is not set (the seeded mistake)


CASES = [
    Case("missing_env", lambda fn: _table(fn, "grant_read_data"), "error FN_ENV_UNSET 6", environment=False),
    Case("ungranted_put", lambda fn: _bucket(fn, "grant_read"), "error FN_CALL_NOT_GRANTED 10"),
    Case("module_client_ungranted", _queue, "error FN_CALL_NOT_GRANTED 13"),
    Case("dynamodb_resource_ungranted", lambda fn: _table(fn, "grant_read_data"), "error FN_CALL_NOT_GRANTED 16"),
    Case("unresolved_wrapper", lambda fn: _bucket(fn, "grant_read_write"), "warning FN_CALL_NOT_CHECKED 12"),
    Case("orders_api", _table, "clean"),
    Case("thumbnails", _thumbnails, "clean", triggers=lambda: [S3Trigger()]),
    Case("fanout", _topic, "clean", triggers=lambda: [QueueTrigger()]),
]


@dataclass(frozen=True)
class Outcome:
    case: Case
    got: str  # what synth said, in the `expect` form ("error FN_CALL_NOT_GRANTED 10", "clean", ...)
    message: str

    @property
    def seeded(self) -> bool:
        return self.case.expect != "clean"

    @property
    def caught(self) -> bool:
        return self.got == self.case.expect

    @property
    def false_error(self) -> bool:
        return not self.seeded and self.got.startswith("error")


def run_case(case: Case) -> Outcome:
    stack = new_stack(nag=False, env=None, feature_flags=False)  # as `cdk init` makes it: the user's own setup
    function = ServerlessFunction(stack, "Fn", source=str(CASES_DIR / case.name), triggers=case.triggers())
    environment = case.give(function)
    for key, value in environment.items() if case.environment else ():
        function.add_environment(key, value)
    try:
        result = synth(stack, lint=False)
    except RuntimeError as error:
        message = str(error)
        return Outcome(case, _said("error", message, case.name), message)
    findings = [w for w in result.warnings if "[FN_CALL_" in w or "[FN_ENV_" in w]
    if findings:
        return Outcome(case, _said("warning", findings[0], case.name), findings[0])
    return Outcome(case, "clean", "")


def _said(severity: str, message: str, name: str) -> str:
    rule = re.search(r"\[(FN_[A-Z_]+):", message)
    line = re.search(rf"{name}/lambda_function\.py:(\d+)", message)
    return f"{severity} {rule.group(1) if rule else '?'} {line.group(1) if line else '?'}"


def run_cases() -> list[Outcome]:
    return [run_case(case) for case in CASES]
