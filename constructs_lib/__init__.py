"""AWS CDK v2 constructs for Python serverless backends.

The constructs load on first use, so the `constructs-lib` command (cost, local) starts without loading
aws-cdk-lib's jsii runtime when it does not need it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Alerting": ".alerting", "ApiAuthorization": ".api", "ServerlessApi": ".api", "Cors": ".cors",
    "Deployment": ".deployment", "ProvisionedConcurrency": ".deployment", "ConfigError": ".errors",
    "FargateQueueWorker": ".fargate", "FargateScheduledTask": ".fargate", "FargateWebService": ".fargate",
    "ServerlessFunction": ".function", "PythonLayer": ".layers", "ApiTrigger": ".triggers.api",
    "EventTrigger": ".triggers.events", "S3Trigger": ".triggers.s3", "ScheduleTrigger": ".triggers.schedule",
    "QueueTrigger": ".triggers.sqs", "UrlTrigger": ".triggers.url", "TopicTrigger": ".triggers.sns",
    "StreamTrigger": ".triggers.streams",
}

__all__ = [
    "Alerting", "ApiAuthorization", "ApiTrigger", "ConfigError", "Cors", "Deployment", "EventTrigger",
    "FargateQueueWorker", "FargateScheduledTask", "FargateWebService", "ProvisionedConcurrency", "PythonLayer",
    "QueueTrigger", "S3Trigger", "ScheduleTrigger", "ServerlessApi", "ServerlessFunction", "StreamTrigger",
    "TopicTrigger", "UrlTrigger",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'constructs_lib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


if TYPE_CHECKING:
    from .alerting import Alerting
    from .api import ApiAuthorization, ServerlessApi
    from .cors import Cors
    from .deployment import Deployment, ProvisionedConcurrency
    from .errors import ConfigError
    from .fargate import FargateQueueWorker, FargateScheduledTask, FargateWebService
    from .function import ServerlessFunction
    from .layers import PythonLayer
    from .triggers.api import ApiTrigger
    from .triggers.events import EventTrigger
    from .triggers.s3 import S3Trigger
    from .triggers.schedule import ScheduleTrigger
    from .triggers.sns import TopicTrigger
    from .triggers.sqs import QueueTrigger
    from .triggers.streams import StreamTrigger
    from .triggers.url import UrlTrigger
