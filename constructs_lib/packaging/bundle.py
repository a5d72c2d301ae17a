"""A function's deployment package: its code, shared code and installed dependencies, in one folder.

The folder lives in the cache under its content hash, which is also the CDK asset hash: it changes when and
only when a file that ships changes (code, shared code, or the dependency set), never because of byte code,
test files or timestamps. Dependencies are hard-linked from the install cache, so a new bundle after a code
edit costs a copy of the code only.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .installed import Dependencies, zipped_size
from .installer import cache_dir

# Bundles not used for this long are removed when a new one is made (the cache would otherwise grow per edit).
BUNDLE_MAX_IDLE_S = 7 * 24 * 3600


@dataclass(frozen=True)
class Bundle:
    path: Path
    asset_hash: str
    code_bytes: int  # unzipped: the function's own files and shared code
    code_zipped_bytes: int
    dependencies: Dependencies | None
    code: dict[Path, Path]  # bundle file -> the file it was copied from (the user's code and shared code)

    @property
    def unzipped_bytes(self) -> int:
        return self.code_bytes + (self.dependencies.unzipped_bytes if self.dependencies else 0)

    @property
    def zipped_bytes(self) -> int:
        return self.code_zipped_bytes + (self.dependencies.zipped_bytes if self.dependencies else 0)


def code_files(folder: Path, exclude: Sequence[str]) -> list[Path]:
    """Files under `folder` that ship, relative; a path is left out when any of its parts matches `exclude`."""
    files = []
    for directory, subdirs, names in os.walk(folder):
        relative_dir = Path(directory).relative_to(folder)
        subdirs[:] = sorted(d for d in subdirs if not _excluded(d, exclude))
        for name in sorted(names):
            if not _excluded(name, exclude):
                files.append(relative_dir / name)
    return files


def _excluded(name: str, exclude: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in exclude)


def build_bundle(
    source: Path | None,
    *,
    exclude: Sequence[str],
    shared: Iterable[Path] = (),
    dependencies: Dependencies | None = None,
) -> Bundle:
    """The bundle for `source` (its files at the root), each `shared` folder (as a package of the same name) and
    `dependencies` (at the root, as `pip install --target` lays them out)."""
    entries: list[tuple[str, Path]] = [(str(f), source / f) for f in code_files(source, exclude)] if source else []
    for folder in shared:
        entries += [(str(Path(folder.name) / f), folder / f) for f in code_files(folder, exclude)]
    # Functions that share a folder (one folder, a handler each) share its bundle: known from the files' sizes and
    # modification times, as aws-cdk-lib's asset staging caches a folder per synth, without reading them again.
    signature = (dependencies.key if dependencies else "",
                 *((relative, str(path), *_stat(path)) for relative, path in entries))
    known = _BUNDLES.get(signature)
    if known is not None and known.path.is_dir():
        return known
    bundle = _build(entries, dependencies)
    _BUNDLES[signature] = bundle
    return bundle


_BUNDLES: dict[tuple[object, ...], Bundle] = {}


def _stat(path: Path) -> tuple[int, int, bool]:
    status = path.stat()
    return status.st_size, status.st_mtime_ns, os.access(path, os.X_OK)


def _build(entries: list[tuple[str, Path]], dependencies: Dependencies | None) -> Bundle:
    digest = hashlib.sha256(b"bundle-v1\0")
    code_bytes = code_zipped = 0
    for relative, path in entries:  # each file read once: hash, size and zipped size
        data = path.read_bytes()
        digest.update(f"{relative}\0{os.access(path, os.X_OK):d}\0".encode())
        digest.update(hashlib.sha256(data).digest())
        code_bytes += len(data)
        code_zipped += zipped_size(data, relative)
    digest.update(f"deps\0{dependencies.key if dependencies else ''}".encode())
    asset_hash = digest.hexdigest()
    root = cache_dir() / "bundles"
    final = root / asset_hash
    if not final.is_dir():
        root.mkdir(parents=True, exist_ok=True)
        _remove_idle(root)
        work = Path(tempfile.mkdtemp(prefix=f".{asset_hash[:16]}-", dir=root))
        try:
            if dependencies is not None:
                _link_tree(dependencies.path, work)
            for relative, path in entries:
                target = work / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.unlink(missing_ok=True)  # the function's own file wins over a dependency's
                shutil.copy2(path, target)
            work.rename(final)
        except OSError:
            shutil.rmtree(work, ignore_errors=True)
            if not final.is_dir():
                raise
    else:
        os.utime(final)
    return Bundle(final, asset_hash, code_bytes, code_zipped, dependencies,
                  {final / relative: path for relative, path in entries})


def _link_tree(source: Path, target: Path) -> None:
    for directory, _, names in os.walk(source):
        relative = Path(directory).relative_to(source)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in names:
            try:
                os.link(Path(directory) / name, target / relative / name)
            except OSError:  # another file system, or links not allowed: copy
                shutil.copy2(Path(directory) / name, target / relative / name)


def _remove_idle(root: Path) -> None:
    cutoff = time.time() - BUNDLE_MAX_IDLE_S
    for entry in root.iterdir():
        try:
            if entry.is_dir() and entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue
