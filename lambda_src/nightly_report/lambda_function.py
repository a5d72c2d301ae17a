"""EventBridge Scheduler: summarise the finished jobs into reports/<date>.json.

Also on demand: a SigV4-signed request to the function's URL (payload 2.0) writes today's report and answers it.
"""

import datetime
import json
import os

_clients = {}


def client(name):
    """boto3 is imported on first use: it costs ~100 ms of cold start that invocations without I/O don't need."""
    if name not in _clients:
        import boto3

        _clients[name] = boto3.client(name)
    return _clients[name]


def finished_jobs(bucket):
    paginator = client("s3").get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix="results/"):
        for item in page.get("Contents", []):
            yield item["Key"][len("results/"):-len(".json")]


def lambda_handler(event, context):
    bucket = os.environ["DATA_BUCKET"]
    day = (event.get("time") or datetime.datetime.now(datetime.UTC).isoformat())[:10]
    jobs = sorted(finished_jobs(bucket))
    report = {"date": day, "jobs_finished": len(jobs), "job_ids": jobs, "schedule": event.get("resources", [])}
    client("s3").put_object(Bucket=bucket, Key=f"reports/{day}.json", Body=json.dumps(report).encode())
    print(json.dumps({"message": "report written", "date": day, "jobs": len(jobs)}))
    if "http" in event.get("requestContext", {}):  # the function URL: answer HTTP
        return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(report)}
    return report
