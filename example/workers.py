"""The Fargate side of the example: long jobs, a nightly batch and a web service (synth-only locally)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import Duration
from constructs import Construct

from constructs_lib import Alerting, FargateQueueWorker, FargateScheduledTask, FargateWebService

WORKER_IMAGE = "example/worker"


class WorkersStack(cdk.Stack):
    """Jobs longer than Lambda's 15 minutes. The same kind of queue a QueueTrigger drains, drained by Fargate."""

    def __init__(self, scope: Construct, id: str, **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)
        self.alerts = Alerting(self, "Alerts")
        self.long_jobs = FargateQueueWorker(
            self, "LongJobs", image_source=WORKER_IMAGE, cpu=1024, memory_mib=2048,
            min_tasks=0, max_tasks=10, messages_per_task=5, job_timeout=Duration.hours(2),
        )
        self.nightly_batch = FargateScheduledTask(
            self, "NightlyBatch", image_source=WORKER_IMAGE, schedule="cron(30 1 * * ? *)", timezone="Europe/Berlin",
            command=["python", "-c", "print('nightly batch')"],
        )
        self.status_page = FargateWebService(
            self, "StatusPage", image_source=WORKER_IMAGE, container_port=8080,
            command=["python", "-m", "http.server", "8080"], health_check_path="/",
        )
        cdk.CfnOutput(self, "LongJobsQueueUrl", value=self.long_jobs.queue.queue_url)
        cdk.CfnOutput(self, "StatusPageUrl", value=self.status_page.url)
