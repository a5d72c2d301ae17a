"""`constructs-lib cost` (issue 15): AWS's published pricing examples to the cent, the example app's estimate
line by line, the what-ifs, and the command's errors."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from constructs_lib.adapters import FoundTrigger
from constructs_lib.cost import Profile, estimate
from constructs_lib.cost.compare import compare, queue_break_even
from constructs_lib.cost.model import Construct, Function, Stack
from constructs_lib.cost.prices import PRICES, tiered
from constructs_lib.cost.schedules import runs_per_month

from .conftest import ROOT

US_EAST_1 = PRICES["us-east-1"]


def one_function(memory_mb: int, architecture: str = "x86_64", **extra: object) -> list[Stack]:
    function = Function("Fn", memory_mb, architecture, 512, log_retention_days=30)
    construct = Construct("App/Fn", functions=[function], **extra)  # type: ignore[arg-type]
    return [Stack("App", "us-east-1", {"App/Fn": construct}, [])]


def lambda_only(result) -> float:  # type: ignore[no-untyped-def]
    """The Lambda lines (requests and compute) and their free tier: what AWS's Lambda examples count."""
    items = [i for i in result.items if i.service == "Lambda"] + [i for i in result.free_tier if i.service == "Lambda"]
    return round(sum(i.cost for i in items), 2)


# --- AWS's own examples -------------------------------------------------------------------------------------

def test_lambda_pricing_page_example_1_x86_with_the_free_tier():
    """https://aws.amazon.com/lambda/pricing/ Example 1: 512 MB, 3 million invokes of 1 s in a month:
    (1,500,000 - 400,000 free GB-s) x $0.00001667 = $18.34, (3M - 1M free) x $0.20/M = $0.40, total $18.74.
    The example states its GB-s price rounded to $0.00001667; the formula is checked at that price."""
    prices = replace(US_EAST_1, lambda_gb_second={"x86_64": 0.00001667, "arm64": 0.0000133334})
    profile = Profile({"App/Fn": {"requests": 3_000_000, "duration_ms": 1000}})
    assert lambda_only(estimate(one_function(512), profile, prices)) == 18.74


def test_lambda_pricing_page_example_2_x86_with_the_free_tier():
    """Example 2 of the same page: 128 MB, 30 million invokes of 200 ms: (750,000 - 400,000) GB-s x $0.00001667
    = $5.83, (30M - 1M) x $0.20/M = $5.80, total $11.63."""
    prices = replace(US_EAST_1, lambda_gb_second={"x86_64": 0.00001667, "arm64": 0.0000133334})
    profile = Profile({"App/Fn": {"requests": 30_000_000, "duration_ms": 200}})
    assert lambda_only(estimate(one_function(128), profile, prices)) == 11.63


def test_lambda_arm64_at_the_table_price():
    """Example 1's shape on arm64 at the page's Arm price ($0.0000133334 per GB-s; derived here, the page has no
    Arm example): 1,100,000 GB-s x $0.0000133334 = $14.67, plus $0.40 of requests."""
    profile = Profile({"App/Fn": {"requests": 3_000_000, "duration_ms": 1000}})
    assert lambda_only(estimate(one_function(512, "arm64"), profile)) == 15.07
    assert lambda_only(estimate(one_function(512, "x86_64"), profile)) == 18.73  # at the unrounded x86 price


def test_http_api_tiers_as_the_api_gateway_pricing_page_example():
    """https://aws.amazon.com/api-gateway/pricing/ (HTTP APIs): the first 300 million requests at $1.00/million,
    the next ones at $0.90/million: 300M x $1.00 + 132M x $0.90 = $418.80."""
    assert round(tiered(432_000_000, US_EAST_1.http_api_per_million), 2) == 418.80
    # and through the estimate: 512 KB metering, so a 600 KB request is billed as two
    stacks = [Stack("App", "us-east-1", {"App/Api": Construct("App/Api", apis=[("Api", "http", [])])}, [])]
    result = estimate(stacks, Profile({"App/Api": {"requests": 1_000_000, "request_kb": 600}}))
    (line,) = [i for i in result.items if i.service == "API Gateway"]
    assert (line.quantity, round(line.cost, 2)) == (2_000_000, 2.00)


def test_rest_api_tiers():
    """REST APIs: $3.50/million for the first 333 million, $2.80 for the next 667 million (same page)."""
    assert round(tiered(350_000_000, US_EAST_1.rest_api_per_million), 2) == round(333 * 3.50 + 17 * 2.80, 2)


def test_sqs_requests_and_free_tier():
    """https://aws.amazon.com/sqs/pricing/: $0.40 per million standard requests after 1 million free a month,
    each 64 KB chunk of a payload a request. 1M messages of 100 KB: 3 requests x 2 chunks = 6M requests, plus
    Lambda's pollers (5 x one 20 s long poll = 657,000 a month); minus 1M free: 5.657M x $0.40/M = $2.26."""
    stacks = one_function(128)
    stacks[0].constructs["App/Fn"].functions[0].triggers.append(FoundTrigger("sqs", {"queue": "Queue"}))
    result = estimate(stacks, Profile({"App/Fn": {"requests": 1_000_000, "payload_kb": 100}}))
    sqs = [i for i in result.items + result.free_tier if i.service == "SQS"]
    assert round(sum(i.cost for i in sqs), 2) == 2.26


def test_sns_publishes_and_free_tier():
    """https://aws.amazon.com/sns/pricing/: $0.50 per million publishes after 1 million free a month, each 64 KB
    chunk a publish; deliveries to Lambda are free. 3M messages of 100 KB: 6M publishes, minus 1M free: 5M x
    $0.50/M = $2.50."""
    stacks = one_function(128)
    stacks[0].constructs["App/Fn"].functions[0].triggers.append(FoundTrigger("sns", {"topic": "Topic"}))
    result = estimate(stacks, Profile({"App/Fn": {"requests": 3_000_000, "payload_kb": 100}}))
    sns = [i for i in result.items + result.free_tier if i.service == "SNS"]
    assert round(sum(i.cost for i in sns), 2) == 2.50


def test_stream_reads():
    """https://aws.amazon.com/kinesis/data-streams/pricing/ (on demand): $0.04 per GB retrieved. 10M records of 1 KB
    read by the function: 9.54 GB x $0.04 = $0.38. https://aws.amazon.com/dynamodb/pricing/: "GetRecords API calls
    invoked by AWS Lambda as part of DynamoDB triggers" are free."""
    stacks = one_function(128)
    triggers = stacks[0].constructs["App/Fn"].functions[0].triggers
    triggers.append(FoundTrigger("stream", {"stream": "kinesis", "source": "Clicks"}))
    triggers.append(FoundTrigger("stream", {"stream": "dynamodb", "source": "Jobs"}))
    result = estimate(stacks, Profile({"App/Fn": {"requests": 10_000_000, "payload_kb": 1}}))
    kinesis = [i for i in result.items if i.service == "Kinesis"]
    assert round(sum(i.cost for i in kinesis), 2) == 0.38
    dynamodb = [i for i in result.items if i.service == "DynamoDB"]
    assert [i.cost for i in dynamodb] == [0.0] and "free" in dynamodb[0].what


def test_fargate_task_hours():
    """https://aws.amazon.com/fargate/pricing/ (Linux/ARM): $0.03238 per vCPU-hour, $0.00356 per GB-hour. Two
    0.5 vCPU / 1 GB tasks all month: 1,460 task-hours x $0.019750 = $28.84; on x86 ($0.04048, $0.004445) $36.04."""
    construct = Construct("App/Web", fargate=[{"kind": "task", "vcpu": 0.5, "memory_gb": 1.0, "architecture": "arm64"},
                                               {"kind": "service", "desired": 2}])
    stacks = [Stack("App", "us-east-1", {"App/Web": construct}, [])]
    (line,) = [i for i in estimate(stacks).items if i.service == "Fargate"]
    assert (line.quantity, round(line.cost, 2), line.idle) == (1460, 28.84, True)
    (x86,) = [i for i in estimate(stacks, overrides={"architecture": "x86_64"}).items if i.service == "Fargate"]
    assert round(x86.cost, 2) == 36.04


def test_free_tier_is_applied_once_per_account_not_per_stack():
    stacks = one_function(1024) + one_function(1024)
    stacks[1] = replace(stacks[1], name="Other")
    result = estimate(stacks, Profile({"App/Fn": {"requests": 800_000, "duration_ms": 500}}))
    credited = sum(i.quantity for i in result.free_tier if i.what == "requests")
    assert credited == 1_000_000  # 1.6M requests over two stacks: one allowance
    assert lambda_only(estimate(stacks, Profile({"App/Fn": {"requests": 800_000, "duration_ms": 500}}),
                                free=None)) > lambda_only(result)


def test_schedules_count_their_runs():
    assert runs_per_month("rate(1 minute)") == 43_800
    assert runs_per_month("rate(5 minutes)") == 8_760
    assert runs_per_month("cron(0 3 * * ? *)") in (30, 31)
    assert runs_per_month("cron(0/15 9-17 ? * MON-FRI *)") == 36 * 22 + 4  # 22 weekdays and a bit in 730 hours
    assert runs_per_month("at(2030-01-01T00:00:00)") == 1


# --- the example app ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def example_assembly() -> Path:
    from constructs_lib.testing import new_app
    from example.stacks import build_app

    app = new_app(nag=False, context={"aws:cdk:enable-path-metadata": True})  # as `cdk synth` writes it
    build_app(app)
    return Path(app.synth().directory)


def test_example_app_estimate_line_by_line(example_assembly, snapshot):
    from constructs_lib.cost import estimate_app

    profile = tomllib.loads((ROOT / "traffic.toml").read_text())
    result = estimate_app(example_assembly, profile)
    lines = {f"{i.construct} | {i.service} | {i.what}": (round(i.quantity, 2), round(i.cost, 2), i.idle)
             for i in result.items + result.free_tier}
    assert lines == snapshot
    assert lines["ServerlessApp/JobApi | Lambda | requests"] == (2_000_000, 0.40, False)
    assert lines["ServerlessApp/Api | API Gateway | HTTP API requests"] == (2_100_000, 2.10, False)
    assert lines["ServerlessApp/NightlyReport | EventBridge Scheduler | invocations"][0] == 31  # 03:00 daily
    assert lines["Workers/ConstructsLibVpc | VPC | NAT gateway hours"] == (730, 32.85, True)
    assert lines["Workers/StatusPage | Fargate | tasks (2 x 0.5 vCPU, 1 GB, arm64)"] == (1460, 28.84, True)
    assert not any("JobApi" in a for a in result.assumptions)  # the profile gives all of JobApi's numbers
    assert result.not_priced == []  # every resource type the library makes is priced or free
    assert round(result.total, 2) == round(sum(v[1] for v in lines.values()), 2) or abs(
        result.total - sum(v[1] for v in lines.values())) < 0.05


def test_what_ifs_on_the_example_app(example_assembly):
    from constructs_lib.cost import read_cloud_assembly

    stacks = read_cloud_assembly(example_assembly)
    profile = Profile(tomllib.loads((ROOT / "traffic.toml").read_text()))
    baseline = estimate(stacks, Profile(profile.data))
    rows = {a.setting: a for a in compare(stacks, profile, "architecture", baseline)
            + compare(stacks, profile, "api", baseline) + compare(stacks, profile, "memory=128,3008", baseline)}
    assert rows["architecture=x86_64"].delta > 0 and rows["architecture=arm64"].delta == pytest.approx(0)
    assert rows["api=rest"].delta == pytest.approx(2.1 * (3.50 - 1.00), abs=0.01)  # 2.1M requests
    # The free tier absorbs this app's compute at any memory size; without it, more memory costs more: the
    # functions' CPU-bound time shrinks only up to 1,769 MB, and JobApi's measured durations stop at 1,024 MB.
    assert rows["memory=3008"].delta == pytest.approx(0)
    paid = estimate(stacks, Profile(profile.data), free=None)
    (at_3008,) = compare(stacks, profile, "memory=3008", paid, free=None)
    assert at_3008.total > paid.total
    (processing,) = queue_break_even(stacks, profile, US_EAST_1)
    assert processing.function == "ServerlessApp/ProcessJob" and processing.lambda_per_message > 0
    with pytest.raises(ValueError, match="memory=64: a memory size is 128..10,240 MB"):
        compare(stacks, profile, "memory=64", baseline)


# --- every resource priced, or named as not priced ---------------------------------------------------------

def stack_of(resources: dict[str, dict]) -> list[Stack]:  # type: ignore[type-arg]
    """A one-stack assembly from `{logical id: {Type, Properties}}`, each resource its own construct."""
    from constructs_lib.cost.model import read_stack

    template = {"Resources": {k: {**r, "Metadata": {"aws:cdk:path": f"App/{k}/Resource"}}
                              for k, r in resources.items()}}
    return [read_stack("App", template, "us-east-1")]


def lines(result) -> dict[str, tuple[float, float, bool]]:  # type: ignore[no-untyped-def]
    return {f"{i.construct} | {i.what}": (round(i.quantity, 2), round(i.cost, 2), i.idle) for i in result.items}


def test_idle_billed_resources_are_priced_from_the_same_table():
    """A provisioned table bills its capacity by the hour with no traffic at all; so do keys, secrets, public IPv4
    addresses and interface endpoints. Once they were left out, and the idle list looked complete."""
    stacks = stack_of({
        "Orders": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "ProvisionedThroughput": {"ReadCapacityUnits": 50, "WriteCapacityUnits": 10},
            "GlobalSecondaryIndexes": [{"ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 5}}]}},
        "Events": {"Type": "AWS::DynamoDB::Table", "Properties": {"BillingMode": "PAY_PER_REQUEST"}},
        "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
        "Token": {"Type": "AWS::SecretsManager::Secret", "Properties": {}},
        "Ip": {"Type": "AWS::EC2::EIP", "Properties": {}},
        "Endpoint": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {
            "VpcEndpointType": "Interface", "ServiceName": "com.amazonaws.us-east-1.sqs", "SubnetIds": ["a", "b"]}},
        "Gateway": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"ServiceName": "com.amazonaws.us-east-1.s3"}},
        "Users": {"Type": "AWS::Cognito::UserPool", "Properties": {
            "UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"}}},
    })
    result = estimate(stacks, Profile({"App/Events": {"reads": 4_000_000, "writes": 2_000_000},
                                       "App/Users": {"users": 5_000}}), free=None)
    found = lines(result)
    assert found["App/Orders | Orders: provisioned reads (60 RCU)"] == (43_800, 5.69, True)  # 60 x 730 x $0.00013
    assert found["App/Orders | Orders: provisioned writes (15 WCU)"] == (10_950, 7.12, True)  # 15 x 730 x $0.00065
    assert found["App/Events | Events: on-demand reads"] == (4_000_000, 0.5, False)  # $0.125 per million
    assert found["App/Events | Events: on-demand writes"] == (2_000_000, 1.25, False)  # $0.625 per million
    assert found["App/Key | customer managed key"] == (1, 1.0, True)
    assert found["App/Token | secret"] == (1, 0.4, True)
    assert found["App/Ip | public IPv4 address"] == (730, 3.65, True)
    assert found["App/Endpoint | interface endpoint sqs (2 AZ)"] == (1460, 14.6, True)
    assert not any(k.startswith("App/Gateway") for k in found)  # gateway endpoints are free
    assert found["App/Users | monthly active users (Plus plan)"] == (5000, 100.0, False)  # threat protection: Plus
    assert result.not_priced == []
    idle = {i.construct for i in result.items if i.idle}
    assert {"App/Orders", "App/Key", "App/Token", "App/Ip", "App/Endpoint"} <= idle


def test_the_free_tier_covers_25_provisioned_units_and_25_gb_of_dynamodb():
    stacks = stack_of({"Small": {"Type": "AWS::DynamoDB::Table", "Properties": {
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}}})
    result = estimate(stacks, Profile({"App/Small": {"storage_gb": 2}}))
    assert round(result.total, 2) == 0.0  # 5 RCU, 5 WCU and 2 GB: inside the always-free allowance


def test_a_resource_the_table_cannot_price_is_named_never_dropped():
    stacks = stack_of({"Flow": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {}},
                       "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
                       "Handler": {"Type": "Custom::Thing", "Properties": {}}})
    result = estimate(stacks)
    assert [(n.stack, n.path, n.type) for n in result.not_priced] == [
        ("App", "App/Flow/Resource", "AWS::StepFunctions::StateMachine")]
    assert result.to_json()["not_priced"] == [
        {"stack": "App", "path": "App/Flow/Resource", "type": "AWS::StepFunctions::StateMachine"}]

