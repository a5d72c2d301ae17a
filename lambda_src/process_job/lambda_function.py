"""SQS batch of jobs: process each message on its own and report only the failed ones. A processed job's result
goes to S3, its status record to the Jobs table (whose stream keeps its history) and a Job Finished event to the bus.

Returns {"batchItemFailures": [...]} (ReportBatchItemFailures): one bad message never fails the batch, and a
message that keeps failing reaches the DLQ after the queue's max receive count.
"""

import json
import os
import time

_clients = {}


def client(name):
    """boto3 is imported on first use: it costs ~100 ms of cold start that invocations without I/O don't need."""
    if name not in _clients:
        import boto3

        _clients[name] = boto3.client(name)
    return _clients[name]


class JobError(Exception):
    """The job itself is bad; retrying will not help, the DLQ is where it belongs."""


def parse(body):
    try:
        job = json.loads(body)
    except json.JSONDecodeError as error:
        raise JobError(f"body is not JSON: {error}") from None
    if not isinstance(job, dict) or not job.get("job_id"):
        raise JobError("body has no job_id")
    if job.get("fail"):
        raise JobError("job asked to fail")
    return job


def process(job):
    result = {"job_id": job["job_id"], "status": "done", "input": job, "finished_at": int(time.time())}
    client("s3").put_object(Bucket=os.environ["DATA_BUCKET"], Key=f"results/{job['job_id']}.json",
                            Body=json.dumps(result).encode())
    client("dynamodb").put_item(TableName=os.environ["JOBS_TABLE"], Item={
        "job_id": {"S": job["job_id"]}, "status": {"S": "done"}, "finished_at": {"N": str(result["finished_at"])}})
    client("events").put_events(Entries=[{
        "Source": os.environ.get("EVENT_SOURCE", "constructs_lib.example"),
        "DetailType": "Job Finished",
        "Detail": json.dumps({"job_id": job["job_id"], "status": "done"}),
        "EventBusName": os.environ.get("EVENT_BUS_NAME", "default"),
    }])
    return result


def lambda_handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            process(parse(record["body"]))
        except Exception as error:  # noqa: BLE001 - every failure is reported, none is raised
            print(json.dumps({"message": "job failed", "messageId": record["messageId"], "error": str(error)}))
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
