"""One room per concern: the layout docs/layout.md promises, held by tests (no jsii needed)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import constructs_lib

PACKAGE = Path(constructs_lib.__file__).parent


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of the package it imports, every import statement counted (type-only ones too); a
    package importing its own submodules, or a module its parent package, is not an edge."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            if isinstance(node, ast.ImportFrom):
                base = name.split(".") if is_package else name.split(".")[:-1]
                if node.level:
                    base = base[: len(base) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                targets = [target, *(f"{target}.{alias.name}" for alias in node.names)]
            else:
                targets = [alias.name for alias in node.names]
            for target in targets:
                if target in modules and target != name and not (is_package and target.startswith(name + ".")) \
                        and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_type_only_imports_included():
    graph = import_graph()
    assert "constructs_lib.function" in graph and graph["constructs_lib.function"]  # the graph is really read
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_triggers_and_releases_know_the_function_only_by_its_protocol():
    graph = import_graph()
    for module in [m for m in graph if m.startswith("constructs_lib.triggers")] + ["constructs_lib.deployment"]:
        assert "constructs_lib.function" not in graph[module], module


def test_health_is_handed_where_alarms_go_and_never_imports_the_alerting_construct():
    graph = import_graph()
    health = [m for m in graph if m.startswith("constructs_lib.health")]
    assert len(health) >= 5 and not any("constructs_lib.alerting" in graph[m] for m in health)
    assert not any(m.startswith("constructs_lib.rules") and "constructs_lib.alerting" in graph[m] for m in graph)


def test_serverless_function_is_an_orchestrator_under_400_lines():
    """Releases, network placement, the role, health and acknowledgements live in their own modules. Docstrings
    do not count: the constructor documents each of its keywords (tests/test_docstrings.py)."""
    import ast

    source = (PACKAGE / "function.py").read_text()
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(
                getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
            docstrings |= set(range(body[0].lineno, (body[0].end_lineno or body[0].lineno) + 1))
    code = [n for n, _ in enumerate(source.splitlines(), start=1) if n not in docstrings]
    assert len(code) < 400


def test_the_rule_catalogue_lists_every_rules_module():
    from constructs_lib import rules

    on_disk = {m.name for m in pkgutil.iter_modules([str(PACKAGE / "rules")]) if not m.name.startswith("_")}
    assert set(rules.RULE_MODULES) == on_disk


def test_every_trigger_kind_has_one_adapter_shared_by_local_and_cost():
    from constructs_lib.adapters import ADAPTERS

    on_disk = {m.name for m in pkgutil.iter_modules([str(PACKAGE / "adapters")])} - {"base"}
    registered = {type(adapter).__module__.rsplit(".", 1)[-1] for adapter in ADAPTERS.values()}
    assert registered == on_disk
    # the command-line modules name no trigger kind themselves: they ask the adapters
    for module in ("local/operations.py", "local/app.py", "cost/estimate.py", "cost/model.py", "cli/local.py"):
        text = (PACKAGE / module).read_text()
        assert '== "sqs"' not in text and "== 'sqs'" not in text and 'kind == "s3"' not in text, module


def test_context_switches_are_named_once():
    for path in PACKAGE.rglob("*.py"):
        if path.name == "context.py":
            continue
        tree = ast.parse(path.read_text())
        docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
        named = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and id(node) not in docstrings
                 and isinstance(node.value, str) and node.value.startswith("constructs_lib:")]
        assert not named, f"{path.relative_to(PACKAGE)} names {named}: name context keys in context.py"


def test_the_command_line_tools_start_without_aws_cdk_lib():
    """`constructs-lib cost` and `local` import no jsii package until they synthesize (their start stays fast)."""
    import subprocess
    import sys

    code = ("import sys; import constructs_lib.cli, constructs_lib.local, constructs_lib.cost, "
            "constructs_lib.adapters; print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('aws_cdk', 'jsii', 'constructs')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_every_module_imports():
    for module in pkgutil.walk_packages([str(PACKAGE)], prefix="constructs_lib."):
        if module.name.endswith(("__main__", "handler_runner", "ministack_main")) or ".fargate" in module.name:
            continue
        if module.name.split(".")[1] in ("cli", "local", "cost", "adapters", "context", "assembly", "cdk_cli"):
            importlib.import_module(module.name)  # the others need jsii: imported by every other test


def test_the_fast_lane_runs_green_without_jsii():
    """`make test-fast`: the tests that need no jsii pass, and the ones that do skip themselves (never fail)."""
    import os
    import subprocess
    import sys

    import pytest

    if os.environ.get("CONSTRUCTS_LIB_FAST") == "1":
        pytest.skip("this test runs the fast lane itself")
    root = PACKAGE.parent
    done = subprocess.run([sys.executable, "-m", "pytest", "--ignore=tests/e2e", "--snapshot-warn-unused", "-q",
                           "-p", "no:cacheprovider", "-k", "not test_the_fast_lane_runs_green_without_jsii"],
                          cwd=root, capture_output=True, text=True, env={**os.environ, "CONSTRUCTS_LIB_FAST": "1"},
                          timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "skipped" in done.stdout


def test_no_public_signature_says_any():
    """Issue 31: every public construct's constructor, methods, properties and fields are typed (no `Any`): what an
    IDE and pyright show the user is what the library accepts."""
    import inspect
    import re

    import constructs_lib

    found = []
    for name in constructs_lib.__all__:
        cls = getattr(constructs_lib, name)
        for klass in [k for k in cls.__mro__ if k.__module__.startswith("constructs_lib")]:
            members = [("fields", getattr(klass, "__annotations__", {}))]
            for attribute, member in vars(klass).items():
                if attribute.startswith("_") and attribute != "__init__":
                    continue
                function = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
                if inspect.isfunction(function):
                    members.append((attribute, function.__annotations__))
            for member_name, hints in members:
                for key, annotation in hints.items():
                    if not key.startswith("_") and re.search(r"\bAny\b", str(annotation)):
                        found.append(f"{klass.__name__}.{member_name}: {key}: {annotation}")
    assert not found, "\n".join(sorted(set(found)))
