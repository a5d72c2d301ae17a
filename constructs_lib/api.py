"""ServerlessApi: an API Gateway with access logs, throttling and an explicit authorization choice."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from constructs import Construct

from . import context, reads
from .cors import Cors
from .data import log_group
from .defaults import ApiAlarmDefaults, ApiDefaults
from .guard import guard
from .health import Health, HealthAlarm, MetricSpec, Row, Signal
from .health.signals import api_metrics, api_row, api_signals
from .nag import acknowledge
from .outputs import stable_output
from .rules import api as rules
from .rules.props import check_props

if TYPE_CHECKING:
    # Imported where a REST API, a custom domain or Cognito needs them: their bindings take about 0.25 s to import,
    # which an HTTP API (the default) does not need to pay.
    from aws_cdk import aws_apigateway as apigw
    from aws_cdk import aws_certificatemanager as acm
    from aws_cdk import aws_cognito as cognito
    from aws_cdk import aws_route53 as route53

    from .function import ServerlessFunction

# Access log fields that both HTTP and REST APIs support.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod", "path": "$context.path", "status": "$context.status",
    "protocol": "$context.protocol", "responseLength": "$context.responseLength",
    "integrationError": "$context.integrationErrorMessage",
}


@dataclass(frozen=True)
class ApiAuthorization:
    """Who may call the API's routes. Chosen explicitly: there is no silent 'open to the internet'.

    Args:
        kind: "iam", "jwt", "cognito", "lambda" or "none". Required (use the class methods).
        issuer: the OIDC issuer URL of "jwt". Default: None.
        audience: the accepted audiences of "jwt". Default: ().
        user_pool: the pool of "cognito". Default: None.
        user_pool_clients: the app clients "cognito" accepts. Default: () (any client of the pool).
        function: the authorizer function of "lambda". Default: None.
        identity_source: where "lambda" reads the identity, as (where, name) pairs. Default: ().
        results_cache_seconds: how long "lambda" answers are cached per identity. Default: 0.
    """

    kind: str  # "iam" | "jwt" | "cognito" | "lambda" | "none"
    issuer: str | None = None
    audience: tuple[str, ...] = ()
    user_pool: cognito.IUserPool | None = None
    user_pool_clients: tuple[cognito.IUserPoolClient, ...] = field(default=())
    function: ServerlessFunction | None = None  # the authorizer's function
    identity_source: tuple[tuple[str, str], ...] = ()  # (where, name): ("header", "Authorization")
    results_cache_seconds: int = 0

    @classmethod
    def iam(cls) -> ApiAuthorization:
        """SigV4-signed requests from IAM principals (the default: services and internal callers)."""
        return cls("iam")

    @classmethod
    def jwt(cls, issuer: str, audience: list[str]) -> ApiAuthorization:
        """Bearer tokens from any OIDC issuer (HTTP APIs).

        Args:
            issuer: the OIDC issuer URL (https). Required.
            audience: the accepted `aud` values (at least one). Required.
        """
        check_props(ApiAuthorization.jwt.__func__, locals(), "ApiAuthorization.jwt")
        rules.check_jwt(issuer, list(audience))
        return cls("jwt", issuer=issuer, audience=tuple(audience))

    @classmethod
    def cognito(cls, user_pool: cognito.IUserPool,
                user_pool_clients: list[cognito.IUserPoolClient] | None = None) -> ApiAuthorization:
        """Tokens of a Cognito user pool (HTTP and REST APIs).

        Args:
            user_pool: the Cognito user pool whose tokens are accepted. Required.
            user_pool_clients: the app clients accepted. Default: None (any client of the pool).
        """
        check_props(ApiAuthorization.cognito.__func__, locals(), "ApiAuthorization.cognito")
        return cls("cognito", user_pool=user_pool, user_pool_clients=tuple(user_pool_clients or ()))

    @classmethod
    def lambda_(cls, function: ServerlessFunction, *, identity_source: str | Sequence[str] = "Authorization",
                results_cache_ttl: Duration | None = None) -> ApiAuthorization:
        """A Lambda (request) authorizer: `function` decides from the request, for HTTP and REST APIs.

        `identity_source`: header names, or API Gateway's own syntax (`$request.querystring.token` on HTTP,
        `method.request.querystring.token` on REST; either is translated for the API's kind). The answer is
        cached per identity for `results_cache_ttl` (5 minutes; `Duration.seconds(0)` turns caching off). On an
        HTTP API the function answers `{"isAuthorized": bool, "context": {...}}`; on a REST API, an IAM policy.

        Args:
            function: a `ServerlessFunction` (pass it `async_invokes=False`). Required.
            identity_source: header names, or API Gateway's syntax for either kind. Default: "Authorization".
            results_cache_ttl: 0..3,600 s; `Duration.seconds(0)` turns caching off. Default: `Duration.minutes(5)`.
        """
        check_props(ApiAuthorization.lambda_.__func__, locals(), "ApiAuthorization.lambda_")
        sources = [identity_source] if isinstance(identity_source, str) else list(identity_source)
        ttl = results_cache_ttl if results_cache_ttl is not None else Duration.minutes(5)
        parsed = tuple(rules.parse_identity_source(source) for source in sources)
        rules.check_authorizer_cache(len(parsed), ttl.to_seconds())
        return cls("lambda", function=function, identity_source=parsed, results_cache_seconds=int(ttl.to_seconds()))

    @classmethod
    def public(cls) -> ApiAuthorization:
        """No authorization. Prefer `ApiTrigger(..., public=True)` on the routes that need it."""
        return cls("none")


@dataclass(frozen=True)
class RestMethodAuthorization:
    """How a REST API method is authorized: `add_method(..., authorization_type=..., authorizer=...)`."""

    authorization_type: apigw.AuthorizationType
    authorizer: apigw.IAuthorizer | None = None


class ServerlessApi(Construct):
    """An HTTP API (default; cheaper and faster) or a REST API (`kind="rest"`).

    Always: JSON access logs to a log group with finite retention, stage throttling, and an authorization
    mode for every route (IAM unless you choose otherwise; public routes are named one by one with
    `ApiTrigger(api, "GET /health", public=True)`). Outputs: the API id and URL.
    """

    defaults: ClassVar[ApiDefaults] = ApiDefaults()
    alarm_defaults: ClassVar[ApiAlarmDefaults] = ApiAlarmDefaults()

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        kind: str | None = None,
        authorization: ApiAuthorization | None = None,
        alarms: bool = True,
        throttle_rate_limit: int | None = None,
        throttle_burst_limit: int | None = None,
        stage_name: str | None = None,
        integration_timeout: Duration | None = None,
        api_name: str | None = None,
        cors: Cors | None = None,
        domain_name: str | None = None,
        certificate: acm.ICertificate | None = None,
        hosted_zone: route53.IHostedZone | None = None,
        api_keys: Sequence[str] = (),
        api_key_daily_quota: int | None = None,
    ) -> None:
        """See the class docstring.

        Args:
            kind: "http" (cheaper, faster) or "rest" (Regional, X-Ray, API keys). Default: "http" (`ApiDefaults.kind`).
            authorization: of every route that names none. Default: `ApiAuthorization.iam()`.
            alarms: its health alarm on 5xx rate and latency. Default: True.
            throttle_rate_limit: requests per second, steady, for the stage. Default: 100.
            throttle_burst_limit: Default: 200.
            stage_name: the REST API's stage (HTTP APIs use `$default`). Default: "prod".
            integration_timeout: 50 ms..30 s on HTTP APIs; above 29 s on REST is a quota warning. Default:
                `Duration.seconds(29)`.
            api_name: Default: the construct's path.
            cors: `Cors(...)`: browsers on those origins may call it. Default: None (no cross-origin access).
            domain_name: a custom domain (Regional, TLS 1.2 at least), mapped to the stage. Default: None.
            certificate: the ACM certificate of `domain_name`, in the stack's region. Default: None (required with
                `domain_name`).
            hosted_zone: the Route 53 zone to add the domain's alias record to. Default: None (no record).
            api_keys: REST only: one API key per name, in one usage plan; every non-public route then needs a key.
                Default: () (no keys).
            api_key_daily_quota: requests per day per key. Default: None (no quota).
        """
        check_props(ServerlessApi.__init__, locals())
        super().__init__(scope, id)
        guard(self)
        d = self.defaults
        self.kind = kind or d.kind
        self.authorization = authorization or ApiAuthorization.iam()
        self.integration_timeout = integration_timeout or d.integration_timeout
        rate = throttle_rate_limit if throttle_rate_limit is not None else d.throttle_rate_limit
        burst = throttle_burst_limit if throttle_burst_limit is not None else d.throttle_burst_limit
        rules.check_kind(self, self.kind, self.authorization.kind)
        rules.check_integration_timeout(self, self.kind, self.integration_timeout)
        rules.check_throttle(self, rate, burst)
        rules.check_api_keys(self, self.kind, list(api_keys), api_key_daily_quota)
        self._check_domain(domain_name, certificate, hosted_zone)
        self.cors = cors
        self.preflights_acknowledged: set[str] = set()  # REST resource paths whose OPTIONS method is acknowledged
        self.routes: dict[str, str] = {}  # route shape -> path of the function serving it
        self.variable_names: dict[str, str] = {}  # REST: parent path -> its one {variable} segment
        self.integrations: dict[str, object] = {}  # one per function, shared by its routes

        self.access_log_group = log_group(self, "AccessLogs", retention=d.access_log_retention)
        if self.kind == "http":
            self.http_api: apigwv2.HttpApi | None = apigwv2.HttpApi(
                self, "Api", api_name=api_name, create_default_stage=False,
                cors_preflight=cors.for_http_api() if cors else None)
            self.rest_api: apigw.RestApi | None = None
            self.stage = apigwv2.HttpStage(
                self, "DefaultStage", http_api=self.http_api, stage_name="$default", auto_deploy=True,
                throttle=apigwv2.ThrottleSettings(rate_limit=rate, burst_limit=burst),
            )
            # The stage's access logs, as `access_log_settings=` writes them (its format type lives in the REST
            # module, not loaded for an HTTP API).
            cfn_stage = reads.cfn_resource(self.stage, "AWS::ApiGatewayV2::Stage")
            assert isinstance(cfn_stage, apigwv2.CfnStage)
            cfn_stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
                destination_arn=self.access_log_group.log_group_arn, format=json.dumps(ACCESS_LOG_FIELDS))
            self.api_id = self.http_api.api_id
            self.url = self.http_api.api_endpoint + "/"
        else:
            stage = stage_name or d.stage_name
            rules.check_stage_name(self, stage)
            from aws_cdk import aws_apigateway as apigw

            self.http_api = None
            self.rest_api_name = api_name or "Api"  # as aws-cdk-lib names it (the construct's id when not given)
            self.rest_api = apigw.RestApi(
                self, "Api", rest_api_name=self.rest_api_name, cloud_watch_role=False,
                endpoint_types=[apigw.EndpointType.REGIONAL],
                default_cors_preflight_options=cors.for_rest_api() if cors else None,
                deploy_options=apigw.StageOptions(
                    stage_name=stage, tracing_enabled=True,
                    throttling_rate_limit=rate, throttling_burst_limit=burst,
                    access_log_destination=apigw.LogGroupLogDestination(self.access_log_group),
                    access_log_format=apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS)),
                ),
            )
            acknowledge(self.rest_api, "Execution logging needs the account-wide API Gateway CloudWatch role "
                        "(AWS::ApiGateway::Account), which one stack should not own; access logs are on.",
                        "AwsSolutions-APIG6")
            acknowledge(self.rest_api, "Requests are validated by the Lambda handlers, which own the schema.",
                        "AwsSolutions-APIG2")
            acknowledge(self.rest_api, "WAF is billed per request and per rule; associate a web ACL with the "
                        "stage when the API is internet-facing at scale.", "AwsSolutions-APIG3")
            self.api_id = self.rest_api.rest_api_id
            self.url = self.rest_api.url
            if cors is not None:
                self._cors_on_gateway_responses(cors)
        stable_output(self, "Id", self.api_id, f"API id of {self.node.path}")
        stable_output(self, "Url", self.url, f"Base URL of {self.node.path}")
        self.domain_name = domain_name
        self.custom_domain: apigwv2.DomainName | apigw.DomainName | None = None
        self.alias_record: route53.ARecord | None = None
        if domain_name is not None and certificate is not None:
            self.custom_domain, self.alias_record = self.make_custom_domain(domain_name, certificate, hosted_zone)
        self.api_keys: dict[str, apigw.ApiKey] = {}
        self.usage_plan: apigw.UsagePlan | None = None
        if api_keys:
            self.usage_plan = self.make_usage_plan(list(api_keys), api_key_daily_quota, rate, burst)
        self.health = Health(self, f"API {self.node.path}", self.alarm_defaults, alarms=alarms)
        self.health.add_from(self.health_signals)
        self.health.show(self.make_dashboard_row())
        # One authorizer per distinct authorization (kind, issuer, pool...), shared by the routes that use it:
        # a route with another issuer or user pool gets its own, never the first one's.
        self._http_authorizers: dict[ApiAuthorization, apigwv2.IHttpRouteAuthorizer] = {}
        self._rest_authorizers: dict[ApiAuthorization, apigw.IAuthorizer] = {}
        # The routes each Lambda authorizer guards, and whether its cache has been warned about (once).
        self._guarded: dict[ApiAuthorization, list[tuple[str, str]]] = {}
        self._cache_warned: set[ApiAuthorization] = set()

    def guard_route(self, authorization: ApiAuthorization, method: str, path: str) -> None:
        """Record that a Lambda authorizer guards `method path`: a cached answer must not serve another route
        (API_AUTHORIZER_CACHE_SCOPE, warned once per authorizer)."""
        if authorization.kind != "lambda":
            return
        routes = self._guarded.setdefault(authorization, [])
        routes.append((method, path))
        if authorization not in self._cache_warned and rules.check_authorizer_cache_scope(
                self, self.kind, authorization.results_cache_seconds, authorization.identity_source, routes):
            self._cache_warned.add(authorization)

    def make_custom_domain(self, domain_name: str, certificate: acm.ICertificate,
                           zone: route53.IHostedZone | None
                           ) -> tuple[apigwv2.DomainName | apigw.DomainName, route53.ARecord | None]:
        """A regional custom domain (TLS 1.2 at least) mapped to the stage; its alias record when a zone is given."""
        from aws_cdk import aws_apigateway as apigw
        from aws_cdk import aws_route53 as route53
        from aws_cdk import aws_route53_targets as route53_targets

        if self.http_api is not None:
            http_domain = apigwv2.DomainName(self, "Domain", domain_name=domain_name, certificate=certificate,
                                             security_policy=apigwv2.SecurityPolicy.TLS_1_2)
            domain: apigwv2.DomainName | apigw.DomainName = http_domain
            apigwv2.ApiMapping(self, "DomainMapping", api=self.http_api, domain_name=domain, stage=self.stage)
            target = route53_targets.ApiGatewayv2DomainProperties(domain.regional_domain_name,
                                                                  domain.regional_hosted_zone_id)
        else:
            assert self.rest_api is not None
            domain = self.rest_api.add_domain_name("Domain", domain_name=domain_name, certificate=certificate,
                                                   security_policy=apigw.SecurityPolicy.TLS_1_2,
                                                   endpoint_type=apigw.EndpointType.REGIONAL)
            target = route53_targets.ApiGatewayDomain(domain)
        record = None
        if zone is not None:
            record = route53.ARecord(self, "DomainRecord", zone=zone, record_name=domain_name + ".",
                                     target=route53.RecordTarget.from_alias(target))  # pyright: ignore[reportArgumentType]
        stable_output(self, "CustomUrl", f"https://{domain_name}/", f"Custom domain URL of {self.node.path}")
        return domain, record

    def make_usage_plan(self, names: list[str], daily_quota: int | None, rate: int, burst: int) -> apigw.UsagePlan:
        """One API key per name, in one usage plan with the stage's throttle (and a daily quota when given).

        Keys meter and limit callers; they do not authorize: every route keeps its authorization too.
        """
        from aws_cdk import aws_apigateway as apigw

        assert self.rest_api is not None
        plan = self.rest_api.add_usage_plan(
            "UsagePlan", description=f"API keys of {self.node.path}",
            throttle=apigw.ThrottleSettings(rate_limit=rate, burst_limit=burst),
            quota=apigw.QuotaSettings(limit=daily_quota, period=apigw.Period.DAY) if daily_quota else None)
        plan.add_api_stage(stage=self.rest_api.deployment_stage)
        for name in names:
            key = apigw.ApiKey(self, f"ApiKey-{name}", description=f"API key '{name}' of {self.node.path}")
            plan.add_api_key(key)
            self.api_keys[name] = key
            stable_output(self, f"ApiKey{_words(name)}Id", key.key_id,
                          f"Id of API key '{name}' (value: aws apigateway get-api-key --include-value --api-key ID)")
        return plan

    def _cors_on_gateway_responses(self, cors: Cors) -> None:
        """REST: API Gateway's own 4xx/5xx answers (a refused signature, throttling) carry the CORS headers too, so
        a browser sees the error instead of a CORS failure. With several origins there is no one value to send."""
        from aws_cdk import aws_apigateway as apigw

        assert self.rest_api is not None
        if len(cors.allow_origins) != 1:
            return
        headers = {"Access-Control-Allow-Origin": f"'{cors.allow_origins[0]}'"}
        if cors.allow_credentials:
            headers["Access-Control-Allow-Credentials"] = "'true'"
        for name, response_type in (("Default4xx", apigw.ResponseType.DEFAULT_4_XX),
                                    ("Default5xx", apigw.ResponseType.DEFAULT_5_XX)):
            self.rest_api.add_gateway_response(name, type=response_type, response_headers=headers)

    def _check_domain(self, domain_name: str | None, certificate: acm.ICertificate | None,
                      zone: route53.IHostedZone | None) -> None:
        if domain_name is None and certificate is None and zone is None:
            return
        zone_name = None if zone is None or context.unresolved(zone.zone_name) else zone.zone_name
        region = None
        if certificate is not None and not context.unresolved(certificate.certificate_arn):
            parts = certificate.certificate_arn.split(":")
            region = parts[3] if len(parts) > 3 else None
        stack_region = Stack.of(self).region
        rules.check_domain(self, domain_name, certificate is not None, zone_name, region,
                           None if context.unresolved(stack_region) else stack_region)

    @property
    def health_alarms(self) -> list[HealthAlarm]:
        return self.health.alarms

    def _metrics(self) -> tuple[MetricSpec, MetricSpec, MetricSpec]:
        """(5xx responses, requests, p99 latency), as aws-cdk-lib makes them, as data (`health/signals.py`)."""
        return api_metrics(self.api_id if self.http_api is not None else None,
                           self.rest_api_name if self.rest_api is not None else None)

    def health_signals(self) -> list[Signal]:
        """5xx responses above a rate, and p99 latency near the integration timeout (answers about to be 504s)."""
        return api_signals(self._metrics(), self.integration_timeout, self.alarm_defaults)

    def make_dashboard_row(self) -> Row:
        return api_row(self.node.id, self._metrics())

    def _authorizer_id(self, name: str, existing: Mapping[ApiAuthorization, object], kind: str) -> str:
        index = sum(a.kind == kind for a in existing)
        return f"{name}{index or ''}"

    def http_authorizer(self, authorization: ApiAuthorization) -> apigwv2.IHttpRouteAuthorizer:
        """The route authorizer for `authorization` on this HTTP API."""
        rules.check_kind(self, "http", authorization.kind)
        if authorization not in self._http_authorizers:
            existing = self._http_authorizers
            self._http_authorizers[authorization] = {
                "iam": lambda: authorizers.HttpIamAuthorizer(),
                "none": lambda: apigwv2.HttpNoneAuthorizer(),
                "jwt": lambda: authorizers.HttpJwtAuthorizer(
                    self._authorizer_id("JwtAuthorizer", existing, "jwt"), authorization.issuer or "",
                    jwt_audience=list(authorization.audience)),
                "cognito": lambda: authorizers.HttpUserPoolAuthorizer(
                    self._authorizer_id("CognitoAuthorizer", existing, "cognito"), _user_pool(authorization),
                    user_pool_clients=list(authorization.user_pool_clients) or None),
                "lambda": lambda: authorizers.HttpLambdaAuthorizer(
                    self._authorizer_id("LambdaAuthorizer", existing, "lambda"),
                    _authorizer_function(authorization).invoke_target,
                    identity_source=[rules.render_identity_source("http", s) for s in authorization.identity_source],
                    results_cache_ttl=Duration.seconds(authorization.results_cache_seconds),
                    response_types=[authorizers.HttpLambdaResponseType.SIMPLE]),
            }[authorization.kind]()
        return self._http_authorizers[authorization]

    def rest_method_options(self, authorization: ApiAuthorization) -> RestMethodAuthorization:
        """Method options for `authorization`; only "none" maps to NONE (never a fallback to open)."""
        from aws_cdk import aws_apigateway as apigw

        rules.check_kind(self, "rest", authorization.kind)
        if authorization.kind == "iam":
            return RestMethodAuthorization(apigw.AuthorizationType.IAM)
        if authorization.kind == "cognito":
            if authorization not in self._rest_authorizers:
                self._rest_authorizers[authorization] = apigw.CognitoUserPoolsAuthorizer(
                    self, self._authorizer_id("CognitoAuthorizer", self._rest_authorizers, "cognito"),
                    cognito_user_pools=[_user_pool(authorization)])
            return RestMethodAuthorization(apigw.AuthorizationType.COGNITO, self._rest_authorizers[authorization])
        if authorization.kind == "lambda":
            if authorization not in self._rest_authorizers:
                self._rest_authorizers[authorization] = apigw.RequestAuthorizer(
                    self, self._authorizer_id("LambdaAuthorizer", self._rest_authorizers, "lambda"),
                    handler=_authorizer_function(authorization).invoke_target,
                    identity_sources=[rules.render_identity_source("rest", s) for s in authorization.identity_source],
                    results_cache_ttl=Duration.seconds(authorization.results_cache_seconds))
            return RestMethodAuthorization(apigw.AuthorizationType.CUSTOM, self._rest_authorizers[authorization])
        if authorization.kind == "none":
            return RestMethodAuthorization(apigw.AuthorizationType.NONE)
        raise AssertionError(f"unreachable: check_kind accepts no REST authorization {authorization.kind!r}")


def _words(name: str) -> str:
    """'partner-a' -> 'PartnerA' (for output names)."""
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[^A-Za-z0-9]+", name))


def _user_pool(authorization: ApiAuthorization) -> cognito.IUserPool:
    """The pool of a "cognito" authorization (`ApiAuthorization.cognito` always gives one)."""
    assert authorization.user_pool is not None
    return authorization.user_pool


def _authorizer_function(authorization: ApiAuthorization) -> ServerlessFunction:
    """The function of a "lambda" authorization (`ApiAuthorization.lambda_` always gives one)."""
    assert authorization.function is not None
    return authorization.function
