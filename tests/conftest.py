from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

ROOT = Path(__file__).resolve().parent.parent
SHARED_EVENTS = ROOT.parent / "shared" / "events"


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
