"""The example product.

Uploads land in S3 and are checked by a Lambda; refused ones are announced on an SNS topic, whose subscriber
notifies the uploader; accepted ones become jobs on SQS, run by a Lambda; each finished job's status is recorded
in a DynamoDB table, whose stream keeps the job's history, and announced on the app's own EventBridge bus,
where a rule keeps an audit record; an HTTP API serves
job status and takes new jobs (browsers on the web app's origin may call it: CORS), and partners read job status
through routes a Lambda authorizer guards; a schedule writes a nightly report, which operators can also run on
demand through the function's IAM-authorized URL. Long jobs go to a Fargate worker (the Workers stack).
"""

from __future__ import annotations

import hashlib
import os

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_lib import (
    Alerting,
    ApiAuthorization,
    ApiTrigger,
    Cors,
    Deployment,
    EventTrigger,
    QueueTrigger,
    S3Trigger,
    ScheduleTrigger,
    ServerlessApi,
    ServerlessFunction,
    StreamTrigger,
    TopicTrigger,
    UrlTrigger,
)
from constructs_lib.buckets import secure_bucket
from constructs_lib.data import removal_policy
from constructs_lib.defaults import BucketDefaults
from constructs_lib.nag import acknowledge, finding_resource, skip_checkov

from .demo import LOCAL_PARTNER_TOKEN, LOCAL_WEB_ORIGIN

EVENT_SOURCE = "constructs_lib.example"


class ServerlessAppStack(cdk.Stack):
    """The Lambda side: deployable to AWS or to a local MiniStack (`make deploy-local`)."""

    def __init__(self, scope: Construct, id: str, *, local: bool = False, **kwargs: object) -> None:
        """`local=True` (context `-c local=true`): timings for a demo run against MiniStack, which makes
        failed messages wait out their visibility timeout and fires schedules at most once a minute."""
        super().__init__(scope, id, **kwargs)
        # Every alarm of the stack notifies this topic: subscribe the team (emails=[...]) or a pager to it.
        self.alerts = Alerting(self, "Alerts")
        self.data = secure_bucket(self, "Data", defaults=BucketDefaults())
        self.bus = events.EventBus(self, "Bus", description="The example app's own events")

        self.job_table = self.jobs_table()
        self.jobs = QueueTrigger(batch_size=10, max_receive_count=1 if local else None)
        process_job = ServerlessFunction(
            self, "ProcessJob", source="process_job", triggers=[self.jobs],
            timeout=cdk.Duration.seconds(3) if local else None,
            environment={"DATA_BUCKET": self.data.bucket_name, "EVENT_BUS_NAME": self.bus.event_bus_name,
                         "EVENT_SOURCE": EVENT_SOURCE, "JOBS_TABLE": self.job_table.table_name},
        )
        self.allow_put(process_job, "results/*")
        self.bus.grant_put_events_to(process_job)
        # PutItem only: grant_write_data would add the updates and deletes the job never makes.
        process_job.add_to_role_policy(iam.PolicyStatement(actions=["dynamodb:PutItem"],
                                                        resources=[self.job_table.table_arn]))

        # Every change of a job's record, in order, from the table's stream (bisected on errors, given-up records
        # on the trigger's on-failure queue).
        job_history = ServerlessFunction(self, "JobHistory", source="job_history",
                                         environment={"DATA_BUCKET": self.data.bucket_name},
                                         triggers=[StreamTrigger(self.job_table, batch_size=25)])
        self.allow_put(job_history, "history/*")

        # Refused uploads fan out over SNS: the notifier below is one subscriber; add mail, chat or a partner's queue.
        self.rejections = TopicTrigger()
        notify_rejection = ServerlessFunction(self, "NotifyRejection", source="notify_rejection",
                                              environment={"DATA_BUCKET": self.data.bucket_name},
                                              triggers=[self.rejections])
        self.allow_put(notify_rejection, "rejections/*")

        self.uploads = S3Trigger(prefix="uploads/", read=False)  # the check reads the event, not the upload
        check_upload = ServerlessFunction(
            self, "CheckUpload", source="check_upload", triggers=[self.uploads],
            environment={"DATA_BUCKET": self.data.bucket_name, "JOBS_QUEUE_URL": self.jobs.queue.queue_url,
                         "REJECTIONS_TOPIC_ARN": self.rejections.topic.topic_arn},
        )
        self.allow_put(check_upload, "checks/*")
        self.jobs.queue.grant_send_messages(check_upload)
        # Publish only: the topic's key is SNS's AWS-managed one, whose key policy lets SNS use it for any caller of
        # the account (topic.grant_publish would add kms:GenerateDataKey* on key/* besides).
        check_upload.add_to_role_policy(iam.PolicyStatement(actions=["sns:Publish"],
                                                         resources=[self.rejections.topic.topic_arn]))

        job_events = ServerlessFunction(
            self, "JobEvents", source="job_events", environment={"DATA_BUCKET": self.data.bucket_name},
            triggers=[EventTrigger({"source": [EVENT_SOURCE], "detail-type": ["Job Finished"]}, event_bus=self.bus)],
        )
        self.allow_put(job_events, "events/*")

        # IAM-authorized routes unless named public; the web app's origin may call it from browsers.
        web_origin = self.node.try_get_context("web_origin") or (LOCAL_WEB_ORIGIN if local
                                                                 else "https://app.example.com")
        self.api = ServerlessApi(self, "Api", cors=Cors(allow_origins=[web_origin]))
        # Partners' tokens, as "name:sha256-hexdigest,..." (context partner_tokens); none configured denies all.
        tokens = self.node.try_get_context("partner_tokens") or (
            f"demo:{hashlib.sha256(LOCAL_PARTNER_TOKEN.encode()).hexdigest()}" if local else "")
        partner_auth = ServerlessFunction(self, "PartnerAuth", source="partner_auth", async_invokes=False,
                                          environment={"PARTNER_TOKENS": tokens})
        partners = ApiAuthorization.lambda_(partner_auth, results_cache_ttl=cdk.Duration.minutes(5))
        # The API's function is released gradually: 10% of requests for 5 minutes, rolled back on errors.
        job_api = ServerlessFunction(
            self, "JobApi", source="job_api",
            deployment=Deployment.canary(percent=10, interval=cdk.Duration.minutes(5)),
            environment={"DATA_BUCKET": self.data.bucket_name, "JOBS_QUEUE_URL": self.jobs.queue.queue_url},
            triggers=[
                ApiTrigger(self.api, "GET /health", public=True),
                ApiTrigger(self.api, "GET /jobs/{id}"),
                ApiTrigger(self.api, "POST /jobs"),
                ApiTrigger(self.api, "GET /partner/jobs/{id}", authorization=partners),
            ],
        )
        self.allow_read(job_api, "results/")
        self.jobs.queue.grant_send_messages(job_api)

        self.report_url = UrlTrigger(auth="iam")  # operators: `trigger.grant_invoke(role)`, then a signed GET
        nightly_report = ServerlessFunction(
            self, "NightlyReport", source="nightly_report", environment={"DATA_BUCKET": self.data.bucket_name},
            triggers=[ScheduleTrigger("rate(1 minute)" if local else "cron(0 3 * * ? *)", timezone="Europe/Berlin"),
                      self.report_url],
        )
        self.allow_list(nightly_report, "results/")  # it counts the results, it does not read them
        self.allow_put(nightly_report, "reports/*")

        outputs = {
            "UploadsBucket": self.uploads.bucket.bucket_name, "DataBucket": self.data.bucket_name,
            "JobsQueueUrl": self.jobs.queue.queue_url, "JobsDeadLetterQueueUrl": self.jobs.dead_letter_queue.queue_url,
            "JobsEventSourceMappingId": self.jobs.event_source.event_source_mapping_id,
            "EventBusName": self.bus.event_bus_name, "ReportFunction": nightly_report.function_name,
            "AlertsTopicArn": self.alerts.topic.topic_arn, "JobApiFunction": job_api.function_name,
            "JobsTableName": self.job_table.table_name, "RejectionsTopicArn": self.rejections.topic.topic_arn,
        }
        for name, value in outputs.items():
            cdk.CfnOutput(self, name, value=value)

    def jobs_table(self) -> dynamodb.Table:
        """Each job's status record, keyed by job id; its stream (new images) feeds the job history."""
        table = dynamodb.Table(
            self, "JobsTable", partition_key=dynamodb.Attribute(name="job_id", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST, stream=dynamodb.StreamViewType.NEW_IMAGE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True),
            encryption=dynamodb.TableEncryption.AWS_MANAGED, removal_policy=removal_policy(self))
        skip_checkov(table, "Encrypted with the AWS-managed DynamoDB key; a customer-managed key costs $1/month "
                     "plus requests and adds a key policy to keep right, for job status records.", "CKV_AWS_119",
                     cfn_type="AWS::DynamoDB::Table")
        return table

    def allow_put(self, function: ServerlessFunction, key_pattern: str) -> None:
        """PutObject under one prefix of the data bucket, and nothing else."""
        objects = self.data.arn_for_objects(key_pattern)
        function.add_to_role_policy(iam.PolicyStatement(actions=["s3:PutObject"], resources=[objects]))
        self._acknowledge_prefix(function, objects)

    def allow_read(self, function: ServerlessFunction, prefix: str) -> None:
        """GetObject and ListBucket under one prefix (ListBucket turns a missing key into 404, not 403)."""
        objects = self.data.arn_for_objects(f"{prefix}*")
        function.add_to_role_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=[objects]))
        self.allow_list(function, prefix)
        self._acknowledge_prefix(function, objects)

    def allow_list(self, function: ServerlessFunction, prefix: str) -> None:
        """ListBucket of the keys under one prefix."""
        function.add_to_role_policy(iam.PolicyStatement(
            actions=["s3:ListBucket"], resources=[self.data.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}}))

    def _acknowledge_prefix(self, function: ServerlessFunction, objects: str) -> None:
        acknowledge(function.role, "Object access is scoped to one key prefix of the app's data bucket.",
                    f"AwsSolutions-IAM5[Resource::{finding_resource(self, objects)}]")


def build_app(app: cdk.App) -> None:
    """Both stacks of the example. The Fargate stack's module is imported here, so that the Lambda stack alone
    (as the benchmarks synthesize it against its plain aws-cdk-lib twin) does not load aws_ecs."""
    from .workers import WorkersStack

    env = cdk.Environment(
        account=os.environ.get("CDK_DEFAULT_ACCOUNT", "123456789012"),
        region=os.environ.get("CDK_DEFAULT_REGION", os.environ.get("AWS_REGION", "us-east-1")),
    )
    ServerlessAppStack(app, "ServerlessApp", env=env, local=str(app.node.try_get_context("local")).lower() == "true")
    WorkersStack(app, "Workers", env=env)


