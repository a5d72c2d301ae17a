"""packaging/environment.py: what a handler reads from its environment, found in its source."""

from __future__ import annotations

from pathlib import Path

from constructs_lib.packaging.environment import environment_reads


def reads_of(tmp_path: Path, code: str) -> list[tuple[int, str, bool, bool]]:
    path = tmp_path / "lambda_function.py"
    path.write_text(code)
    return [(r.line, r.name, r.required, r.has_default) for r in environment_reads([path])]


def test_every_way_of_reading_is_found_with_its_line(tmp_path):
    code = """\
import os
import os as system
from os import environ, getenv
from os import environ as env

A = os.environ["A"]
B = os.environ.get("B")
C = os.environ.get("C", "default")
D = os.getenv("D")
E = os.getenv("E", default="x")
F = environ["F"]
G = getenv("G")
H = system.environ["H"]
I = env["I"]


def handler(event, context):
    return os.environ["J"]
"""
    assert reads_of(tmp_path, code) == [
        (6, "A", True, False), (7, "B", False, False), (8, "C", False, True), (9, "D", False, False),
        (10, "E", False, True), (11, "F", True, False), (12, "G", False, False), (13, "H", True, False),
        (14, "I", True, False), (18, "J", True, False)]


def test_dynamic_names_set_or_checked_variables_and_other_mappings_are_not_reads(tmp_path):
    code = """\
import os

name = "X"
os.environ["SET_HERE"] = "1"
os.environ.setdefault("DEFAULTED", "1")
DYNAMIC = os.environ[name]
JOINED = os.environ["PRE" + "FIX"]
USED = os.environ["SET_HERE"], os.environ["DEFAULTED"]
if "CHECKED" in os.environ:
    CHECKED = os.environ["CHECKED"]
config = {"A": 1}
NOT_ENV = config["A"]
"""
    assert reads_of(tmp_path, code) == []


def test_a_file_that_does_not_parse_is_left_to_the_import_check(tmp_path):
    assert reads_of(tmp_path, "def broken(:\n    os.environ['A']\n") == []
