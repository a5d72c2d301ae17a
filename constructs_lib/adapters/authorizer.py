"""A Lambda authorizer (`ApiAuthorization.lambda_`): API Gateway invokes it before a route it guards (HTTP APIs:
payload 2.0 with simple responses; REST APIs: a REQUEST authorizer answering an IAM policy)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..assembly import ref
from .base import ACCOUNT, REGION, Fire, Fired, FoundTrigger, LocalCalls, TemplateView, TriggerAdapter, example_path
from .http import HttpApiAdapter, http_event
from .rest import RestApiAdapter, rest_event, rest_methods


class AuthorizerAdapter(TriggerAdapter):
    kind = option = "authorizer"

    def find(self, template: TemplateView) -> Iterator[tuple[str, FoundTrigger]]:
        guarded = _guarded_routes(template)
        for logical_id, props in template.of_type("AWS::ApiGatewayV2::Authorizer", "AWS::ApiGateway::Authorizer"):
            rest = template.resources[logical_id]["Type"] == "AWS::ApiGateway::Authorizer"
            sources = props.get("IdentitySource")
            sources = [sources] if isinstance(sources, str) else list(sources or [])
            for function in template.functions_named_in(props.get("AuthorizerUri")):
                yield function, FoundTrigger(self.kind, {
                    "authorizer": logical_id, "api": ref(props.get("ApiId") or props.get("RestApiId")),
                    "api_kind": "rest" if rest else "http", "identity_source": sources,
                    "ttl": props.get("AuthorizerResultTtlInSeconds", 300),
                    "routes": guarded.get(logical_id, [])})

    def describe(self, detail: Mapping[str, Any]) -> str:
        routes = ", ".join(r["route"] for r in detail.get("routes", [])) or "no route yet"
        kind = "REST API" if detail.get("api_kind") == "rest" else "API"
        return f"authorizer of {kind} {routes}"

    def event(self, detail: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
        """The request API Gateway hands the authorizer for the first route it guards, with each identity source
        (a header, a query parameter) set to "example-token"."""
        route = (detail.get("routes") or [{"route": "GET /", "stage": "prod"}])[0]
        api = names.get(detail.get("api") or "", detail.get("api") or "")
        method, path = route["route"].split(" ", 1)
        if detail.get("api_kind") == "rest":
            event = rest_event({**route, "api": detail.get("api")}, names)
            event = {"type": "REQUEST", "methodArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}/"
                     f"{route.get('stage', 'prod')}/{method}{example_path(path)}", **event}
            for source in detail.get("identity_source", []):
                _set_identity(event, source.replace("method.request.", ""), "headers", "queryStringParameters")
            return event
        event = http_event(route["route"], route["route"])
        event = {"version": "2.0", "type": "REQUEST", "routeArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}/"
                 f"$default/{method}{example_path(path)}", "identitySource": ["example-token"], **event}
        for source in detail.get("identity_source", []):
            _set_identity(event, source.replace("$request.", ""), "headers", "queryStringParameters")
        return event

    def fire(self, aws: LocalCalls, detail: Mapping[str, Any], names: Mapping[str, str], fire: Fire) -> Fired:
        """Call the first route it guards: API Gateway invokes the authorizer, then (if it allows) the route."""
        routes = detail.get("routes") or []
        if not routes:
            return Fired("no route uses this authorizer: nothing invokes it", invoked=False)
        adapter = RestApiAdapter() if detail.get("api_kind") == "rest" else HttpApiAdapter()
        fired = adapter.fire(aws, {**routes[0], "api": detail.get("api")}, names, fire)
        # 401: the request carried no identity source, and API Gateway refused it without asking the authorizer;
        # 403 is the authorizer's own "no".
        return Fired(fired.line, invoked=fired.status != 401, status=fired.status)


def _guarded_routes(template: TemplateView) -> dict[str, list[dict[str, Any]]]:
    guarded: dict[str, list[dict[str, Any]]] = {}
    for _, props in template.of_type("AWS::ApiGatewayV2::Route"):
        authorizer = ref(props.get("AuthorizerId"))
        if authorizer:
            guarded.setdefault(authorizer, []).append({"route": props.get("RouteKey"), "authorization": "CUSTOM"})
    for method in rest_methods(template):
        authorizer = ref(method.props.get("AuthorizerId"))
        if authorizer:
            guarded.setdefault(authorizer, []).append({"route": method.route, "authorization": "CUSTOM",
                                                       "stage": method.stage})
    return guarded


def _set_identity(event: dict[str, Any], source: str, headers: str, query: str) -> None:
    """`header.Authorization` / `querystring.token`: that part of the request carries the example token."""
    where, _, name = source.partition(".")
    if where == "header":
        event[headers] = {**(event.get(headers) or {}), name.lower(): "example-token"}
    elif where == "querystring":
        event[query] = {**(event.get(query) or {}), name: "example-token"}
