"""The example product: uploads are checked, jobs run on Lambda or Fargate, an API serves status."""

from __future__ import annotations

import os

import aws_cdk as cdk
from constructs import Construct

from constructs_lib import ServerlessFunction


class ServerlessAppStack(cdk.Stack):
    """The Lambda side: deployable to AWS or to a local MiniStack."""

    def __init__(self, scope: Construct, id: str, **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)
        ServerlessFunction(self, "Hello", source="hello")


def build_app(app: cdk.App) -> None:
    env = cdk.Environment(
        account=os.environ.get("CDK_DEFAULT_ACCOUNT", "123456789012"),
        region=os.environ.get("CDK_DEFAULT_REGION", os.environ.get("AWS_REGION", "us-east-1")),
    )
    ServerlessAppStack(app, "ServerlessApp", env=env)
