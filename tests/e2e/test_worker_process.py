"""The Fargate worker's entrypoint, run as a local process against the local AWS's SQS."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import boto3
import pytest

from example.ministack import ROOT

pytestmark = pytest.mark.e2e
WORKER = ROOT / "example" / "worker" / "worker.py"


def sqs(env: dict[str, str]):  # type: ignore[no-untyped-def]
    return boto3.client("sqs", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"],
                        aws_access_key_id="test", aws_secret_access_key="test")


def start_worker(env: dict[str, str], queue_url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER)], text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, **env, "QUEUE_URL": queue_url, "POLL_WAIT_SECONDS": "1", "JOB_TIMEOUT_SECONDS": "60"},
    )


def counts(client, queue_url: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    attributes = client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def wait_for(predicate, timeout_s: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_worker_processes_deletes_returns_failures_and_stops_on_sigterm(clean_aws):
    client = sqs(clean_aws)
    dlq_url = client.create_queue(QueueName="jobs-dlq")["QueueUrl"]
    dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue_url = client.create_queue(QueueName="jobs", Attributes={
        "VisibilityTimeout": "300",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"}),
    })["QueueUrl"]
    for job in ({"job_id": "ok-1"}, {"job_id": "ok-2"}, {"job_id": "bad", "fail": True}):
        client.send_message(QueueUrl=queue_url, MessageBody=json.dumps(job))

    worker = start_worker(clean_aws, queue_url)
    try:
        # the good jobs are deleted; the bad one is returned each time and ends in the DLQ after 2 receives
        wait_for(lambda: counts(client, queue_url) == (0, 0) and counts(client, dlq_url)[0] == 1, timeout_s=30)
        dead = client.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=1)["Messages"][0]
        assert json.loads(dead["Body"])["job_id"] == "bad"

        # SIGTERM during a long job: the message goes back to the queue at once, the process exits 0
        client.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"job_id": "long", "seconds": 60}))
        wait_for(lambda: counts(client, queue_url) == (0, 1))
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=15) == 0
        assert counts(client, queue_url) == (1, 0)
    finally:
        if worker.poll() is None:
            worker.kill()
        output = worker.communicate()[0]
    events = [json.loads(line)["message"] for line in output.splitlines() if line.startswith("{")]
    assert events.count("job done") == 2
    assert events.count("job returned to the queue") == 3  # bad twice, long once
    assert events[-1] == "worker stopped"
