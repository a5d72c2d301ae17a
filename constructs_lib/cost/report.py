"""The estimate as a table a person reads (or JSON a script reads)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from .estimate import LineItem
from .prices import SOURCES, TAKEN, TAKEN_IDLE

if TYPE_CHECKING:
    from . import Report


def to_json(report: Report) -> dict[str, Any]:
    payload = report.estimate.to_json()
    payload["compare"] = [vars(a) for a in report.alternatives]
    payload["break_even"] = [vars(b) for b in report.break_even]
    return payload


def render(report: Report) -> str:
    estimate, alternatives, break_even = report.estimate, report.alternatives, report.break_even
    lines = [f"Monthly estimate, {estimate.region} on-demand prices of {TAKEN} ({TAKEN_IDLE} for DynamoDB, KMS, "
             "Secrets Manager, Cognito, SNS, Kinesis, Route 53, public IPv4, endpoints; USD)", ""]
    by_stack: dict[str, dict[str, list[LineItem]]] = defaultdict(lambda: defaultdict(list))
    for item in estimate.items:
        by_stack[item.stack][item.construct].append(item)
    for stack, constructs in by_stack.items():
        stack_total = sum(i.cost for items in constructs.values() for i in items)
        lines.append(f"{stack}{'':<70}{stack_total:>12.2f}")
        for construct, items in constructs.items():
            lines.append(f"  {construct.split('/', 1)[-1]}{'':<68}{sum(i.cost for i in items):>12.2f}")
            lines += [_row(i) for i in items]
        lines.append("")
    if estimate.free_tier:
        lines.append(f"Free tier, once per account{'':<51}{sum(i.cost for i in estimate.free_tier):>12.2f}")
        lines += [_row(i) for i in estimate.free_tier]
        lines.append("")
    unpriced = f" ({len(estimate.not_priced)} resource(s) not priced: listed below)" if estimate.not_priced else ""
    lines.append(f"{'Total' + unpriced:<78}{estimate.total:>12.2f}")
    idle = [i for i in estimate.items if i.idle]
    lines += ["", f"Paid while idle (no traffic at all): {estimate.idle_total:.2f} a month"]
    lines += [f"  {i.construct}: {i.what} {i.cost:.2f}" for i in sorted(idle, key=lambda i: -i.cost) if i.cost >= 0.01]
    if alternatives:
        lines += ["", "What if (the same traffic):"]
        lines += [f"  {a.setting:<28}{a.total:>12.2f}  ({a.delta:+.2f})" for a in alternatives]
    if break_even:
        lines += ["", "SQS-triggered function vs FargateQueueWorker (0.5 vCPU, 1 GB, arm64):"]
        for b in break_even:
            where = (f"one always-on task is cheaper above {b.messages_per_month:,.0f} messages a month"
                     if b.messages_per_month else "one always-on task never pays off within its capacity")
            lines.append(f"  {b.function}: Lambda {b.lambda_per_message * 1e6:.2f} per million messages, "
                         f"a scale-to-zero worker {b.fargate_per_message * 1e6:.2f}; {where} "
                         f"({b.always_on_month:.2f} a month)")
    if estimate.not_priced:
        lines += ["", "Not priced (the price table has no formula for these: the total leaves them out):"]
        lines += [f"  {n.type} at {n.path}" for n in estimate.not_priced]
    if estimate.assumptions:
        lines += ["", "Assumptions (set them in the traffic profile):"] + [f"  {a}" for a in estimate.assumptions]
    lines += ["", "Not included: data transfer out, taxes, Savings Plans, API Gateway's 12-month free tier.",
              "Prices: " + ", ".join(f"{k} {v}" for k, v in SOURCES.items())]
    return "\n".join(lines)


def _row(item: LineItem) -> str:
    quantity = f"{item.quantity:,.2f}".rstrip("0").rstrip(".") + f" {item.unit}"
    return f"    {item.service:<22}{item.what[:40]:<42}{quantity:>26}{item.cost:>8.2f}{' idle' if item.idle else ''}"
