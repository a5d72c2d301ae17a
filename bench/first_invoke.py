"""Time one handler's import plus first invocation with the sample event, AWS calls answered by fakes."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(name: str, event_file: str) -> None:
    from tests.fakes import FakeEvents, FakeS3, FakeSQS

    event = json.loads((ROOT.parent / "shared" / "events" / event_file).read_text())
    for key, value in {"DATA_BUCKET": "data", "JOBS_QUEUE_URL": "q", "EVENT_BUS_NAME": "default"}.items():
        os.environ.setdefault(key, value)
    start = time.perf_counter()
    spec = importlib.util.spec_from_file_location("lambda_function", ROOT / "lambda_src" / name / "lambda_function.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    module._clients.update({"s3": FakeS3(), "sqs": FakeSQS(), "events": FakeEvents()})
    module.lambda_handler(event, None)
    print((time.perf_counter() - start) * 1000)


if __name__ == "__main__":
    main(*sys.argv[1:])
