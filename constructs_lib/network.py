"""Network placement of a function in a VPC: private subnets, its own security group, the ENI permissions Lambda
needs, and the VPC endpoints that isolated subnets need for the services the function is granted.

Outside a VPC (the default) a function reaches AWS APIs over TLS with IAM; a VPC is for reaching private
resources (a database), and costs cold-start time and NAT.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from .nag import acknowledge
from .render import before_synth
from .roles import grants_of
from .rules import function as rules

# Service prefixes of IAM actions that are not called from the function's code (Lambda itself makes these calls).
NOT_FROM_CODE = frozenset({"ec2", "logs", "xray"})
# IAM service prefix -> VPC endpoint service name, where the two differ.
_ENDPOINT_NAMES = {"cloudwatch": "monitoring", "execute-api": "execute-api"}
# What Lambda needs to attach a function to a VPC: the actions of AWSLambdaVPCAccessExecutionRole.
ENI_ACTIONS = ("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
               "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses")


def select_subnets(construct: IConstruct, vpc: ec2.IVpc, selection: ec2.SubnetSelection | None,
                   check_endpoints: Callable[[], None]) -> ec2.SubnetSelection:
    """The subnets asked for, else the private ones with egress (NAT), else the isolated ones; never public.

    Isolated subnets reach AWS services only through VPC endpoints: `check_endpoints` runs once the app is complete
    (FN_VPC_ENDPOINTS).
    """
    candidates = [selection] if selection is not None else [
        ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)]
    problems = []
    for candidate in candidates:
        try:
            selected = vpc.select_subnets(**candidate._values)  # a jsii struct: its fields as keywords
        except Exception as error:  # jsii reports "There are no 'Private' subnet groups in this VPC ..."
            problems.append(str(error).splitlines()[0])
            continue
        public = {s.subnet_id for s in vpc.public_subnets}
        rules.check_subnets(construct, selected.subnet_ids, public)
        isolated = {s.subnet_id for s in vpc.isolated_subnets}
        if isolated & set(selected.subnet_ids):
            before_synth(construct, check_endpoints)
        return candidate
    rules.fail_no_subnets(construct, problems, selection is not None)


def outbound_only_group(scope: Construct, vpc: ec2.IVpc, path: str) -> ec2.SecurityGroup:
    """A function's own group: no inbound rules (nothing connects to a function), all outbound."""
    return ec2.SecurityGroup(scope, "SecurityGroup", vpc=vpc, allow_all_outbound=True,
                             description=f"Function {path}: outbound only")


def vpc_access_policy(scope: Construct, role: iam.IRole) -> iam.Policy:
    """What Lambda needs to attach the function to the VPC, in a policy of its own: EC2 grants these actions on
    `*` only, and the acknowledgement must not cover other grants."""
    policy = iam.Policy(scope, "VpcAccess", roles=[role], statements=[
        iam.PolicyStatement(actions=list(ENI_ACTIONS), resources=["*"])])
    acknowledge(policy, "Lambda creates and removes the function's network interfaces with these EC2 actions, "
                "which work only on Resource '*' (https://docs.aws.amazon.com/lambda/latest/dg/"
                "configuration-vpc.html#configuration-vpc-permissions).", "AwsSolutions-IAM5[Resource::*]")
    return policy


def check_vpc_endpoints(construct: IConstruct, role: iam.IRole, vpc: ec2.IVpc, lambda_resources: Sequence[str]) -> None:
    """Isolated subnets: each AWS service the function is granted needs a VPC endpoint (a warning per missing one).
    `lambda_resources`: ARNs Lambda itself uses with the role (queues and streams it polls), which need no
    endpoint."""
    granted = granted_services(role, lambda_resources)
    present = vpc_endpoint_services(Stack.of(construct), vpc)
    if present is not None:
        rules.check_vpc_endpoints(construct, sorted(granted - present))


def granted_services(role: iam.IRole, not_from_code: Sequence[str] = ()) -> set[str]:
    """The VPC endpoint names of the AWS services whose actions `role`'s own grants allow (`s3`, `sqs`, ...), leaving
    out statements only on `not_from_code` (resources Lambda itself uses with the role)."""
    services = set()
    for granted in grants_of(role, not_from_code) or []:
        for action in granted.actions:
            prefix = action.split(":")[0]
            if prefix not in NOT_FROM_CODE and prefix != "*":
                services.add(_ENDPOINT_NAMES.get(prefix, prefix))
    return services


def vpc_endpoint_services(stack: Stack, vpc: ec2.IVpc) -> set[str] | None:
    """The services with an endpoint in `vpc` (`s3`, `sqs`, ...), or None when the VPC is not defined in this app
    (an imported VPC's endpoints cannot be seen at synth)."""
    if not isinstance(vpc.node.default_child, ec2.CfnVPC):
        return None
    vpc_id = json.dumps(stack.resolve(vpc.vpc_id))
    services = set()
    for node in stack.node.find_all():
        if isinstance(node, ec2.CfnVPCEndpoint) and json.dumps(stack.resolve(node.vpc_id)) == vpc_id:
            name = json.dumps(stack.resolve(node.service_name))
            match = re.search(r'\.([a-z0-9-]+)"[\]}]*$', name)
            if match:
                services.add(match.group(1))
    return services
