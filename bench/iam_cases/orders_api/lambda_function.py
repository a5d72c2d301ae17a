"""Written after aws-samples/serverless-patterns apigw-lambda-dynamodb: an API route stores the posted order in a
table and returns it, one table resource made at module level."""
import json
import os
import uuid

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def lambda_handler(event, context):
    if event.get("httpMethod") == "GET":
        found = TABLE.get_item(Key={"id": event["pathParameters"]["id"]}).get("Item")
        return {"statusCode": 200 if found else 404, "body": json.dumps(found or {})}
    order = {"id": str(uuid.uuid4()), **json.loads(event.get("body") or "{}")}
    TABLE.put_item(Item=order)
    return {"statusCode": 201, "body": json.dumps(order)}
