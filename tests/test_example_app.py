"""The example app synthesizes clean (cdk-nag, cfn-lint) and keeps its data flow."""

from __future__ import annotations

from constructs_lib.testing import DEFAULT_ENV, new_app, synth
from example.stacks import ServerlessAppStack


def build() -> ServerlessAppStack:
    return ServerlessAppStack(new_app(), "ServerlessApp", env=DEFAULT_ENV)


def test_example_app_snapshot(snapshot):
    assert synth(build()).template == snapshot


def test_example_app_outputs_what_the_local_deploy_needs():
    outputs = synth(build()).template["Outputs"]
    for name in ("UploadsBucket", "DataBucket", "JobsQueueUrl", "JobsEventSourceMappingId", "EventBusName"):
        assert name in outputs
    assert {"ApiId", "ApiUrl"} <= set(outputs)  # stable names a script can read


def test_example_app_has_no_resource_type_ministack_rejects():
    types = {r["Type"] for r in synth(build()).template["Resources"].values()}
    assert not {t for t in types if t.startswith("AWS::ApplicationAutoScaling::")}
    assert "AWS::EC2::SecurityGroupIngress" not in types and "AWS::EC2::SecurityGroupEgress" not in types




def test_example_handlers_agree_with_their_functions():
    """Issue 30 on the example: every handler's environment reads are set, its AWS calls granted and followed, and no
    grant goes unused (no FN_ENV_*, FN_CALL_* or FN_GRANT_* warning, and synth passes)."""
    warnings = synth(build()).warnings
    assert not [w for w in warnings if "[FN_ENV_" in w or "[FN_CALL_" in w or "[FN_GRANT_" in w], warnings
