"""A local package index for packaging tests: wheels and sdists made on the spot (see `--find-links`)."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path


def make_wheel(index: Path, name: str, version: str = "1.0", tag: str = "py3-none-any", *,
               files: dict[str, bytes] | None = None, requires: tuple[str, ...] = ()) -> Path:
    """A wheel with `files` (default: `<name>/__init__.py`) and the metadata pip and uv read."""
    module = name.replace("-", "_")
    files = dict(files or {f"{module}/__init__.py": b"VALUE = 1\n"})
    info = f"{module}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    files[f"{info}/METADATA"] = metadata.encode()
    purelib = "true" if tag.startswith("py") else "false"
    files[f"{info}/WHEEL"] = f"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: {purelib}\nTag: {tag}\n".encode()
    record = [f"{path},sha256={_digest(data)},{len(data)}" for path, data in files.items()]
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    index.mkdir(parents=True, exist_ok=True)
    wheel = index / f"{module}-{version}-{tag}.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel


def make_sdist(index: Path, name: str, version: str = "1.0", *, native: bool) -> Path:
    """A setuptools sdist: pure Python, or with a C extension (which cannot be built for another platform)."""
    module = name.replace("-", "_")
    files = {
        "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n',
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
    }
    if native:
        files["setup.py"] = (f"from setuptools import setup, Extension\nsetup(name={name!r}, version={version!r}, "
                             f"ext_modules=[Extension({module!r}, ['{module}.c'])])\n")
        files[f"{module}.c"] = ('#include <Python.h>\nstatic struct PyModuleDef m = {PyModuleDef_HEAD_INIT, "'
                                f'{module}", NULL, -1, NULL}};\nPyMODINIT_FUNC PyInit_{module}(void) '
                                "{ return PyModule_Create(&m); }\n")
    else:
        files["setup.py"] = (f"from setuptools import setup\nsetup(name={name!r}, version={version!r}, "
                             f"py_modules=[{module!r}])\n")
        files[f"{module}.py"] = "VALUE = 1\n"
    index.mkdir(parents=True, exist_ok=True)
    sdist = index / f"{module}-{version}.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        for path, text in files.items():
            data = text.encode()
            member = tarfile.TarInfo(f"{module}-{version}/{path}")
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return sdist


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def function_folder(root: Path, code: str, requirements: str | None = None,
                    files: dict[str, str] | None = None) -> Path:
    """A function source folder: lambda_function.py holding `code`, and optional requirements / other files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "lambda_function.py").write_text(code + "\n\ndef lambda_handler(event, context):\n    return event\n")
    if requirements is not None:
        (root / "requirements.txt").write_text(requirements)
    for name, text in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root
