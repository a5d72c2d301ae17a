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


class FakeEcsAgent:
    """The ECS agent's task-protection endpoint on 127.0.0.1, recording each state the worker asks for."""

    def __init__(self) -> None:
        import http.server
        import threading

        self.states: list[bool] = []
        agent = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PUT(self) -> None:  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                agent.states.append(bool(body["ProtectionEnabled"]))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"protection": {}}')

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.uri = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_task_stopped_mid_message_neither_loses_nor_double_completes_it(clean_aws):
    """Scale-in sends SIGTERM to a task that holds a message: it was protected while it held it, it gives the message
    back and drops its protection, and the next task completes the job once. Nothing is lost, nothing is done twice."""
    client = sqs(clean_aws)
    dlq_arn = client.get_queue_attributes(QueueUrl=client.create_queue(QueueName="jobs-dlq")["QueueUrl"],
                                          AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue_url = client.create_queue(QueueName="jobs", Attributes={
        "VisibilityTimeout": "300",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"}),
    })["QueueUrl"]
    client.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"job_id": "long", "seconds": 3}))
    agent = FakeEcsAgent()
    outputs = []
    try:
        first = start_worker({**clean_aws, "ECS_AGENT_URI": agent.uri}, queue_url)
        wait_for(lambda: counts(client, queue_url) == (0, 1))
        wait_for(lambda: agent.states == [True])  # protected from scale-in while it holds the message
        first.send_signal(signal.SIGTERM)  # what scale-in does once protection ends (or a deploy does regardless)
        assert first.wait(timeout=15) == 0
        outputs.append(first.communicate()[0])
        assert agent.states == [True, False]  # protection dropped with the message
        assert counts(client, queue_url) == (1, 0)  # back in the queue at once, not after its 300 s visibility

        second = start_worker({**clean_aws, "ECS_AGENT_URI": agent.uri}, queue_url)
        try:
            wait_for(lambda: counts(client, queue_url) == (0, 0), timeout_s=30)
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=15) == 0
            outputs.append(second.communicate()[0])
    finally:
        agent.close()
    events = [[json.loads(line) for line in output.splitlines() if line.startswith("{")] for output in outputs]
    done = [e for worker in events for e in worker if e["message"] == "job done"]
    assert [e["job_id"] for e in done] == ["long"]  # completed once, by the second task
    assert not any(e["message"] == "job done" for e in events[0])
    dlq_url = client.get_queue_url(QueueName="jobs-dlq")["QueueUrl"]
    assert counts(client, dlq_url) == (0, 0)
    assert agent.states == [True, False, True, False]
