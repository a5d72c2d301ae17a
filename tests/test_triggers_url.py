"""UrlTrigger: function URLs, IAM by default, public on request."""

from __future__ import annotations

import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match

from constructs_lib import (
    Cors,
    Deployment,
    ServerlessFunction,
    UrlTrigger,
)
from constructs_lib.testing import new_stack, synth


def function(stack, id="Fn", **props):  # type: ignore[no-untyped-def]
    return ServerlessFunction(stack, id, source="tests/handler", **props)


def test_url_trigger_iam_by_default_with_grant_and_output():
    stack = new_stack()
    trigger = UrlTrigger()
    function(stack, triggers=[trigger])
    caller = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    trigger.grant_invoke(caller)
    result = synth(stack)
    t = result.assertions
    t.has_resource_properties("AWS::Lambda::Url", {"AuthType": "AWS_IAM", "InvokeMode": "BUFFERED"})
    assert result.count("AWS::Lambda::Permission") == 0  # nobody else: only signed, granted callers
    t.has_resource_properties("AWS::IAM::Policy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Action": "lambda:InvokeFunctionUrl"})])}})
    assert result.template["Outputs"]["FnUrl"]["Value"] == {"Fn::GetAtt": [Match.any_value(), "FunctionUrl"]} or \
        "FunctionUrl" in str(result.template["Outputs"]["FnUrl"]["Value"])
    assert result.count("AWS::SQS::Queue") == 0  # synchronous: no on-failure queue


def test_public_url_trigger_on_the_alias_with_cors_and_streaming(snapshot):
    stack = new_stack()
    trigger = UrlTrigger(auth="none", cors=Cors(allow_origins=["*"], allow_methods=["GET"]),
                         invoke_mode="response_stream")
    function(stack, triggers=[trigger], deployment=Deployment.all_at_once())
    result = synth(stack)
    assert result.template == snapshot
    (url,) = result.resources("AWS::Lambda::Url").values()
    assert url["Properties"]["AuthType"] == "NONE"
    assert url["Properties"]["Qualifier"] == "live"
    assert url["Properties"]["InvokeMode"] == "RESPONSE_STREAM"
    assert url["Properties"]["Cors"]["AllowMethods"] == ["GET"]
    assert {s["id"] for s in url["Metadata"]["checkov"]["skip"]} == {"CKV_AWS_258"}
    permissions = [p["Properties"] for p in result.resources("AWS::Lambda::Permission").values()]
    assert {p["Action"] for p in permissions} == {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}
    assert all(p["FunctionName"] == {"Ref": Match.string_like_regexp("FnAlias")} or "FnAlias" in str(p["FunctionName"])
               for p in permissions)


def test_public_url_carries_its_acknowledgement_for_the_compliance_packs():
    """HIPAA / NIST / PCI packs flag a permission for any principal: a URL asked to be public is acknowledged, with
    its reason, and the packs still report everything else (so the acknowledgement is not a blanket one)."""
    import aws_cdk as cdk
    from cdk_nag import HIPAASecurityChecks, NIST80053R5Checks

    from constructs_lib.testing import ComplianceError

    stack = new_stack(nag=False)
    app = stack.node.root
    cdk.Validations.of(app).add_plugins(HIPAASecurityChecks(app), NIST80053R5Checks(app))
    function(stack, triggers=[UrlTrigger(auth="none")])
    with pytest.raises(ComplianceError) as info:
        synth(stack, lint=False)
    report = str(info.value)
    assert "HIPAA.Security-LambdaInsideVPC" in report and "NIST.800.53.R5-LambdaInsideVPC" in report  # packs ran
    assert "LambdaFunctionPublicAccessProhibited" not in report


def test_url_trigger_takes_aws_cdk_libs_own_auth_type():
    """`UrlTrigger(auth=FunctionUrlAuthType.AWS_IAM)` is how aws-cdk-lib users write it: it was refused."""
    from aws_cdk import aws_lambda as lambda_

    assert UrlTrigger(auth=lambda_.FunctionUrlAuthType.AWS_IAM).auth == "iam"
    assert UrlTrigger(auth=lambda_.FunctionUrlAuthType.NONE).auth == "none"
    stack = new_stack()
    function(stack, triggers=[UrlTrigger(auth=lambda_.FunctionUrlAuthType.AWS_IAM)])
    synth(stack).assertions.has_resource_properties("AWS::Lambda::Url", {"AuthType": "AWS_IAM"})
