"""Which IAM actions each boto3 operation needs: the data `tools/sdk_actions.py` generates from botocore's and
boto3's models and the Service Authorization Reference, read once per process. `aws_calls.py` finds the calls,
the rules name the grant for an action by its access level, and the local loop's IAM guard reads the same file.
"""

from __future__ import annotations

import functools
import gzip
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("sdk_actions.json.gz")


@functools.cache
def sdk_data() -> dict[str, Any]:
    """The generated operation -> action data (about 2 MB of JSON: read once per process)."""
    return json.loads(gzip.decompress(DATA.read_bytes()))


def access_level(action: str) -> str:
    """Read, Write, List, Permissions management or Tagging, as the Service Authorization Reference says."""
    return sdk_data()["levels"].get(action, "")
