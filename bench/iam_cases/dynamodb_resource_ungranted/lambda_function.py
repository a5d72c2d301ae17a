"""Seeded mistake: resource-style DynamoDB, granted reads only, deletes."""
import os

import boto3

dynamodb = boto3.resource("dynamodb")


def table():
    return dynamodb.Table(os.environ["TABLE_NAME"])


def lambda_handler(event, context):
    item = table().get_item(Key={"id": event["id"]}).get("Item")
    if item and item.get("expired"):
        table().delete_item(Key={"id": event["id"]})
