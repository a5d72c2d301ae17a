"""The local loop for the user's own app, on a local AWS (MiniStack) without Docker or an AWS account: a library
of operations (each returns what happened, steps reported through a callback) that `constructs-lib local` prints.

deploy, invoke (with the event the function's own trigger sends), send (fire the trigger itself), watch (code
updates in place), logs, destroy. See docs/local.md.
"""

from __future__ import annotations

from .app import AppError, LocalApp, LocalFunction, LocalStack
from .operations import Deployed, Destroyed, Sent, deploy, destroy, invoke, logs, send, watch
from .project import Project
from .runner import Invocation

__all__ = ["AppError", "Deployed", "Destroyed", "Invocation", "LocalApp", "LocalFunction", "LocalStack", "Project",
           "Sent", "deploy", "destroy", "invoke", "logs", "send", "watch"]
