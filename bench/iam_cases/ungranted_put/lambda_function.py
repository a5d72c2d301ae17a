"""Seeded mistake: writes to a bucket the function may only read."""
import json
import os

import boto3


def lambda_handler(event, context):
    s3 = boto3.client("s3")
    s3.put_object(Bucket=os.environ["BUCKET"], Key=f"out/{event['id']}.json", Body=json.dumps(event))
