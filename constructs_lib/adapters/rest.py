"""`ApiTrigger` on a REST API (API Gateway v1): a method whose Lambda proxy integration invokes the function."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..assembly import ref
from .base import (
    FoundTrigger,
    TemplateView,
    example_path,
    path_parameters,
    sample,
)
from .http import RouteAdapter


@dataclass(frozen=True)
class RestMethod:
    props: Mapping[str, Any]  # the AWS::ApiGateway::Method's properties
    api: str | None  # the REST API's logical id
    stage: str  # the API's stage name ("prod" when the template has none)
    route: str  # "GET /items/{id}"


def rest_methods(template: TemplateView) -> Iterator[RestMethod]:
    """Each method of each REST API in the template, with its API's stage and its route."""
    stages = {ref(props.get("RestApiId")): props.get("StageName") for _, props in
              template.of_type("AWS::ApiGateway::Stage")}
    for _, props in template.of_type("AWS::ApiGateway::Method"):
        api = ref(props.get("RestApiId"))
        path = resource_path(template, props.get("ResourceId"))
        yield RestMethod(props, api, stages.get(api) or "prod", f"{props.get('HttpMethod')} {path}")


class RestApiAdapter(RouteAdapter):
    kind = "rest"

    def find(self, template: TemplateView) -> Iterator[tuple[str, FoundTrigger]]:
        for method in rest_methods(template):
            integration = method.props.get("Integration") or {}
            if integration.get("Type") != "AWS_PROXY":
                continue  # CORS preflights (mock integrations), and other integrations
            for function in template.functions_named_in(integration.get("Uri")):
                yield function, FoundTrigger(self.kind, {
                    "api": method.api, "stage": method.stage, "route": method.route,
                    "authorization": method.props.get("AuthorizationType", "NONE"),
                    "authorizer": ref(method.props.get("AuthorizerId"))})

    def describe(self, detail: Mapping[str, Any]) -> str:
        return f"REST API {detail.get('route')} ({detail.get('authorization')})"

    def event(self, detail: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
        return rest_event(detail, names)

    def stage(self, detail: Mapping[str, Any]) -> str:
        return str(detail.get("stage") or "prod")


def resource_path(template: TemplateView, resource: Any) -> str:
    """`/items/{id}`: a REST resource's path, from its `PathPart`s up to the API's root."""
    parts: list[str] = []
    current = ref(resource) if isinstance(resource, dict) and "Ref" in resource else None
    seen: set[str] = set()
    while current and current not in seen:
        seen.add(current)
        props = template.resources.get(current, {}).get("Properties", {})
        if "PathPart" not in props:
            break
        parts.insert(0, props["PathPart"])
        parent = props.get("ParentId")
        current = ref(parent) if isinstance(parent, dict) and "Ref" in parent else None
    return "/" + "/".join(parts)


def rest_event(detail: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """A REST API Lambda proxy event (payload 1.0) for the route, from AWS's sample."""
    event = sample("apigw-rest-v1.json")
    method, path = (detail.get("route") or "GET /").split(" ", 1)
    method = "GET" if method == "ANY" else method
    concrete = example_path(path)
    stage = detail.get("stage", "prod")
    api = names.get(detail.get("api") or "", detail.get("api") or "")
    event.update(resource=path, path=concrete, httpMethod=method, pathParameters=path_parameters(path),
                 body=None, isBase64Encoded=False, queryStringParameters=None, multiValueQueryStringParameters=None)
    event["requestContext"].update(resourcePath=path, httpMethod=method, path=f"/{stage}{concrete}", stage=stage,
                                   apiId=api)
    return event
