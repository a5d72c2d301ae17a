"""SNS subscription to the Rejections topic: tell the uploader why an upload was refused.

The notice is kept in the data bucket (a stand-in for the mail or webhook a real app sends). SNS invokes
asynchronously: an exception makes Lambda retry, then the message goes to the function's on-failure queue;
deliveries SNS itself cannot make go to the subscription's dead-letter queue.
"""

import json
import os

_clients = {}


def client(name):
    """boto3 is imported on first use: it costs ~100 ms of cold start that invocations without I/O don't need."""
    if name not in _clients:
        import boto3

        _clients[name] = boto3.client(name)
    return _clients[name]


def lambda_handler(event, context):
    notices = []
    for record in event["Records"]:
        rejection = json.loads(record["Sns"]["Message"])
        key = f"rejections/{rejection['job_id']}.json"
        client("s3").put_object(Bucket=os.environ["DATA_BUCKET"], Key=key, Body=json.dumps(rejection).encode())
        print(json.dumps({"message": "uploader notified", "key": key, "verdict": rejection["verdict"]}))
        notices.append(key)
    return {"notified": notices}
