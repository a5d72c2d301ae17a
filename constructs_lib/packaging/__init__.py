"""Function code that really runs: dependencies installed for Lambda, shared code, and the import check.

`code.package_code` is what `ServerlessFunction` (and `PythonLayer`) call; the modules below it work without any
construct (and without aws-cdk-lib): `installer` (uv or pip, cached by content), `installed` (what an install
leaves: pruned and described), `bundle` (the deployment folder, hashed by content), `imports` (what the handler
imports at load time), `stdlib` (each Python's standard library).
"""

from __future__ import annotations

from dataclasses import dataclass

from .bundle import Bundle, build_bundle
from .imports import check_imports
from .installed import Dependencies
from .installer import InstallError, Target, install

__all__ = ["Bundle", "Dependencies", "InstallError", "LayerInfo", "Target", "build_bundle", "check_imports",
           "install"]

@dataclass(frozen=True)
class LayerInfo:
    """What the import and size checks know of one layer."""

    path: str
    modules: frozenset[str] | None  # None: content unknown (a layer given by ARN)
    unzipped_bytes: int = 0
    runtimes: list[str] | None = None
    architectures: list[str] | None = None
