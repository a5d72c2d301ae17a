"""ECS task scale-in protection for a worker that holds a message. Standard library only: copy this file
into your container (the example worker links it), or install constructs-lib in the image.

    with protected(minutes=60):
        process(message)          # scale-in will not stop this task until the block ends

Outside ECS (no ECS_AGENT_URI, e.g. in tests or locally) it does nothing.
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-scale-in-protection-endpoint.html
"""

from __future__ import annotations

import contextlib
import json
import os
import urllib.request
from collections.abc import Iterator

_TIMEOUT_S = 5


def set_protection(enabled: bool, minutes: int = 60) -> bool:
    """Turn protection on (for `minutes`, 1..2880) or off. False when not on ECS or the agent refused."""
    agent = os.environ.get("ECS_AGENT_URI")
    if not agent:
        return False
    body: dict[str, object] = {"ProtectionEnabled": enabled}
    if enabled:
        body["ExpiresInMinutes"] = max(1, min(int(minutes), 2880))
    request = urllib.request.Request(f"{agent}/task-protection/v1/state", data=json.dumps(body).encode(),
                                     method="PUT", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:  # noqa: S310 - ECS agent URI
            return 200 <= response.status < 300 and "failure" not in json.loads(response.read() or b"{}")
    except OSError:
        return False


@contextlib.contextmanager
def protected(minutes: int = 60) -> Iterator[bool]:
    """Protect the task while the block runs; yields whether protection is on."""
    enabled = set_protection(True, minutes)
    try:
        yield enabled
    finally:
        if enabled:
            set_protection(False)


if __name__ == "__main__":
    # `python -m constructs_lib.fargate.task_protection path/to/image_folder`: copy this helper beside your worker,
    # for a Dockerfile to COPY (the image does not need constructs-lib or the CDK installed).
    import shutil
    import sys

    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: python -m constructs_lib.fargate.task_protection <image folder>")
    target = os.path.join(sys.argv[1], "task_protection.py")
    shutil.copyfile(__file__, target)
    print(f"copied task_protection.py to {target}")
