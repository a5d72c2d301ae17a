"""What functions logged on the local AWS, read from their log groups as it arrives."""

from __future__ import annotations

import time
from collections.abc import Callable

from .app import LocalFunction
from .aws import LocalAws

OnLog = Callable[[str, str], None]  # (function path, message)


def log_groups(function: LocalFunction, names: dict[str, str]) -> list[str]:
    """The function's own log group (ServerlessFunction sets one), and Lambda's default name as a fallback."""
    groups = [names[function.log_group]] if function.log_group in names else []
    if function.logical_id in names:
        groups.append(f"/aws/lambda/{names[function.logical_id]}")
    return groups


def follow_logs(aws: LocalAws, functions: list[LocalFunction], since_ms: int, wait_s: float, on_log: OnLog,
                *, follow: bool = False, quiet_after_s: float = 3.0) -> int:
    """Pass each new log line of `functions` since `since_ms` to `on_log`, for up to `wait_s` (until `quiet_after_s`
    without a new line, once there was one), or until interrupted with `follow`. Returns how many lines came."""
    logs = aws.client("logs")
    groups = [(f.path, group) for f in functions for group in log_groups(f, aws.names(f.stack))]
    seen: set[str] = set()
    deadline = time.monotonic() + wait_s
    quiet_since = time.monotonic()
    while True:
        for path, group in groups:
            try:
                events = logs.filter_log_events(logGroupName=group, startTime=since_ms).get("events", [])
            except Exception:  # noqa: BLE001 - a group not created yet: nothing logged
                continue
            for event in events:
                key = event.get("eventId") or f"{group}|{event.get('logStreamName')}|{event.get('timestamp')}|" \
                                              f"{event.get('message')}"
                if key not in seen:
                    seen.add(key)
                    quiet_since = time.monotonic()
                    on_log(path, event["message"].rstrip())
        now = time.monotonic()
        if not follow and (now > deadline or (seen and now - quiet_since > quiet_after_s)):
            return len(seen)
        time.sleep(0.5)
