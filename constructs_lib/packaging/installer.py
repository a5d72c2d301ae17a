"""Install a function's dependencies for the Lambda runtime's Python and architecture, without Docker.

The engine is uv (a dependency of this library): it resolves wheels for another platform and Python version
(`--python-platform`, `--python-version`), builds pure-Python sdists and refuses native ones for a foreign
target. pip (`--platform --only-binary=:all:`) is the fallback when uv is missing.

Installs are cached by content: the key is (lock content, Python version, platform, engine and version, this
module's pruning rules). A hit does no network access and runs no subprocess, so a warm `cdk synth` pays
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
import zlib
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

# Bump when pruning or the cache layout changes: old entries are then ignored, not reused.
CACHE_FORMAT = "8"
# What every Python runtime of Lambda already provides (https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html):
# left out of bundles unless the requirements name one of them directly (then the pinned version ships).
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath"})
# Dependencies of the SDK that the runtime also has; left out only when nothing else in the bundle needs them.
RUNTIME_PROVIDED_SUPPORT = frozenset({"python-dateutil", "six", "urllib3"})
RUNTIME_PROVIDED_MODULES = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3",
                                      "awslambdaric"})
# Dead weight in installed packages: byte code (Lambda compiles on import; stale .pyc only cost space), type
# stubs, console scripts, and test suites shipped inside packages.
PRUNED_DIRS = frozenset({"__pycache__"})
PRUNED_PACKAGE_SUBDIRS = frozenset({"tests", "test"})
PRUNED_SUFFIXES = (".pyc", ".pyo", ".pyi", "py.typed")  # py.typed: a marker for type checkers
PRUNED_ROOT_DIRS = frozenset({"bin"})
# Install bookkeeping nothing reads at run time (METADATA, entry points and licenses stay: importlib.metadata and
# plugin discovery use them). Removed after the sizes per package are taken from RECORD.
INSTALL_RECORDS = ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json", "WHEEL")


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


@dataclass
class Dependencies:
    """An installed, pruned dependency set in the cache."""

    path: Path
    key: str
    packages: dict[str, dict[str, object]] = field(default_factory=dict)  # name -> version, bytes, tags
    unzipped_bytes: int = 0
    zipped_bytes: int = 0
    modules: frozenset[str] = frozenset()  # importable top-level names
    left_out: tuple[str, ...] = ()  # runtime-provided packages not shipped

    def largest(self, count: int = 5) -> list[tuple[str, int]]:
        sizes = [(name, int(info["bytes"])) for name, info in self.packages.items()]  # type: ignore[call-overload]
        return sorted(sizes, key=lambda item: -item[1])[:count]


def cache_dir() -> Path:
    """`$CONSTRUCTS_LIB_CACHE_DIR`, else the user cache folder (XDG)."""
    explicit = os.environ.get("CONSTRUCTS_LIB_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "constructs-lib"


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def requirement_names(text: str) -> frozenset[str]:
    """Normalized project names in requirements text (options, comments and URLs without a name skipped)."""
    names = set()
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        match = _REQUIREMENT_NAME.match(line)
        if match:
            names.add(normalize(match.group(1)))
    return frozenset(names)


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
    direct = frozenset(normalize(_name(d)) for d in _pyproject_dependencies(pyproject))
    return Lock(uv_lock, exported.read_text(), direct)


def _name(requirement: str) -> str:
    match = _REQUIREMENT_NAME.match(requirement)
    return match.group(1) if match else requirement


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
        return _from_manifest(final, key, json.loads(manifest.read_text()))
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    try:
        _run_engine(lock, target, work)
        left_out = _prune(work, lock.direct)
        dependencies = _describe(work, key, left_out)
        _atomic_write(manifest, json.dumps(_to_manifest(dependencies), indent=1, sort_keys=True))
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


def _dist_infos(root: Path) -> dict[str, Path]:
    found = {}
    for info in root.glob("*.dist-info"):
        metadata_file = info / "METADATA"
        name = info.name.removesuffix(".dist-info").rsplit("-", 1)[0]
        if metadata_file.is_file():
            for line in metadata_file.read_text(errors="replace").splitlines():
                if line.startswith("Name:"):
                    name = line.split(":", 1)[1].strip()
                    break
        found[normalize(name)] = info
    return found


def _requires(info: Path) -> set[str]:
    """Names in Requires-Dist, without extras-only ones."""
    names = set()
    metadata_file = info / "METADATA"
    if not metadata_file.is_file():
        return names
    for line in metadata_file.read_text(errors="replace").splitlines():
        if line.startswith("Requires-Dist:") and "extra ==" not in line:
            names.add(normalize(_name(line.split(":", 1)[1].strip())))
        if not line.strip():
            break  # the body (long description) starts after the first blank line
    return names


def _record_files(root: Path, info: Path) -> list[Path]:
    record = info / "RECORD"
    files = [info]
    if record.is_file():
        for line in record.read_text(errors="replace").splitlines():
            relative = line.rsplit(",", 2)[0]
            if relative and not relative.startswith(".."):
                files.append(root / relative)
    return files


def _prune(root: Path, direct: frozenset[str]) -> tuple[str, ...]:
    """Leave out what the runtime provides and what never runs; returns the left-out package names."""
    infos = _dist_infos(root)
    left_out: list[str] = []
    # Pinning boto3 or botocore on purpose ships the whole SDK: the two must match each other.
    sdk_pinned = bool(direct & {"boto3", "botocore"})
    drop = set() if sdk_pinned else {name for name in infos if name in RUNTIME_PROVIDED - direct}
    needed = set().union(set(), *(_requires(info) for name, info in infos.items() if name not in drop))
    drop |= {name for name in infos if name in RUNTIME_PROVIDED_SUPPORT - direct and name not in needed}
    for name in sorted(drop):
        for path in _record_files(root, infos[name]):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        left_out.append(name)
    for name in PRUNED_ROOT_DIRS:
        shutil.rmtree(root / name, ignore_errors=True)
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_dir() and (path.name in PRUNED_DIRS or (
                path.name in PRUNED_PACKAGE_SUBDIRS and (path.parent / "__init__.py").is_file()
                and path.parent.parent == root)):
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file() and path.name.endswith(PRUNED_SUFFIXES):
            path.unlink()
    for directory in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()  # packages whose files were all left out
    return tuple(left_out)


def zipped_size(data: bytes, name: str) -> int:
    """What a file adds to a zip (deflate, as the CDK CLI writes it): compressed data plus both headers, which
    hold `name`, its path inside the archive."""
    return min(len(zlib.compress(data, 6)), len(data)) + 76 + 2 * len(name.encode())


def top_level_modules(root: Path) -> frozenset[str]:
    """Names `import x` finds in `root`: packages (with or without __init__), modules and extensions."""
    names = set()
    for entry in root.iterdir():
        if entry.is_dir() and entry.name.isidentifier():
            names.add(entry.name)
        elif entry.is_file() and entry.suffix in (".py", ".so", ".pyd"):
            names.add(entry.name.split(".", 1)[0])
    return frozenset(names)


def _describe(root: Path, key: str, left_out: tuple[str, ...]) -> Dependencies:
    packages: dict[str, dict[str, object]] = {}
    owned: set[Path] = set()
    for name, info in _dist_infos(root).items():
        files = [p for p in _record_files(root, info) if p.is_file()]
        info_files = [p for p in info.rglob("*") if p.is_file()]
        owned.update(files, info_files)
        version = info.name.removesuffix(".dist-info").rsplit("-", 1)[-1]
        wheel = info / "WHEEL"
        tags = [line.split(":", 1)[1].strip() for line in wheel.read_text().splitlines()
                if line.startswith("Tag:")] if wheel.is_file() else []
        packages[name] = {"version": version, "bytes": sum(p.stat().st_size for p in set(files) | set(info_files)),
                          "tags": tags}
        for record in INSTALL_RECORDS:
            (info / record).unlink(missing_ok=True)
        _drop_long_description(info / "METADATA")
    (root / ".lock").unlink(missing_ok=True)  # uv's lock on the target folder
    all_files = [p for p in root.rglob("*") if p.is_file()]
    return Dependencies(
        path=root, key=key, packages=packages,
        unzipped_bytes=sum(p.stat().st_size for p in all_files),
        zipped_bytes=sum(zipped_size(p.read_bytes(), str(p.relative_to(root))) for p in all_files),
        modules=top_level_modules(root), left_out=left_out,
    )


# METADATA headers for package indexes, not for code: trove classifiers, links, keywords.
_INDEX_ONLY_HEADERS = ("Classifier:", "Project-URL:", "Keywords:", "Description-Content-Type:", "Home-page:")


def _drop_long_description(metadata_file: Path) -> None:
    """METADATA's body is the project's README (pydantic's holds its whole changelog); nothing reads it at run
    time, nor the index-only headers. Name, version, license and requirements stay for importlib.metadata."""
    if metadata_file.is_file():
        headers = metadata_file.read_text(errors="replace").partition("\n\n")[0]
        kept = [line for line in headers.splitlines() if not line.startswith(_INDEX_ONLY_HEADERS)]
        metadata_file.write_text("\n".join(kept) + "\n")


def _to_manifest(dependencies: Dependencies) -> dict[str, object]:
    return {"packages": dependencies.packages, "unzipped_bytes": dependencies.unzipped_bytes,
            "zipped_bytes": dependencies.zipped_bytes, "modules": sorted(dependencies.modules),
            "left_out": list(dependencies.left_out)}


def _from_manifest(path: Path, key: str, data: dict[str, Any]) -> Dependencies:
    """The cached install at `path`, as its manifest (JSON written by `install`) describes it."""
    return Dependencies(path=path, key=key, packages=data["packages"], unzipped_bytes=data["unzipped_bytes"],
                        zipped_bytes=data["zipped_bytes"], modules=frozenset(data["modules"]),
                        left_out=tuple(data["left_out"]))


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    with os.fdopen(handle, "w") as out:
        out.write(text)
    os.replace(temporary, path)
