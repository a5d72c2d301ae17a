"""Rule cases for VPCs, CORS, custom domains, authorizers, API keys and function URLs."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_sqs as sqs

from constructs_lib import ApiAuthorization, ApiTrigger, Cors, ServerlessApi, ServerlessFunction, UrlTrigger
from constructs_lib.testing import new_stack, synth

from .rulecases import assert_error, assert_warning, case


def fn(stack, id="Fn", **props):  # type: ignore[no-untyped-def]
    return ServerlessFunction(stack, id, source="tests/handler", **props)


@case("CORS")
def _() -> None:
    assert_error("CORS", lambda: Cors(allow_origins=["*"], allow_credentials=True),
                 "Cors: allow_origins=['*'] with allow_credentials=True", "name the origins")
    assert_error("CORS", lambda: Cors(allow_origins=["https://app.example.com/"]),
                 "origin 'https://app.example.com/' is not '*' or 'scheme://host[:port]'")
    assert_error("CORS", lambda: Cors(allow_origins=["https://a.example.com"], max_age=Duration.days(2)),
                 "max_age=172800 s", "between 0 and 86,400 s")
    assert_error("CORS", lambda: Cors(allow_origins=["https://a.example.com"], allow_methods=["FETCH"]),
                 "method 'FETCH'")


@case("API_AUTHORIZER")
def _() -> None:
    stack = new_stack()
    authorizer = fn(stack, "Authorizer")
    assert_error("API_AUTHORIZER", lambda: ApiAuthorization.lambda_(authorizer, identity_source="$request.body.x"),
                 "ApiAuthorization.lambda_: identity_source '$request.body.x' is not a header name")
    assert_error("API_AUTHORIZER", lambda: ApiAuthorization.lambda_(authorizer, identity_source=[]),
                 "results are cached but there is no identity source", "results_cache_ttl=Duration.seconds(0)")
    assert_error("API_AUTHORIZER", lambda: ApiAuthorization.lambda_(authorizer, results_cache_ttl=Duration.hours(2)),
                 "results_cache_ttl=7200 s", "up to 3,600 s")


@case("API_AUTHORIZER_CACHE_SCOPE")
def _() -> None:
    stack = new_stack()
    authorizer = fn(stack, "Authorizer")
    cached = ApiAuthorization.lambda_(authorizer)  # 5 minutes per Authorization header
    api = ServerlessApi(stack, "Api", authorization=cached)
    fn(stack, "Jobs", triggers=[ApiTrigger(api, "GET /jobs/{id}"), ApiTrigger(api, "DELETE /jobs/{id}")])
    assert_warning(stack, "API_AUTHORIZER_CACHE_SCOPE", "caches its answer for 300 s per $request.header.Authorization "
                   "and guards 'GET /jobs/{id}' and 'DELETE /jobs/{id}': the answer for one serves the other",
                   "add '$context.routeKey' to identity_source")
    # keyed per route, or not cached: no warning
    scoped = new_stack()
    per_route = ApiAuthorization.lambda_(fn(scoped, "Authorizer"), identity_source=["Authorization",
                                                                                    "$context.routeKey"])
    api = ServerlessApi(scoped, "Api", authorization=per_route)
    fn(scoped, "Jobs", triggers=[ApiTrigger(api, "GET /jobs/{id}"), ApiTrigger(api, "DELETE /jobs/{id}")])
    assert not [w for w in synth(scoped).warnings if "API_AUTHORIZER_CACHE_SCOPE" in w]


@case("API_DOMAIN")
def _() -> None:
    stack = new_stack()
    zone = route53.HostedZone.from_hosted_zone_attributes(stack, "Zone", hosted_zone_id="Z1", zone_name="example.com")
    certificate = acm.Certificate.from_certificate_arn(stack, "Cert",
                                                       "arn:aws:acm:eu-west-1:123456789012:certificate/a")
    assert_error("API_DOMAIN", lambda: ServerlessApi(stack, "A", domain_name="api.example.com"),
                 "Test/A: domain_name='api.example.com' has no certificate", "in the API's region")
    assert_error("API_DOMAIN", lambda: ServerlessApi(stack, "B", domain_name="https://api.example.com",
                                                     certificate=certificate), "is not a DNS name")
    assert_error("API_DOMAIN", lambda: ServerlessApi(stack, "C", domain_name="api.other.org", certificate=certificate,
                                                     hosted_zone=zone), "is not inside hosted zone 'example.com'")
    assert_error("API_DOMAIN", lambda: ServerlessApi(stack, "D", domain_name="api.example.com",
                                                     certificate=certificate),
                 "the certificate is in eu-west-1, the API in us-east-1")
    assert_error("API_DOMAIN", lambda: ServerlessApi(stack, "E", hosted_zone=zone), "without domain_name=")


@case("API_KEYS")
def _() -> None:
    stack = new_stack()
    assert_error("API_KEYS", lambda: ServerlessApi(stack, "A", api_keys=["partner"]),
                 "Test/A: api_keys on an HTTP API", "kind='rest'")
    assert_error("API_KEYS", lambda: ServerlessApi(stack, "B", kind="rest", api_keys=["a", "a"]), "names a key twice")
    assert_error("API_KEYS", lambda: ServerlessApi(stack, "C", kind="rest", api_key_daily_quota=5),
                 "api_key_daily_quota without api_keys")


@case("URL_ONE")
def _() -> None:
    stack = new_stack()
    function = fn(stack, triggers=[UrlTrigger()])
    assert_error("URL_ONE", lambda: function.add_trigger(UrlTrigger(auth="none")), "Test/Fn: a second UrlTrigger")


@case("FN_VPC_SUBNETS")
def _() -> None:
    stack = new_stack()
    public_only = ec2.Vpc(stack, "PublicOnly", max_azs=1, subnet_configuration=[
        ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC)])
    assert_error("FN_VPC_SUBNETS", lambda: fn(stack, "A", vpc=public_only),
                 "Test/A: the VPC has no private subnets", "PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1)
    assert_error("FN_VPC_SUBNETS", lambda: fn(stack, "B", vpc=vpc, vpc_subnets=ec2.SubnetSelection(
        subnet_type=ec2.SubnetType.PUBLIC)), "Test/B: vpc_subnets selects public subnet(s)", "PRIVATE_WITH_EGRESS")
    assert_error("FN_VPC_SUBNETS", lambda: fn(stack, "C", vpc=vpc, vpc_subnets=ec2.SubnetSelection(
        subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)), "Test/C: vpc_subnets selects no subnet")
    assert_error("FN_VPC_SUBNETS", lambda: fn(stack, "D", vpc_subnets=ec2.SubnetSelection(
        subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)), "Test/D: vpc_subnets without vpc")
    outside = fn(stack, "E")
    assert_error("FN_VPC_SUBNETS", lambda: outside.connections, "Test/E: connections of a function outside a VPC")


@case("FN_VPC_ENDPOINTS")
def _() -> None:
    stack = new_stack(nag=False)
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, subnet_configuration=[
        ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)])
    vpc.add_gateway_endpoint("S3", service=ec2.GatewayVpcEndpointAwsService.S3)
    function = fn(stack, vpc=vpc)
    sqs.Queue(stack, "Queue").grant_send_messages(function)
    assert_warning(stack, "FN_VPC_ENDPOINTS", "Test/Fn: the function runs in isolated subnets and is granted sqs "
                   "with no VPC endpoint for it", "vpc.add_interface_endpoint('SQS'", lint=False)
