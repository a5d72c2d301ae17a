"""EventBridge rule on the app's own events: keep an audit record of each one.

Async invoke from EventBridge: an exception makes EventBridge retry, then the event goes to the rule's DLQ.
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


def audit_key(event):
    detail = event.get("detail") if isinstance(event.get("detail"), dict) else {}
    name = detail.get("job_id") or event["id"]
    return f"events/{event['detail-type'].replace(' ', '-').lower()}/{name}.json"


def lambda_handler(event, context):
    key = audit_key(event)
    client("s3").put_object(Bucket=os.environ["DATA_BUCKET"], Key=key, Body=json.dumps(event).encode())
    print(json.dumps({"message": "event recorded", "key": key, "source": event["source"]}))
    return {"recorded": key}
