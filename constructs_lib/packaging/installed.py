"""What an install leaves in its folder, made fit for Lambda: the packages the runtime already has and the dead
weight left out (`prune`), what is left described (`describe`: versions, sizes, importable modules) and written to
the cache's manifest. `installer` runs the install; this module only reads and trims files.
"""

from __future__ import annotations

import re
import shutil
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


def requirement_name(requirement: str) -> str:
    """The project name a requirement line starts with (as written: not normalized)."""
    match = _REQUIREMENT_NAME.match(requirement)
    return match.group(1) if match else requirement


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
            names.add(normalize(requirement_name(line.split(":", 1)[1].strip())))
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


def prune(root: Path, direct: frozenset[str]) -> tuple[str, ...]:
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
    """Names `import x` finds in `root` on sys.path: packages (with or without __init__), modules and extensions
    (`x.cpython-314-aarch64-linux-gnu.so`)."""
    names = set()
    for entry in root.iterdir():
        name = entry.name if entry.is_dir() else entry.name.split(".", 1)[0]
        if name.isidentifier() and (entry.is_dir() or entry.suffix in (".py", ".so", ".pyd")):
            names.add(name)
    return frozenset(names)


def describe(root: Path, key: str, left_out: tuple[str, ...]) -> Dependencies:
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


def to_manifest(dependencies: Dependencies) -> dict[str, object]:
    return {"packages": dependencies.packages, "unzipped_bytes": dependencies.unzipped_bytes,
            "zipped_bytes": dependencies.zipped_bytes, "modules": sorted(dependencies.modules),
            "left_out": list(dependencies.left_out)}


def from_manifest(path: Path, key: str, data: dict[str, Any]) -> Dependencies:
    """The cached install at `path`, as its manifest (JSON written by `install`) describes it."""
    return Dependencies(path=path, key=key, packages=data["packages"], unzipped_bytes=data["unzipped_bytes"],
                        zipped_bytes=data["zipped_bytes"], modules=frozenset(data["modules"]),
                        left_out=tuple(data["left_out"]))
