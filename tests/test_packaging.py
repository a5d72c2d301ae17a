"""Function code that really runs: dependencies for the target platform, the cache, the bundle, the import check.

The cross-platform cases install real packages (pydantic, with native code) from PyPI; the rest use a local
index made on the spot (tests/packages.py).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from aws_cdk import aws_lambda as lambda_

from constructs_lib import PythonLayer, ServerlessFunction
from constructs_lib.packaging import installer
from constructs_lib.packaging.installer import Target
from constructs_lib.testing import new_stack, synth

from .packages import function_folder, make_wheel

PYDANTIC = "pydantic==2.12.5\n"


def wheel_tags(bundle, package: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The tags of the wheel each package came from (recorded at install; WHEEL itself does not ship)."""
    return bundle.dependencies.packages[package]["tags"]


@pytest.mark.parametrize(("runtime", "architecture", "tag"), [
    (lambda_.Runtime.PYTHON_3_14, lambda_.Architecture.ARM_64, "cp314-cp314-manylinux_2_17_aarch64"),
    (lambda_.Runtime.PYTHON_3_12, lambda_.Architecture.X86_64, "cp312-cp312-manylinux_2_17_x86_64"),
])
def test_native_dependencies_are_installed_for_the_function_runtime_and_architecture(tmp_path, runtime, architecture,
                                                                                     tag):
    folder = function_folder(tmp_path / "fn", "import pydantic", PYDANTIC)
    stack = new_stack()
    function = ServerlessFunction(stack, "Fn", source=str(folder), runtime=runtime, architecture=architecture)
    if runtime != lambda_.Runtime.PYTHON_3_14:
        from constructs_lib.nag import acknowledge

        acknowledge(function, "Testing an older runtime on purpose.", "AwsSolutions-L1",
                    "Serverless-LambdaLatestVersion")
    bundle = function.bundle.path
    tags = wheel_tags(function.bundle, "pydantic-core")
    assert any(t.startswith(tag) for t in tags), tags
    (extension,) = (bundle / "pydantic_core").glob("_pydantic_core.*.so")
    python, machine = tag.split("-")[0][2:], tag.rsplit("_", 1)[-1] if "aarch64" in tag else "x86_64"
    assert f"cpython-{python}-{machine}-linux-gnu" in extension.name
    assert (bundle / "lambda_function.py").is_file() and (bundle / "pydantic" / "__init__.py").is_file()
    assert not list(bundle.rglob("__pycache__")) and not list(bundle.rglob("*.pyi"))
    assert not (bundle / "requirements.txt").exists()
    # The template points at the bundle: the asset hash is the bundle's content hash.
    template = synth(stack).template
    (fn,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function")
    assert fn["Properties"]["Code"]["S3Key"] == "ASSET_HASH.zip"


def test_a_warm_cache_runs_no_installer_and_needs_no_network(tmp_path, monkeypatch):
    index = tmp_path / "index"
    make_wheel(index, "puremod")
    folder = function_folder(tmp_path / "fn", "import puremod", f"--no-index\n--find-links {index}\npuremod==1.0\n")
    first = ServerlessFunction(new_stack(), "Fn", source=str(folder)).bundle
    # Now without the index and with no way to run any installer: the cache alone must serve.
    for wheel in index.iterdir():
        wheel.unlink()

    def no_subprocess(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError(f"an installer ran on a warm cache: {args}")

    monkeypatch.setattr(subprocess, "run", no_subprocess)
    monkeypatch.setenv("UV_INDEX_URL", "http://127.0.0.1:9/simple")
    second = ServerlessFunction(new_stack(), "Fn", source=str(folder)).bundle
    assert second.asset_hash == first.asset_hash and second.path == first.path
    assert (second.path / "puremod" / "__init__.py").is_file()


def test_the_asset_hash_changes_with_code_or_dependencies_and_nothing_else(tmp_path):
    index = tmp_path / "index"
    make_wheel(index, "puremod")
    make_wheel(index, "puremod", "2.0")
    folder = function_folder(tmp_path / "fn", "import puremod", f"--no-index\n--find-links {index}\npuremod==1.0\n")

    def bundle_hash() -> str:
        return ServerlessFunction(new_stack(), "Fn", source=str(folder)).bundle.asset_hash

    original = bundle_hash()
    assert bundle_hash() == original
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "lambda_function.cpython-314.pyc").write_bytes(b"stale")
    (folder / "tests").mkdir()
    (folder / "tests" / "test_handler.py").write_text("def test(): pass\n")
    assert bundle_hash() == original, "byte code and tests do not ship, so they do not change the hash"
    (folder / "lambda_function.py").write_text((folder / "lambda_function.py").read_text() + "# edited\n")
    edited = bundle_hash()
    assert edited != original
    (folder / "requirements.txt").write_text(f"--no-index\n--find-links {index}\npuremod==2.0\n")
    assert bundle_hash() not in (original, edited)


def test_runtime_provided_sdk_is_left_out_unless_pinned(tmp_path):
    index = tmp_path / "index"
    make_wheel(index, "app-lib", requires=("boto3",))
    make_wheel(index, "boto3", requires=("botocore",))
    make_wheel(index, "botocore", requires=("urllib3", "jmespath"))
    make_wheel(index, "jmespath")
    make_wheel(index, "urllib3")
    make_wheel(index, "needs-urllib3", requires=("urllib3",))
    header = f"--no-index\n--find-links {index}\n"
    transitive = function_folder(tmp_path / "a", "import app_lib", header + "app-lib\n")
    bundle = ServerlessFunction(new_stack(), "Fn", source=str(transitive)).bundle
    assert sorted(bundle.dependencies.left_out) == ["boto3", "botocore", "jmespath", "urllib3"]
    assert not (bundle.path / "botocore").exists() and (bundle.path / "app_lib").is_dir()
    # urllib3 stays when something else in the bundle needs it.
    other = function_folder(tmp_path / "b", "import app_lib, needs_urllib3", header + "app-lib\nneeds-urllib3\n")
    kept = ServerlessFunction(new_stack(), "Fn", source=str(other)).bundle
    assert (kept.path / "urllib3").is_dir() and "urllib3" not in kept.dependencies.left_out
    # Pinning boto3 on purpose ships the SDK the user chose.
    pinned = function_folder(tmp_path / "c", "import boto3", header + "boto3==1.0\n")
    shipped = ServerlessFunction(new_stack(), "Fn", source=str(pinned)).bundle
    assert shipped.dependencies.left_out == () and (shipped.path / "botocore").is_dir()


def test_dead_weight_is_pruned_from_dependencies(tmp_path):
    index = tmp_path / "index"
    make_wheel(index, "weighty", files={
        "weighty/__init__.py": b"", "weighty/core.py": b"X = 1\n", "weighty/core.pyi": b"X: int\n",
        "weighty/__pycache__/core.cpython-314.pyc": b"\0" * 100, "weighty/tests/__init__.py": b"",
        "weighty/tests/test_core.py": b"def test(): pass\n",
    })
    folder = function_folder(tmp_path / "fn", "import weighty", f"--no-index\n--find-links {index}\nweighty\n")
    root = ServerlessFunction(new_stack(), "Fn", source=str(folder)).bundle.path
    assert (root / "weighty" / "core.py").is_file()
    for pruned in ("weighty/core.pyi", "weighty/__pycache__", "weighty/tests"):
        assert not (root / pruned).exists(), pruned


def test_pure_python_sdists_are_built_and_installed(tmp_path):
    from .packages import make_sdist

    index = tmp_path / "index"
    make_sdist(index, "puresdist", native=False)
    folder = function_folder(tmp_path / "fn", "import puresdist", f"--find-links {index}\npuresdist==1.0\n")
    bundle = ServerlessFunction(new_stack(), "Fn", source=str(folder)).bundle
    assert (bundle.path / "puresdist.py").is_file()
    assert wheel_tags(bundle, "puresdist") == ["py3-none-any"]


def test_hash_pinned_requirements_are_honoured(tmp_path):
    from .packages import sha256

    index = tmp_path / "index"
    wheel = make_wheel(index, "puremod")
    folder = function_folder(tmp_path / "fn", "import puremod",
                             f"--no-index\n--find-links {index}\npuremod==1.0 --hash=sha256:{sha256(wheel)}\n")
    assert (ServerlessFunction(new_stack(), "Fn", source=str(folder)).bundle.path / "puremod").is_dir()


def test_pip_is_the_fallback_engine(tmp_path, monkeypatch):
    monkeypatch.setenv("CONSTRUCTS_LIB_INSTALLER", "pip")
    installer.uv_binary.cache_clear()
    installer.engine.cache_clear()
    try:
        index = tmp_path / "index"
        make_wheel(index, "onlyarm", tag="cp314-cp314-manylinux_2_17_aarch64")
        folder = function_folder(tmp_path / "fn", "import onlyarm", f"--no-index\n--find-links {index}\nonlyarm\n")
        bundle = ServerlessFunction(new_stack(), "Fn", source=str(folder)).bundle
        assert (bundle.path / "onlyarm").is_dir() and installer.engine().startswith("pip ")
    finally:
        monkeypatch.delenv("CONSTRUCTS_LIB_INSTALLER")
        installer.uv_binary.cache_clear()
        installer.engine.cache_clear()


def test_a_uv_project_installs_from_its_lock(tmp_path):
    index = tmp_path / "index"
    make_wheel(index, "puremod")
    folder = function_folder(tmp_path / "fn", "import puremod", files={"pyproject.toml": (
        '[project]\nname = "fn"\nversion = "1.0"\nrequires-python = ">=3.11"\ndependencies = ["puremod"]\n'
        f'[tool.uv]\nno-index = true\nfind-links = ["{index}"]\npackage = false\n')})
    subprocess.run([installer.uv_binary(), "lock", "--directory", str(folder)], check=True, capture_output=True)
    bundle = ServerlessFunction(new_stack(), "Fn", source=str(folder)).bundle
    assert (bundle.path / "puremod" / "__init__.py").is_file()
    assert bundle.dependencies is not None and "puremod" in bundle.dependencies.packages


def test_shared_code_ships_in_the_bundle_and_satisfies_the_import_check(tmp_path):
    shared = tmp_path / "common"
    shared.mkdir()
    (shared / "__init__.py").write_text("")
    (shared / "aws.py").write_text("import json\n")
    folder = function_folder(tmp_path / "fn", "from common import aws")
    stack = new_stack()
    function = ServerlessFunction(stack, "Fn", source=str(folder), shared_code=[str(shared)])
    assert (function.bundle.path / "common" / "aws.py").is_file()
    ServerlessFunction(stack, "One", source=str(folder), shared_code=str(shared))  # one folder as a plain string
    synth(stack)


def test_python_layer_holds_shared_code_and_its_dependencies(tmp_path):
    index = tmp_path / "index"
    make_wheel(index, "puremod")
    shared = function_folder(tmp_path / "common", "import puremod", f"--no-index\n--find-links {index}\npuremod\n")
    folder = function_folder(tmp_path / "fn", "import common.lambda_function\nimport puremod")
    stack = new_stack()
    layer = PythonLayer(stack, "Common", source=str(shared))
    ServerlessFunction(stack, "Fn", source=str(folder), layers=[layer])
    result = synth(stack)
    result.assertions.has_resource_properties("AWS::Lambda::LayerVersion", {
        "CompatibleRuntimes": ["python3.14"], "CompatibleArchitectures": ["arm64"]})
    assert (layer.bundle.path / "common" / "lambda_function.py").is_file()
    assert (layer.bundle.path / "puremod").is_dir()
    staged = list(Path(stack.node.root.outdir).glob("asset.*/python/common/lambda_function.py"))
    assert len(staged) == 1, "Lambda reads python/ in a layer: the staged layer asset must hold python/common/"


def test_python_layer_takes_a_folder_already_in_lambdas_python_layout(tmp_path):
    """`layer/python/mylib/...` (as Lambda reads a layer, and as other tools lay it out) is the layer's python/
    as it is; its requirements.txt beside python/ is installed into it. It used to become python/layer/python/."""
    index = tmp_path / "index"
    make_wheel(index, "puremod")
    layer_folder = tmp_path / "layer"
    (layer_folder / "python" / "mylib").mkdir(parents=True)
    (layer_folder / "python" / "mylib" / "__init__.py").write_text("import puremod\n")
    (layer_folder / "python" / "helpers.py").write_text("VALUE = 1\n")
    (layer_folder / "python" / "_speedups.cpython-314-aarch64-linux-gnu.so").write_bytes(b"\x7fELF")  # an extension
    (layer_folder / "requirements.txt").write_text(f"--no-index\n--find-links {index}\npuremod\n")
    folder = function_folder(tmp_path / "fn", "import mylib\nimport helpers\nimport puremod\nimport _speedups")
    stack = new_stack()
    layer = PythonLayer(stack, "Vendor", source=str(layer_folder))
    ServerlessFunction(stack, "Fn", source=str(folder), layers=[layer])  # the import check finds all four
    assert {"mylib", "helpers", "puremod", "_speedups"} <= layer.modules
    synth(stack)
    staged = Path(stack.node.root.outdir)
    assert len(list(staged.glob("asset.*/python/mylib/__init__.py"))) == 1
    assert not list(staged.glob("asset.*/python/layer"))


# --- the import check (packaging/imports.py: tests/test_imports.py) -------------------------------------

def test_import_check_on_the_example_handlers_is_clean():
    for folder in sorted(Path("lambda_src").iterdir()):
        if (folder / "lambda_function.py").is_file():
            ServerlessFunction(new_stack(), "Fn", source=folder.name)  # raises on a missing import


def test_dependency_manifest_describes_the_install(tmp_path):
    index = tmp_path / "index"
    make_wheel(index, "puremod", files={"puremod/__init__.py": b"x = 1\n" * 1000})
    folder = function_folder(tmp_path / "fn", "import puremod", f"--no-index\n--find-links {index}\npuremod\n")
    dependencies = ServerlessFunction(new_stack(), "Fn", source=str(folder)).bundle.dependencies
    manifest = json.loads((dependencies.path.parent / f"{dependencies.key}.json").read_text())
    assert manifest["packages"]["puremod"]["version"] == "1.0"
    assert manifest["modules"] == ["puremod"]
    assert 0 < manifest["zipped_bytes"] < manifest["unzipped_bytes"]


def test_host_context_installs_for_this_machine(tmp_path):
    folder = function_folder(tmp_path / "fn", "import pydantic", PYDANTIC)
    stack = new_stack(context={"constructs_lib:install_for_host": "true"})
    bundle = ServerlessFunction(stack, "Fn", source=str(folder)).bundle
    import sys

    assert any(f"cp{sys.version_info[0]}{sys.version_info[1]}" in t for t in wheel_tags(bundle, "pydantic-core"))
    assert Target.host().platform == "host"
