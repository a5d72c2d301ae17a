"""Cors: which browser origins may call an API or a function URL, written once for all three.

HTTP APIs answer the preflight themselves; REST APIs get a mock OPTIONS method on every resource (no
authorizer, nothing invoked); function URLs answer it in Lambda's front end. No OPTIONS route is written by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_lambda as lambda_

from .rules import cors as rules
from .rules.props import check_props

if TYPE_CHECKING:  # REST only (see api.py)
    from aws_cdk import aws_apigateway as apigw

# aws-cdk-lib's apigateway.Cors.DEFAULT_HEADERS: what SigV4 (IAM), bearer tokens and API keys need.
DEFAULT_HEADERS = ("Content-Type", "X-Amz-Date", "Authorization", "X-Api-Key", "X-Amz-Security-Token",
                   "X-Amz-User-Agent")


class Cors:
    """Cross-origin access from browsers.

    `Cors(allow_origins=["https://app.example.com"])` allows every method with the usual headers for an hour.
    A wildcard origin with `allow_credentials=True` is refused: browsers reject that answer.
    """

    def __init__(
        self,
        *,
        allow_origins: Sequence[str],
        allow_methods: Sequence[str] = ("*",),
        allow_headers: Sequence[str] = DEFAULT_HEADERS,
        expose_headers: Sequence[str] = (),
        max_age: Duration | None = None,
        allow_credentials: bool = False,
    ) -> None:
        """Browsers on `allow_origins` may call it.

        Args:
            allow_origins: `*` or `scheme://host[:port]` values (no path, no `*.` pattern). Required.
            allow_methods: Default: ("*",) (every method).
            allow_headers: Default: CDK's usual headers (Content-Type, X-Amz-Date, Authorization, X-Api-Key,
                X-Amz-Security-Token, X-Amz-User-Agent).
            expose_headers: response headers browsers may read. Default: ().
            max_age: how long browsers cache the preflight, up to 86,400 s. Default: `Duration.hours(1)`.
            allow_credentials: cookies and auth headers; refused with a `*` origin. Default: False.
        """
        check_props(Cors.__init__, locals(), "Cors")
        self.allow_origins = tuple(allow_origins)
        self.allow_methods = tuple(m.upper() for m in allow_methods)
        self.allow_headers = tuple(allow_headers)
        self.expose_headers = tuple(expose_headers)
        self.max_age = max_age or Duration.hours(1)
        self.allow_credentials = allow_credentials
        rules.check_cors(self.allow_origins, self.allow_methods, self.allow_headers + self.expose_headers,
                         self.max_age, allow_credentials)

    @property
    def any_method(self) -> bool:
        return "*" in self.allow_methods or "ANY" in self.allow_methods

    def for_http_api(self) -> apigwv2.CorsPreflightOptions:
        methods = [apigwv2.CorsHttpMethod.ANY] if self.any_method else [
            apigwv2.CorsHttpMethod[m] for m in self.allow_methods]
        return apigwv2.CorsPreflightOptions(
            allow_origins=list(self.allow_origins), allow_methods=methods, allow_headers=list(self.allow_headers),
            expose_headers=list(self.expose_headers) or None, max_age=self.max_age,
            allow_credentials=self.allow_credentials)

    def for_rest_api(self) -> apigw.CorsOptions:
        from aws_cdk import aws_apigateway as apigw

        return apigw.CorsOptions(
            allow_origins=list(self.allow_origins),
            allow_methods=apigw.Cors.ALL_METHODS if self.any_method else list(self.allow_methods),
            allow_headers=list(self.allow_headers), expose_headers=list(self.expose_headers) or None,
            max_age=self.max_age, allow_credentials=self.allow_credentials)

    def for_function_url(self) -> lambda_.FunctionUrlCorsOptions:
        methods = [lambda_.HttpMethod.ALL] if self.any_method else [lambda_.HttpMethod[m] for m in self.allow_methods]
        return lambda_.FunctionUrlCorsOptions(
            allowed_origins=list(self.allow_origins), allowed_methods=methods,
            allowed_headers=list(self.allow_headers), exposed_headers=list(self.expose_headers) or None,
            max_age=self.max_age, allow_credentials=self.allow_credentials)

    def __repr__(self) -> str:
        return f"Cors(allow_origins={list(self.allow_origins)!r})"
