from __future__ import annotations

import importlib.abc
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

ROOT = Path(__file__).resolve().parent.parent
SHARED_EVENTS = ROOT.parent / "shared" / "events"

# `make test-fast`: only the tests that need no jsii (aws-cdk-lib runs in Node through it). Importing a jsii package
# raises `NeedsJsii`; a test module or test that does is skipped, so the lane sorts itself as tests are added.
FAST = os.environ.get("CONSTRUCTS_LIB_FAST") == "1"
JSII_PACKAGES = frozenset({"aws_cdk", "jsii", "constructs", "cdk_nag"})


class NeedsJsii(ImportError):
    """Raised in the fast lane when a test imports a jsii package."""


class _NoJsii(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.split(".")[0] in JSII_PACKAGES:
            raise NeedsJsii(f"{name} runs in Node through jsii: not in the fast lane")
        return None


if FAST:
    sys.meta_path.insert(0, _NoJsii())


def _needs_jsii(excinfo: Any) -> bool:
    return excinfo is not None and excinfo.errisinstance(NeedsJsii)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if FAST and report.failed and "NeedsJsii" in str(report.longrepr):
        report.outcome, report.longrepr = "skipped", (str(collector.path), 0, "Skipped: needs jsii (make test)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if FAST and report.failed and _needs_jsii(call.excinfo):
        report.outcome, report.longrepr = "skipped", (str(item.path), 0, "Skipped: needs jsii (make test)")


@pytest.fixture(autouse=True, scope="session")
def _run_from_project_root() -> None:
    # `source="name"` resolves under lambda_src/ relative to the cdk.json folder, as under `cdk synth`.
    os.chdir(ROOT)


@pytest.fixture(autouse=True, scope="session")
def _package_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One dependency/bundle cache per test run, so tests see cold installs and leave the user's cache alone."""
    previous = os.environ.get("CONSTRUCTS_LIB_CACHE_DIR")
    path = tmp_path_factory.mktemp("constructs-lib-cache")
    os.environ["CONSTRUCTS_LIB_CACHE_DIR"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("CONSTRUCTS_LIB_CACHE_DIR", None)
    else:
        os.environ["CONSTRUCTS_LIB_CACHE_DIR"] = previous


class _AnyTemplate:
    """Stands in for a snapshot under SNAPSHOTS=off: equal to anything."""

    def __eq__(self, other: object) -> bool:
        return True


@pytest.fixture
def snapshot(snapshot):  # type: ignore[no-untyped-def]
    # `make test-lowest` runs other aws-cdk-lib versions, whose templates differ in detail: it turns the exact
    # snapshots off (they are checked against the pinned versions by `make test`); the fine-grained assertions stay.
    if os.environ.get("SNAPSHOTS") == "off":
        return _AnyTemplate()
    return snapshot.with_defaults(extension_class=JSONSnapshotExtension)


def load_event(name: str) -> dict[str, Any]:
    """A real AWS sample event from ../shared/events (Powertools' test events)."""
    return json.loads((SHARED_EVENTS / name).read_text())
