"""Written after the s3-lambda-s3 resize patterns (aws-samples/serverless-patterns, the Lambda tutorial "Using an
Amazon S3 trigger to create thumbnail images"): each uploaded object is read, shrunk and written under another
bucket, with boto3's transfer helpers."""
import io
import os
import urllib.parse

import boto3

s3 = boto3.client("s3")


def shrink(data):
    return data[: len(data) // 2]


def lambda_handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        source = io.BytesIO()
        s3.download_fileobj(bucket, key, source)
        s3.upload_fileobj(io.BytesIO(shrink(source.getvalue())), os.environ["THUMBNAIL_BUCKET"], f"small/{key}")
