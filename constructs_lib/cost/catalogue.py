"""How each CloudFormation resource type is billed, as far as the estimate goes.

Every resource of an assembly is one of three things: priced (by the line items named here), free (no charge of
its own; what it costs, if anything, is billed on something else, named), or not priced. A type in neither table
is "not priced": the estimate lists it with its type and path, so a total never looks complete when it is not.
Add a type here (and its formula in `estimate.py`, its price in `prices.py`) to price it.
"""

from __future__ import annotations

# Types the estimate prices, and with what.
PRICED: dict[str, str] = {
    "AWS::Lambda::Function": "requests, compute, /tmp, logs, X-Ray (and its triggers' lines)",
    "AWS::Lambda::Alias": "provisioned concurrency, with its function",
    "AWS::ApiGatewayV2::Api": "HTTP API requests",
    "AWS::ApiGateway::RestApi": "REST API requests",
    "AWS::SQS::Queue": "requests, with the function or worker that uses it",
    "AWS::Scheduler::Schedule": "invocations, with what it invokes",
    "AWS::CloudWatch::Alarm": "metrics per month",
    "AWS::CloudWatch::Dashboard": "dashboards per month",
    "AWS::Logs::LogGroup": "ingestion and storage (a function's with the function)",
    "AWS::S3::Bucket": "storage (requests with its S3 triggers)",
    "AWS::EC2::NatGateway": "hours and data processed",
    "AWS::EC2::EIP": "public IPv4 address hours",
    "AWS::EC2::VPCEndpoint": "interface endpoint hours per AZ and data (gateway endpoints are free)",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "hours and capacity units",
    "AWS::ECS::TaskDefinition": "Fargate vCPU and memory hours, with its service or schedule",
    "AWS::ECS::Service": "Fargate task hours",
    "AWS::DynamoDB::Table": "on-demand requests or provisioned capacity hours, and storage",
    "AWS::DynamoDB::GlobalTable": "on-demand requests or provisioned capacity hours per replica, and storage",
    "AWS::KMS::Key": "the key per month and its requests",
    "AWS::SecretsManager::Secret": "the secret per month and its API calls",
    "AWS::Cognito::UserPool": "monthly active users at its feature plan",
    "AWS::SNS::Topic": "publishes",
    "AWS::Kinesis::Stream": "shard or stream hours and data",
    "AWS::Route53::HostedZone": "the zone per month",
    "AWS::SSM::Parameter": "advanced parameters per month (standard ones are free)",
}

# Types with no charge of their own: their use is billed on what they configure, or nowhere.
FREE: dict[str, str] = {
    **dict.fromkeys(("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::InstanceProfile",
                     "AWS::IAM::ServiceLinkedRole"), "IAM is free"),
    **dict.fromkeys(("AWS::Lambda::Permission", "AWS::Lambda::Version", "AWS::Lambda::EventSourceMapping",
                     "AWS::Lambda::EventInvokeConfig", "AWS::Lambda::Url", "AWS::Lambda::LayerVersion",
                     "AWS::Lambda::LayerVersionPermission"), "billed as the function's requests and compute"),
    **dict.fromkeys(("AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Stage",
                     "AWS::ApiGatewayV2::Authorizer", "AWS::ApiGatewayV2::ApiMapping", "AWS::ApiGatewayV2::DomainName",
                     "AWS::ApiGateway::Resource", "AWS::ApiGateway::Method", "AWS::ApiGateway::Deployment",
                     "AWS::ApiGateway::Stage", "AWS::ApiGateway::Authorizer", "AWS::ApiGateway::GatewayResponse",
                     "AWS::ApiGateway::UsagePlan", "AWS::ApiGateway::UsagePlanKey", "AWS::ApiGateway::ApiKey",
                     "AWS::ApiGateway::Account", "AWS::ApiGateway::DomainName", "AWS::ApiGateway::BasePathMapping",
                     "AWS::ApiGateway::RequestValidator", "AWS::ApiGateway::Model"), "billed as the API's requests"),
    **dict.fromkeys(("AWS::SQS::QueuePolicy", "AWS::S3::BucketPolicy", "AWS::SNS::TopicPolicy",
                     "AWS::SNS::Subscription", "AWS::Events::EventBusPolicy", "AWS::Logs::ResourcePolicy",
                     "AWS::KMS::Alias"), "a policy or attachment: free"),
    **dict.fromkeys(("AWS::Events::EventBus", "AWS::Events::Rule"), "billed as the events put (EventBridge lines)"),
    **dict.fromkeys(("AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::RouteTable", "AWS::EC2::Route",
                     "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::InternetGateway",
                     "AWS::EC2::VPCGatewayAttachment", "AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress",
                     "AWS::EC2::SecurityGroupEgress", "AWS::EC2::NetworkAcl", "AWS::EC2::NetworkAclEntry",
                     "AWS::EC2::SubnetNetworkAclAssociation", "AWS::EC2::EgressOnlyInternetGateway",
                     "AWS::EC2::VPCCidrBlock", "AWS::EC2::SubnetCidrBlock"), "VPC networking: free"),
    "AWS::EC2::FlowLog": "billed as its log group's ingestion",
    **dict.fromkeys(("AWS::ECS::Cluster", "AWS::ECS::ClusterCapacityProviderAssociations"),
                    "billed as its tasks"),
    **dict.fromkeys(("AWS::ApplicationAutoScaling::ScalableTarget", "AWS::ApplicationAutoScaling::ScalingPolicy"),
                    "Application Auto Scaling is free"),
    **dict.fromkeys(("AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancingV2::TargetGroup",
                     "AWS::ElasticLoadBalancingV2::ListenerRule", "AWS::ElasticLoadBalancingV2::ListenerCertificate"),
                    "billed as its load balancer's hours and capacity units"),
    **dict.fromkeys(("AWS::CodeDeploy::Application", "AWS::CodeDeploy::DeploymentGroup",
                     "AWS::CodeDeploy::DeploymentConfig"), "CodeDeploy to Lambda is free"),
    **dict.fromkeys(("AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain",
                     "AWS::Cognito::UserPoolResourceServer", "AWS::Cognito::UserPoolGroup"),
                    "billed as the user pool's active users"),
    "AWS::CertificateManager::Certificate": "public certificates are free",
    "AWS::Route53::RecordSet": "alias records answer free; other queries cost $0.40 per million",
    "AWS::CDK::Metadata": "CDK's version record",
}


def classify(resource_type: str) -> str:
    """"priced", "free" or "not priced"; custom resources run only while deploying (free to keep)."""
    if resource_type in PRICED:
        return "priced"
    if resource_type in FREE or resource_type.startswith("Custom::") or \
            resource_type == "AWS::CloudFormation::CustomResource":
        return "free"
    return "not priced"
