"""Upgrade safety: no change deletes or replaces a stateful resource a user already has (their queues, buckets,
log groups ...) unless the CHANGELOG's Breaking section says so.

The manifest (tests/upgrade/manifest.json) holds the logical ids, types and replacement-causing properties of every
stateful resource the fixture app makes. A rename of a construct id, a new path, or a changed queue name would
make CloudFormation delete the old resource and create an empty one.
"""

from __future__ import annotations

import json

import pytest

from tests.upgrade.fixture import (
    MANIFEST,
    breaking_named,
    compare,
    last_release,
    release_record,
    stateful_resources,
    synthesized,
)


@pytest.fixture(scope="module")
def current() -> dict:
    return stateful_resources(synthesized())


def test_no_stateful_resource_is_deleted_or_replaced(current):
    recorded = json.loads(MANIFEST.read_text())
    problems = compare(recorded, current, breaking_named())
    assert not problems, ("A change would delete or replace data:\n  " + "\n  ".join(problems) + "\nKeep the logical "
                          "id (construct ids and paths), or name each resource in CHANGELOG.md's Unreleased "
                          "'### Breaking' section with how users move their data, then run "
                          "`python -m tests.upgrade.fixture`.")


def test_the_manifest_knows_every_stateful_resource(current):
    recorded = json.loads(MANIFEST.read_text())
    new = sorted(set(current) - set(recorded))
    assert not new, f"new stateful resources {new}: run `python -m tests.upgrade.fixture` to record them"
    assert {r["type"] for r in recorded.values()} >= {"AWS::SQS::Queue", "AWS::S3::Bucket", "AWS::Logs::LogGroup",
                                                      "AWS::SNS::Topic"}


def test_a_renamed_queue_is_caught_unless_the_changelog_names_it(current):
    queue = next(k for k, v in current.items() if v["type"] == "AWS::SQS::Queue" and "Orders" in k)
    stack, logical_id = queue.split("/", 1)
    renamed = {(f"{stack}/Renamed{logical_id}" if k == queue else k): v for k, v in current.items()}
    problems = compare(current, renamed, named="")
    assert len(problems) == 1 and f"{queue} (AWS::SQS::Queue) is gone" in problems[0], problems
    assert compare(current, renamed, named=f"- `{logical_id}` (the Orders queue) is renamed: drain it first.") == []


def test_a_queue_turned_fifo_is_a_replacement(current):
    queue = next(k for k, v in current.items() if v["type"] == "AWS::SQS::Queue")
    changed = {**current, queue: {**current[queue], "FifoQueue": True}}
    problems = compare(current, changed, named="")
    assert len(problems) == 1 and "changes FifoQueue" in problems[0] and "replace" in problems[0], problems


def test_the_breaking_section_is_read_from_the_unreleased_version():
    assert isinstance(breaking_named(), str)
    assert "HealthAlarm.defaults" not in breaking_named()  # 0.2.0's Breaking section is released, not pending


def test_nothing_the_last_release_made_is_deleted_or_replaced(current):
    """The same comparison against the frozen record of the last release (CHANGELOG.md's newest version)."""
    version = last_release()
    record = release_record(version)
    assert record.exists(), (f"{version} is released but {record} is missing: run "
                             f"`python -m tests.upgrade.fixture --release {version}` on the release's code")
    released = json.loads(record.read_text())
    assert {r["type"] for r in released.values()} >= {"AWS::SQS::Queue", "AWS::S3::Bucket"}, record
    problems = compare(released, current, breaking_named())
    assert not problems, f"Against {version}:\n  " + "\n  ".join(problems)


def test_a_release_record_is_never_rewritten(tmp_path):
    import subprocess
    import sys

    from .conftest import ROOT

    done = subprocess.run([sys.executable, "-m", "tests.upgrade.fixture", "--release", last_release()], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "is never rewritten" in done.stderr, done.stderr
