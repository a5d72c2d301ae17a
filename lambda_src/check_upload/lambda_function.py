"""S3 ObjectCreated on the uploads bucket: check the upload, record the verdict, queue a job for good ones and
announce refused ones on the Rejections topic (SNS fans them out to whoever notifies uploaders).

Async invoke: an exception makes Lambda retry, then sends the event to the on-failure queue; nothing is lost.
"""

import json
import os
import re
from urllib.parse import unquote_plus

ALLOWED_SUFFIXES = (".csv", ".json", ".jpg", ".jpeg", ".png")
MAX_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", str(50 * 1024 * 1024)))
_clients = {}


def client(name):
    """boto3 is imported on first use: it costs ~100 ms of cold start that invocations without I/O don't need."""
    if name not in _clients:
        import boto3

        _clients[name] = boto3.client(name)
    return _clients[name]


def job_id_for(key):
    return re.sub(r"[^A-Za-z0-9_.-]", "-", key).strip("-")[:128]


def check(key, size):
    if not key.lower().endswith(ALLOWED_SUFFIXES):
        return f"rejected: suffix not in {', '.join(ALLOWED_SUFFIXES)}"
    if size > MAX_BYTES:
        return f"rejected: {size} bytes is over {MAX_BYTES}"
    return "accepted"


def lambda_handler(event, context):
    verdicts = []
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        size = int(record["s3"]["object"].get("size", 0))
        verdict = check(key, size)
        job_id = job_id_for(key)
        client("s3").put_object(
            Bucket=os.environ["DATA_BUCKET"], Key=f"checks/{job_id}.json",
            Body=json.dumps({"bucket": bucket, "key": key, "size": size, "verdict": verdict}).encode(),
        )
        if verdict == "accepted":
            client("sqs").send_message(
                QueueUrl=os.environ["JOBS_QUEUE_URL"],
                MessageBody=json.dumps({"job_id": job_id, "bucket": bucket, "key": key}),
            )
        else:
            client("sns").publish(
                TopicArn=os.environ["REJECTIONS_TOPIC_ARN"], Subject="Upload rejected",
                Message=json.dumps({"job_id": job_id, "key": key, "verdict": verdict}),
            )
        print(json.dumps({"message": "upload checked", "key": key, "verdict": verdict}))
        verdicts.append({"key": key, "verdict": verdict})
    return {"checked": verdicts}
