#!/usr/bin/env python3
"""The example application: every construct of the library in real use (see README, "The example app")."""

import aws_cdk as cdk

from example.stacks import build_app

app = cdk.App()
build_app(app)
app.synth()
