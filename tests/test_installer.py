"""packaging/installer.py without a construct: what an install failure says (no jsii needed)."""

from __future__ import annotations

import pytest

from constructs_lib.packaging import installer
from constructs_lib.packaging.installer import InstallError, Target

from .packages import function_folder


def test_a_failed_install_carries_no_terminal_colour_codes(tmp_path, monkeypatch):
    """The CDK CLI runs apps with FORCE_COLOR set; uv's colour codes once ended up in FN_DEPENDENCIES messages."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("CONSTRUCTS_LIB_CACHE_DIR", str(tmp_path / "cache"))
    index = tmp_path / "index"
    index.mkdir()
    folder = function_folder(tmp_path / "fn", "", f"--no-index\n--find-links {index}\nno-such-package==1.0\n")
    lock = installer.find_lock(folder)
    assert lock is not None
    with pytest.raises(InstallError) as raised:
        installer.install(lock, Target.for_lambda("python3.14", "arm64"))
    assert "no-such-package" in raised.value.output
    assert "\x1b" not in str(raised.value) and "\x1b" not in raised.value.output


def test_escape_codes_are_taken_out_of_what_an_installer_says():
    error = InstallError("failed", "\x1b[31merror\x1b[0m: boom", output="\x1b[1m\x1b[91mx\x1b[0m y")
    assert (str(error), error.output) == ("error: boom", "x y")
