"""Nothing lost, under load and faults: the load harness `make bench` runs at full size (bench/load.py), run smaller.

One deploy of tests/fixtures/load_app (an idempotent handler behind a queue, a bucket and an event bus) on a local
AWS started for it, then: records with 1% poison through each trigger; the queue again with 5% of invocations
failing; and again with the local AWS stopped and started halfway through.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.load import LoadApp, run
from constructs_lib.local.server import group_members

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def app() -> Iterator[LoadApp]:
    deployed = LoadApp()
    try:
        yield deployed
    finally:
        pid = deployed.project.state()["pid"]  # the last server's (a test restarts it)
        deployed.close()
    assert group_members(pid) == 0  # no server or handler worker left


@pytest.mark.parametrize(("source", "count"), [("queue", 1_000), ("bucket", 100), ("events", 100)])
def test_every_good_record_is_processed_once_and_every_poison_one_dead_lettered(app, source, count):
    counts = run(app, source, count, label=f"{source}-", timeout_s=300)
    assert counts.lost == 0, counts
    assert counts.processed == count - count // 100 and counts.dead == counts.poison == count // 100, counts


def test_transient_failures_are_retried_and_processed_none_dead_lettered(app):
    app.flaky(5)
    try:
        counts = run(app, "queue", 600, label="flaky-", timeout_s=300)
    finally:
        app.flaky(0)
    assert counts.faults > 0, counts  # the faults happened (the first invocation, then 5% of the rest)
    assert counts.lost == 0 and counts.processed == 594 and counts.dead == counts.poison == 6, counts


def test_a_restart_of_the_local_aws_mid_stream_loses_nothing(app):
    restarts: list[float] = []
    counts = run(app, "queue", 600, label="restart-", timeout_s=300,
                 during=lambda: restarts.append(app.restart_server()))
    assert restarts and app.project.state()["pid"]  # it was stopped and started again
    assert counts.lost == 0 and counts.processed == 594 and counts.dead == counts.poison == 6, counts
