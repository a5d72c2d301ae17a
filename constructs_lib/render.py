"""Render late: properties that depend on everything added to a construct, written once, just before synthesis.

An alarm's queries and the dashboard's body grow as triggers are bound. Rewriting them on each change costs a jsii
round trip each time, and aws-cdk-lib's `Lazy` producers cannot be written in Python (their resolve context does
not cross jsii). CDK validates the construct tree after preparing it and before writing templates: one
validation per stack renders everything registered here, in one call from Node to Python.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

import jsii
from aws_cdk import Stack
from constructs import IConstruct, IValidation

from . import reads

_RENDERERS: weakref.WeakKeyDictionary[Stack, list[Callable[[], None]]] = weakref.WeakKeyDictionary()


@jsii.implements(IValidation)
class _RenderBeforeSynth:
    def __init__(self, renderers: list[Callable[[], None]]) -> None:
        self.renderers = renderers

    def validate(self) -> list[str]:
        for render in self.renderers:
            render()
        return []


def before_synth(scope: IConstruct, render: Callable[[], None]) -> None:
    """Call `render` once the app is complete, before its templates are written (every synth)."""
    stack = reads.stack_of(scope)
    renderers = _RENDERERS.get(stack)
    if renderers is None:
        renderers = _RENDERERS[stack] = []
        stack.node.add_validation(_RenderBeforeSynth(renderers))
    renderers.append(render)
