"""Runs one Lambda handler once, as Lambda would: `python handler_runner.py MODULE HANDLER TIMEOUT NAME EVENT_FILE`.

A script of its own (no import of the library): `constructs-lib local invoke --no-deploy` starts it in a subprocess
whose working folder is the function's bundle, with the function's environment. It writes the handler's result as
JSON after a marker line, so that what the handler prints stays its log. With CONSTRUCTS_LIB_PERMISSIONS set, the
handler's AWS calls are held to its role first (`iam_guard.py`, beside this file).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import time
import uuid
from pathlib import Path

RESULT_MARK = "\n__constructs_lib_result__\n"


class Context:
    """What Lambda's context object offers a handler."""

    def __init__(self, name: str, timeout_s: float) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 128
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


def main(argv: list[str]) -> int:
    module_name, handler_name, timeout_s, name, event_file = argv
    if os.environ.get("CONSTRUCTS_LIB_PERMISSIONS"):
        spec = importlib.util.spec_from_file_location("iam_guard", Path(__file__).with_name("iam_guard.py"))
        assert spec is not None and spec.loader is not None
        guard = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(guard)
        guard.install(os.environ["CONSTRUCTS_LIB_PERMISSIONS"])
    sys.path.insert(0, ".")
    with open(event_file) as handle:
        event = json.load(handle)
    handler = getattr(importlib.import_module(module_name), handler_name)
    result = handler(event, Context(name, float(timeout_s)))
    sys.stdout.write(RESULT_MARK + json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
