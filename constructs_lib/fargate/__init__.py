"""Fargate constructs for work that outlives Lambda's 15 minutes."""

from .base import FargateBase
from .queue_worker import FargateQueueWorker
from .scheduled_task import FargateScheduledTask
from .web_service import FargateWebService

__all__ = ["FargateBase", "FargateQueueWorker", "FargateScheduledTask", "FargateWebService"]
