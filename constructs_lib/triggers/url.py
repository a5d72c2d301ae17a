"""UrlTrigger: a function URL, an HTTPS endpoint of the function itself (no API Gateway)."""

from __future__ import annotations

from typing import Literal

from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from ..cors import Cors
from ..nag import acknowledge, skip_checkov
from ..outputs import stable_output
from ..rules import function as rules
from ..rules.props import check_props
from .base import Trigger, TriggerTarget, scope_of

# cdk-nag packs whose LambdaFunctionPublicAccessProhibited rule flags a permission for any principal.
PUBLIC_ACCESS_PACKS = ("HIPAA.Security", "NIST.800.53.R4", "NIST.800.53.R5", "PCI.DSS.321")


class UrlTrigger(Trigger):
    """`https://<id>.lambda-url.<region>.on.aws/`, invoking the function's alias when it has one.

    `auth="iam"` (the default) takes SigV4-signed requests from principals granted `trigger.grant_invoke(...)`;
    `auth="none"` lets anyone on the internet call it and must be asked for (aws-cdk-lib's
    `FunctionUrlAuthType.AWS_IAM` / `.NONE` are taken too). `invoke_mode="response_stream"`
    streams the answer (up to 200 MB) instead of buffering 6 MB. No API Gateway: no throttling, no 29 s limit,
    and no WAF; put CloudFront in front of a public URL that needs them.
    """

    invokes_async = False  # the caller waits for the answer; a failure is its 5xx

    def __init__(
        self,
        *,
        auth: Literal["iam", "none"] | lambda_.FunctionUrlAuthType = "iam",
        cors: Cors | None = None,
        invoke_mode: Literal["buffered", "response_stream"] = "buffered",
    ) -> None:
        """A function URL on the function (its alias when it has a deployment).

        Args:
            auth: "iam" (SigV4-signed requests from principals granted with `grant_invoke`) or "none" (anyone; written
                out on purpose); aws-cdk-lib's `FunctionUrlAuthType` works too. Default: "iam".
            cors: `Cors(...)`, answered by Lambda's front end. Default: None.
            invoke_mode: "buffered" (6 MB answers) or "response_stream" (up to 200 MB, streamed). Default: "buffered".
        """
        super().__init__()
        check_props(UrlTrigger.__init__, locals(), self.where)
        if isinstance(auth, lambda_.FunctionUrlAuthType):  # aws-cdk-lib's own names for the two
            auth = "iam" if auth == lambda_.FunctionUrlAuthType.AWS_IAM else "none"
        self.auth = auth
        self.cors = cors
        self.invoke_mode = invoke_mode
        self.url: lambda_.FunctionUrl | None = None

    def _bind(self, function: TriggerTarget) -> None:
        rules.check_one_url(function, any(isinstance(t, UrlTrigger) for t in function.triggers))
        self.url = function.invoke_target.add_function_url(
            auth_type=lambda_.FunctionUrlAuthType.AWS_IAM if self.auth == "iam" else lambda_.FunctionUrlAuthType.NONE,
            cors=self.cors.for_function_url() if self.cors else None,
            invoke_mode=lambda_.InvokeMode.BUFFERED if self.invoke_mode == "buffered"
            else lambda_.InvokeMode.RESPONSE_STREAM,
        )
        if self.auth == "none":
            reason = "A public function URL, asked for explicitly with UrlTrigger(auth='none')."
            skip_checkov(self.url, reason, "CKV_AWS_258")
            for permission in ("invoke-function-url", "invoke-function"):  # aws-cdk-lib's two, for any principal
                acknowledge(function.invoke_target.node.find_child(permission), reason,
                            *(f"{pack}-LambdaFunctionPublicAccessProhibited" for pack in PUBLIC_ACCESS_PACKS))
        stable_output(scope_of(function), "Url", self.url.url,
                      f"Function URL of {function.node.path} (auth={self.auth})")

    def grant_invoke(self, grantee: iam.IGrantable) -> None:
        """Let `grantee` (a role, a function) call the URL with SigV4-signed requests."""
        if self.url is None:
            raise RuntimeError("UrlTrigger is not bound to a function yet")
        self.url.grant_invoke_url(grantee)
