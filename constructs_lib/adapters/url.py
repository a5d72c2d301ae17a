"""`UrlTrigger`: a function URL, an HTTPS endpoint of the function itself (payload 2.0, like an HTTP API)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .base import Fire, Fired, FoundTrigger, LocalCalls, TemplateView, TriggerAdapter
from .http import NOT_INVOKED, _with_json_type, http_event


class UrlAdapter(TriggerAdapter):
    kind = option = "url"
    text_fields = frozenset({"body"})

    def find(self, template: TemplateView) -> Iterator[tuple[str, FoundTrigger]]:
        for logical_id, props in template.of_type("AWS::Lambda::Url"):
            for function in template.functions_named_in(props.get("TargetFunctionArn")):
                yield function, FoundTrigger(self.kind, {"url": logical_id, "auth": props.get("AuthType"),
                                                         "qualifier": props.get("Qualifier")})

    def describe(self, detail: Mapping[str, Any]) -> str:
        return f"function URL ({detail.get('auth')})"

    def event(self, detail: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
        return http_event("GET /", "$default")

    def fire(self, aws: LocalCalls, detail: Mapping[str, Any], names: Mapping[str, str], fire: Fire) -> Fired:
        qualifier = detail.get("qualifier")
        config = aws.client("lambda").get_function_url_config(
            FunctionName=fire.function, **({"Qualifier": qualifier} if qualifier else {}))
        url_id = config["FunctionUrl"].split("//", 1)[1].split(".", 1)[0]
        signed = "lambda" if detail.get("auth") == "AWS_IAM" else None
        method = "POST" if fire.body is not None else "GET"
        status, text = aws.http(method, f"{aws.endpoint}/_aws/lambda-url/{url_id}/", body=fire.body,
                                headers=_with_json_type(fire), signed_for=signed)
        return Fired(f"{method} / -> {status}\n{text}", invoked=status not in NOT_INVOKED)
