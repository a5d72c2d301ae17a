"""AWS CDK v2 constructs for Python serverless backends."""

from .errors import ConfigError
from .function import ServerlessFunction

__all__ = ["ConfigError", "ServerlessFunction"]
