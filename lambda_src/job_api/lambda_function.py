"""HTTP API (payload 2.0; REST 1.0 works too): job status and submission.

GET /health, GET /jobs/{id}, POST /jobs, and GET /partner/jobs/{id} (behind the partner authorizer, which names
the partner in the request context). Answers JSON with proper status codes; never lets an exception
become API Gateway's bare 502. Submissions are validated with pydantic (requirements.txt: the library installs
it, with its native pydantic_core, for the function's runtime and architecture).
"""

import json
import os
import uuid

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class JobRequest(BaseModel):
    """A job submission: unknown fields are kept and passed on to the worker."""

    model_config = ConfigDict(extra="allow")

    job_id: str = Field(default_factory=lambda: uuid.uuid4().hex, min_length=1, max_length=128,
                        pattern=r"^[A-Za-z0-9_.-]+$")
    fail: bool = False

_clients = {}


def client(name):
    """boto3 is imported on first use: it costs ~100 ms of cold start that invocations without I/O don't need."""
    if name not in _clients:
        import boto3

        _clients[name] = boto3.client(name)
    return _clients[name]


def response(status, body):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def route_of(event):
    """(METHOD, path) for payload 2.0 and 1.0 events."""
    http = event.get("requestContext", {}).get("http")
    if http:
        return http["method"], event.get("rawPath", http.get("path", "/"))
    return event.get("httpMethod", "GET"), event.get("path", "/")


def get_job(job_id):
    try:
        result = client("s3").get_object(Bucket=os.environ["DATA_BUCKET"], Key=f"results/{job_id}.json")
    except client("s3").exceptions.NoSuchKey:
        return response(404, {"error": f"job {job_id} not found"})
    return response(200, json.loads(result["Body"].read()))


def submit_job(event):
    try:
        body = json.loads(event.get("body") or "{}")
    except json.JSONDecodeError:
        return response(400, {"error": "body must be JSON"})
    if not isinstance(body, dict):
        return response(400, {"error": "body must be a JSON object"})
    try:
        job = JobRequest.model_validate(body)
    except ValidationError as error:
        problems = [{"field": ".".join(map(str, e["loc"])), "problem": e["msg"]} for e in error.errors()]
        return response(400, {"error": "invalid job", "problems": problems})
    message = job.model_dump(exclude_defaults=True) | {"job_id": job.job_id}
    client("sqs").send_message(QueueUrl=os.environ["JOBS_QUEUE_URL"], MessageBody=json.dumps(message))
    return response(202, {"job_id": job.job_id, "status": "queued"})


def lambda_handler(event, context):
    method, path = route_of(event)
    parts = [p for p in path.split("/") if p]
    try:
        if method == "GET" and parts == ["health"]:
            return response(200, {"status": "ok"})
        if method == "GET" and len(parts) == 2 and parts[0] == "jobs":
            return get_job(parts[1])
        if method == "POST" and parts == ["jobs"]:
            return submit_job(event)
        if method == "GET" and len(parts) == 3 and parts[:2] == ["partner", "jobs"]:
            partner = event.get("requestContext", {}).get("authorizer", {}).get("lambda", {}).get("partner")
            print(json.dumps({"message": "partner request", "partner": partner, "job_id": parts[2]}))
            return get_job(parts[2])
        return response(404, {"error": f"no route {method} {path}"})
    except Exception as error:  # noqa: BLE001 - answer 500 with a body, and log the cause
        print(json.dumps({"message": "request failed", "method": method, "path": path, "error": repr(error)}))
        return response(500, {"error": "internal error"})
