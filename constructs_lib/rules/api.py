"""Rules for ServerlessApi and ApiTrigger."""

from __future__ import annotations

import re

from aws_cdk import Duration
from constructs import IConstruct

from .. import limits as L
from . import fail, rule, warn

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
_LITERAL = re.compile(r"[A-Za-z0-9._~\-@:]+")
_VARIABLE = re.compile(r"\{[A-Za-z0-9_.\-]+\}")
_GREEDY = re.compile(r"\{[A-Za-z0-9_.\-]+\+\}")


@rule("API_ROUTE", "route format 'METHOD /path'",
      limit=f"METHOD in {', '.join(METHODS)}; path of literal or {{param}} segments, {{param+}} only last",
      source="https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html")
def parse_route(construct: IConstruct | str, route: str) -> tuple[str, str]:
    """`"GET /items/{id}"` -> ("GET", "/items/{id}"), or a ConfigError naming what is wrong."""
    parts = route.split()
    fix = "write routes like 'GET /items/{id}' or 'POST /items' or 'ANY /files/{path+}'."
    if len(parts) != 2:
        fail(construct, "API_ROUTE", f"route {route!r} is not 'METHOD /path'", fix)
    method, path = parts[0].upper(), parts[1]
    if method not in METHODS:
        fail(construct, "API_ROUTE", f"route {route!r} has method {parts[0]!r}", fix)
    if path == "/":
        return method, path
    segments = path.split("/")
    if not path.startswith("/") or path.endswith("/") or "" in segments[1:]:
        fail(construct, "API_ROUTE", f"route {route!r}: path must start with '/' and have no empty segment", fix)
    for index, segment in enumerate(segments[1:], start=1):
        last = index == len(segments) - 1
        if _GREEDY.fullmatch(segment) and not last:
            fail(construct, "API_ROUTE", f"route {route!r}: greedy {segment} must be the last segment", fix)
        if not (_LITERAL.fullmatch(segment) or _VARIABLE.fullmatch(segment) or _GREEDY.fullmatch(segment)):
            fail(construct, "API_ROUTE", f"route {route!r}: segment {segment!r} is not a literal or {{param}}", fix)
    return method, path


def route_shape(method: str, path: str) -> str:
    """Routes differing only in parameter names are the same route to API Gateway."""
    shape = re.sub(r"{[^}+]+(\+?)}", r"{\1}", path)
    return f"{method} {shape}"


@rule("API_ROUTE_DUPLICATE", "each route is defined once per API",
      limit="API Gateway rejects a second route with the same method and path shape", source=L.APIGW_LIMITS_URL)
def check_duplicate_route(construct: IConstruct, api_path: str, route: str, existing_owner: str | None) -> None:
    if existing_owner is not None:
        fail(construct, "API_ROUTE_DUPLICATE", f"route {route!r} on {api_path} is already served by {existing_owner}",
             "remove one of the two ApiTriggers, or change the method or path.")


@rule("API_FUNCTION_TIMEOUT", "function timeout within the API's integration timeout", severity="warning",
      limit="API Gateway answers 504 at the integration timeout (29 s by default) while the function runs on",
      source=L.APIGW_LIMITS_URL)
def check_function_timeout(construct: IConstruct, timeout: Duration, integration_timeout: Duration) -> None:
    timeout_ms, integration_ms = timeout.to_milliseconds(), integration_timeout.to_milliseconds()
    if timeout_ms > integration_ms:
        warn(construct, "API_FUNCTION_TIMEOUT",
             f"timeout={timeout_ms / 1000:g} s exceeds the API's integration timeout of {integration_ms / 1000:g} s",
             f"set the function's timeout to at most {integration_ms / 1000:g} s, or move longer work behind a queue "
             "(QueueTrigger) and return 202; acknowledge if the function also serves slower callers.")


@rule("API_ROUTE_VARIABLE", "one variable name per path level (REST)",
      limit="a REST API resource has at most one variable child: /items/{id} and /items/{itemId} cannot coexist",
      source="https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html")
def check_route_variables(construct: IConstruct, route: str, path: str, names: dict[str, str]) -> None:
    """`names`: parent path -> the variable segment already used under it (updated here)."""
    segments = path.strip("/").split("/")
    for index, segment in enumerate(segments):
        if not segment.startswith("{"):
            continue
        parent = "/" + "/".join(segments[:index])
        existing = names.setdefault(parent, segment)
        if existing != segment:
            fail(construct, "API_ROUTE_VARIABLE", f"route {route!r} uses {segment} under {parent!r}, where another "
                 f"route already uses {existing}", f"name the variable {existing} in every route under {parent!r}.")


@rule("API_PUBLIC_ROUTE", "a public route takes no authorizer",
      limit="public=True means no authorization; it cannot be combined with an authorizer",
      source="https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control.html")
def fail_public_with_authorization(where: str, route: str) -> None:
    fail(where, "API_PUBLIC_ROUTE", f"route {route!r} is public=True and has an authorization",
         "drop public=True to use the authorization, or drop authorization= to make the route public.")


@rule("API_INTEGRATION_TIMEOUT", "API integration timeout",
      limit=f"at least {L.APIGW_INTEGRATION_TIMEOUT_MIN_MS} ms; HTTP APIs: at most "
            f"{L.APIGW_HTTP_INTEGRATION_TIMEOUT_MAX_S} s (fixed); REST APIs: "
            f"{L.APIGW_REST_INTEGRATION_TIMEOUT_S} s unless the account quota is raised", source=L.APIGW_LIMITS_URL)
def check_integration_timeout(construct: IConstruct, kind: str, timeout: Duration) -> None:
    ms = timeout.to_milliseconds()
    if ms < L.APIGW_INTEGRATION_TIMEOUT_MIN_MS:
        fail(construct, "API_INTEGRATION_TIMEOUT", f"integration_timeout={ms:g} ms",
             f"use at least Duration.millis({L.APIGW_INTEGRATION_TIMEOUT_MIN_MS}).")
    if kind == "http" and ms > L.APIGW_HTTP_INTEGRATION_TIMEOUT_MAX_S * 1000:
        fail(construct, "API_INTEGRATION_TIMEOUT", f"integration_timeout={ms / 1000:g} s on an HTTP API",
             "use at most 30 s, or a REST API with a raised integration timeout quota.")
    if kind == "rest" and ms > L.APIGW_REST_INTEGRATION_TIMEOUT_S * 1000:
        check_integration_timeout_quota(construct, ms / 1000)


@rule("API_INTEGRATION_TIMEOUT_QUOTA", "REST integration timeout above 29 s",
      limit="above 29 s needs a raised quota (Regional and private REST APIs only) and lowers the throttle quota",
      source=L.APIGW_LIMITS_URL, severity="warning")
def check_integration_timeout_quota(construct: IConstruct, seconds: float) -> None:
    warn(construct, "API_INTEGRATION_TIMEOUT_QUOTA", f"integration_timeout={seconds:g} s",
         "request the 'Maximum integration timeout' quota increase before deploying.")


@rule("API_STAGE_NAME", "REST stage name",
      limit="1..128 letters, digits, '-' and '_'", source="https://docs.aws.amazon.com/apigateway/latest/api/API_Stage.html")
def check_stage_name(construct: IConstruct, stage_name: str) -> None:
    if not re.fullmatch(L.APIGW_STAGE_NAME_PATTERN, stage_name):
        fail(construct, "API_STAGE_NAME", f"stage_name={stage_name!r} is not a valid stage name",
             "use letters, digits, '-' and '_' only, e.g. 'prod' or 'v1'.")


# What each API kind can enforce. Anything else is refused: a route never silently becomes public.
AUTHORIZATIONS = {"http": ("iam", "jwt", "cognito", "lambda", "none"), "rest": ("iam", "cognito", "lambda", "none")}


@rule("API_KIND", "API kind and authorization fit together",
      limit="kind 'http' or 'rest'; JWT authorizers exist only on HTTP APIs; an authorization the API cannot "
            "enforce is refused, never replaced by NONE",
      source="https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vs-rest.html")
def check_kind(construct: IConstruct | str, kind: str, authorization_kind: str, route: str | None = None) -> None:
    if kind not in AUTHORIZATIONS:
        fail(construct, "API_KIND", f"kind={kind!r}", "use kind='http' (default) or kind='rest'.")
    if authorization_kind not in AUTHORIZATIONS[kind]:
        where = f"route {route!r}: " if route else ""
        if authorization_kind == "jwt":
            fail(construct, "API_KIND", f"{where}a JWT authorizer on a REST API (REST APIs cannot verify JWTs; "
                 "the route would be deployed without authorization)",
                 "use ApiAuthorization.cognito(...) on a REST API, or kind='http' for JWT.")
        fail(construct, "API_KIND", f"{where}authorization {authorization_kind!r} on a {kind.upper()} API",
             f"use one of {', '.join(AUTHORIZATIONS[kind])}.")


@rule("API_THROTTLE", "API throttling", limit=f"rate 1..{L.APIGW_ACCOUNT_THROTTLE_RPS:,} rps (account quota), "
      "burst >= 1", source=L.APIGW_LIMITS_URL)
def check_throttle(construct: IConstruct, rate: int, burst: int) -> None:
    if not 1 <= rate <= L.APIGW_ACCOUNT_THROTTLE_RPS or burst < 1:
        fail(construct, "API_THROTTLE", f"throttle rate={rate}, burst={burst}",
             "use a rate between 1 and 10,000 requests per second and a burst of at least 1.")


# Identity sources, written either way: (HTTP API syntax, REST API syntax) per kind of request data.
IDENTITY_SYNTAX = {
    "header": ("$request.header.", "method.request.header."),
    "querystring": ("$request.querystring.", "method.request.querystring."),
    "context": ("$context.", "context."),
    "stage_variable": ("$stageVariables.", "stageVariables."),
}
_IDENTITY_NAME = re.compile(r"[A-Za-z0-9_.\-]+")


@rule("API_AUTHORIZER", "Lambda authorizer identity sources and caching",
      limit=f"identity sources are header names or $request.header.X / $request.querystring.X / $context.X / "
            f"$stageVariables.X (REST: method.request.header.X, ...); cache 0..{L.APIGW_AUTHORIZER_CACHE_MAX_S:,} s, "
            "and a cached authorizer needs at least one identity source (its cache key)",
      source=L.APIGW_AUTHORIZER_URL)
def parse_identity_source(source: str) -> tuple[str, str]:
    """`"Authorization"` -> ("header", "Authorization"); `"$request.querystring.token"` -> ("querystring", "token")."""
    where = "ApiAuthorization.lambda_"
    for kind, prefixes in IDENTITY_SYNTAX.items():
        for prefix in prefixes:
            if source.startswith(prefix):
                name = source[len(prefix):]
                if _IDENTITY_NAME.fullmatch(name):
                    return kind, name
    if _IDENTITY_NAME.fullmatch(source) and not source.startswith(("$", "method.")):
        return "header", source
    fail(where, "API_AUTHORIZER", f"identity_source {source!r} is not a header name or an identity source expression",
         "use a header name ('Authorization'), '$request.querystring.token', '$context.identity.sourceIp' or "
         "'$stageVariables.name'.")


def render_identity_source(kind: str, source: tuple[str, str]) -> str:
    """An identity source in the syntax of `kind` ("http" or "rest")."""
    where, name = source
    return IDENTITY_SYNTAX[where][0 if kind == "http" else 1] + name


def check_authorizer_cache(sources: int, ttl_seconds: float) -> None:
    where = "ApiAuthorization.lambda_"
    if not 0 <= ttl_seconds <= L.APIGW_AUTHORIZER_CACHE_MAX_S:
        fail(where, "API_AUTHORIZER", f"results_cache_ttl={ttl_seconds:g} s",
             f"use 0 (no caching) up to {L.APIGW_AUTHORIZER_CACHE_MAX_S:,} s.")
    if ttl_seconds > 0 and sources == 0:
        fail(where, "API_AUTHORIZER", "results are cached but there is no identity source to key the cache on",
             "name an identity source (e.g. 'Authorization'), or pass results_cache_ttl=Duration.seconds(0).")


@rule("API_JWT", "a JWT authorizer names its issuer and audience",
      limit="an HTTPS issuer URL (the tokens' iss) and at least one audience (their aud or client_id)",
      source="https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html")
def check_jwt(issuer: str, audience: list[str]) -> None:
    where = "ApiAuthorization.jwt"
    if not issuer.strip().startswith("https://") or len(issuer.strip()) <= len("https://"):
        fail(where, "API_JWT", f"issuer={issuer!r} is not an HTTPS URL",
             "pass the identity provider's issuer, e.g. 'https://cognito-idp.<region>.amazonaws.com/<pool id>'.")
    if not audience or not all(a.strip() for a in audience):
        fail(where, "API_JWT", f"audience={audience!r} names no audience",
             "pass the client ids or audiences the tokens are issued for, e.g. audience=['my-app-client'].")


# Context variables that make an authorizer's cached answer one per path, or one per method.
_PER_PATH = frozenset({"routeKey", "resourcePath", "path"})
_PER_METHOD = frozenset({"routeKey", "httpMethod"})


@rule("API_AUTHORIZER_CACHE_SCOPE", "a cached authorizer answer is not reused for another route", severity="warning",
      limit="API Gateway caches a Lambda authorizer's answer per identity source value, for every route that "
            "authorizer guards: an answer given for one route is used for the others within the TTL",
      source="https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html")
def check_authorizer_cache_scope(construct: IConstruct, kind: str, ttl_seconds: int,
                                 identity_source: tuple[tuple[str, str], ...], routes: list[tuple[str, str]]) -> bool:
    """`routes`: (method, path) of every route the authorizer guards so far. Returns whether it warned."""
    if ttl_seconds <= 0:
        return False
    context = {name for where, name in identity_source if where == "context"}
    per_path, per_method = bool(context & _PER_PATH), bool(context & _PER_METHOD)
    keys: dict[tuple[str, str], tuple[str, str]] = {}
    for method, path in routes:
        key = (method if per_method else "", path if per_path else "")
        other = keys.setdefault(key, (method, path))
        if other != (method, path):
            fix = ("add '$context.routeKey' to identity_source" if kind == "http" else
                   "add 'context.resourcePath' and 'context.httpMethod' to identity_source")
            warn(construct, "API_AUTHORIZER_CACHE_SCOPE",
                 f"a Lambda authorizer caches its answer for {ttl_seconds} s per "
                 f"{', '.join(render_identity_source(kind, s) for s in identity_source)} and guards "
                 f"'{other[0]} {other[1]}' and '{method} {path}': the answer for one serves the other",
                 f"{fix} (each route then gets its own cached answer), or results_cache_ttl=Duration.seconds(0); "
                 "acknowledge it when the authorizer's answer holds for every route it guards.")
            return True
    return False


@rule("API_DOMAIN", "custom domain name, certificate and hosted zone",
      limit=f"a lower-case DNS name of at most {L.DOMAIN_NAME_MAX} characters, given with a certificate (ACM, in the "
            "API's region) and inside the hosted zone when one is given", source=L.APIGW_DOMAIN_URL)
def check_domain(construct: IConstruct, domain_name: str | None, has_certificate: bool, zone_name: str | None,
                 certificate_region: str | None, region: str | None) -> None:
    if domain_name is None:
        if has_certificate or zone_name is not None:
            fail(construct, "API_DOMAIN", "certificate= or hosted_zone= without domain_name=",
                 "pass domain_name='api.example.com' too, or drop certificate= and hosted_zone=.")
        return
    labels = domain_name.split(".")
    if (len(domain_name) > L.DOMAIN_NAME_MAX or len(labels) < 2
            or not all(re.fullmatch(L.DOMAIN_LABEL_PATTERN, label) for label in labels)):
        fail(construct, "API_DOMAIN", f"domain_name={domain_name!r} is not a DNS name",
             "use a lower-case name such as 'api.example.com' (no scheme, no path, no trailing dot).")
    if not has_certificate:
        fail(construct, "API_DOMAIN", f"domain_name={domain_name!r} has no certificate",
             "pass certificate= an ACM certificate for the name, in the API's region "
             "(acm.Certificate(..., validation=CertificateValidation.from_dns(zone))).")
    if zone_name is not None:
        zone = zone_name.rstrip(".").lower()
        if domain_name != zone and not domain_name.endswith("." + zone):
            fail(construct, "API_DOMAIN", f"domain_name={domain_name!r} is not inside hosted zone {zone!r}",
                 f"use a name under {zone!r}, or the hosted zone that holds {domain_name!r}.")
    if certificate_region and region and certificate_region != region:
        fail(construct, "API_DOMAIN", f"the certificate is in {certificate_region}, the API in {region}",
             f"use a certificate issued in {region} (regional custom domains need one in their own region).")


@rule("API_KEYS", "API keys and usage plans",
      limit="REST APIs only (HTTP APIs have no API keys); key names of 1..64 letters, digits, '-' and '_', each "
            "once; a daily quota of at least 1 request", source=L.APIGW_USAGE_PLAN_URL)
def check_api_keys(construct: IConstruct, kind: str, names: list[str], quota: int | None) -> None:
    if not names:
        if quota is not None:
            fail(construct, "API_KEYS", "api_key_daily_quota without api_keys",
                 "name the keys with api_keys=['partner-a', ...], or drop api_key_daily_quota.")
        return
    if kind != "rest":
        fail(construct, "API_KEYS", f"api_keys on an {kind.upper()} API",
             "use kind='rest' for API keys and usage plans, or a Lambda authorizer that checks a key header.")
    for name in names:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name):
            fail(construct, "API_KEYS", f"api key name {name!r}", "use 1..64 letters, digits, '-' and '_'.")
    if len(set(names)) != len(names):
        fail(construct, "API_KEYS", f"api_keys={names!r} names a key twice", "name each key once.")
    if quota is not None and quota < 1:
        fail(construct, "API_KEYS", f"api_key_daily_quota={quota}", "use at least 1 request per day, or None.")
