"""Written after aws-samples/serverless-patterns sqs-lambda-sns: a queue's batch is published to a topic in batches
of ten, and failed records are reported back so only they are retried."""
import json
import os

import boto3

sns = boto3.client("sns")
TOPIC_ARN = os.environ["TOPIC_ARN"]


def lambda_handler(event, context):
    records = event["Records"]
    failures = []
    for start in range(0, len(records), 10):
        batch = records[start:start + 10]
        response = sns.publish_batch(TopicArn=TOPIC_ARN, PublishBatchRequestEntries=[
            {"Id": str(i), "Message": json.dumps(json.loads(r["body"]))} for i, r in enumerate(batch)])
        failures += [{"itemIdentifier": batch[int(f["Id"])]["messageId"]} for f in response.get("Failed", [])]
    return {"batchItemFailures": failures}
