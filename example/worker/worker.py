"""Long-job worker for FargateQueueWorker: receive, process, delete; return what failed; stop cleanly.

- One message at a time, long-polling QUEUE_URL.
- While it holds a message the task is protected from scale-in (task_protection.py).
- A job that fails is returned to the queue at once (visibility 0); after the queue's max receive count it
  moves to the DLQ. Nothing is deleted unless it was processed.
- SIGTERM (scale-in, deploy): stop taking messages, return the one in hand, exit 0 within the stop timeout.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

import boto3
from task_protection import protected


class Interrupted(Exception):
    """SIGTERM arrived while a job was running."""


class Worker:
    def __init__(self, queue_url: str, *, wait_seconds: int = 20, job_timeout_s: int = 3600) -> None:
        self.sqs = boto3.client("sqs")
        self.queue_url = queue_url
        self.wait_seconds = wait_seconds
        self.job_timeout_s = job_timeout_s
        self.stopping = False

    def stop(self, *_: object) -> None:
        self.stopping = True
        log("stop requested")

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        log("worker started", queue=self.queue_url)
        while not self.stopping:
            messages = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=self.wait_seconds,
            ).get("Messages", [])
            for message in messages:
                self.handle(message)
        log("worker stopped")
        return 0

    def handle(self, message: dict) -> None:
        with protected(minutes=self.job_timeout_s // 60 + 1):
            try:
                job = json.loads(message["Body"])
                self.process(job)
            except Interrupted:
                self.give_back(message, "interrupted by SIGTERM")
            except Exception as error:  # noqa: BLE001 - every failure returns the message, none is lost
                self.give_back(message, repr(error))
            else:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
                log("job done", message_id=message["MessageId"], job_id=job.get("job_id"))

    def process(self, job: dict) -> None:
        """The example's long job: work for job["seconds"] (checking for SIGTERM), or fail when asked."""
        if not isinstance(job, dict) or "job_id" not in job:
            raise ValueError("a job is a JSON object with a job_id")
        deadline = time.monotonic() + float(job.get("seconds", 0))
        while time.monotonic() < deadline:
            if self.stopping:
                raise Interrupted()
            time.sleep(0.05)
        if job.get("fail"):
            raise RuntimeError(f"job {job['job_id']} asked to fail")

    def give_back(self, message: dict, reason: str) -> None:
        self.sqs.change_message_visibility(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"],
                                           VisibilityTimeout=0)
        log("job returned to the queue", message_id=message["MessageId"], reason=reason)


def log(message: str, **fields: object) -> None:
    print(json.dumps({"message": message, **fields}), flush=True)


if __name__ == "__main__":
    sys.exit(Worker(os.environ["QUEUE_URL"], wait_seconds=int(os.environ.get("POLL_WAIT_SECONDS", "20")),
                    job_timeout_s=int(os.environ.get("JOB_TIMEOUT_SECONDS", "3600"))).run())
