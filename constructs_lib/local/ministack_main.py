# pyright: reportMissingImports=false
# (MiniStack is installed in its own virtualenv, whose interpreter runs this file; the project's has none.)
"""MiniStack, started with the local loop's corrections. Run by MiniStack's own interpreter (its venv holds only
`ministack` and `boto3`), so this file imports nothing of the library.

EventBridge invokes a Lambda target asynchronously: in AWS, Lambda's retries (2 by default) and the function's
on-failure destination apply to an event its handler fails. MiniStack 1.5.33 runs the target once in a thread, so
such an event was neither retried nor sent to the on-failure queue. Here it takes MiniStack's own async-invoke path
(`invoke_async_with_retry`), which its S3 notifications already take. If a MiniStack version lacks either function,
it runs unchanged. SNS's Lambda subscriptions were run once in the same way, and take the same path.

With CONSTRUCTS_LIB_PERMISSIONS set (the file `local deploy` writes: what each deployed function's role allows),
every Python handler worker runs `iam_guard.py` (beside this file) before it imports a handler: a call the role
does not allow is refused with AWS's AccessDenied, as Lambda would have it refused.
"""

import json
import logging
import os
from pathlib import Path

from ministack.app import main
from ministack.services import eventbridge, lambda_svc, sns

logger = logging.getLogger("constructs-lib")


def _dispatch_to_lambda_async(arn, payload):
    try:
        event = json.loads(payload)
    except (json.JSONDecodeError, TypeError):
        event = {"body": payload}
    func, config, name = lambda_svc._get_func_record_for_ref(arn)
    if not func or not config:
        logger.warning("EventBridge -> Lambda: function %s not found", name)
        return
    lambda_svc.invoke_async_with_retry(lambda_svc._execution_record_for_config(func, config), event)


def _deliver_sns_to_lambda_async(endpoint, envelope, topic_arn, sub_arn, msg_id, raw_message, message_attributes):
    """SNS invokes Lambda asynchronously too: Lambda's retries and the on-failure destination apply."""
    func, config, name = lambda_svc._get_func_record_for_ref(endpoint)
    if not func or not config:
        logger.warning("SNS -> Lambda: function %s not found", name)
        return
    event = {"Records": [{"EventVersion": "1.0", "EventSubscriptionArn": sub_arn, "EventSource": "aws:sns",
                          "Sns": json.loads(envelope)}]}
    lambda_svc.invoke_async_with_retry(lambda_svc._execution_record_for_config(func, config), event)


_ASYNC = all(hasattr(lambda_svc, f) for f in ("_get_func_record_for_ref", "_execution_record_for_config",
                                              "invoke_async_with_retry"))
if _ASYNC and hasattr(eventbridge, "_dispatch_to_lambda"):
    eventbridge._dispatch_to_lambda = _dispatch_to_lambda_async
if _ASYNC and hasattr(sns, "_deliver_to_lambda"):
    sns._deliver_to_lambda = _deliver_sns_to_lambda_async

def _guard_bootstrap(permissions):
    """Python that installs the IAM guard in a worker, in a namespace of its own (the worker script's names stay)."""
    guard = Path(__file__).with_name("iam_guard.py")
    return ("def _constructs_lib_guard():\n"
            "    namespace = {}\n"
            f"    exec(compile({guard.read_text()!r}, {str(guard)!r}, 'exec'), namespace)\n"
            f"    namespace['install']({permissions!r})\n"
            "_constructs_lib_guard()\n")


if os.environ.get("CONSTRUCTS_LIB_PERMISSIONS"):
    from ministack.core import lambda_runtime

    _bootstrap = _guard_bootstrap(os.environ["CONSTRUCTS_LIB_PERMISSIONS"])
    for _module, _script in ((lambda_runtime, "_PYTHON_WORKER_SCRIPT"), (lambda_svc, "_WRAPPER_SCRIPT")):
        if isinstance(getattr(_module, _script, None), str):
            setattr(_module, _script, _bootstrap + getattr(_module, _script))

if __name__ == "__main__":
    main()
