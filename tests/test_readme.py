"""The README is the front door: keep it true."""

from __future__ import annotations

import re

import constructs_lib

from .conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_every_public_construct_is_in_the_front_door():
    for name in constructs_lib.__all__:
        assert f"`{name}" in README, name


def test_every_make_command_in_the_readme_and_the_docs_exists():
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), re.M))
    pages = "\n".join([README, *(p.read_text() for p in (ROOT / "docs").glob("*.md"))])
    for command in set(re.findall(r"make (?:-C \S+ )?([a-z][a-z-]*)", pages)):
        assert command in targets, command


def test_the_version_is_the_same_in_pyproject_the_changelog_and_the_install_lines():
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, re.M)
    install = README.split("<!-- install:start -->", 1)[1].split("<!-- install:end -->", 1)[0]
    assert f"constructs_lib-{version}-py3-none-any.whl" in install
