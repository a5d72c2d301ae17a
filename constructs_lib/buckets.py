"""Secure S3 buckets: the one place buckets are made."""

from __future__ import annotations

from aws_cdk import aws_s3 as s3
from constructs import Construct

from .defaults import BucketDefaults
from .nag import acknowledge


def secure_bucket(scope: Construct, id: str, *, defaults: BucketDefaults) -> s3.Bucket:
    """Encrypted, private, TLS-only, with server access logs into a bucket of its own."""
    access_logs = s3.Bucket(
        scope, f"{id}AccessLogs",
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
        lifecycle_rules=[s3.LifecycleRule(expiration=defaults.access_log_retention)],
        removal_policy=defaults.removal_policy,
    )
    acknowledge(access_logs, "This bucket receives the server access logs; logging it would log itself.",
                "AwsSolutions-S1")
    return s3.Bucket(
        scope, id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        server_access_logs_bucket=access_logs,
        removal_policy=defaults.removal_policy,
    )
