"""The example app's Lambda stack written with plain aws-cdk-lib L2s: the baseline for synth time and size.

Same functions, triggers and safety features (DLQs, failure destinations, log groups, tracing, access logs),
so the comparison measures the library's overhead, not missing features.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct


def queue(scope: Construct, id: str, **kwargs: object) -> sqs.Queue:
    return sqs.Queue(scope, id, encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True, **kwargs)


def bucket(scope: Construct, id: str) -> s3.Bucket:
    logs_bucket = s3.Bucket(scope, f"{id}Logs", encryption=s3.BucketEncryption.S3_MANAGED, enforce_ssl=True,
                            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED)
    return s3.Bucket(scope, id, encryption=s3.BucketEncryption.S3_MANAGED, enforce_ssl=True,
                     block_public_access=s3.BlockPublicAccess.BLOCK_ALL, server_access_logs_bucket=logs_bucket)


# What the example's job_events handler reads (FN_ENV_UNSET holds ours to it; the plain functions are not checked).
BENCH_ENV = {"DATA_BUCKET": "bench-data"}


def grant_bench_write(fn: lambda_.Function | object) -> None:
    """What the job_events handler writes (`s3.put_object` under events/): the same statement on both sides, as its
    author would grant it (FN_CALL_NOT_GRANTED holds ours to it)."""
    fn.add_to_role_policy(iam.PolicyStatement(  # type: ignore[attr-defined]
        actions=["s3:PutObject"], resources=[f"arn:aws:s3:::{BENCH_ENV['DATA_BUCKET']}/events/*"]))


def function(scope: Construct, id: str, source: str, timeout: int = 20) -> lambda_.Function:
    fn = lambda_.Function(
        scope, id, runtime=lambda_.Runtime.PYTHON_3_14, architecture=lambda_.Architecture.ARM_64,
        handler="lambda_function.lambda_handler", code=lambda_.Code.from_asset(f"lambda_src/{source}"),
        memory_size=256, timeout=Duration.seconds(timeout), tracing=lambda_.Tracing.ACTIVE,
        logging_format=lambda_.LoggingFormat.JSON,
        log_group=logs.LogGroup(scope, f"{id}Logs", retention=logs.RetentionDays.ONE_MONTH),
    )
    fn.configure_async_invoke(on_failure=destinations.SqsDestination(queue(scope, f"{id}Failures")),
                              retry_attempts=2, max_event_age=Duration.hours(6))
    return fn


def table(scope: Construct, id: str) -> dynamodb.Table:
    """A table with a stream, point-in-time recovery and the AWS-managed key, as the example's jobs table."""
    return dynamodb.Table(
        scope, id, partition_key=dynamodb.Attribute(name="job_id", type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST, stream=dynamodb.StreamViewType.NEW_IMAGE,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True),
        encryption=dynamodb.TableEncryption.AWS_MANAGED)


def stream_source_props(scope: Construct, id: str) -> dict[str, object]:
    """What StreamTrigger sets by default, written by hand: bisect, partial failures, bounded retries and age, and
    an on-failure queue."""
    return {"starting_position": lambda_.StartingPosition.TRIM_HORIZON, "bisect_batch_on_error": True,
            "report_batch_item_failures": True, "retry_attempts": 10, "max_record_age": Duration.days(1),
            "on_failure": sources.SqsDlq(queue(scope, f"{id}Failures"))}


def table_stream(scope: Construct, fn: lambda_.Function, source: dynamodb.Table, **props: object) -> None:
    fn.add_event_source(sources.DynamoEventSource(source, **{**stream_source_props(scope, "Stream"), **props}))


def kinesis_stream(scope: Construct, fn: lambda_.Function) -> None:
    stream = kinesis.Stream(scope, "Stream", stream_mode=kinesis.StreamMode.ON_DEMAND,
                            encryption=kinesis.StreamEncryption.MANAGED)
    fn.add_event_source(sources.KinesisEventSource(stream, **stream_source_props(scope, "Stream")))


def topic(scope: Construct, id: str, fn: lambda_.Function) -> sns.Topic:
    """An encrypted topic whose Lambda subscription has its own dead-letter queue."""
    made = sns.Topic(scope, id, master_key=kms.Alias.from_alias_name(scope, f"{id}Key", "alias/aws/sns"),
                     enforce_ssl=True)
    made.add_subscription(subscriptions.LambdaSubscription(fn, dead_letter_queue=queue(scope, f"{id}Dlq")))
    return made


class PlainServerlessAppStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)
        data = bucket(self, "Data")
        bus = events.EventBus(self, "Bus")

        dlq = queue(self, "JobsDlq")
        jobs = queue(self, "Jobs", visibility_timeout=Duration.seconds(120),
                     dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=5))
        process = function(self, "ProcessJob", "process_job")
        process.add_event_source(sources.SqsEventSource(jobs, batch_size=10, report_batch_item_failures=True))
        data.grant_put(process, "results/*")
        bus.grant_put_events_to(process)
        job_table = table(self, "JobsTable")
        process.add_to_role_policy(iam.PolicyStatement(actions=["dynamodb:PutItem"], resources=[job_table.table_arn]))

        history = function(self, "JobHistory", "job_history")
        table_stream(self, history, job_table, batch_size=25)
        data.grant_put(history, "history/*")

        notify = function(self, "NotifyRejection", "notify_rejection")
        rejections = topic(self, "Rejections", notify)
        data.grant_put(notify, "rejections/*")

        uploads = bucket(self, "Uploads")
        check = function(self, "CheckUpload", "check_upload")
        uploads.add_event_notification(s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(check),
                                       s3.NotificationKeyFilter(prefix="uploads/"))
        data.grant_put(check, "checks/*")
        jobs.grant_send_messages(check)
        check.add_to_role_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=[rejections.topic_arn]))

        job_events = function(self, "JobEvents", "job_events")
        events.Rule(self, "JobFinished", event_bus=bus,
                    event_pattern=events.EventPattern(source=["constructs_lib.example"], detail_type=["Job Finished"]),
                    targets=[targets.LambdaFunction(job_events, dead_letter_queue=queue(self, "RuleDlq"),
                                                    retry_attempts=185, max_event_age=Duration.hours(24))])
        data.grant_put(job_events, "events/*")

        access_logs = logs.LogGroup(self, "ApiLogs", retention=logs.RetentionDays.ONE_MONTH)
        api = apigwv2.HttpApi(self, "Api", create_default_stage=False)
        apigwv2.HttpStage(self, "Stage", http_api=api, stage_name="$default", auto_deploy=True,
                          throttle=apigwv2.ThrottleSettings(rate_limit=100, burst_limit=200))
        job_api = function(self, "JobApi", "job_api")
        live = lambda_.Alias(self, "JobApiLive", alias_name="live", version=job_api.current_version)
        codedeploy.LambdaDeploymentGroup(self, "JobApiDeployment", alias=live,
                                         deployment_config=codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES,
                                         alarms=[live.metric_errors().create_alarm(self, "JobApiErrors", threshold=1,
                                                                                   evaluation_periods=1)])
        integration = integrations.HttpLambdaIntegration("JobApi", live, scope_permission_to_route=False)
        api.add_routes(path="/health", methods=[apigwv2.HttpMethod.GET], integration=integration)
        for path, method in (("/jobs/{id}", apigwv2.HttpMethod.GET), ("/jobs", apigwv2.HttpMethod.POST)):
            api.add_routes(path=path, methods=[method], integration=integration,
                           authorizer=authorizers.HttpIamAuthorizer())
        data.grant_read(job_api, "results/*")
        jobs.grant_send_messages(job_api)
        cdk.CfnOutput(self, "ApiLogGroup", value=access_logs.log_group_name)

        report = function(self, "NightlyReport", "nightly_report")
        scheduler.Schedule(self, "Nightly", schedule=scheduler.ScheduleExpression.expression(
            "cron(0 3 * * ? *)", cdk.TimeZone.of("Europe/Berlin")),
            target=scheduler_targets.LambdaInvoke(report, dead_letter_queue=queue(self, "ScheduleDlq"),
                                                  retry_attempts=185))
        data.grant_read(report, "results/*")
        data.grant_put(report, "reports/*")
