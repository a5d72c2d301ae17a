"""List prices the estimate uses, one table per region, with where each number comes from.

Transcribed by hand from AWS's public pricing pages (no network at estimate time, and no account needed), on the
date in `TAKEN`: check the pages before relying on an estimate. On-demand prices, no Savings Plans, no taxes.
The prices added on `TAKEN_IDLE` (DynamoDB, KMS, Secrets Manager, Cognito, SNS, Kinesis, Route 53, public IPv4,
interface endpoints, SSM) are AWS's us-east-1 list prices as published, cross-checked with third-party summaries:
the AWS pages themselves could not be opened from where they were written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TAKEN = "2026-11-27"
TAKEN_IDLE = "2026-12-03"
HOURS_PER_MONTH = 730  # AWS's own monthly convention (8,760 hours / 12)
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
ONE_VCPU_MB = 1_769  # Lambda gives a function one full vCPU at 1,769 MB


@dataclass(frozen=True)
class Prices:
    """USD prices of one region. Field names say the unit."""

    region: str
    lambda_request_per_million: float = 0.20
    lambda_gb_second: dict[str, float] = field(default_factory=lambda: {"x86_64": 0.0000166667,
                                                                      "arm64": 0.0000133334})
    lambda_ephemeral_gb_second: float = 0.0000000309  # /tmp above the free 512 MB
    lambda_provisioned_gb_second: dict[str, float] = field(default_factory=lambda: {"x86_64": 0.0000041667,
                                                                                  "arm64": 0.0000033334})
    http_api_per_million: tuple[tuple[float, float], ...] = ((300e6, 1.00), (float("inf"), 0.90))
    rest_api_per_million: tuple[tuple[float, float], ...] = ((333e6, 3.50), (667e6, 2.80), (19e9, 2.38),
                                                             (float("inf"), 1.51))
    sqs_per_million: dict[str, float] = field(default_factory=lambda: {"standard": 0.40, "fifo": 0.50})
    eventbridge_custom_event_per_million: float = 1.00
    scheduler_invocation_per_million: float = 1.00
    s3_put_per_thousand: float = 0.005
    s3_get_per_thousand: float = 0.0004
    s3_storage_gb_month: float = 0.023
    logs_ingestion_gb: float = 0.50
    logs_storage_gb_month: float = 0.03
    alarm_metric_month: float = 0.10
    dashboard_month: float = 3.00
    xray_trace_per_million: float = 5.00
    fargate_vcpu_hour: dict[str, float] = field(default_factory=lambda: {"x86_64": 0.04048, "arm64": 0.03238})
    fargate_gb_hour: dict[str, float] = field(default_factory=lambda: {"x86_64": 0.004445, "arm64": 0.00356})
    nat_gateway_hour: float = 0.045
    nat_gateway_gb: float = 0.045
    public_ipv4_hour: float = 0.005  # every public IPv4 address, attached or not (an EIP on a NAT gateway too)
    interface_endpoint_hour: float = 0.01  # per AZ
    interface_endpoint_gb: float = 0.01
    alb_hour: float = 0.0225
    alb_lcu_hour: float = 0.008
    dynamodb_write_request_per_million: float = 0.625  # on-demand write request units
    dynamodb_read_request_per_million: float = 0.125  # on-demand read request units
    dynamodb_wcu_hour: float = 0.00065  # provisioned
    dynamodb_rcu_hour: float = 0.00013
    dynamodb_storage_gb_month: float = 0.25
    kms_key_month: float = 1.00  # a customer managed key
    kms_request_per_10k: float = 0.03
    secret_month: float = 0.40
    secret_api_call_per_10k: float = 0.05
    cognito_mau: dict[str, float] = field(default_factory=lambda: {"LITE": 0.0055, "ESSENTIALS": 0.015,
                                                                 "PLUS": 0.02})
    sns_publish_per_million: float = 0.50
    kinesis_shard_hour: float = 0.015
    kinesis_put_units_per_million: float = 0.014
    kinesis_on_demand_stream_hour: float = 0.04
    kinesis_on_demand_gb_in: float = 0.08
    kinesis_on_demand_gb_out: float = 0.04  # data retrieved
    hosted_zone_month: float = 0.50
    ssm_advanced_parameter_month: float = 0.05


@dataclass(frozen=True)
class FreeTier:
    """Monthly allowances that do not expire, once per account (API Gateway's is for 12 months only: not applied)."""

    lambda_requests: float = 1_000_000
    lambda_gb_seconds: float = 400_000
    sqs_requests: float = 1_000_000
    scheduler_invocations: float = 14_000_000
    xray_traces: float = 100_000
    alarm_metrics: float = 10
    dashboards: float = 3
    logs_gb: float = 5  # ingestion, archive storage and scans together
    dynamodb_storage_gb: float = 25
    dynamodb_rcu: float = 25  # provisioned, all month
    dynamodb_wcu: float = 25
    kms_requests: float = 20_000
    sns_publishes: float = 1_000_000
    cognito_mau: float = 10_000  # Lite and Essentials feature plans (Plus has none)


SOURCES = {
    "Lambda": "https://aws.amazon.com/lambda/pricing/",
    "API Gateway": "https://aws.amazon.com/api-gateway/pricing/",
    "SQS": "https://aws.amazon.com/sqs/pricing/",
    "EventBridge": "https://aws.amazon.com/eventbridge/pricing/",
    "S3": "https://aws.amazon.com/s3/pricing/",
    "CloudWatch": "https://aws.amazon.com/cloudwatch/pricing/",
    "X-Ray": "https://aws.amazon.com/xray/pricing/",
    "Fargate": "https://aws.amazon.com/fargate/pricing/",
    "VPC (NAT gateway)": "https://aws.amazon.com/vpc/pricing/",
    "Elastic Load Balancing": "https://aws.amazon.com/elasticloadbalancing/pricing/",
    "Public IPv4, VPC endpoints": "https://aws.amazon.com/vpc/pricing/ and https://aws.amazon.com/privatelink/pricing/",
    "DynamoDB": "https://aws.amazon.com/dynamodb/pricing/",
    "KMS": "https://aws.amazon.com/kms/pricing/",
    "Secrets Manager": "https://aws.amazon.com/secrets-manager/pricing/",
    "Cognito": "https://aws.amazon.com/cognito/pricing/",
    "SNS": "https://aws.amazon.com/sns/pricing/",
    "Kinesis Data Streams": "https://aws.amazon.com/kinesis/data-streams/pricing/",
    "Route 53": "https://aws.amazon.com/route53/pricing/",
    "Systems Manager": "https://aws.amazon.com/systems-manager/pricing/",
    "Free tier": "https://aws.amazon.com/free/",
}

PRICES = {"us-east-1": Prices("us-east-1")}
DEFAULT_REGION = "us-east-1"


def tiered(quantity: float, tiers: tuple[tuple[float, float], ...], per: float = 1e6) -> float:
    """Cost of `quantity` units over (tier size, price per `per` units) tiers, in order."""
    cost, left = 0.0, quantity
    for size, price in tiers:
        used = min(left, size)
        cost += used / per * price
        left -= used
        if left <= 0:
            break
    return cost
