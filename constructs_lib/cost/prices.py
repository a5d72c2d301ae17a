"""List prices the estimate uses, one table per region, with where each number comes from.

Transcribed by hand from AWS's public pricing pages (no network at estimate time, and no account needed), on the
date in `TAKEN`: check the pages before relying on an estimate. On-demand prices, no Savings Plans, no taxes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TAKEN = "2026-11-27"
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
    alb_hour: float = 0.0225
    alb_lcu_hour: float = 0.008


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
