"""`ApiTrigger` on an HTTP API (API Gateway v2): a route whose integration invokes the function (payload 2.0)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..assembly import ref
from .base import (
    Fire,
    Fired,
    FoundTrigger,
    LocalCalls,
    TemplateView,
    TriggerAdapter,
    example_path,
    path_parameters,
    sample,
)

# API Gateway answers these itself, before any function runs (a refused authorizer, a missing signature).
NOT_INVOKED = (401, 403)


class RouteAdapter(TriggerAdapter):
    """A route of an API, HTTP or REST: called over HTTP on the local AWS (SigV4-signed when IAM authorizes it)."""

    option = "api"
    text_fields = frozenset({"body"})

    def stage(self, detail: Mapping[str, Any]) -> str:
        """The stage in the route's URL."""
        return "$default"

    def url(self, aws: LocalCalls, detail: Mapping[str, Any], names: Mapping[str, str]) -> tuple[str, str]:
        """(method, URL) of the route on the local AWS (variables filled in)."""
        method, path = (detail.get("route") or "GET /").split(" ", 1)
        api = names.get(detail["api"], detail["api"])
        return ("GET" if method == "ANY" else method,
                f"{aws.endpoint}/_aws/execute-api/{api}/{self.stage(detail)}{example_path(path)}")

    def fire(self, aws: LocalCalls, detail: Mapping[str, Any], names: Mapping[str, str], fire: Fire) -> Fired:
        method, url = self.url(aws, detail, names)
        signed = "execute-api" if detail.get("authorization") == "AWS_IAM" else None
        status, text = aws.http(method, url, body=fire.body, headers=_with_json_type(fire), signed_for=signed)
        return Fired(f"{detail.get('route')} -> {status}\n{text}", invoked=status not in NOT_INVOKED, status=status)


class HttpApiAdapter(RouteAdapter):
    kind = "http"

    def find(self, template: TemplateView) -> Iterator[tuple[str, FoundTrigger]]:
        integrations = {logical_id: template.functions_named_in(props.get("IntegrationUri"))
                        for logical_id, props in template.of_type("AWS::ApiGatewayV2::Integration")}
        for _, props in template.of_type("AWS::ApiGatewayV2::Route"):
            target = str(props.get("Target", ""))
            for integration, functions in integrations.items():
                if f"'{integration}'" not in target and f'"{integration}"' not in target:
                    continue
                for function in functions:
                    yield function, FoundTrigger(self.kind, {
                        "api": ref(props.get("ApiId")), "route": props.get("RouteKey"),
                        "authorization": props.get("AuthorizationType", "NONE"),
                        "authorizer": ref(props.get("AuthorizerId"))})

    def describe(self, detail: Mapping[str, Any]) -> str:
        return f"API {detail.get('route')} ({detail.get('authorization')})"

    def event(self, detail: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
        return http_event(detail.get("route") or "GET /", detail.get("route") or "$default")


def http_event(route: str, route_key: str) -> dict[str, Any]:
    """An HTTP API (payload 2.0) event for `route` ("GET /items/{id}"), from AWS's sample."""
    event = sample("apigw-http-v2.json")
    method, path = route.split(" ", 1)
    raw_path = example_path(path)
    event["routeKey"] = route_key
    event["rawPath"] = raw_path
    event["requestContext"]["http"].update(method=method if method != "ANY" else "GET", path=raw_path)
    event["pathParameters"] = path_parameters(path)
    event["body"], event["isBase64Encoded"] = None, False
    return event


def _with_json_type(fire: Fire) -> dict[str, str]:
    headers = {k.lower(): v for k, v in fire.headers.items()}
    if fire.body is not None and "content-type" not in headers:
        headers["content-type"] = "application/json"
    return headers
