"""DynamoDB stream of the Jobs table: keep each job's status changes, in order, as history records.

A stream batch is retried, bisected and finally given up on record by record: the failed records' ids are
reported (ReportBatchItemFailures), so the records before a bad one are never written twice, and what is given
up on lands on the on-failure queue as a pointer to the shard.
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


def plain(image):
    """A stream image's typed attributes ({"S": "x"}, {"N": "1"}) as plain values."""
    values = {}
    for name, typed in image.items():
        (kind, value), = typed.items()
        values[name] = int(value) if kind == "N" and value.lstrip("-").isdigit() else value
    return values


def history_key(record):
    job = plain(record["dynamodb"]["Keys"])["job_id"]
    return f"history/{job}/{record['dynamodb']['SequenceNumber']}.json"


def lambda_handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            entry = {"event": record["eventName"], **plain(record["dynamodb"].get("NewImage", {}))}
            client("s3").put_object(Bucket=os.environ["DATA_BUCKET"], Key=history_key(record),
                                    Body=json.dumps(entry).encode())
        except Exception as error:  # noqa: BLE001 - reported, then this record and the rest are retried
            print(json.dumps({"message": "history not written", "error": str(error)}))
            failures.append({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})
            break  # a stream is ordered: everything after the first failure is retried with it
    return {"batchItemFailures": failures}
