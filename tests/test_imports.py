"""packaging/imports.py: the import check follows what runs when Lambda loads the handler (no jsii needed)."""

from __future__ import annotations

from pathlib import Path

from constructs_lib.packaging import imports, installed
from constructs_lib.packaging.stdlib import stdlib_modules

from .packages import function_folder


def check(tmp_path: Path, code: str, *, files: dict[str, str] | None = None, available=frozenset(),
          version=(3, 14)) -> list[str]:
    root = function_folder(tmp_path / "fn", code, files=files)
    found = imports.check_imports([root], "lambda_function", stdlib_modules(version) | available)
    return [f"{p.file.name}:{p.line} {p.module} {p.reason}" for p in found]


def test_import_check_follows_only_what_runs_at_load_time(tmp_path):
    code = "\n".join([
        "import json, os.path",
        "from typing import TYPE_CHECKING",
        "if TYPE_CHECKING:",
        "    import mypy_boto3_s3",
        "try:",
        "    import ujson",
        "except ImportError:",
        "    ujson = None",
        "def later():",
        "    import only_when_called",
        "class Config:",
        "    import yaml",
        "if os.environ.get('FAST'):",
        "    import orjson",
        "import helpers",
    ])
    problems = check(tmp_path, code, files={"helpers.py": "import requests\n"})
    assert problems == ["helpers.py:1 requests missing", "lambda_function.py:12 yaml missing",
                        "lambda_function.py:14 orjson missing"]


def test_import_check_resolves_packages_relative_imports_and_the_target_stdlib(tmp_path):
    files = {"app/__init__.py": "from . import models\nfrom .views import index\n", "app/models.py": "import sqlite3\n",
             "app/views.py": "from .missing import thing\n"}
    assert check(tmp_path, "import app", files=files) == ["views.py:1 .missing missing"]
    # cgi left the standard library in 3.13: fine on python3.12, missing on python3.14.
    assert check(tmp_path / "a", "import cgi", version=(3, 12)) == []
    assert check(tmp_path / "b", "import cgi", version=(3, 14)) == ["lambda_function.py:1 cgi missing"]
    assert check(tmp_path / "c", "import boto3", available=installed.RUNTIME_PROVIDED_MODULES) == []


