"""Deploy the example app's Lambda stack to a local AWS, fire one event per trigger, show what each handler
did, and tear everything down, even when a step fails.

    make deploy-local                                   # MiniStack on a free 127.0.0.1 port
    AWS_ENDPOINT_URL=http://localhost:4566 make deploy-local   # LocalStack (or any endpoint) instead
    AWS_ENDPOINT_URL= AWS_PROFILE=dev make deploy-local         # unset endpoint + credentials: real AWS

The deploy target is chosen by AWS_ENDPOINT_URL alone. The Workers (Fargate) stack is synth-only locally:
MiniStack runs no containers; its worker is tested as a process (tests/e2e/test_worker_process.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from constructs_lib.context import LOCAL_DEPLOY, cli_arguments

from .demo import LOCAL_PARTNER_TOKEN
from .demo import LOCAL_WEB_ORIGIN as WEB_ORIGIN
from .ministack import ROOT, local_aws

STACK = "ServerlessApp"
_started = time.monotonic()


def say(message: str) -> None:
    print(f"[{time.monotonic() - _started:5.1f}s] {message}", flush=True)


@dataclass
class Step:
    name: str
    ok: bool
    detail: str


class LocalApp:
    """The deployed example app, addressed through its stack outputs."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.endpoint = env.get("AWS_ENDPOINT_URL") or None
        self.session = boto3.Session(aws_access_key_id=env.get("AWS_ACCESS_KEY_ID"),
                                     aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY"),
                                     region_name=env["AWS_REGION"])
        self.outputs: dict[str, str] = {}

    def client(self, name: str) -> Any:
        return self.session.client(name, endpoint_url=self.endpoint)

    # --- the CDK CLI ----------------------------------------------------------------------------------------

    def cdk(self, *args: str) -> None:
        # MiniStack runs handlers on the host's Python (dependencies are installed for it, not for Lambda),
        # evaluates single-metric alarms only, and has no CodeDeploy (aliases move to new versions directly).
        command = ["cdk", *args, "--no-notices", "-c", "local=true", *cli_arguments(LOCAL_DEPLOY)]
        result = subprocess.run(command, cwd=ROOT, env={**os.environ, **self.env, "CDK_DISABLE_VERSION_CHECK": "1"},
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")

    def deploy(self) -> None:
        account, region = self.env["CDK_DEFAULT_ACCOUNT"], self.env["AWS_REGION"]
        say(f"cdk bootstrap aws://{account}/{region}")
        self.cdk("bootstrap", f"aws://{account}/{region}")
        say(f"cdk deploy {STACK}")
        self.cdk("deploy", STACK, "--require-approval", "never")
        stack = self.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
        self.outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        say(f"deployed: {len(self.outputs)} outputs")

    def destroy(self) -> None:
        say(f"cdk destroy {STACK}")
        self.cdk("destroy", STACK, "--force")

    # --- reading effects --------------------------------------------------------------------------------

    def data_keys(self, prefix: str) -> list[str]:
        listing = self.client("s3").list_objects_v2(Bucket=self.outputs["DataBucket"], Prefix=prefix)
        return [o["Key"] for o in listing.get("Contents", [])]

    def data_object(self, key: str) -> dict[str, Any]:
        body = self.client("s3").get_object(Bucket=self.outputs["DataBucket"], Key=key)["Body"].read()
        return json.loads(body)

    def queue_depth(self, url: str) -> int:
        name = "ApproximateNumberOfMessages"
        return int(self.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=[name])["Attributes"][name])

    def api_base(self) -> str:
        return (f"{self.endpoint}/_aws/execute-api/{self.outputs['ApiId']}/$default" if self.endpoint
                else self.outputs["ApiUrl"].rstrip("/"))

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        """Call the HTTP API, SigV4-signed (the job routes are IAM-authorized)."""
        status, _, answer = self.request(method, self.api_base() + path, body, sign="execute-api")
        return status, answer

    def request(self, method: str, url: str, body: dict[str, Any] | None = None, *, sign: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], dict[str, Any]]:
        """(status, response headers, JSON body) of an HTTP request, SigV4-signed for service `sign` if given."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {**({"content-type": "application/json"} if data else {}), **(headers or {})}
        if sign:
            request = AWSRequest(method=method, url=url, data=data, headers=headers)
            SigV4Auth(self.session.get_credentials(), sign, self.env["AWS_REGION"]).add_auth(request)
            headers = dict(request.headers)
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method, headers=headers),
                                        timeout=30) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as error:
            text = error.read()
            try:
                answer = json.loads(text or b"{}")
            except json.JSONDecodeError:
                answer = {"raw": text.decode(errors="replace")}
            return error.code, {k.lower(): v for k, v in error.headers.items()}, answer


def wait_until(check: Callable[[], Any], timeout_s: float, interval_s: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval_s)


# --- one step per trigger ----------------------------------------------------------------------------------

def s3_upload_flows_through(app: LocalApp) -> Step:
    """S3 -> CheckUpload -> SQS -> ProcessJob -> EventBridge -> JobEvents, and ProcessJob -> the Jobs table's stream
    -> JobHistory: one upload exercises five triggers."""
    app.client("s3").put_object(Bucket=app.outputs["UploadsBucket"], Key="uploads/photo.jpg", Body=b"\xff\xd8jpeg")
    key = "events/job-finished/uploads-photo.jpg.json"
    found = wait_until(lambda: key in app.data_keys("events/"), 60)
    history = wait_until(lambda: app.data_keys("history/uploads-photo.jpg/"), 60)
    checks = app.data_keys("checks/")
    return Step("S3 upload -> check -> job queue -> process -> event rule, table stream", bool(found and history),
                f"checks: {checks}; result: {app.data_keys('results/')}; audit: {key if found else 'missing'}; "
                f"history: {history or 'missing'}")


def rejected_upload_fans_out_over_sns(app: LocalApp) -> Step:
    """S3 -> CheckUpload refuses the upload -> the Rejections topic -> NotifyRejection."""
    app.client("s3").put_object(Bucket=app.outputs["UploadsBucket"], Key="uploads/notes.exe", Body=b"MZ")
    key = "rejections/uploads-notes.exe.json"
    found = wait_until(lambda: key in app.data_keys("rejections/"), 60)
    verdict = app.data_object(key)["verdict"] if found else "no notice"
    return Step("S3 upload refused -> SNS topic -> NotifyRejection", bool(found), f"{key}: {verdict}")


def queue_partial_batch_failure(app: LocalApp) -> Step:
    """Three jobs in one batch, one failing: two results, the failing one alone retried, then in the DLQ."""
    mapping = app.outputs["JobsEventSourceMappingId"]
    lambda_ = app.client("lambda")
    lambda_.update_event_source_mapping(UUID=mapping, Enabled=False)  # so the three arrive as one batch
    for job in ({"job_id": "batch-ok-1"}, {"job_id": "batch-bad", "fail": True}, {"job_id": "batch-ok-2"}):
        app.client("sqs").send_message(QueueUrl=app.outputs["JobsQueueUrl"], MessageBody=json.dumps(job))
    lambda_.update_event_source_mapping(UUID=mapping, Enabled=True)
    expected = {"results/batch-ok-1.json", "results/batch-ok-2.json"}
    done = wait_until(lambda: expected <= set(app.data_keys("results/")), 60)
    dead = wait_until(lambda: app.queue_depth(app.outputs["JobsDeadLetterQueueUrl"]) == 1, 90)
    failed_body = ""
    if dead:
        message = app.client("sqs").receive_message(QueueUrl=app.outputs["JobsDeadLetterQueueUrl"])["Messages"][0]
        failed_body = message["Body"]
    ok = bool(done) and bool(dead) and "batch-bad" in failed_body
    return Step("SQS batch with one failing message", ok,
                f"processed batch-ok-1 and batch-ok-2: {bool(done)}; dead-lettered: {failed_body or 'nothing'}")


def api_routes(app: LocalApp) -> Step:
    health = app.api("GET", "/health")
    submitted = app.api("POST", "/jobs", {"job_id": "from-api"})
    status = wait_until(lambda: (lambda r: r if r[0] == 200 else None)(app.api("GET", "/jobs/from-api")), 60)
    missing = app.api("GET", "/jobs/no-such-job")
    invalid = app.api("POST", "/jobs", {"job_id": "has spaces"})  # rejected by pydantic, installed with the code
    ok = (health[0] == 200 and submitted[0] == 202 and bool(status) and missing[0] == 404 and invalid[0] == 400
          and invalid[1].get("problems", [{}])[0].get("field") == "job_id")
    return Step("HTTP API routes", ok, f"GET /health {health[0]}; POST /jobs {submitted[0]}; GET /jobs/from-api "
                f"{status[0] if status else 'timeout'} {status[1].get('status') if status else ''}; "
                f"GET /jobs/no-such-job {missing[0]}; POST /jobs invalid {invalid[0]} {invalid[1]}")


def api_invokes_the_live_alias(app: LocalApp) -> Step:
    """JobApi is on a deployment: its alias stands on a published version and the API route invokes the alias."""
    lam = app.client("lambda")
    name = app.outputs["JobApiFunction"]
    alias = lam.get_alias(FunctionName=name, Name="live")
    policy = json.loads(lam.get_policy(FunctionName=name, Qualifier="live")["Policy"])
    principals = sorted({s["Principal"].get("Service", "") for s in policy["Statement"]})
    ok = alias["FunctionVersion"].isdigit() and "apigateway.amazonaws.com" in principals
    return Step("API route -> JobApi alias 'live' on a published version", ok,
                f"alias live -> version {alias['FunctionVersion']}; invoke permission on the alias for {principals}")


def api_cors_preflight(app: LocalApp) -> Step:
    """A browser's preflight from the web app's origin is answered by API Gateway (no OPTIONS route, no function);
    another origin gets no CORS headers, so its browser refuses the answer."""
    reapplied = reapply_cors_for_ministack(app)
    ask = {"access-control-request-method": "POST", "access-control-request-headers": "content-type"}
    allowed = app.request("OPTIONS", app.api_base() + "/jobs", headers={"origin": WEB_ORIGIN, **ask})
    other = app.request("OPTIONS", app.api_base() + "/jobs", headers={"origin": "https://evil.example", **ask})
    allow_origin = allowed[1].get("access-control-allow-origin")
    ok = allowed[0] in (200, 204) and allow_origin == WEB_ORIGIN and "access-control-allow-origin" not in other[1]
    return Step("CORS preflight on the HTTP API", ok,
                f"OPTIONS /jobs from {WEB_ORIGIN}: {allowed[0]} allow-origin={allow_origin} "
                f"allow-methods={allowed[1].get('access-control-allow-methods')}; from https://evil.example: "
                f"{other[0]} allow-origin={other[1].get('access-control-allow-origin')}"
                + ("; the template's CorsConfiguration re-applied (MiniStack quirk)" if reapplied else ""))


def reapply_cors_for_ministack(app: LocalApp) -> bool:
    """MiniStack 1.5.33 keeps an HTTP API's CorsConfiguration from CloudFormation under the template's PascalCase
    keys, which its data plane does not read (GetApi shows it empty). Re-applying the deployed template's own
    configuration through UpdateApi lets the preflight be checked; on AWS (or a fixed MiniStack) nothing is done."""
    api = app.client("apigatewayv2")
    if not app.endpoint or api.get_api(ApiId=app.outputs["ApiId"]).get("CorsConfiguration"):
        return False
    body = app.client("cloudformation").get_template(StackName=STACK)["TemplateBody"]
    template = json.loads(body) if isinstance(body, str) else body
    cors = next(r["Properties"]["CorsConfiguration"] for r in template["Resources"].values()
                if r["Type"] == "AWS::ApiGatewayV2::Api")
    api.update_api(ApiId=app.outputs["ApiId"], CorsConfiguration=cors)
    return True


def partner_route_needs_a_token(app: LocalApp) -> Step:
    """GET /partner/jobs/{id} is guarded by the PartnerAuth Lambda authorizer: no token 401, a wrong one 403, the
    partner's token reaches JobApi."""
    url = app.api_base() + "/partner/jobs/from-api"
    missing = app.request("GET", url)
    wrong = app.request("GET", url, headers={"authorization": "Bearer not-the-token"})
    right = app.request("GET", url, headers={"authorization": f"Bearer {LOCAL_PARTNER_TOKEN}"})
    ok = missing[0] == 401 and wrong[0] == 403 and right[0] == 200 and right[2].get("job_id") == "from-api"
    return Step("Lambda authorizer on GET /partner/jobs/{id}", ok,
                f"no token {missing[0]}; wrong token {wrong[0]}; partner token {right[0]} {right[2]}")


def report_url_needs_a_signature(app: LocalApp) -> Step:
    """NightlyReport's function URL (auth='iam'): an unsigned request is refused, a SigV4-signed one runs it."""
    url = app.outputs["NightlyReportUrl"]
    if app.endpoint:  # MiniStack serves function URLs under /_aws/lambda-url/<url id>/
        url = f"{app.endpoint}/_aws/lambda-url/{url.split('//', 1)[1].split('.', 1)[0]}/"
    unsigned = app.request("GET", url)
    signed = app.request("GET", url, sign="lambda")
    ok = unsigned[0] == 403 and signed[0] == 200 and "jobs_finished" in signed[2]
    return Step("function URL (IAM) -> NightlyReport on demand", ok,
                f"unsigned {unsigned[0]}; signed {signed[0]} {signed[2].get('jobs_finished', signed[2])} jobs finished")


def schedule_writes_report(app: LocalApp) -> Step:
    day = dt.datetime.now(dt.UTC).date().isoformat()
    key = f"reports/{day}.json"
    found = wait_until(lambda: key in app.data_keys("reports/"), 150, interval_s=2)
    detail = f"{key}: {app.data_object(key)['jobs_finished']} jobs finished" if found else f"{key} not written"
    return Step("Scheduler rate(1 minute) -> NightlyReport", bool(found), detail)


def failing_invoke_alerts_a_person(app: LocalApp) -> Step:
    """A failing invoke -> the function's errors alarm -> the stack's Alerting topic -> a subscribed inbox queue."""
    sqs, sns = app.client("sqs"), app.client("sns")
    inbox = sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=app.outputs["AlertsTopicArn"], Protocol="sqs", Endpoint=inbox_arn,
                  Attributes={"RawMessageDelivery": "true"})
    invoked = app.client("lambda").invoke(FunctionName=app.outputs["ReportFunction"], Payload=b'"not an event"')
    # CloudWatch evaluates alarms every minute; MiniStack when metric data arrives: one data point nudges it.
    app.client("cloudwatch").put_metric_data(Namespace="LocalDeploy", MetricData=[{"MetricName": "Tick", "Value": 1}])
    seen: list[dict[str, Any]] = []  # OK transitions of the other alarms arrive too: look for the ALARM

    def alarmed() -> dict[str, Any] | None:
        received = sqs.receive_message(QueueUrl=inbox, WaitTimeSeconds=1, MaxNumberOfMessages=10).get("Messages", [])
        seen.extend(json.loads(m["Body"]) for m in received)
        return next((n for n in seen if n.get("NewStateValue") == "ALARM" and "NightlyReportHealtherrors" in
                     n.get("AlarmName", "")),
                    None)

    alarm = wait_until(alarmed, 30) or {}
    ok = bool(invoked.get("FunctionError")) and bool(alarm)
    return Step("failing invoke -> errors alarm -> Alerting topic", ok,
                f"invoke error: {invoked.get('FunctionError')}; notification: {alarm.get('AlarmName', 'none')} "
                f"{alarm.get('NewStateValue', '')}")


STEPS: list[Callable[[LocalApp], Step]] = [s3_upload_flows_through, rejected_upload_fans_out_over_sns,
                                           queue_partial_batch_failure, api_routes,
                                           api_invokes_the_live_alias, api_cors_preflight, partner_route_needs_a_token,
                                           report_url_needs_a_signature, schedule_writes_report,
                                           failing_invoke_alerts_a_person]


@contextlib.contextmanager
def deployed(env: dict[str, str]) -> Iterator[LocalApp]:
    """The example app deployed to `env`'s AWS; destroyed on exit, whatever happened."""
    app = LocalApp(env)
    try:
        app.deploy()
        yield app
    finally:
        try:
            app.destroy()
        except RuntimeError as error:
            say(f"destroy failed: {error}")


def main() -> int:
    say("starting a local AWS" if not os.environ.get("AWS_ENDPOINT_URL") else
        f"using AWS_ENDPOINT_URL={os.environ['AWS_ENDPOINT_URL']}")
    results: list[Step] = []
    with local_aws() as env, deployed(env) as app:
        for step in STEPS:
            say(f"{step.__name__} ...")
            try:
                result = step(app)
            except Exception as error:  # noqa: BLE001 - report it, then tear down
                result = Step(step.__name__, False, repr(error))
            results.append(result)
            say(f"{'ok  ' if result.ok else 'FAIL'} {result.name}: {result.detail}")
    say("local AWS stopped")
    failed = [r for r in results if not r.ok]
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed or len(results) < len(STEPS) else 0


if __name__ == "__main__":
    sys.exit(main())

