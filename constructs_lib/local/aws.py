"""Calls to the local AWS: boto3 clients, signed HTTP requests, and what a deployed stack is called there."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from .app import AppError
from .server import ACCOUNT, REGION

SECRET = "local"  # noqa: S105 - the local AWS takes any secret for its test account


class LocalAws:
    """The local AWS at `endpoint` (MiniStack on 127.0.0.1, or AWS_ENDPOINT_URL's)."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self._clients: dict[str, Any] = {}
        self._names: dict[str, dict[str, str]] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            try:
                import boto3
            except ImportError:
                raise AppError("boto3 is not installed: install constructs-lib with its [local] extra") from None
            self._clients[service] = boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                                                  aws_access_key_id=ACCOUNT, aws_secret_access_key=SECRET)
        return self._clients[service]

    def names(self, stack: str) -> dict[str, str]:
        """Logical id -> physical id of a deployed stack's resources (a queue's is its URL)."""
        if stack not in self._names:
            try:
                listing = self.client("cloudformation").describe_stack_resources(StackName=stack)
            except Exception as error:  # noqa: BLE001 - botocore's errors: the stack is not deployed
                raise AppError(f"stack {stack} is not deployed locally: run `constructs-lib local deploy`") from error
            self._names[stack] = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in listing["StackResources"]}
        return self._names[stack]

    def outputs(self, stack: str) -> list[tuple[str, str]]:
        described = self.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
        return [(o["OutputKey"], o["OutputValue"]) for o in described.get("Outputs", [])]

    def http(self, method: str, url: str, *, body: bytes | None, headers: Mapping[str, str],
             signed_for: str | None) -> tuple[int, str]:
        """An HTTP request to the local AWS, SigV4-signed for `signed_for` (`execute-api`, `lambda`) when given."""
        sent = dict(headers)
        if signed_for:
            from botocore.auth import SigV4Auth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials

            request = AWSRequest(method=method, url=url, data=body, headers=sent)
            SigV4Auth(Credentials(ACCOUNT, SECRET), signed_for, REGION).add_auth(request)
            sent = dict(request.headers)
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=body, method=method, headers=sent),
                                        timeout=30) as response:  # noqa: S310 - the local endpoint
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")
