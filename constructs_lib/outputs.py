"""Stack outputs with names a script can read: `ApiUrl`, `JobsApiUrl`, not `ApiApiUrl5FAAD164`."""

from __future__ import annotations

import re

from aws_cdk import CfnOutput, Stack
from constructs import Construct


def stable_output(construct: Construct, name: str, value: str, description: str) -> CfnOutput:
    """An output named after the construct's path inside its stack plus `name` (`Api` + `Url` -> `ApiUrl`).

    The name changes only when the construct is renamed or moved, never with CDK's hashing.
    """
    output = CfnOutput(construct, name, value=value, description=description)
    stack = Stack.of(construct)
    relative = construct.node.path[len(stack.node.path):].strip("/")
    words = re.split(r"[^A-Za-z0-9]+", relative)
    output.override_logical_id("".join(word[:1].upper() + word[1:] for word in words) + name)
    return output
