"""Synthesize one variant in a fresh process, as `cdk synth` does: floor | plain | ours."""

from __future__ import annotations

import sys

import aws_cdk as cdk

from constructs_lib.testing import DEFAULT_ENV, FEATURE_FLAGS, LOOKUPS


def main(kind: str) -> None:
    # The cloud assembly goes where CDK_OUTDIR says, as under the CLI (bench/run.py gives and removes a folder).
    app = cdk.App(context={**FEATURE_FLAGS, **LOOKUPS})
    if kind == "floor":
        cdk.Stack(app, "Empty", env=DEFAULT_ENV)
        cdk.CfnWaitConditionHandle(app.node.children[0], "Nothing")  # an empty stack has no template
    elif kind == "plain":
        from bench.plain_app import PlainServerlessAppStack

        PlainServerlessAppStack(app, "ServerlessApp", env=DEFAULT_ENV)
    else:
        from example.stacks import ServerlessAppStack

        ServerlessAppStack(app, "ServerlessApp", env=DEFAULT_ENV)
    app.synth()


if __name__ == "__main__":
    main(sys.argv[1])
