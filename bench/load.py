"""Load and fault runs on the local AWS: nothing lost at 10,000 messages.

The app in tests/fixtures/load_app (deployed with `constructs-lib local`, as a user would) has one idempotent handler
behind a QueueTrigger (batch size 10), an S3Trigger and an EventTrigger. Each run sends good and poison records
(1% poison), waits until every record is accounted for or the time bound passes, and counts from the handler's
ledger and the dead-letter / on-failure queues:

    sent       records sent (good + poison)
    processed  good records whose effect was applied (exactly once: the ledger's O_EXCL markers)
    delivered  deliveries of good records the handler saw (more than processed: redeliveries after a fault)
    dead       records in the DLQ (queue) or the on-failure queue (bucket, events)
    lost       good records never processed + poison records in no dead-letter queue (must be 0)

`make bench` runs them at full size (bench/RESULTS.md); tests/e2e/test_load.py runs the same code smaller.
Everything listens on 127.0.0.1 and stops when a run ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from constructs_lib.local import Project, deploy, destroy
from constructs_lib.local.server import CREDENTIALS, REGION, start_ministack, stop_group

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "load_app"
SOURCES = ("queue", "bucket", "events")


@dataclass
class Counts:
    source: str
    sent: int
    poison: int
    processed: int
    delivered: int
    dead: int
    lost: int
    seconds: float
    processed_seconds: float  # until every good record was processed
    faults: int  # records in an invocation that raised on purpose (each time)

    @property
    def processed_per_second(self) -> float:
        return self.processed / self.processed_seconds if self.processed_seconds else 0.0

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        return (f"| {self.source} | {self.sent:,} | {self.poison:,} | {self.processed:,} | {self.delivered:,} | "
                f"{self.dead:,} | {self.lost} | {self.processed_seconds:.1f} | {self.processed_per_second:.0f} | "
                f"{self.seconds:.1f} |")


HEADER = ("| source | sent | poison | processed once | deliveries | dead-lettered | lost | good done, s | good/s "
          "| all accounted, s |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


class LoadApp:
    """The load app deployed on a local AWS of its own; `close()` destroys it and stops the server."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="constructs-lib-load-"))
        shutil.copytree(FIXTURE, self.folder / "app")
        self.ledger = self.folder / "ledger"
        for source in SOURCES:
            (self.ledger / source).mkdir(parents=True)
        os.environ.update(LOAD_LEDGER=str(self.ledger), MINISTACK_BIN=str(_ministack_binary()))
        self.project = Project(self.folder / "app")
        try:
            deployed = deploy(self.project)  # a failed deploy stops the server it started
        except Exception:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        self.endpoint = deployed.endpoint
        self.outputs = dict(deployed.stacks[0].outputs)

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"])

    def close(self) -> None:
        try:
            destroy(self.project)
        finally:
            stop_group(self.project.state().get("pid"))
            shutil.rmtree(self.folder, ignore_errors=True)

    def flaky(self, percent: float) -> None:
        """From now on, `percent` of invocations raise before doing anything (read by the handler each time), the
        first of them always: a fault run has at least one fault, however few invocations it makes."""
        (self.ledger / "flaky_percent").write_text(str(percent))
        fault_next = self.ledger / "fault_next"
        if percent:
            fault_next.touch()
        else:
            fault_next.unlink(missing_ok=True)

    # --- what happened ---------------------------------------------------------------------------------------

    def processed(self, source: str) -> set[str]:
        return set(os.listdir(self.ledger / source))

    def deliveries(self, source: str, kind: str = "deliveries") -> list[str]:
        """The keys the handler was given (`deliveries`) or failed on purpose (`faults`), one line per time."""
        path = self.ledger / f"{source}.{kind}"
        return path.read_text().splitlines() if path.exists() else []

    def dead(self, queue_url: str) -> list[str]:
        """The keys in a dead-letter or on-failure queue (drained: each key once)."""
        sqs, keys = self.client("sqs"), []
        while True:
            messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                           VisibilityTimeout=300).get("Messages", [])
            if not messages:
                return keys
            keys += [_dead_key(json.loads(m["Body"])) for m in messages]

    def depth(self, queue_url: str) -> int:
        attributes = self.client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return sum(int(v) for v in attributes.values())

    # --- restart (the fault run) -----------------------------------------------------------------------------

    def restart_server(self) -> float:
        """Stop the local AWS (as a crash of the host would, but letting it write its state) and start it again on
        the same port; returns the seconds it was away."""
        state = self.project.state()
        started = time.monotonic()
        stop_group(state["pid"])
        port = int(state["endpoint"].rsplit(":", 1)[1])
        server = start_ministack(str(_ministack_binary()), port=port, state_dir=self.project.aws_state_dir)
        self.project.update_state(pid=server.pid, log=server.log)
        return time.monotonic() - started


def _ministack_binary() -> Path:
    return Path(os.environ.get("MINISTACK_BIN", ROOT / ".venv-ministack" / "bin" / "ministack"))


def _dead_key(body: dict[str, Any]) -> str:
    """The record's key from a DLQ message (the SQS body itself) or an on-failure record (the original event)."""
    if "key" in body:
        return str(body["key"])
    event = body.get("requestPayload", body)
    if "detail" in event:
        return str(event["detail"]["key"])
    return str(event["Records"][0]["s3"]["object"]["key"]).rsplit("/", 1)[-1]


def keys(count: int, label: str = "", poison_every: int = 100) -> list[str]:
    """`count` record keys of one run (`label`); every `poison_every`-th is poison (1% by default)."""
    return [f"{label}{'poison' if (i + 1) % poison_every == 0 else 'good'}-{i:06d}" for i in range(count)]


# --- the runs ---------------------------------------------------------------------------------------------------

def send_queue(app: LoadApp, batch: list[str]) -> None:
    sqs = app.client("sqs")
    for start in range(0, len(batch), 10):
        entries = [{"Id": str(i), "MessageBody": json.dumps({"key": key})}
                   for i, key in enumerate(batch[start:start + 10])]
        failed = sqs.send_message_batch(QueueUrl=app.outputs["QueueUrl"], Entries=entries).get("Failed")
        assert not failed, failed


def send_bucket(app: LoadApp, batch: list[str]) -> None:
    s3 = app.client("s3")
    for key in batch:
        s3.put_object(Bucket=app.outputs["BucketName"], Key=f"load/{key}", Body=key.encode())


def send_events(app: LoadApp, batch: list[str]) -> None:
    events = app.client("events")
    for start in range(0, len(batch), 10):
        entries = [{"Source": "load.test", "DetailType": "load", "Detail": json.dumps({"key": key}),
                    "EventBusName": app.outputs["BusName"]} for key in batch[start:start + 10]]
        response = events.put_events(Entries=entries)
        assert response.get("FailedEntryCount", 0) == 0, response


SENDERS: dict[str, Callable[[LoadApp, list[str]], None]] = {
    "queue": send_queue, "bucket": send_bucket, "events": send_events}
DEAD_LETTERS = {"queue": "DlqUrl", "bucket": "BucketFailures", "events": "EventFailures"}


def run(app: LoadApp, source: str, count: int, *, label: str = "", timeout_s: float = 900, senders: int = 4,
        during: Callable[[], object] | None = None) -> Counts:
    """Send `count` records to `source` (from `senders` threads), wait until each is processed or dead-lettered
    (or `timeout_s` passes), and count. `during`, if given, runs once half the records are sent (a fault)."""
    sent = keys(count, label)
    good = {k for k in sent if "good" in k}
    poison = set(sent) - good
    started = time.monotonic()
    chunks = [sent[i::senders] for i in range(senders)]
    send = SENDERS[source]
    with ThreadPoolExecutor(senders) as pool:
        first = [pool.submit(send, app, chunk[:len(chunk) // 2]) for chunk in chunks]
        for future in first:
            future.result()
        if during is not None:
            during()
        for future in [pool.submit(send, app, chunk[len(chunk) // 2:]) for chunk in chunks]:
            future.result()
    dead: list[str] = []
    dead_letters = app.outputs[DEAD_LETTERS[source]]
    deadline = started + timeout_s
    processed_at = None
    while time.monotonic() < deadline:
        dead += app.dead(dead_letters)
        all_good = good <= app.processed(source)
        if all_good and processed_at is None:
            processed_at = time.monotonic() - started
        if all_good and poison <= set(dead):
            break
        time.sleep(0.5)
    seconds = time.monotonic() - started
    time.sleep(1)  # a redelivery still in flight would show as a second dead letter
    dead += app.dead(dead_letters)
    processed = app.processed(source) & set(sent)
    dead_here = [k for k in dead if k in set(sent)]
    lost = len(good - processed) + len(poison - set(dead_here))
    delivered = sum(1 for k in app.deliveries(source) if k in good)
    faults = sum(1 for k in app.deliveries(source, "faults") if k in good or k in poison)
    return Counts(source, len(sent), len(poison), len(processed), delivered, len(dead_here), lost, seconds,
                  processed_at if processed_at is not None else seconds, faults)


@contextlib.contextmanager
def load_app() -> Iterator[LoadApp]:
    app = LoadApp()
    try:
        yield app
    finally:
        app.close()


FAULT_HEADER = ("| run | sent | poison | processed once | deliveries | records in a failed invocation | "
                "dead-lettered | lost | all accounted, s |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|")


def fault_line(name: str, counts: Counts) -> str:
    return (f"| {name} | {counts.sent:,} | {counts.poison:,} | {counts.processed:,} | {counts.delivered:,} | "
            f"{counts.faults:,} | {counts.dead:,} | {counts.lost} | {counts.seconds:.1f} |")


def main(scale: float = 1.0) -> list[str]:
    """The runs `make bench` reports (scale 1: 10,000 queue messages, 500 objects, 1,000 events; then 2,000 queue
    messages with 5% of invocations failing, and again with the local AWS restarted halfway)."""
    lines = ["Load: tests/fixtures/load_app deployed with `constructs-lib local` on MiniStack; 1% poison records; "
             "QueueTrigger batch 10; the function's timeout 2 s (visibility 12 s, 5 receives before the DLQ).", "",
             HEADER]
    with load_app() as app:
        for source, count in (("queue", 10_000), ("bucket", 500), ("events", 1_000)):
            lines.append(run(app, source, max(100, int(count * scale)), label=f"{source}-").line())
        count = max(100, int(2_000 * scale))
        app.flaky(5)
        flaky = run(app, "queue", count, label="flaky-")
        away: list[float] = []
        restarted = run(app, "queue", count, label="restart-", during=lambda: away.append(app.restart_server()))
    lines += ["", "Faults (queue): 5% of invocations raise before doing anything; then the same with the local AWS "
              f"stopped and started again halfway through sending (away {away[0]:.1f} s):", "", FAULT_HEADER,
              fault_line("5% of invocations raise", flaky), fault_line("5% raise + server restart", restarted)]
    return lines


if __name__ == "__main__":
    import sys

    print("\n".join(main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)))
