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

Stream mappings (Kinesis, DynamoDB): MiniStack 1.5.33 retries a failed batch whole, forever, and reads no partial
batch response, so one poison record stops its shard. A mapping with bounded retries (MaximumRetryAttempts >= 0)
runs here as Lambda runs it (`stream_batches.py`, beside this file): partial batch responses checkpoint, a failed
batch is bisected, a record given up on goes, as a pointer, to the mapping's on-failure queue, and the shard moves on.
"""

import contextlib
import contextvars
import importlib.util
import json
import logging
import os
from pathlib import Path

from ministack.app import main
from ministack.services import eventbridge, lambda_svc, sns
from ministack.services import sqs as ministack_sqs

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

def _load_sibling(name):
    spec = importlib.util.spec_from_file_location(f"constructs_lib_{name}", Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


stream_batches = _load_sibling("stream_batches")
_POLLING = contextvars.ContextVar("constructs_lib_polling_streams", default=False)
_run_function = lambda_svc._execute_function


def _polling(poll):
    """A stream poller, during which a batch handed to the function runs as Lambda runs it (`_run_stream_batch`)."""
    def polling():
        token = _POLLING.set(True)
        try:
            return poll()
        finally:
            _POLLING.reset(token)
    return polling


def _mapping_for(records, func):
    """The stream mapping that read `records` for `func` (by the stream's ARN, then the function)."""
    arn = records[0].get("eventSourceARN", "")
    config = func.get("config") or func
    name = config.get("FunctionName", "")
    found = [esm for _, _, esm in lambda_svc._iter_all_esms() if esm.get("EventSourceArn") == arn]
    if len(found) > 1:
        found = [esm for esm in found if name and name in f"{esm.get('FunctionArn', '')}{esm.get('FunctionName', '')}"]
    return found[0] if len(found) == 1 else None


def _run_stream_batch(func, event):
    records = event.get("Records") if isinstance(event, dict) else None
    stream = bool(records) and isinstance(records[0], dict) and records[0].get("eventSource") in (
        "aws:kinesis", "aws:dynamodb")
    esm = _mapping_for(records, func) if stream and _POLLING.get() else None
    retries = esm.get("MaximumRetryAttempts", -1) if esm else -1
    if esm is None or not isinstance(retries, int) or retries < 0:
        return _run_function(func, event)  # not a bounded stream mapping's batch: MiniStack's own way
    logs, attempts = [], {"count": 0}

    def invoke(batch):
        attempts["count"] += 1
        result = _run_function(func, {**event, "Records": batch})
        logs.append(result.get("log", ""))
        body = result.get("body")
        if isinstance(body, str):
            with contextlib.suppress(ValueError):
                body = json.loads(body)
        return bool(result.get("error")), body

    def on_failure(batch):
        destination = ((esm.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        record = stream_batches.failure_record(batch, function_arn=(func.get("config") or func).get("FunctionArn", ""),
                                               stream_arn=esm.get("EventSourceArn", ""), attempts=attempts["count"])
        logger.warning("stream mapping %s gave up on %d record(s) from %s", esm.get("UUID"), len(batch),
                       stream_batches.sequence_number(batch[0]))
        queue = ministack_sqs._queue_by_arn(destination) if destination else None
        try:
            if queue is not None:
                ministack_sqs._act_send_message({"MessageBody": json.dumps(record)}, queue["url"])
        except Exception:  # the destination refused it: said, as Lambda's own failures are, and the shard moves on
            logger.exception("stream mapping %s could not send to its on-failure queue %s", esm.get("UUID"),
                             destination)

    stream_batches.process_batch(
        records, invoke, bisect=bool(esm.get("BisectBatchOnFunctionError")), retry_attempts=retries,
        report_failures="ReportBatchItemFailures" in (esm.get("FunctionResponseTypes") or []), on_failure=on_failure)
    return {"body": {"batchItemFailures": []}, "log": "\n".join(part for part in logs if part)}


if all(hasattr(lambda_svc, f) for f in ("_execute_function", "_poll_kinesis", "_poll_dynamodb_streams",
                                        "_iter_all_esms")) and hasattr(ministack_sqs, "_act_send_message"):
    lambda_svc._execute_function = _run_stream_batch
    lambda_svc._poll_kinesis = _polling(lambda_svc._poll_kinesis)
    lambda_svc._poll_dynamodb_streams = _polling(lambda_svc._poll_dynamodb_streams)


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
