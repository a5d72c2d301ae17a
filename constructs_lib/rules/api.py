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


@rule("API_FUNCTION_TIMEOUT", "function timeout within the API's integration timeout",
      limit="API Gateway answers 504 at the integration timeout (29 s by default) while the function runs on",
      source=L.APIGW_LIMITS_URL)
def check_function_timeout(construct: IConstruct, timeout: Duration, integration_timeout: Duration) -> None:
    if timeout.to_seconds() > integration_timeout.to_seconds():
        fail(construct, "API_FUNCTION_TIMEOUT",
             f"timeout={timeout.to_seconds()} s exceeds the API's integration timeout of "
             f"{integration_timeout.to_seconds()} s",
             f"set the function's timeout to at most {integration_timeout.to_seconds()} s; move longer work behind "
             "a queue (QueueTrigger) and return 202.")


@rule("API_PUBLIC_ROUTE", "a public route takes no authorizer",
      limit="public=True means no authorization; it cannot be combined with an authorizer",
      source="https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control.html")
def fail_public_with_authorization(route: str) -> None:
    fail("ApiTrigger", "API_PUBLIC_ROUTE", f"route {route!r} is public=True and has an authorization",
         "drop public=True to use the authorization, or drop authorization= to make the route public.")


@rule("API_INTEGRATION_TIMEOUT", "API integration timeout",
      limit=f"HTTP APIs: at most {L.APIGW_HTTP_INTEGRATION_TIMEOUT_MAX_S} s (fixed); REST APIs: "
            f"{L.APIGW_REST_INTEGRATION_TIMEOUT_S} s unless the account quota is raised", source=L.APIGW_LIMITS_URL)
def check_integration_timeout(construct: IConstruct, kind: str, timeout: Duration) -> None:
    seconds = timeout.to_seconds()
    if kind == "http" and seconds > L.APIGW_HTTP_INTEGRATION_TIMEOUT_MAX_S:
        fail(construct, "API_INTEGRATION_TIMEOUT", f"integration_timeout={seconds} s on an HTTP API",
             "use at most 30 s, or a REST API with a raised integration timeout quota.")
    if seconds < 1:
        fail(construct, "API_INTEGRATION_TIMEOUT", f"integration_timeout={seconds} s", "use at least 1 s.")
    if kind == "rest" and seconds > L.APIGW_REST_INTEGRATION_TIMEOUT_S:
        check_integration_timeout_quota(construct, seconds)


@rule("API_INTEGRATION_TIMEOUT_QUOTA", "REST integration timeout above 29 s",
      limit="above 29 s needs a raised quota (Regional and private REST APIs only) and lowers the throttle quota",
      source=L.APIGW_LIMITS_URL, severity="warning")
def check_integration_timeout_quota(construct: IConstruct, seconds: int) -> None:
    warn(construct, "API_INTEGRATION_TIMEOUT_QUOTA", f"integration_timeout={seconds} s",
         "request the 'Maximum integration timeout' quota increase before deploying.")


@rule("API_STAGE_NAME", "REST stage name",
      limit="1..128 letters, digits, '-' and '_'", source="https://docs.aws.amazon.com/apigateway/latest/api/API_Stage.html")
def check_stage_name(construct: IConstruct, stage_name: str) -> None:
    if not re.fullmatch(L.APIGW_STAGE_NAME_PATTERN, stage_name):
        fail(construct, "API_STAGE_NAME", f"stage_name={stage_name!r} is not a valid stage name",
             "use letters, digits, '-' and '_' only, e.g. 'prod' or 'v1'.")


# What each API kind can enforce. Anything else is refused: a route never silently becomes public.
AUTHORIZATIONS = {"http": ("iam", "jwt", "cognito", "none"), "rest": ("iam", "cognito", "none")}


@rule("API_KIND", "API kind and authorization fit together",
      limit="kind 'http' or 'rest'; JWT authorizers exist only on HTTP APIs; an authorization the API cannot "
            "enforce is refused, never replaced by NONE",
      source="https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vs-rest.html")
def check_kind(construct: IConstruct, kind: str, authorization_kind: str, route: str | None = None) -> None:
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
