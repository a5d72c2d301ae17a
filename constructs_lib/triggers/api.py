"""ApiTrigger: serve one API route with a function."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations

from ..api import ApiAuthorization, ServerlessApi
from ..nag import acknowledge
from ..rules import api as rules
from ..rules.props import check_props
from .base import Trigger, TriggerTarget

if TYPE_CHECKING:
    from aws_cdk import aws_apigateway as apigw  # REST only (see api.py)
    from constructs import Construct



class ApiTrigger(Trigger):
    """Route `"METHOD /path"` of `api` to the function.

    Authorization is the API's (IAM unless chosen otherwise), or `authorization=` for this route, or
    `public=True` to name a route that anyone may call. Each function gets one invoke permission per API,
    scoped to that API, however many routes it serves: Lambda's 20 KB resource policy stays small.
    """

    invokes_async = False  # API Gateway waits for the answer; a failure is the caller's 5xx

    def __init__(
        self,
        api: ServerlessApi,
        route: str,
        *,
        public: bool = False,
        authorization: ApiAuthorization | None = None,
    ) -> None:
        """A route of `api` that invokes the function.

        Args:
            api: the `ServerlessApi` to add the route to. Required.
            route: "METHOD /path", e.g. "GET /items/{id}", "ANY /files/{path+}". Required.
            public: no authorization on this route (anyone on the internet may call it). Default: False.
            authorization: this route's, instead of the API's. Default: None (the API's `authorization`).
        """
        super().__init__()
        check_props(ApiTrigger.__init__, locals(), self.where)
        self.api = api
        self.method, self.path = rules.parse_route(self.where, route)
        self.route_key = f"{self.method} {self.path}"
        if public and authorization is not None and authorization.kind != "none":
            rules.fail_public_with_authorization(self.where, route)
        self.public = public
        self.authorization = ApiAuthorization.public() if public else (authorization or api.authorization)
        rules.check_kind(self.where, api.kind, self.authorization.kind, self.route_key)
        self.route: Construct | None = None  # the HttpRoute or REST Method, once bound

    def _bind(self, function: TriggerTarget) -> None:
        api = self.api
        rules.check_function_timeout(function, function.timeout, api.integration_timeout)
        shape = rules.route_shape(self.method, self.path)
        rules.check_duplicate_route(function, api.node.path, self.route_key, api.routes.get(shape))
        api.routes[shape] = function.node.path
        api.guard_route(self.authorization, self.method, self.path)
        if api.rest_api is not None:
            rules.check_route_variables(function, self.route_key, self.path, api.variable_names)
        reason = f"'{self.route_key}' is a public route, named explicitly with ApiTrigger(public=True)."
        if api.http_api is not None:
            (self.route,) = api.http_api.add_routes(
                path=self.path,
                methods=[apigwv2.HttpMethod[self.method]],
                integration=_http_integration(api, function),
                authorizer=api.http_authorizer(self.authorization),
            )
            if self.authorization.kind == "none":
                acknowledge(self.route, reason, "AwsSolutions-APIG4")
            if api.integration_timeout.to_milliseconds() > 29_000:
                for child in api.http_api.node.find_all():
                    if isinstance(child, apigwv2.CfnIntegration):
                        child.timeout_in_millis = int(api.integration_timeout.to_milliseconds())
        else:
            assert api.rest_api is not None
            resource = api.rest_api.root if self.path == "/" else api.rest_api.root.resource_for_path(self.path)
            authorized = api.rest_method_options(self.authorization)
            self.route = resource.add_method(self.method, _rest_integration(api, function),
                                             api_key_required=bool(api.api_keys) and not self.public or None,
                                             authorization_type=authorized.authorization_type,
                                             authorizer=authorized.authorizer)
            if self.authorization.kind == "none":
                acknowledge(self.route, reason, "AwsSolutions-APIG4", "AwsSolutions-COG4")
            elif self.authorization.kind in ("iam", "lambda"):
                chosen = "IAM (SigV4)" if self.authorization.kind == "iam" else "a Lambda authorizer"
                acknowledge(self.route, f"Authorized by {chosen}, chosen explicitly instead of Cognito.",
                            "AwsSolutions-COG4")
            if api.cors is not None:
                _acknowledge_preflights(api, resource)  # pyright: ignore[reportArgumentType]


def _acknowledge_preflights(api: ServerlessApi, resource: apigw.IResource) -> None:
    """The CORS preflight (OPTIONS, a mock answer) on `resource` and its parents takes no authorizer: browsers send
    it without credentials. Acknowledged once per resource."""
    node: apigw.IResource | None = resource
    while node is not None and node.path not in api.preflights_acknowledged:
        api.preflights_acknowledged.add(node.path)
        preflight = node.node.try_find_child("OPTIONS")
        if preflight is not None:
            acknowledge(preflight, "CORS preflight: browsers send OPTIONS without credentials; API Gateway answers "
                        "it with a mock integration (no function runs, no data is returned).",
                        "AwsSolutions-APIG4", "AwsSolutions-COG4")
        node = node.parent_resource


def _http_integration(api: ServerlessApi, function: TriggerTarget) -> integrations.HttpLambdaIntegration:
    """One integration per function per API, shared by its routes (and so one invoke permission)."""
    key = f"http:{function.node.path}"
    if key not in api.integrations:
        api.integrations[key] = integrations.HttpLambdaIntegration(
            f"{function.node.id}Integration", function.invoke_target,
            scope_permission_to_route=False,
            # aws-cdk-lib caps HTTP integrations at 29 s, AWS at 30 s: above 29 s the L1 value is set after binding.
            timeout=api.integration_timeout if api.integration_timeout.to_milliseconds() <= 29_000 else None,
        )
    return api.integrations[key]  # type: ignore[return-value]


def _rest_integration(api: ServerlessApi, function: TriggerTarget) -> apigw.LambdaIntegration:
    from aws_cdk import aws_apigateway as apigw

    key = f"rest:{function.node.path}"
    if key not in api.integrations:
        api.integrations[key] = apigw.LambdaIntegration(
            function.invoke_target, scope_permission_to_method=False, timeout=api.integration_timeout,
        )
    return api.integrations[key]  # type: ignore[return-value]
