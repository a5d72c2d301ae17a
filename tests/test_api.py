"""ServerlessApi: CORS, Lambda authorizers, custom domains and API keys."""

from __future__ import annotations

import subprocess
import sys

import pytest
from aws_cdk import Duration
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_route53 as route53
from aws_cdk.assertions import Match

from constructs_lib import (
    ApiAuthorization,
    ApiTrigger,
    Cors,
    Deployment,
    ServerlessApi,
    ServerlessFunction,
)
from constructs_lib.testing import new_stack, synth

from .conftest import ROOT

CERT_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/abc"


def function(stack, id="Fn", **props):  # type: ignore[no-untyped-def]
    return ServerlessFunction(stack, id, source="tests/handler", **props)


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
ServerlessFunction(stack, "Fn", source="tests/handler", triggers=[ApiTrigger(api, "GET /x"), QueueTrigger()])
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
