"""Issue 31: every public constructor documents every keyword, with its default, in its docstring (Google style
`Args:`), as aws-cdk documents each prop at its declaration: what an IDE's hover and the docs site's API page show."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator

import pytest

import constructs_lib
from constructs_lib.fargate.base import FargateBase

NOT_KEYWORDS = {"self", "cls", "scope", "id"}


def constructors() -> Iterator[tuple[str, Callable[..., object], str]]:
    """(name, callable, docstring) of each public way to make a public object: `__init__`, and the factory
    classmethods (`Deployment.canary`, `ApiAuthorization.jwt`, ...)."""
    for name in [*constructs_lib.__all__, "FargateBase"]:
        cls = FargateBase if name == "FargateBase" else getattr(constructs_lib, name)
        yield f"{name}()", cls.__init__, inspect.getdoc(cls.__init__) if "__init__" in vars(cls) and \
            vars(cls)["__init__"].__doc__ else inspect.getdoc(cls) or ""
        for attribute, member in vars(cls).items():
            if isinstance(member, classmethod) and not attribute.startswith("_"):
                yield f"{name}.{attribute}()", member.__func__, inspect.getdoc(member.__func__) or ""


def documented(docstring: str) -> dict[str, str]:
    """The `Args:` section of a Google-style docstring: keyword -> its text (continuation lines joined)."""
    section = re.split(r"^Args:\s*$", docstring, maxsplit=1, flags=re.M)
    if len(section) < 2:
        return {}
    entries: dict[str, str] = {}
    current = None
    for line in section[1].splitlines():
        if line and not line.startswith(" "):
            break  # the next section
        match = re.match(r"^ {4}\**(\w+)(?: \([^)]*\))?: ?(.*)$", line)
        if match:
            current = match.group(1)
            entries[current] = match.group(2)
        elif current and line.startswith("      "):
            entries[current] += " " + line.strip()
    return entries


CASES = list(constructors())


@pytest.mark.parametrize(("name", "function", "docstring"), CASES, ids=[c[0] for c in CASES])
def test_every_keyword_is_documented_with_its_default(name, function, docstring):
    entries = documented(docstring)
    problems = []
    for parameter in inspect.signature(function).parameters.values():
        if parameter.name in NOT_KEYWORDS or parameter.kind is parameter.VAR_POSITIONAL:
            continue
        text = entries.get(parameter.name)
        if text is None:
            problems.append(f"{parameter.name}: not in Args")
        elif parameter.kind is parameter.VAR_KEYWORD:
            continue
        elif parameter.default is parameter.empty and "Required" not in text:
            problems.append(f"{parameter.name}: required, and the entry does not say so (Required.)")
        elif parameter.default is not parameter.empty and "Default:" not in text:
            problems.append(f"{parameter.name}: the entry gives no Default:")
    assert not problems, f"{name}: " + "; ".join(problems)


def test_the_check_reads_what_it_should():
    text = "Doc.\n\nArgs:\n    a: one.\n      Default: 1.\n    b (int): two. Required.\n\nReturns:\n    x"
    assert documented(text) == {"a": "one. Default: 1.", "b": "two. Required."}
