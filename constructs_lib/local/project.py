"""A CDK app folder as the local loop sees it: its state (`.constructs-lib/`), its synth for the local AWS, and
whether that synth is still current (a content hash of every file the app is made of)."""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..cdk_cli import failure_line, run_cdk
from ..context import LOCAL_DEPLOY, cli_arguments
from .app import AppError, LocalApp, read_app
from .server import CREDENTIALS

Progress = Callable[[str], None]

# Never part of what an app is made of: tool state, dependencies, caches, outputs.
_ALWAYS_EXCLUDED = (".constructs-lib", "cdk.out", "node_modules", ".git", "__pycache__", ".venv*", "venv",
                    ".pytest_cache", ".mypy_cache", ".ruff_cache", "*.pyc", ".DS_Store", "*.egg-info")


def quiet(_: str) -> None:
    """A progress callback that says nothing."""


class Project:
    """The app in `app_dir` (the folder with `cdk.json`)."""

    def __init__(self, app_dir: Path) -> None:
        self.app_dir = app_dir.resolve()
        if not (self.app_dir / "cdk.json").exists():
            raise AppError(f"no cdk.json in {self.app_dir}: run this in a CDK app folder (`cdk init app --language "
                           "python` makes one)")
        self.state_dir = self.app_dir / ".constructs-lib"
        self.cdk_out = self.state_dir / "cdk.out"
        # What the local AWS keeps across a restart of its server (until `local destroy`).
        self.aws_state_dir = self.state_dir / "aws"

    # --- state: the local AWS, the deployed stacks, the last command ------------------------------------------

    def state(self) -> dict[str, Any]:
        path = self.state_dir / "local.json"
        if not path.exists():
            return {}
        try:
            state = json.loads(path.read_text())
        except ValueError as error:
            raise AppError(f"{path.relative_to(self.app_dir)} is not valid JSON ({error}): delete it, and stop the "
                           "local AWS it recorded if one still runs") from None
        return state if isinstance(state, dict) else {}

    def save_state(self, state: dict[str, Any]) -> None:
        self.state_dir.mkdir(exist_ok=True)
        (self.state_dir / ".gitignore").write_text("*\n")
        (self.state_dir / "local.json").write_text(json.dumps(state, indent=2))

    def update_state(self, **changes: Any) -> dict[str, Any]:
        state = {**self.state(), **changes}
        self.save_state(state)
        return state

    # --- the synthesized app ------------------------------------------------------------------------------

    def synth(self, progress: Progress = quiet) -> LocalApp:
        """`cdk synth` for the local AWS (dependencies for this machine's Python, one alarm per signal, no CodeDeploy)
        into `.constructs-lib/cdk.out`; the user's own `cdk.out` is left alone."""
        started = time.monotonic()
        inputs = self.inputs_hash()
        result = run_cdk(self.app_dir, ["synth", "--quiet", "--output", str(self.cdk_out),
                                        *cli_arguments(LOCAL_DEPLOY)], CREDENTIALS)
        if result.returncode != 0:
            raise AppError(f"`cdk synth` failed: {failure_line(result)}")
        self.update_state(synthesized=inputs)
        progress(f"synthesized in {time.monotonic() - started:.1f} s")
        return read_app(self.cdk_out)

    def current(self, progress: Progress = quiet) -> LocalApp:
        """The synthesized app, synthesized again when a file of the app or of a function's source changed since."""
        if not (self.cdk_out / "manifest.json").exists():
            return self.synth(progress)
        if self.state().get("synthesized") != self.inputs_hash():
            progress("the app's files changed since the last synth: synthesizing again")
            return self.synth(progress)
        return read_app(self.cdk_out)

    def deployed_app(self) -> LocalApp:
        """The app as it was deployed (its last synth)."""
        return read_app(self.cdk_out)

    # --- what the app is made of ----------------------------------------------------------------------------

    def inputs_hash(self) -> str:
        """A hash of the content of every file the app is made of: the app folder (but for cdk.json's `watch`
        excludes and tool folders) and the source folders of its functions outside it."""
        digest = hashlib.sha256()
        for path in sorted(set(self._input_files())):
            digest.update(str(path).encode() + b"\0")
            digest.update(_file_hash(path).encode())
        return digest.hexdigest()

    def _input_files(self) -> Iterator[Path]:
        excluded = (*_ALWAYS_EXCLUDED, *self._watch_excludes())
        yield from _files(self.app_dir, self.app_dir, excluded)
        for folder in self._outside_sources():
            yield from _files(folder, folder, _ALWAYS_EXCLUDED)

    def _watch_excludes(self) -> list[str]:
        try:
            config = json.loads((self.app_dir / "cdk.json").read_text())
        except (OSError, ValueError):
            return []
        return [str(p).rstrip("/").removeprefix("**/") for p in config.get("watch", {}).get("exclude", [])]

    def _outside_sources(self) -> list[Path]:
        """Source folders of the last synth's functions that are not inside the app folder."""
        if not (self.cdk_out / "manifest.json").exists():
            return []
        try:
            functions = read_app(self.cdk_out).functions
        except AppError:
            return []
        folders = {(self.app_dir / f.source_dir).resolve() for f in functions if f.source_dir}
        return sorted(f for f in folders if f.is_dir() and not f.is_relative_to(self.app_dir))


def _files(folder: Path, root: Path, excluded: tuple[str, ...]) -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(folder):
        relative = Path(directory).relative_to(root)
        subdirectories[:] = [d for d in subdirectories if not _excluded(relative / d, excluded)]
        for name in files:
            if not _excluded(relative / name, excluded):
                yield Path(directory) / name


def _excluded(relative: Path, patterns: tuple[str, ...]) -> bool:
    text = relative.as_posix()
    return any(fnmatch.fnmatch(relative.name, p) or fnmatch.fnmatch(text, p) for p in patterns)


_HASHES: dict[tuple[str, int, int], str] = {}


def _file_hash(path: Path) -> str:
    """The file's content hash, read again only when its size or modification time changed (as uv keys its cache)."""
    status = path.stat()
    key = (str(path), status.st_size, status.st_mtime_ns)
    if key not in _HASHES:
        _HASHES[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _HASHES[key]
