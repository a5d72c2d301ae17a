"""Seeded mistake: a module-level client, created once per container, sends to a queue it was not granted."""
import json
import os

import boto3

sqs = boto3.client("sqs")
QUEUE_URL = os.environ["QUEUE_URL"]


def lambda_handler(event, context):
    for record in event["Records"]:
        sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps(record))
