"""A new user's project, end to end: `cdk init`, `pip install constructs-lib`, every construct, `cdk synth`.

No feature flags of ours, no env on the main stack, the library installed from a built wheel (not this
checkout's source tree), cdk-nag plugged in the way its README says, cfn-lint over what comes out.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
NODE_BIN = ROOT / "node_modules" / ".bin"

STACK = '''
import aws_cdk as cdk
from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from constructs_lib import (ApiAuthorization, ApiTrigger, Cors, Deployment, EventTrigger, FargateQueueWorker,
                            FargateScheduledTask, FargateWebService, QueueTrigger, S3Trigger, ScheduleTrigger,
                            ServerlessApi, ServerlessFunction, StreamTrigger, TopicTrigger, UrlTrigger)


class ShopStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        api = ServerlessApi(self, "Api", cors=Cors(allow_origins=["https://shop.example.com"]))
        orders = ServerlessFunction(self, "Orders", source="orders", timeout=Duration.seconds(10), triggers=[
            S3Trigger(prefix="in/"), QueueTrigger(), EventTrigger({"source": [{"prefix": "shop."}]}),
            ScheduleTrigger("rate(1 hour)"), ApiTrigger(api, "GET /orders/{id}"),
        ])
        orders.add_trigger(ApiTrigger(api, "GET /health", public=True))
        partners = ServerlessFunction(self, "PartnerAuth", source="orders", async_invokes=False)
        orders.add_trigger(ApiTrigger(api, "GET /partner/orders", authorization=ApiAuthorization.lambda_(partners)))
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=1)
        vpc.add_flow_log("FlowLog")
        ServerlessFunction(self, "Reports", source="orders", vpc=vpc, triggers=[UrlTrigger()])
        ServerlessFunction(self, "Checkout", source="orders", provisioned_concurrency=1,
                           deployment=Deployment.linear(percent=20, interval=Duration.minutes(1)),
                           triggers=[ApiTrigger(api, "POST /checkout"), QueueTrigger()])
        table = dynamodb.Table(self, "OrdersTable", partition_key=dynamodb.Attribute(
            name="id", type=dynamodb.AttributeType.STRING), billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True))
        ServerlessFunction(self, "Feed", source="orders", triggers=[
            TopicTrigger(filter_policy={"kind": ["order"]}), StreamTrigger(), StreamTrigger(table)])
        FargateQueueWorker(self, "Worker", image_source="worker")
        FargateScheduledTask(self, "Nightly", image_source="worker", schedule="cron(0 3 * * ? *)")


class WebStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        FargateWebService(self, "Web", image_source="worker")
'''

APP = '''
import os

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

from shop.shop_stack import ShopStack, WebStack

app = cdk.App()
ShopStack(app, "ShopStack")
WebStack(app, "WebStack", env=cdk.Environment(account=os.getenv("CDK_DEFAULT_ACCOUNT"),
                                              region=os.getenv("CDK_DEFAULT_REGION")))
cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
app.synth()
'''


def readme_install_lines() -> list[str]:
    """The commands of the README's install block (between its install markers), comments dropped."""
    text = (ROOT / "README.md").read_text()
    block = text.split("<!-- install:start -->", 1)[1].split("<!-- install:end -->", 1)[0]
    lines = [line.split(" #", 1)[0].strip() for line in block.splitlines()]
    commands = [line for line in lines if line and not line.startswith(("#", "```"))]
    assert [c.split()[0] for c in commands] == ["make", "pip"], commands
    return commands


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result.stdout + result.stderr


def test_a_cdk_init_project_with_every_construct_synthesizes_clean(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    project.mkdir()
    env = {**os.environ, "PATH": f"{NODE_BIN}{os.pathsep}{os.environ['PATH']}", "CDK_DISABLE_VERSION_CHECK": "1",
           "CDK_DISABLE_CLI_TELEMETRY": "true", "CDK_DEFAULT_ACCOUNT": "123456789012",
           "CDK_DEFAULT_REGION": "us-east-1"}
    run(["cdk", "init", "app", "--language", "python", "--generate-only"], project, env)
    context = json.loads((project / "cdk.json").read_text())["context"]
    assert not any(key.startswith("constructs_lib") for key in context)  # nothing of ours in a user's cdk.json

    # The README's install lines as written, this checkout standing for the clone; pip in the venv cdk init asks for.
    run([sys.executable, "-m", "venv", str(project / ".venv")], project, env)
    python = project / ".venv" / "bin" / "python"
    for line in readme_install_lines():
        command = shlex.split(line.replace("path/to/constructs-lib", str(ROOT)))
        if command[0] == "pip":
            command = [str(python), "-m", "pip", "--disable-pip-version-check", *command[1:]]
        run(command, project, env)

    (project / "shop" / "shop_stack.py").write_text(STACK)
    (project / "app.py").write_text(APP)
    handler = project / "lambda_src" / "orders"
    handler.mkdir(parents=True)
    (handler / "lambda_function.py").write_text("def lambda_handler(event, context):\n    return {'ok': True}\n")
    worker = project / "worker"
    worker.mkdir()
    (worker / "Dockerfile").write_text(textwrap.dedent("""\
        FROM public.ecr.aws/docker/library/python:3.13-slim
        COPY task_protection.py worker.py /app/
        CMD ["python", "/app/worker.py"]
    """))
    (worker / "worker.py").write_text("from task_protection import protected\n")
    out = run([str(python), "-m", "constructs_lib.fargate.task_protection", str(worker)], project, env)
    assert (worker / "task_protection.py").exists(), out

    # The web stack names its env, so its VPC looks up the AZs: the answer a first synth with credentials caches.
    (project / "cdk.context.json").write_text(json.dumps({
        "availability-zones:account=123456789012:region=us-east-1": ["us-east-1a", "us-east-1b", "us-east-1c"]}))
    synth_env = {**env, "PATH": f"{python.parent}{os.pathsep}{env['PATH']}"}
    output = run(["cdk", "synth", "--quiet", "--no-notices"], project, synth_env)
    assert "Error" not in output and "AwsSolutions-" not in output and "Serverless-" not in output, output
    assert "program.js" not in output  # warnings, if any, carry no jsii stack trace line

    # The cost estimate, as a user runs it: the console script in their virtualenv, over their cdk.out.
    estimate = json.loads(run([str(python.parent / "constructs-lib"), "cost", "--json"], project, synth_env))
    assert estimate["total"] > 0 and any(i["construct"] == "ShopStack/Orders" for i in estimate["items"])
    assert any(i["what"] == "NAT gateway hours" and i["idle"] for i in estimate["items"])  # the VPC's NAT: idle cost
    # The local loop's offline invoke, from the console script: the event the function's first trigger (S3) sends.
    invoked = run([str(python.parent / "constructs-lib"), "local", "invoke", "ShopStack/Orders", "--no-deploy"],
                  project, synth_env)
    assert "ShopStack/Orders: ok in" in invoked and '"ok": true' in invoked, invoked

    lint = run([str(python), "-c", textwrap.dedent("""\
        import json, pathlib
        from constructs_lib.testing import cfn_lint
        for path in sorted(pathlib.Path("cdk.out").glob("*.template.json")):
            for finding in cfn_lint(json.loads(path.read_text())):
                print(path.name, finding)
    """)], project, env)
    assert lint.strip() == "", lint
    shop = json.loads((project / "cdk.out" / "ShopStack.template.json").read_text())
    buckets = [r for r in shop["Resources"].values() if r["Type"] == "AWS::S3::Bucket"]
    assert buckets and all("AccessControl" not in b["Properties"] for b in buckets)  # no legacy ACL fallback
    assert {"ApiId", "ApiUrl"} <= set(shop["Outputs"])
    # The gradually deployed function: its API permission and queue mapping name the alias, under cdk init's flags.
    types = [r["Type"] for r in shop["Resources"].values()]
    assert types.count("AWS::CodeDeploy::DeploymentGroup") == 1 and types.count("AWS::Lambda::Alias") == 1
    alias_id = next(k for k, r in shop["Resources"].items() if r["Type"] == "AWS::Lambda::Alias")
    checkout = [r["Properties"] for r in shop["Resources"].values() if r["Type"] in (
        "AWS::Lambda::Permission", "AWS::Lambda::EventSourceMapping") and "Checkout" in json.dumps(r)]
    assert len(checkout) == 2 and all(alias_id in json.dumps(p["FunctionName"]) for p in checkout), checkout
    # Issue 12 under cdk init's flags: CORS, a Lambda-authorized route, a function URL, a function in the VPC.
    by_type = {}
    for resource in shop["Resources"].values():
        by_type.setdefault(resource["Type"], []).append(resource.get("Properties", {}))
    assert by_type["AWS::ApiGatewayV2::Api"][0]["CorsConfiguration"]["AllowOrigins"] == ["https://shop.example.com"]
    assert [a["AuthorizerType"] for a in by_type["AWS::ApiGatewayV2::Authorizer"]] == ["REQUEST"]
    assert [u["AuthType"] for u in by_type["AWS::Lambda::Url"]] == ["AWS_IAM"]
    in_vpc = [f for f in by_type["AWS::Lambda::Function"] if "VpcConfig" in f]
    assert len(in_vpc) == 1 and len(in_vpc[0]["VpcConfig"]["SubnetIds"]) == 2

    # Issue 32 under cdk init's flags: SNS fan-out with the subscription's own DLQ, a made Kinesis stream encrypted
    # on demand, a table's stream; both stream mappings bisect, report partial failures, bound retries and age, and
    # keep what they drop on an on-failure queue.
    [subscription] = by_type["AWS::SNS::Subscription"]
    assert subscription["Protocol"] == "lambda" and "RedrivePolicy" in subscription
    assert subscription["FilterPolicy"] == {"kind": ["order"]}
    [stream] = by_type["AWS::Kinesis::Stream"]
    assert stream["StreamEncryption"]["EncryptionType"] == "KMS"
    assert stream["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    streams = [m for m in by_type["AWS::Lambda::EventSourceMapping"] if "StartingPosition" in m]
    assert len(streams) == 2 and all(
        m["BisectBatchOnFunctionError"] and m["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        and m["MaximumRetryAttempts"] == 10 and m["MaximumRecordAgeInSeconds"] == 86400
        and "OnFailure" in m["DestinationConfig"] for m in streams), streams
    fed = run([str(python.parent / "constructs-lib"), "local", "invoke", "ShopStack/Feed", "--no-deploy"],
              project, synth_env)
    assert "ShopStack/Feed: ok in" in fed, fed

    # Issue 30 as a user meets it: the handler now writes to a bucket nobody granted it; `cdk synth` fails, naming
    # the line and the grant to add.
    (handler / "lambda_function.py").write_text(textwrap.dedent("""\
        import boto3

        s3 = boto3.client("s3")


        def lambda_handler(event, context):
            s3.put_object(Bucket="reports", Key="latest.json", Body=b"{}")
            return {'ok': True}
    """))
    failed = subprocess.run(["cdk", "synth", "--quiet", "--no-notices"], cwd=project, env=synth_env,
                            capture_output=True, text=True, timeout=900)
    said = failed.stdout + failed.stderr
    assert failed.returncode != 0, said
    assert "lambda_src/orders/lambda_function.py:7 calls s3.put_object(...), which needs s3:PutObject" in said, said
    assert "[FN_CALL_NOT_GRANTED:" in said and "bucket.grant_put(fn)" in said, said
