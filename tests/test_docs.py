"""The documentation: docs/ pages, their generated tables, the README's front door, and the built site (strict
mkdocs build, the API reference, and what a reader sees in a headless browser)."""

from __future__ import annotations

import html
import inspect
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

import constructs_lib
from constructs_lib.docs_tables import between, tables

from .conftest import ROOT
from .test_docstrings import NOT_KEYWORDS, constructors

DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text()
ARTIFACTS = ROOT / "artifacts" / "docs"


@pytest.mark.parametrize("page", sorted(tables()))
def test_the_generated_tables_are_current(page):
    marker, make = tables()[page]
    assert between((DOCS / page).read_text(), marker) == make(), "regenerate: python -m constructs_lib.docs_tables"


def test_the_rule_table_lists_every_rule():
    from constructs_lib.rules import RULES

    assert between((DOCS / "rules.md").read_text(), "rules").count("\n| `") == len(RULES)


def test_the_readme_table_gives_every_keyword_of_every_constructor():
    table = between(README, "constructs")
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        name = re.search(r"`(\w+)", cells[0]).group(1)  # type: ignore[union-attr]
        rows[name] = " ".join(cells)
    for label, function, _ in constructors():
        name = label.split(".")[0].split("(")[0]
        if name == "FargateBase" and "." in label:
            continue  # shared_cluster / shared_vpc: for subclass authors, in the API reference
        row = rows.get(name)
        assert row is not None, f"{name} has no row in the README's constructs table"
        for parameter in inspect.signature(function).parameters.values():
            if parameter.name in NOT_KEYWORDS or parameter.kind is parameter.VAR_KEYWORD:
                continue
            assert f"`{parameter.name}" in row or f"{parameter.name}," in row or f"{parameter.name})" in row or \
                f"{parameter.name}=" in row, f"{label}: {parameter.name} is not in the README's table"


def test_every_public_name_has_a_page_and_every_readme_link_resolves():
    pages = "\n".join(p.read_text() for p in DOCS.glob("*.md"))
    for name in constructs_lib.__all__:
        assert f"`{name}" in pages and f".{name}\n" in pages, name  # a page of its own, and the API reference
    for link in re.findall(r"\]\((docs/[^)#]+)", README):
        assert (ROOT / link).is_file(), link
    nav = (ROOT / "mkdocs.yml").read_text()
    for page in DOCS.glob("*.md"):
        assert page.name in nav, f"{page.name} is not in mkdocs.yml's nav"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site as `make docs` builds it (strict: a warning, such as a broken link, fails)."""
    folder = tmp_path_factory.mktemp("site")
    done = subprocess.run([str(ROOT / ".venv-docs" / "bin" / "mkdocs"), "build", "--strict", "--quiet", "-d",
                           str(folder)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    return folder


def test_the_api_reference_lists_every_public_name_with_each_keyword_and_its_default(site):
    page = html.unescape(re.sub(r"<[^>]+>", " ", (site / "reference" / "index.html").read_text()))
    text = " ".join(page.split())
    for label, function, docstring in constructors():
        name = label.split(".")[0].split("(")[0]
        assert name in text, name
        for parameter in inspect.signature(function).parameters.values():
            if parameter.name in NOT_KEYWORDS:
                continue
            assert parameter.name in text, f"{label}: {parameter.name}"
        for default in re.findall(r"Default: ([^.(]+)", docstring)[:3]:  # the defaults as written, rendered
            assert " ".join(default.replace("`", "").split()) in text, f"{label}: Default: {default}"


def test_the_site_renders_in_a_headless_browser(site):
    """Chromium (from npm: @sparticuz/chromium) opens the built site: the quick start and the ServerlessFunction
    reference are on screen. Screenshots go to artifacts/docs/ (CI keeps them)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    node = ROOT / "node_modules" / ".bin" / "node"
    done = subprocess.run([str(node), str(ROOT / "tests" / "docs_site.mjs"), str(site), str(ARTIFACTS)], cwd=ROOT,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["home"] == {"title": "constructs-lib", "quickStart": True, "example": True, "navigation": True}
    assert seen["reference"] == {"heading": True, "memorySize": True, "default256": True}
    assert (ARTIFACTS / "quick-start.png").stat().st_size > 10_000
    assert (ARTIFACTS / "serverless-function.png").stat().st_size > 10_000
