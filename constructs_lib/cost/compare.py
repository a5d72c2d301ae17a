"""What if: the same traffic priced with other settings, and where a Fargate worker starts to pay off."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .estimate import ACCOUNT_FREE_TIER, Estimate, Profile, duration_s, estimate
from .model import Function, Stack
from .prices import HOURS_PER_MONTH, SECONDS_PER_MONTH, FreeTier, Prices

CHOICES = {"architecture": ["x86_64", "arm64"], "api": ["http", "rest"]}


@dataclass
class Alternative:
    setting: str  # "memory=1024"
    total: float
    delta: float  # against the baseline


def compare(stacks: Sequence[Stack], profile: Profile, spec: str, baseline: Estimate,
            free: FreeTier | None = ACCOUNT_FREE_TIER) -> list[Alternative]:
    """`memory=512,1024`, `architecture`, `api` or `api=http,rest`: the whole app re-priced under each value
    (with the same free tier as `baseline`)."""
    name, _, values_text = spec.partition("=")
    name = name.strip()
    if name not in ("memory", *CHOICES):
        raise ValueError(f"--compare {spec!r}: compare memory=..., architecture or api")
    values = [v.strip() for v in values_text.split(",") if v.strip()] or CHOICES.get(name, [])
    if not values:
        raise ValueError(f"--compare {spec!r}: name the values, e.g. memory=512,1024,2048")
    rows = []
    for value in values:
        if name == "memory" and not (value.isdigit() and 128 <= int(value) <= 10_240):
            raise ValueError(f"--compare memory={value}: a memory size is 128..10,240 MB")
        if name in CHOICES and value not in CHOICES[name]:
            raise ValueError(f"--compare {name}={value}: one of {', '.join(CHOICES[name])}")
        override = int(value) if name == "memory" else value
        total = estimate(stacks, Profile(profile.data), free=free, overrides={name: override}).total
        rows.append(Alternative(f"{name}={value}", total, total - baseline.total))
    return rows


@dataclass
class BreakEven:
    function: str
    lambda_per_message: float  # $ per message on Lambda (request + compute)
    fargate_per_message: float  # $ per message on a scale-to-zero worker (busy task-seconds)
    always_on_month: float  # $ a month for one always-on worker task
    messages_per_month: float | None  # where one always-on task gets cheaper than Lambda (None: never within it)


def queue_break_even(stacks: Sequence[Stack], profile: Profile, prices: Prices) -> list[BreakEven]:
    """For each queue-triggered function: Lambda against a FargateQueueWorker with the library's defaults
    (0.5 vCPU, 1 GB, arm64), each message taking the function's duration on either."""
    from ..defaults import FargateDefaults  # aws-cdk-lib's bindings: loaded only for this what-if

    d = FargateDefaults()
    vcpu, memory_gb = d.cpu / 1024, d.memory_mib / 1024
    hourly = vcpu * prices.fargate_vcpu_hour["arm64"] + memory_gb * prices.fargate_gb_hour["arm64"]
    rows = []
    for stack in stacks:
        for construct in stack.constructs.values():
            for function in construct.functions:
                if function.triggered_by("sqs"):
                    rows.append(_break_even(construct.path, function, Profile(profile.data), prices, hourly))
    return rows


def _break_even(path: str, function: Function, profile: Profile, prices: Prices, hourly: float) -> BreakEven:
    seconds = duration_s(profile, path, function, function.memory_mb)
    per_lambda = (prices.lambda_request_per_million / 1e6
                  + seconds * function.memory_mb / 1024 * prices.lambda_gb_second[function.architecture])
    per_fargate = seconds / 3600 * hourly
    always_on = HOURS_PER_MONTH * hourly
    messages = always_on / per_lambda if per_lambda > 0 else math.inf
    within_one_task = messages * seconds <= SECONDS_PER_MONTH
    return BreakEven(path, per_lambda, per_fargate, always_on, messages if within_one_task else None)
