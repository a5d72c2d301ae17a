"""`constructs-lib cost`: a month of the app's bill from its cloud assembly and a traffic profile, before deploy.

    from constructs_lib.cost import estimate_app
    result = estimate_app(Path("cdk.out"), profile={"MyStack/Orders": {"requests": 2_000_000, "duration_ms": 80}})
    print(result.total)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .compare import Alternative, BreakEven, queue_break_even
from .compare import compare as compare_setting
from .estimate import ACCOUNT_FREE_TIER, Estimate, LineItem, Profile, estimate
from .model import read_cloud_assembly
from .prices import DEFAULT_REGION, PRICES

__all__ = ["CostError", "Estimate", "LineItem", "Profile", "Report", "estimate", "estimate_app",
           "estimate_with_options", "read_cloud_assembly"]


class CostError(ValueError):
    """The assembly or the profile cannot be priced as given (one line, with what to change)."""


@dataclass
class Report:
    """The estimate, and the what-ifs asked for."""

    estimate: Estimate
    alternatives: list[Alternative] = field(default_factory=list)
    break_even: list[BreakEven] = field(default_factory=list)


def estimate_app(cdk_out: Path, profile: Mapping[str, Any] | None = None) -> Estimate:
    """The estimate of every stack in `cdk_out` under `profile` (construct path -> numbers per month)."""
    return estimate(read_cloud_assembly(cdk_out), Profile(profile))


def estimate_with_options(cdk_out: Path, *, profile: Mapping[str, Any] | None = None, compare: Sequence[str] = (),
                          free_tier: bool = True) -> Report:
    """The estimate and each `compare` what-if (`memory=512,1024`, `architecture`, `api`, `fargate`); every problem
    with the assembly or the profile is a `CostError`."""
    try:
        stacks = read_cloud_assembly(cdk_out)
        free = ACCOUNT_FREE_TIER if free_tier else None
        result = estimate(stacks, Profile(profile), free=free)
        report = Report(result)
        for spec in compare:
            if spec == "fargate":
                report.break_even = queue_break_even(stacks, Profile(profile),
                                                     PRICES.get(result.region, PRICES[DEFAULT_REGION]))
            else:
                report.alternatives += compare_setting(stacks, Profile(profile), spec, result, free)
        return report
    except CostError:
        raise
    except ValueError as error:
        raise CostError(str(error)) from None
    except OSError as error:
        raise CostError(f"cannot read the cloud assembly: {error}") from None
    except (KeyError, TypeError) as error:
        raise CostError(f"the traffic profile or {cdk_out} has an unexpected shape ({error!r})") from None

