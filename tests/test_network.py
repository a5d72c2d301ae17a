"""network.py: functions in a VPC (private subnets, their own group, the ENI permissions, endpoints)."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match

from constructs_lib import (
    QueueTrigger,
    ServerlessFunction,
    network,
)
from constructs_lib.nag import acknowledge
from constructs_lib.testing import new_stack, synth

ENI_ACTIONS = list(network.ENI_ACTIONS)


def function(stack, id="Fn", **props):  # type: ignore[no-untyped-def]
    return ServerlessFunction(stack, id, source="tests/handler", **props)


def vpc_of(stack, **props):  # type: ignore[no-untyped-def]
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, **props)
    acknowledge(vpc, "A test VPC: flow logs are the VPC owner's choice, not the function's.", "AwsSolutions-VPC7")
    return vpc


# --- VPC ------------------------------------------------------------------------------------------------------

def test_function_in_a_vpc_gets_private_subnets_its_own_group_and_only_the_eni_permissions(snapshot):
    stack = new_stack()
    vpc = vpc_of(stack, nat_gateways=1)
    fn = function(stack, vpc=vpc)
    database = ec2.SecurityGroup(stack, "Database", vpc=vpc, description="the database")
    database.connections.allow_from(fn, ec2.Port.tcp(5432))  # the function is IConnectable
    result = synth(stack)
    assert result.template == snapshot
    cfn = result.resources("AWS::Lambda::Function")
    (name, resource), = [(k, v) for k, v in cfn.items() if k.startswith("FnFunction")]
    config = resource["Properties"]["VpcConfig"]
    assert config["SubnetIds"] == [{"Ref": "VpcPrivateSubnet1Subnet536B997A"},
                                   {"Ref": "VpcPrivateSubnet2Subnet3788AAA1"}]  # private with egress, not public
    assert config["SecurityGroupIds"] == [{"Fn::GetAtt": [Match.string_like_regexp("FnSecurityGroup"), "GroupId"]}
                                          ] or len(config["SecurityGroupIds"]) == 1
    own_group = next(v for k, v in result.resources("AWS::EC2::SecurityGroup").items() if k.startswith("FnSecurity"))
    assert "SecurityGroupIngress" not in own_group["Properties"]  # nothing connects to a function
    (policy_id, policy), = [(k, v) for k, v in result.resources("AWS::IAM::Policy").items() if "VpcAccess" in k]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert (sorted(statement["Action"]), statement["Resource"]) == (sorted(ENI_ACTIONS), "*")
    assert policy_id in resource["DependsOn"]  # Lambda checks the ENI permissions when it creates the function
    result.assertions.has_resource_properties("AWS::EC2::SecurityGroupIngress", {
        "FromPort": 5432, "SourceSecurityGroupId": {"Fn::GetAtt": [Match.string_like_regexp("FnSecurityGroup"),
                                                                   "GroupId"]}})
    skips = {s["id"] for s in resource["Metadata"]["checkov"]["skip"]}
    assert "CKV_AWS_117" not in skips  # in a VPC now: checkov's VPC check passes on its own
    assert fn.connections.security_groups[0] is not None


def test_function_in_a_vpc_with_given_subnets_and_groups():
    stack = new_stack(nag=False)
    vpc = vpc_of(stack, nat_gateways=0, subnet_configuration=[
        ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC)])
    vpc.add_gateway_endpoint("S3", service=ec2.GatewayVpcEndpointAwsService.S3)
    group = ec2.SecurityGroup(stack, "Shared", vpc=vpc, description="shared")
    # No private subnets with egress: isolated ones. Lambda itself sends to the on-failure queue and polls trigger
    # queues, so those grants need no endpoint; what the code is granted (S3 here) has its gateway endpoint.
    fn = function(stack, vpc=vpc, security_groups=[group], triggers=[QueueTrigger()], async_invokes=True)
    fn.role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::b/*"]))
    result = synth(stack, lint=False)
    config = result.resources("AWS::Lambda::Function")[next(
        k for k in result.resources("AWS::Lambda::Function") if k.startswith("FnFunction"))]["Properties"]["VpcConfig"]
    assert config["SecurityGroupIds"] == [{"Fn::GetAtt": [Match.string_like_regexp("Shared"), "GroupId"]}] or \
        "Shared" in str(config["SecurityGroupIds"])
    assert all("isolated" in str(s) for s in config["SubnetIds"])
    assert not any("FnSecurityGroup" in k for k in result.resources("AWS::EC2::SecurityGroup"))
    assert not [w for w in result.warnings if "FN_VPC_ENDPOINTS" in w]  # S3 has its gateway endpoint
