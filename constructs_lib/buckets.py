"""Secure S3 buckets: the one place buckets are made."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from .data import destroys_data, removal_policy
from .defaults import BucketDefaults
from .nag import acknowledge, acknowledge_cdk_handler, skip_checkov


def secure_bucket(scope: Construct, id: str, *, defaults: BucketDefaults, holds_logs: bool = False) -> s3.Bucket:
    """Encrypted, private, TLS-only, with server access logs into a bucket of its own.

    A bucket of data is versioned (an overwrite or delete can be undone; old versions expire after
    `defaults.noncurrent_version_retention`); a bucket that `holds_logs` (e.g. ALB access logs) expires its
    objects after `defaults.access_log_retention` instead.
    """
    access_logs = _log_bucket(scope, f"{id}AccessLogs", defaults,
                              "This bucket receives the server access logs; logging it would log itself.")
    if holds_logs:
        bucket = _log_bucket(scope, id, defaults, None)
    else:
        bucket = _bucket(scope, id, versioned=True, lifecycle_rules=[s3.LifecycleRule(
            noncurrent_version_expiration=defaults.noncurrent_version_retention)])
    log_server_access(bucket, access_logs)
    return bucket


def _log_bucket(scope: Construct, id: str, defaults: BucketDefaults, no_logging_reason: str | None) -> s3.Bucket:
    bucket = _bucket(scope, id, lifecycle_rules=[s3.LifecycleRule(expiration=defaults.access_log_retention)])
    skip_checkov(bucket, "Holds logs, written once and expired by a lifecycle rule: versions would only keep "
                 "expired logs longer.", "CKV_AWS_21")
    if no_logging_reason:
        acknowledge(bucket, no_logging_reason, "AwsSolutions-S1")
        skip_checkov(bucket, no_logging_reason, "CKV_AWS_18")
    return bucket


def log_server_access(bucket: s3.Bucket, access_logs: s3.Bucket, prefix: str = "") -> None:
    """S3 server access logs of `bucket` into `access_logs`, granted by a bucket policy, never by an ACL.

    aws-cdk-lib's `server_access_logs_bucket` falls back to the legacy `LogDeliveryWrite` ACL unless the app
    sets `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy`: a project made by `cdk init` must not depend on it.
    """
    cfn_bucket = bucket.node.default_child
    assert isinstance(cfn_bucket, s3.CfnBucket)
    cfn_bucket.logging_configuration = s3.CfnBucket.LoggingConfigurationProperty(
        destination_bucket_name=access_logs.bucket_name, log_file_prefix=prefix or None)
    access_logs.add_to_resource_policy(iam.PolicyStatement(
        principals=[iam.ServicePrincipal("logging.s3.amazonaws.com")],  # pyright: ignore[reportArgumentType]
        actions=["s3:PutObject"],
        resources=[access_logs.arn_for_objects(f"{prefix}*")],
        conditions={"ArnLike": {"aws:SourceArn": bucket.bucket_arn},
                    "StringEquals": {"aws:SourceAccount": Stack.of(bucket).account}},
    ))


def _bucket(scope: Construct, id: str, **props: object) -> s3.Bucket:
    destroy = destroys_data(scope)
    bucket = s3.Bucket(
        scope, id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removal_policy=removal_policy(scope),
        auto_delete_objects=destroy or None,
        **props,  # type: ignore[arg-type]
    )
    if destroy:
        _acknowledge_auto_delete_provider(Stack.of(bucket))
    return bucket


def _acknowledge_auto_delete_provider(stack: Stack) -> None:
    """aws-cdk-lib's auto-delete custom resource provider (one per stack), present only under destroy_data."""
    acknowledge_cdk_handler(
        stack, "Custom::S3AutoDeleteObjects",
        "aws-cdk-lib's S3AutoDeleteObjects provider, present only when constructs_lib:destroy_data is set for a "
        "throwaway stack: CDK fixes its role (AWSLambdaBasicExecutionRole) and runtime; it empties the stack's own "
        "buckets when they are deleted.",
    )
