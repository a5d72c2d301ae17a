"""Not a mistake to report as one: the client is handed to a helper the check does not follow."""
import os

import boto3


def archive(client, key):
    client.copy_object(Bucket=os.environ["BUCKET"], Key=f"archive/{key}", CopySource=f"{os.environ['BUCKET']}/{key}")


def lambda_handler(event, context):
    archive(boto3.client("s3"), event["key"])
