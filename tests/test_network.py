"""Issue 12: functions in a VPC, CORS, custom domains, Lambda authorizers, API keys and function URLs."""

from __future__ import annotations

import subprocess
import sys

import pytest
from aws_cdk import Duration
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_route53 as route53
from aws_cdk.assertions import Match

from constructs_lib import (
    ApiAuthorization,
    ApiTrigger,
    Cors,
    Deployment,
    QueueTrigger,
    ServerlessApi,
    ServerlessFunction,
    UrlTrigger,
)
from constructs_lib.nag import acknowledge
from constructs_lib.testing import new_stack, synth

from .conftest import ROOT

ENI_ACTIONS = ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
               "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
CERT_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/abc"


def function(stack, id="Fn", **props):  # type: ignore[no-untyped-def]
    return ServerlessFunction(stack, id, source="job_events", **props)


def vpc_of(stack, **props):  # type: ignore[no-untyped-def]
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, **props)
    acknowledge(vpc, "A test VPC: flow logs are the VPC owner's choice, not the function's.", "AwsSolutions-VPC7")
    return vpc


# --- VPC ------------------------------------------------------------------------------------------------------

def test_function_in_a_vpc_gets_private_subnets_its_own_group_and_only_the_eni_permissions(snapshot):
    stack = new_stack()
    vpc = vpc_of(stack, nat_gateways=1)
    fn = function(stack, vpc=vpc)
    database = ec2.SecurityGroup(stack, "Database", vpc=vpc, description="the database")
    database.connections.allow_from(fn, ec2.Port.tcp(5432))  # the function is IConnectable
    result = synth(stack)
    assert result.template == snapshot
    cfn = result.resources("AWS::Lambda::Function")
    (name, resource), = [(k, v) for k, v in cfn.items() if k.startswith("FnFunction")]
    config = resource["Properties"]["VpcConfig"]
    assert config["SubnetIds"] == [{"Ref": "VpcPrivateSubnet1Subnet536B997A"},
                                   {"Ref": "VpcPrivateSubnet2Subnet3788AAA1"}]  # private with egress, not public
    assert config["SecurityGroupIds"] == [{"Fn::GetAtt": [Match.string_like_regexp("FnSecurityGroup"), "GroupId"]}
                                          ] or len(config["SecurityGroupIds"]) == 1
    own_group = next(v for k, v in result.resources("AWS::EC2::SecurityGroup").items() if k.startswith("FnSecurity"))
    assert "SecurityGroupIngress" not in own_group["Properties"]  # nothing connects to a function
    (policy_id, policy), = [(k, v) for k, v in result.resources("AWS::IAM::Policy").items() if "VpcAccess" in k]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert (sorted(statement["Action"]), statement["Resource"]) == (sorted(ENI_ACTIONS), "*")
    assert policy_id in resource["DependsOn"]  # Lambda checks the ENI permissions when it creates the function
    result.assertions.has_resource_properties("AWS::EC2::SecurityGroupIngress", {
        "FromPort": 5432, "SourceSecurityGroupId": {"Fn::GetAtt": [Match.string_like_regexp("FnSecurityGroup"),
                                                                   "GroupId"]}})
    skips = {s["id"] for s in resource["Metadata"]["checkov"]["skip"]}
    assert "CKV_AWS_117" not in skips  # in a VPC now: checkov's VPC check passes on its own
    assert fn.connections.security_groups[0] is not None


def test_function_in_a_vpc_with_given_subnets_and_groups():
    stack = new_stack(nag=False)
    vpc = vpc_of(stack, nat_gateways=0, subnet_configuration=[
        ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC)])
    vpc.add_gateway_endpoint("S3", service=ec2.GatewayVpcEndpointAwsService.S3)
    group = ec2.SecurityGroup(stack, "Shared", vpc=vpc, description="shared")
    # No private subnets with egress: isolated ones. Lambda itself sends to the on-failure queue and polls trigger
    # queues, so those grants need no endpoint; what the code is granted (S3 here) has its gateway endpoint.
    fn = function(stack, vpc=vpc, security_groups=[group], triggers=[QueueTrigger()], async_invokes=True)
    fn.role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::b/*"]))
    result = synth(stack, lint=False)
    config = result.resources("AWS::Lambda::Function")[next(
        k for k in result.resources("AWS::Lambda::Function") if k.startswith("FnFunction"))]["Properties"]["VpcConfig"]
    assert config["SecurityGroupIds"] == [{"Fn::GetAtt": [Match.string_like_regexp("Shared"), "GroupId"]}] or \
        "Shared" in str(config["SecurityGroupIds"])
    assert all("isolated" in str(s) for s in config["SubnetIds"])
    assert not any("FnSecurityGroup" in k for k in result.resources("AWS::EC2::SecurityGroup"))
    assert not [w for w in result.warnings if "FN_VPC_ENDPOINTS" in w]  # S3 has its gateway endpoint


# --- CORS -----------------------------------------------------------------------------------------------------

def test_cors_on_an_http_api_is_answered_by_api_gateway():
    stack = new_stack()
    api = ServerlessApi(stack, "Api", cors=Cors(allow_origins=["https://app.example.com"], allow_credentials=True,
                                                 expose_headers=["X-Request-Id"], max_age=Duration.minutes(10)))
    function(stack, triggers=[ApiTrigger(api, "GET /items/{id}")])
    result = synth(stack)
    result.assertions.has_resource_properties("AWS::ApiGatewayV2::Api", {"CorsConfiguration": {
        "AllowOrigins": ["https://app.example.com"], "AllowMethods": ["*"], "AllowCredentials": True,
        "AllowHeaders": Match.array_with(["Content-Type", "X-Amz-Date", "Authorization"]),
        "ExposeHeaders": ["X-Request-Id"], "MaxAge": 600}})
    assert result.count("AWS::ApiGatewayV2::Route") == 1  # preflight needs no OPTIONS route


def test_an_http_api_app_loads_no_rest_domain_or_cognito_bindings():
    """Those Python bindings take about 0.25 s to import: an app with an HTTP API (the default), a function and
    its alarms never loads them, so its synth does not pay for what it does not use."""
    script = """
import sys
from constructs_lib import ApiTrigger, Cors, QueueTrigger, ServerlessApi, ServerlessFunction
from constructs_lib.testing import new_stack, synth
stack = new_stack()
api = ServerlessApi(stack, "Api", cors=Cors(allow_origins=["https://app.example.com"]))
ServerlessFunction(stack, "Fn", source="job_events", triggers=[ApiTrigger(api, "GET /x"), QueueTrigger()])
synth(stack, lint=False)
print(sorted(m for m in sys.modules if m in {"aws_cdk.aws_apigateway", "aws_cdk.aws_route53",
      "aws_cdk.aws_cognito", "aws_cdk.aws_certificatemanager", "aws_cdk.aws_cloudwatch", "aws_cdk.aws_ecs"}))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_cors_on_a_rest_api_adds_unauthorized_preflights_and_cors_on_gateway_errors():
    stack = new_stack()  # cdk-nag runs: each OPTIONS method carries its acknowledgement, the routes stay IAM
    api = ServerlessApi(stack, "Api", kind="rest", cors=Cors(allow_origins=["https://app.example.com"],
                                                             allow_methods=["GET", "POST"]))
    function(stack, triggers=[ApiTrigger(api, "GET /items/{id}"), ApiTrigger(api, "POST /items")])
    result = synth(stack)
    methods = [m["Properties"] for m in result.resources("AWS::ApiGateway::Method").values()]
    preflights = [m for m in methods if m["HttpMethod"] == "OPTIONS"]
    assert len(preflights) == 3  # /, /items, /items/{id}
    assert {m["AuthorizationType"] for m in preflights} == {"NONE"}
    assert {m["AuthorizationType"] for m in methods if m["HttpMethod"] != "OPTIONS"} == {"AWS_IAM"}
    assert all(m["Integration"]["Type"] == "MOCK" for m in preflights)
    result.assertions.has_resource_properties("AWS::ApiGateway::GatewayResponse", {
        "ResponseType": "DEFAULT_4XX",
        "ResponseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'https://app.example.com'"}})


# --- Lambda authorizers --------------------------------------------------------------------------------------

def test_lambda_authorizer_on_an_http_api(snapshot):
    stack = new_stack()
    authorizer = function(stack, "Authorizer", async_invokes=False)
    api = ServerlessApi(stack, "Api", authorization=ApiAuthorization.lambda_(authorizer))
    function(stack, triggers=[ApiTrigger(api, "GET /me"), ApiTrigger(api, "GET /health", public=True)])
    result = synth(stack)
    assert result.template == snapshot
    t = result.assertions
    t.has_resource_properties("AWS::ApiGatewayV2::Authorizer", {
        "AuthorizerType": "REQUEST", "AuthorizerPayloadFormatVersion": "2.0", "EnableSimpleResponses": True,
        "IdentitySource": ["$request.header.Authorization"], "AuthorizerResultTtlInSeconds": 300})
    t.has_resource_properties("AWS::ApiGatewayV2::Route", {"RouteKey": "GET /me", "AuthorizationType": "CUSTOM"})
    t.has_resource_properties("AWS::ApiGatewayV2::Route", {"RouteKey": "GET /health", "AuthorizationType": "NONE"})
    t.has_resource_properties("AWS::Lambda::Permission", {
        "Principal": "apigateway.amazonaws.com",
        "FunctionName": {"Fn::GetAtt": [Match.string_like_regexp("AuthorizerFunction"), "Arn"]},
        "SourceArn": Match.any_value()})


def test_lambda_authorizer_on_a_rest_api_in_rest_syntax_and_on_the_alias():
    stack = new_stack()
    authorizer = function(stack, "Authorizer", async_invokes=False, deployment=Deployment.all_at_once())
    authorization = ApiAuthorization.lambda_(authorizer, identity_source=["$request.querystring.token", "X-Tenant"],
                                             results_cache_ttl=Duration.minutes(1))
    api = ServerlessApi(stack, "Api", kind="rest", authorization=authorization)
    function(stack, triggers=[ApiTrigger(api, "GET /me"), ApiTrigger(api, "GET /you")])
    result = synth(stack)
    (props,) = [a["Properties"] for a in result.resources("AWS::ApiGateway::Authorizer").values()]  # one, shared
    assert props["Type"] == "REQUEST"
    assert props["IdentitySource"] == "method.request.querystring.token,method.request.header.X-Tenant"
    assert props["AuthorizerResultTtlInSeconds"] == 60
    assert "{'Ref': 'AuthorizerAlias" in str(props["AuthorizerUri"])  # the alias, released like any function
    methods = [m["Properties"] for m in result.resources("AWS::ApiGateway::Method").values()]
    assert {m["AuthorizationType"] for m in methods} == {"CUSTOM"}


def test_authorizer_without_caching_needs_no_identity_source():
    stack = new_stack(nag=False)
    authorization = ApiAuthorization.lambda_(function(stack, "Authorizer", async_invokes=False), identity_source=[],
                                             results_cache_ttl=Duration.seconds(0))
    api = ServerlessApi(stack, "Api", authorization=authorization)
    function(stack, triggers=[ApiTrigger(api, "GET /me")])
    (props,) = [a["Properties"] for a in synth(stack, lint=False).resources("AWS::ApiGatewayV2::Authorizer").values()]
    assert props["AuthorizerResultTtlInSeconds"] == 0


# --- custom domains and API keys -----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["http", "rest"])
def test_custom_domain_with_tls_12_mapping_and_alias_record(kind):
    stack = new_stack()
    zone = route53.HostedZone.from_hosted_zone_attributes(stack, "Zone", hosted_zone_id="Z123",
                                                          zone_name="example.com")
    certificate = acm.Certificate.from_certificate_arn(stack, "Certificate", CERT_ARN)
    api = ServerlessApi(stack, "Api", kind=kind, domain_name="api.example.com", certificate=certificate,
                        hosted_zone=zone)
    function(stack, triggers=[ApiTrigger(api, "GET /items")])
    result = synth(stack)
    t = result.assertions
    if kind == "http":
        t.has_resource_properties("AWS::ApiGatewayV2::DomainName", {
            "DomainName": "api.example.com",
            "DomainNameConfigurations": [Match.object_like({"CertificateArn": CERT_ARN, "SecurityPolicy": "TLS_1_2",
                                                            "EndpointType": "REGIONAL"})]})
        t.has_resource_properties("AWS::ApiGatewayV2::ApiMapping", {"Stage": "$default"})
    else:
        t.has_resource_properties("AWS::ApiGateway::DomainName", {
            "DomainName": "api.example.com", "RegionalCertificateArn": CERT_ARN, "SecurityPolicy": "TLS_1_2",
            "EndpointConfiguration": {"Types": ["REGIONAL"]}})
        t.has_resource_properties("AWS::ApiGateway::BasePathMapping", {"Stage": {"Ref": Match.any_value()}})
    t.has_resource_properties("AWS::Route53::RecordSet", {
        "Name": "api.example.com.", "Type": "A", "HostedZoneId": "Z123",
        "AliasTarget": Match.object_like({"DNSName": Match.any_value()})})
    assert result.template["Outputs"]["ApiCustomUrl"]["Value"] == "https://api.example.com/"


def test_api_keys_with_a_usage_plan_on_a_rest_api():
    stack = new_stack()
    api = ServerlessApi(stack, "Api", kind="rest", api_keys=["partner-a", "partner-b"], api_key_daily_quota=10_000,
                        throttle_rate_limit=20, throttle_burst_limit=40)
    function(stack, triggers=[ApiTrigger(api, "GET /items"), ApiTrigger(api, "GET /health", public=True)])
    result = synth(stack)
    t = result.assertions
    assert result.count("AWS::ApiGateway::ApiKey") == 2
    assert result.count("AWS::ApiGateway::UsagePlanKey") == 2
    t.has_resource_properties("AWS::ApiGateway::UsagePlan", {
        "Throttle": {"RateLimit": 20, "BurstLimit": 40}, "Quota": {"Limit": 10_000, "Period": "DAY"},
        "ApiStages": [Match.object_like({"Stage": {"Ref": Match.any_value()}})]})
    methods = {m["Properties"]["ResourceId"]["Ref"]: m["Properties"]
               for m in result.resources("AWS::ApiGateway::Method").values()}
    required = {k: m.get("ApiKeyRequired", False) for k, m in methods.items()}
    assert sorted(required.values()) == [False, True]  # the public health check needs no key
    assert {"ApiApiKeyPartnerAId", "ApiApiKeyPartnerBId"} <= set(result.template["Outputs"])


# --- function URLs ----------------------------------------------------------------------------------------------

def test_url_trigger_iam_by_default_with_grant_and_output():
    stack = new_stack()
    trigger = UrlTrigger()
    function(stack, triggers=[trigger])
    caller = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    trigger.grant_invoke(caller)
    result = synth(stack)
    t = result.assertions
    t.has_resource_properties("AWS::Lambda::Url", {"AuthType": "AWS_IAM", "InvokeMode": "BUFFERED"})
    assert result.count("AWS::Lambda::Permission") == 0  # nobody else: only signed, granted callers
    t.has_resource_properties("AWS::IAM::Policy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Action": "lambda:InvokeFunctionUrl"})])}})
    assert result.template["Outputs"]["FnUrl"]["Value"] == {"Fn::GetAtt": [Match.any_value(), "FunctionUrl"]} or \
        "FunctionUrl" in str(result.template["Outputs"]["FnUrl"]["Value"])
    assert result.count("AWS::SQS::Queue") == 0  # synchronous: no on-failure queue


def test_public_url_trigger_on_the_alias_with_cors_and_streaming(snapshot):
    stack = new_stack()
    trigger = UrlTrigger(auth="none", cors=Cors(allow_origins=["*"], allow_methods=["GET"]),
                         invoke_mode="response_stream")
    function(stack, triggers=[trigger], deployment=Deployment.all_at_once())
    result = synth(stack)
    assert result.template == snapshot
    (url,) = result.resources("AWS::Lambda::Url").values()
    assert url["Properties"]["AuthType"] == "NONE"
    assert url["Properties"]["Qualifier"] == "live"
    assert url["Properties"]["InvokeMode"] == "RESPONSE_STREAM"
    assert url["Properties"]["Cors"]["AllowMethods"] == ["GET"]
    assert {s["id"] for s in url["Metadata"]["checkov"]["skip"]} == {"CKV_AWS_258"}
    permissions = [p["Properties"] for p in result.resources("AWS::Lambda::Permission").values()]
    assert {p["Action"] for p in permissions} == {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}
    assert all(p["FunctionName"] == {"Ref": Match.string_like_regexp("FnAlias")} or "FnAlias" in str(p["FunctionName"])
               for p in permissions)


def test_public_url_carries_its_acknowledgement_for_the_compliance_packs():
    """HIPAA / NIST / PCI packs flag a permission for any principal: a URL asked to be public is acknowledged, with
    its reason, and the packs still report everything else (so the acknowledgement is not a blanket one)."""
    import aws_cdk as cdk
    from cdk_nag import HIPAASecurityChecks, NIST80053R5Checks

    from constructs_lib.testing import ComplianceError

    stack = new_stack(nag=False)
    app = stack.node.root
    cdk.Validations.of(app).add_plugins(HIPAASecurityChecks(app), NIST80053R5Checks(app))
    function(stack, triggers=[UrlTrigger(auth="none")])
    with pytest.raises(ComplianceError) as info:
        synth(stack, lint=False)
    report = str(info.value)
    assert "HIPAA.Security-LambdaInsideVPC" in report and "NIST.800.53.R5-LambdaInsideVPC" in report  # packs ran
    assert "LambdaFunctionPublicAccessProhibited" not in report
