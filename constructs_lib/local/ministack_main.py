"""MiniStack, started with the local loop's corrections. Run by MiniStack's own interpreter (its venv holds only
`ministack` and `boto3`), so this file imports nothing of the library.

EventBridge invokes a Lambda target asynchronously: in AWS, Lambda's retries (2 by default) and the function's
on-failure destination apply to an event its handler fails. MiniStack 1.5.33 runs the target once in a thread, so
such an event was neither retried nor sent to the on-failure queue. Here it takes MiniStack's own async-invoke path
(`invoke_async_with_retry`), which its S3 notifications already take. If a MiniStack version lacks either function,
it runs unchanged.
"""

import json
import logging

from ministack.app import main
from ministack.services import eventbridge, lambda_svc

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


if all(hasattr(lambda_svc, f) for f in ("_get_func_record_for_ref", "_execution_record_for_config",
                                          "invoke_async_with_retry")) and hasattr(eventbridge, "_dispatch_to_lambda"):
    eventbridge._dispatch_to_lambda = _dispatch_to_lambda_async

if __name__ == "__main__":
    main()
