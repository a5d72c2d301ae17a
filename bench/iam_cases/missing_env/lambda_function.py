"""Seeded mistake: reads TABLE_NAME, which the function is not given."""
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def lambda_handler(event, context):
    return table.get_item(Key={"id": event["id"]}).get("Item")
