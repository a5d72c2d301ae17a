"""`constructs-lib cost`: a month of the app's bill from its cloud assembly and a traffic profile, before deploy.

    from constructs_lib.cost import estimate_app
    result = estimate_app(Path("cdk.out"), profile={"MyStack/Orders": {"requests": 2_000_000, "duration_ms": 80}})
    print(result.total)
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .estimate import Estimate, LineItem, Profile, estimate
from .model import read_cloud_assembly

__all__ = ["Estimate", "LineItem", "Profile", "estimate", "estimate_app", "read_cloud_assembly"]


def estimate_app(cdk_out: Path, profile: Mapping[str, Any] | None = None) -> Estimate:
    """The estimate of every stack in `cdk_out` under `profile` (construct path -> numbers per month)."""
    return estimate(read_cloud_assembly(cdk_out), Profile(profile))
