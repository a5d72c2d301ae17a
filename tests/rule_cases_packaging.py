"""Rule cases for a function's deployment package (registered into tests.rulecases.CASES).

Packages come from a local index made on the spot (tests/packages.py); the native-sdist case also needs
setuptools from PyPI to try the build.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import aws_lambda as lambda_

from constructs_lib import PythonLayer, ServerlessFunction
from constructs_lib import limits as L
from constructs_lib.testing import new_stack, scratch_dir

from .packages import function_folder, make_sdist, make_wheel
from .rulecases import assert_error, assert_warning, case


def tmp() -> Path:
    return Path(scratch_dir("pkg-case-"))


def synth_fails_at_synth(stack, *fragments: str) -> str:  # type: ignore[no-untyped-def]
    """The message of a rule found once the app is complete (at synth, not as the construct is made)."""
    from constructs_lib.testing import synth

    with pytest.raises(RuntimeError) as info:
        synth(stack)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


def assert_code_warns(code: str, rule_id: str, *fragments: str) -> None:
    """A function whose handler is `code` synthesizes with the warning `rule_id` saying each of `fragments`."""
    stack = new_stack()
    fn(function_folder(tmp() / "fn", code), stack)
    assert_warning(stack, rule_id, *fragments)


def local_requirements(index: Path, *lines: str) -> str:
    return "\n".join(["--no-index", f"--find-links {index}", *lines]) + "\n"


def fn(source: Path, stack=None, **props):  # type: ignore[no-untyped-def]
    return ServerlessFunction(stack or new_stack(), "Fn", source=str(source), **props)


@case("FN_DEPENDENCIES")
def _() -> None:
    index = tmp() / "index"
    index.mkdir()
    folder = function_folder(tmp() / "fn", "", local_requirements(index, "no-such-package==1.0"))
    assert_error("FN_DEPENDENCIES", lambda: fn(folder), f"installing {folder}/requirements.txt for Python 3.14 on "
                 "aarch64-manylinux_2_34 failed", "no-such-package", "Fix: fix the requirement")


@case("FN_DEPENDENCY_NO_WHEEL")
def _() -> None:
    index = tmp() / "index"
    make_wheel(index, "onlyx86", tag="cp314-cp314-manylinux_2_17_x86_64")
    folder = function_folder(tmp() / "fn", "import onlyx86", local_requirements(index, "onlyx86==1.0"))
    assert_error("FN_DEPENDENCY_NO_WHEEL", lambda: fn(folder), "onlyx86 has no wheel for aarch64-manylinux_2_34",
                 "Fix: pin a version of onlyx86 that publishes a wheel", "architecture=lambda_.Architecture.X86_64")
    fn(folder, architecture=lambda_.Architecture.X86_64)  # the option the message names works


@case("FN_DEPENDENCY_NATIVE_SDIST")
def _() -> None:
    index = tmp() / "index"
    make_sdist(index, "natpkg", native=True)
    folder = function_folder(tmp() / "fn", "import natpkg", f"--find-links {index}\nnatpkg==1.0\n")
    assert_error("FN_DEPENDENCY_NATIVE_SDIST", lambda: fn(folder),
                 "natpkg has native code and no wheel for aarch64-manylinux_2_34", "Fix: pin a version of natpkg")


@case("FN_DEPENDENCIES_OFFLINE")
def _() -> None:
    folder = function_folder(tmp() / "fn", "import six", "six==1.16.0\n")
    with pytest.MonkeyPatch.context() as patch:
        # No route to an index and an empty uv cache: a real network failure, as on a plane.
        patch.setenv("UV_INDEX_URL", "http://127.0.0.1:9/simple")
        patch.setenv("UV_CACHE_DIR", str(tmp()))
        assert_error("FN_DEPENDENCIES_OFFLINE", lambda: fn(folder),
                     "the package index could not be reached and no cached install", "Fix: synth once with network")


@case("FN_DEPENDENCY_HASH")
def _() -> None:
    index = tmp() / "index"
    make_wheel(index, "puremod")
    folder = function_folder(tmp() / "fn", "import puremod",
                             local_requirements(index, "puremod==1.0 --hash=sha256:" + "0" * 64))
    assert_error("FN_DEPENDENCY_HASH", lambda: fn(folder), "does not match the hash pinned", "Fix: regenerate")


@case("FN_DEPENDENCIES_LOCK")
def _() -> None:
    folder = function_folder(tmp() / "fn", "", files={
        "pyproject.toml": '[project]\nname = "fn"\nversion = "1"\ndependencies = ["requests"]\n'})
    assert_error("FN_DEPENDENCIES_LOCK", lambda: fn(folder), "declares dependencies but the folder has no uv.lock",
                 "Fix: run `uv lock`")


@case("FN_PACKAGE_SIZE")
def _() -> None:
    index = tmp() / "index"
    make_wheel(index, "heavy", files={"heavy/__init__.py": b"", "heavy/data.bin": bytes(range(256)) * 4096})
    make_wheel(index, "light")
    folder = function_folder(tmp() / "fn", "import heavy, light", local_requirements(index, "heavy", "light"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(L, "LAMBDA_PACKAGE_UNZIPPED_MAX_BYTES", 1_000_000)
        assert_error("FN_PACKAGE_SIZE", lambda: fn(folder), "are 1.0 MB unzipped; the largest packages: heavy 1.0 MB,",
                     "Fix: drop or replace the largest packages")


@case("FN_PACKAGE_ZIPPED_SIZE")
def _() -> None:
    folder = function_folder(tmp() / "fn", "", files={"data.bin": "x" * 2_000_000})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(L, "LAMBDA_PACKAGE_ZIPPED_MAX_BYTES", 1_000)
        stack = new_stack()
        fn(folder, stack)
        assert_warning(stack, "FN_PACKAGE_ZIPPED_SIZE", "the deployment package is about 0.0 MB zipped")


@case("FN_IMPORT")
def _() -> None:
    folder = function_folder(tmp() / "fn", "import json\nimport requests")
    assert_error("FN_IMPORT", lambda: fn(folder), f"{folder}/lambda_function.py:2 imports 'requests', which is in "
                 "neither the bundle nor the runtime", "Fix: add the package(s) providing requests to requirements.txt")
    relative = function_folder(tmp() / "rel", "from . import helpers", files={"helpers.py": ""})
    assert_error("FN_IMPORT", lambda: fn(relative), "imports '.helpers' relatively from a top-level module",
                 "use absolute imports")


@case("FN_IMPORT_UNVERIFIED")
def _() -> None:
    folder = function_folder(tmp() / "fn", "import numpy")
    stack = new_stack()
    layer = lambda_.LayerVersion.from_layer_version_arn(stack, "Numpy",
                                                        "arn:aws:lambda:us-east-1:123456789012:layer:numpy:3")
    fn(folder, stack, layers=[layer])
    assert_warning(stack, "FN_IMPORT_UNVERIFIED", "imports 'numpy'", "unless one of the 1 layer(s) provides it")


@case("FN_SHARED_CODE")
def _() -> None:
    folder = function_folder(tmp() / "fn", "import common", files={"common.py": ""})
    assert_error("FN_SHARED_CODE", lambda: fn(folder, shared_code=[str(tmp() / "nowhere")]),
                 "nowhere does not exist", "Fix: pass the name of a folder")
    shared = tmp() / "common"
    shared.mkdir()
    assert_error("FN_SHARED_CODE", lambda: fn(folder, shared_code=[str(shared)]), "ships as 'common/', which",
                 "also has", "Fix: rename one of them")


@case("FN_LAYERS")
def _() -> None:
    stack = new_stack()
    common = tmp() / "common"
    common.mkdir()
    (common / "__init__.py").write_text("")
    layer = PythonLayer(stack, "Common", source=str(common), architecture=lambda_.Architecture.X86_64)
    folder = function_folder(tmp() / "fn", "import common")
    assert_error("FN_LAYERS", lambda: fn(folder, stack, layers=[layer]),
                 "layer Test/Common is built for x86_64, not arm64", "Fix: build the layer for arm64")
    py312 = PythonLayer(stack, "Common312", source=str(common), runtime=lambda_.Runtime.PYTHON_3_12)
    assert_error("FN_LAYERS", lambda: ServerlessFunction(stack, "Fn2", source=str(folder), layers=[py312]),
                 "supports python3.12, not python3.14")
    arns = [lambda_.LayerVersion.from_layer_version_arn(stack, f"L{i}", f"arn:aws:lambda:us-east-1:1:layer:l{i}:1")
            for i in range(6)]
    assert_error("FN_LAYERS", lambda: ServerlessFunction(stack, "Fn3", source=str(folder), layers=arns),
                 "6 layers", "use at most 5")


@case("FN_ENV_UNSET")
def _() -> None:
    from constructs_lib.testing import synth

    code = 'import os\n\nTABLE = os.environ["TABLE_NAME"]\nREGION = os.environ["AWS_REGION"]'
    folder = function_folder(tmp() / "fn", code,
                             files={"helpers.py": 'import os\n\n\ndef queue():\n    return os.environ["QUEUE_URL"]\n'})
    (folder / "lambda_function.py").write_text("import helpers\n" + (folder / "lambda_function.py").read_text())
    stack = new_stack()
    fn(folder, stack)
    message = synth_fails_at_synth(  # found at synth, once triggers and add_environment have added theirs
        stack, f"{folder}/helpers.py:5 reads os.environ[\"QUEUE_URL\"], which the function does not set",
        f"{folder}/lambda_function.py:4 reads os.environ[\"TABLE_NAME\"]", "[FN_ENV_UNSET: ",
        'Fix: set it: environment={"QUEUE_URL": ..., "TABLE_NAME": ...}')
    assert "AWS_REGION" not in message  # Lambda sets it
    stack = new_stack()
    fn(folder, stack, environment={"TABLE_NAME": "orders"}).add_environment("QUEUE_URL", "https://sqs/q")
    synth(stack)  # the fix the message names


@case("FN_ENV_GET")
def _() -> None:
    assert_code_warns('import os\n\nSTAGE = os.getenv("STAGE")\nDEBUG = os.environ.get("DEBUG", "0")', "FN_ENV_GET",
                      'lambda_function.py:3 reads os.getenv("STAGE") without a default')


UPLOADER = '''import boto3

s3 = boto3.client("s3")


def save(key, body):
    s3.put_object(Bucket="b", Key=key, Body=body)'''


OBJECTS = "arn:aws:s3:::uploads/incoming/report.json"


@case("FN_CALL_NOT_GRANTED")
def _() -> None:
    from aws_cdk import aws_iam as iam

    from constructs_lib.testing import synth

    folder = function_folder(tmp() / "fn", UPLOADER)
    stack = new_stack()
    fn(folder, stack)
    synth_fails_at_synth(  # found at synth, once every grant is known
        stack, f"{folder}/lambda_function.py:7 calls s3.put_object(...), which needs s3:PutObject: the role does not "
        "allow it", "[FN_CALL_NOT_GRANTED: ", "is not authorized to perform",
        "Fix: grant it where the resource is defined: s3:PutObject: bucket.grant_put(fn)")
    stack = new_stack()
    fn(folder, stack).add_to_role_policy(iam.PolicyStatement(actions=["s3:PutObject"], resources=[OBJECTS]))
    synth(stack)  # the fix the message names


@case("FN_CALL_NOT_CHECKED")
def _() -> None:
    assert_code_warns('import os\n\nimport boto3\n\nCLIENT = boto3.client(os.environ.get("SERVICE", "s3"))',
                      "FN_CALL_NOT_CHECKED", "lambda_function.py:5 boto3.client(...) with a service name computed at "
                      "run time")


@case("FN_GRANT_UNUSED")
def _() -> None:
    from aws_cdk import aws_iam as iam

    folder = function_folder(tmp() / "fn", UPLOADER)
    stack = new_stack()
    function = fn(folder, stack)
    function.add_to_role_policy(iam.PolicyStatement(actions=["s3:PutObject"], resources=[OBJECTS]))  # used
    function.add_to_role_policy(iam.PolicyStatement(  # no call uses it
        actions=["dynamodb:GetItem", "dynamodb:Query"], resources=["arn:aws:dynamodb:eu-west-1:123456789012:table/t"]))
    assert_warning(stack, "FN_GRANT_UNUSED", "grants no call of the handler's code uses: dynamodb:GetItem, "
                   "dynamodb:Query on arn:aws:dynamodb:eu-west-1:123456789012:table/t [FN_GRANT_UNUSED")
