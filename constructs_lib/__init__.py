"""AWS CDK v2 constructs for Python serverless backends."""

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
from .triggers.sqs import QueueTrigger
from .triggers.url import UrlTrigger

__all__ = [
    "Alerting", "ApiAuthorization", "ApiTrigger", "ConfigError", "Cors", "Deployment", "EventTrigger",
    "FargateQueueWorker", "FargateScheduledTask", "FargateWebService", "ProvisionedConcurrency", "PythonLayer",
    "QueueTrigger", "S3Trigger", "ScheduleTrigger", "ServerlessApi", "ServerlessFunction", "UrlTrigger",
]
