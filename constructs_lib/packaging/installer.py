"""Install a function's dependencies for the Lambda runtime's Python and architecture, without Docker.

The engine is uv (a dependency of this library): it resolves wheels for another platform and Python version
(`--python-platform`, `--python-version`), builds pure-Python sdists and refuses native ones for a foreign
target. pip (`--platform --only-binary=:all:`) is the fallback when uv is missing.

Installs are cached by content: the key is (lock content, Python version, platform, engine and version, the
pruning rules of `installed.py`). A hit does no network access and runs no subprocess, so a warm `cdk synth` pays
only for hashing the lock file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

from .installed import (
    Dependencies,
    describe,
    from_manifest,
    normalize,
    prune,
    requirement_name,
    requirement_names,
    to_manifest,
)

# Bump when pruning (installed.py) or the cache layout changes: old entries are then ignored, not reused.
CACHE_FORMAT = "8"


class InstallError(Exception):
    """An install that cannot succeed. `kind` selects the rule (and fix) the caller reports."""

    def __init__(self, kind: str, message: str, *, package: str | None = None, output: str = "") -> None:
        super().__init__(plain_text(message))
        self.kind = kind  # "no_wheel" | "native_sdist" | "offline" | "hash" | "lock" | "failed"
        self.package = package
        self.output = plain_text(output)


@dataclass(frozen=True)
class Target:
    """Where the code runs: a Python version and a platform (uv's `--python-platform` names)."""

    python: str  # "3.14"
    platform: str  # e.g. "aarch64-manylinux_2_34"; "host" installs for this machine (local runs)
    architecture: str  # "arm64", "x86_64" or "host"

    @classmethod
    def for_lambda(cls, runtime_name: str, architecture: str) -> Target:
        """Python 3.12+ runtimes run on Amazon Linux 2023 (glibc 2.34); older ones on Amazon Linux 2 (2.26)."""
        python = runtime_name.removeprefix("python")
        machine = "aarch64" if architecture == "arm64" else "x86_64"
        glibc = "manylinux_2_34" if tuple(map(int, python.split("."))) >= (3, 12) else "manylinux2014"
        return cls(python=python, platform=f"{machine}-{glibc}", architecture=architecture)

    @classmethod
    def host(cls) -> Target:
        """This machine's interpreter: for a local AWS (MiniStack) that runs handlers on the host's Python."""
        return cls(python=f"{sys.version_info[0]}.{sys.version_info[1]}", platform="host", architecture="host")

    @property
    def version(self) -> tuple[int, int]:
        major, minor = self.python.split(".")[:2]
        return int(major), int(minor)


@dataclass(frozen=True)
class Lock:
    """What to install: requirements text (exported from uv.lock when that is the source) and its origin."""

    path: Path  # requirements.txt or uv.lock
    requirements: str
    direct: frozenset[str]  # normalized names the user asked for directly

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.requirements.encode()).hexdigest()


def cache_dir() -> Path:
    """`$CONSTRUCTS_LIB_CACHE_DIR`, else the user cache folder (XDG)."""
    explicit = os.environ.get("CONSTRUCTS_LIB_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "constructs-lib"


def find_lock(folder: Path) -> Lock | None:
    """The folder's dependency declaration: `pyproject.toml` + `uv.lock`, else `requirements.txt`, else None."""
    pyproject, uv_lock, requirements = folder / "pyproject.toml", folder / "uv.lock", folder / "requirements.txt"
    if pyproject.is_file() and uv_lock.is_file():
        return _lock_from_uv(folder, pyproject, uv_lock)
    if requirements.is_file():
        text = requirements.read_text()
        return Lock(requirements, text, requirement_names(text)) if requirement_names(text) else None
    if pyproject.is_file() and _pyproject_dependencies(pyproject):
        raise InstallError("lock", f"{pyproject} declares dependencies but the folder has no uv.lock")
    return None


def _pyproject_dependencies(pyproject: Path) -> list[str]:
    import tomllib

    try:
        data = tomllib.loads(pyproject.read_text())
    except tomllib.TOMLDecodeError as error:
        raise InstallError("lock", f"{pyproject} is not valid TOML ({error})") from None
    dependencies = data.get("project", {}).get("dependencies", [])
    return [d for d in dependencies if isinstance(d, str)]


def _lock_from_uv(folder: Path, pyproject: Path, uv_lock: Path) -> Lock:
    """Export uv.lock to pinned, hashed requirements; cached by the lock's and pyproject's content."""
    digest = hashlib.sha256(uv_lock.read_bytes() + b"\0" + pyproject.read_bytes()).hexdigest()
    exported = cache_dir() / "exports" / f"{digest}.txt"
    if not exported.is_file():
        uv = uv_binary()
        if uv is None:
            raise InstallError("lock", f"{uv_lock} needs uv to export it, and uv is not installed")
        result = subprocess.run(
            [uv, "export", "--frozen", "--no-dev", "--no-emit-project", "--no-header", "--format", "requirements-txt",
             "--directory", str(folder)],
            capture_output=True, text=True, timeout=300, env=_quiet_env(),
        )
        if result.returncode != 0:
            raise InstallError("lock", f"uv export of {uv_lock} failed", output=result.stderr)
        _atomic_write(exported, result.stdout)
    direct = frozenset(normalize(requirement_name(d)) for d in _pyproject_dependencies(pyproject))
    return Lock(uv_lock, exported.read_text(), direct)


@cache
def uv_binary() -> str | None:
    if os.environ.get("CONSTRUCTS_LIB_INSTALLER") == "pip":
        return None
    try:
        from uv import find_uv_bin
    except ImportError:
        return shutil.which("uv")
    try:
        return find_uv_bin()
    except FileNotFoundError:
        return shutil.which("uv")


@cache
def engine() -> str:
    """The engine and its version: part of the cache key (a new resolver may pick other files)."""
    uv = uv_binary()
    if uv is not None:
        try:
            return f"uv {metadata.version('uv')}"
        except metadata.PackageNotFoundError:
            return subprocess.run([uv, "--version"], capture_output=True, text=True).stdout.strip()
    return f"pip {metadata.version('pip')}"


def cache_key(lock: Lock, target: Target) -> str:
    host = sysconfig.get_platform() + sys.version if target.platform == "host" else ""
    parts = [CACHE_FORMAT, lock.digest, target.python, target.platform, engine(), host]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def install(lock: Lock, target: Target) -> Dependencies:
    """The installed, pruned dependencies for `target`: from the cache, or installed now and cached."""
    key = cache_key(lock, target)
    root = cache_dir() / "deps"
    final, manifest = root / key, root / f"{key}.json"
    if final.is_dir() and manifest.is_file():
        return from_manifest(final, key, json.loads(manifest.read_text()))
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    try:
        _run_engine(lock, target, work)
        left_out = prune(work, lock.direct)
        dependencies = describe(work, key, left_out)
        _atomic_write(manifest, json.dumps(to_manifest(dependencies), indent=1, sort_keys=True))
        try:
            work.rename(final)
        except OSError:  # another synth finished the same install first: use it
            shutil.rmtree(work, ignore_errors=True)
        dependencies.path = final
        return dependencies
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _run_engine(lock: Lock, target: Target, out: Path) -> None:
    requirements = out.parent / f"{out.name}.requirements.txt"
    requirements.write_text(lock.requirements)
    try:
        uv = uv_binary()
        command = _uv_command(uv, target, out, requirements) if uv else _pip_command(target, out, requirements)
        cwd = lock.path.parent  # relative paths in requirements (-e ./x, --find-links ./wheels) resolve there
        result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=cwd, env=_quiet_env())
    finally:
        requirements.unlink(missing_ok=True)
    if result.returncode != 0:
        raise _classify(result.stderr + result.stdout, target)


def _uv_command(uv: str, target: Target, out: Path, requirements: Path) -> list[str]:
    command = [uv, "pip", "install", "--target", str(out), "--quiet", "-r", str(requirements)]
    if target.platform != "host":
        command += ["--python-platform", target.platform, "--python-version", target.python]
    else:
        command += ["--python", sys.executable]
    if os.environ.get("CONSTRUCTS_LIB_OFFLINE"):
        command.append("--offline")
    return command


def pip_platforms(target: Target) -> list[str]:
    """pip takes exact platform tags: every manylinux level up to the runtime's glibc."""
    machine, glibc = target.platform.split("-", 1)
    highest = 34 if glibc == "manylinux_2_34" else 17
    return ["manylinux2014_" + machine] + [f"manylinux_2_{minor}_{machine}" for minor in range(17, highest + 1)]


def _pip_command(target: Target, out: Path, requirements: Path) -> list[str]:
    command = [sys.executable, "-m", "pip", "install", "--target", str(out), "--no-compile", "--quiet",
               "--disable-pip-version-check", "-r", str(requirements)]
    if target.platform != "host":
        command += ["--only-binary=:all:", "--implementation", "cp", "--python-version", target.python]
        for platform in pip_platforms(target):
            command += ["--platform", platform]
    return command


def _quiet_env() -> dict[str, str]:
    """The installers' environment: no progress bars, no prompts, and no colour (the CDK CLI runs apps with
    FORCE_COLOR set, and uv's escape codes would end up in a ConfigError's text)."""
    colour = ("FORCE_COLOR", "CLICOLOR_FORCE", "UV_FORCE_COLOR")
    return {**{k: v for k, v in os.environ.items() if k not in colour}, "UV_NO_PROGRESS": "1", "PIP_NO_INPUT": "1",
            "NO_COLOR": "1"}


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def plain_text(output: str) -> str:
    """Installer output without terminal escape codes (colour, cursor moves)."""
    return _ANSI.sub("", output)


_NETWORK_SIGNS = ("network was disabled", "error sending request", "dns error", "failed to lookup address",
                  "connection refused", "tcp connect error", "network is unreachable", "temporary failure in name",
                  "failed to establish a new connection", "max retries exceeded")


def _classify(output: str, target: Target) -> InstallError:
    text = plain_text(output).strip()
    lowered = text.lower()
    if match := re.search(r"Because (\S+?)(?:==\S+)? has no wheels with a matching platform tag", text) or \
            re.search(r"(\S+?)(?:==\S+)? has no wheels with a matching (?:platform|Python) tag", text):
        return InstallError("no_wheel", f"{match.group(1)} has no wheel for {target.platform} / Python {target.python}",
                            package=match.group(1), output=text)
    if match := re.search(r"built wheel `([^-`]+)-[^`]*` is not compatible with the target", text):
        return InstallError("native_sdist", f"{match.group(1)} has native code and no wheel for {target.platform}",
                            package=match.group(1), output=text)
    if "hash mismatch" in lowered or "do not match the hashes" in lowered or "hashes are required" in lowered:
        return InstallError("hash", "a downloaded file does not match the hash pinned in the requirements",
                            output=text)
    if match := re.search(r"No matching distribution found for (\S+)", text):  # pip: no wheel for the platform
        return InstallError("no_wheel", f"{match.group(1)} has no wheel for {target.platform} / Python "
                            f"{target.python}", package=match.group(1), output=text)
    if any(sign in lowered for sign in _NETWORK_SIGNS):
        return InstallError("offline", "the package index could not be reached", output=text)
    return InstallError("failed", "the dependency install failed", output=text)


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    with os.fdopen(handle, "w") as out:
        out.write(text)
    os.replace(temporary, path)
