"""The local loop on a small user project (tests/fixtures/local_app): deploy, invoke, send, and watch's code update.

Run alone (`python bench/local_loop.py`) or as part of `make bench`; prints a markdown section.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "local_app"


def env() -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    return {**base, "MINISTACK_BIN": str(ROOT / ".venv-ministack" / "bin" / "ministack"),
            "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}"
                    f"{base['PATH']}"}


def local(project: Path, *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "constructs_lib", "local", *args], cwd=project, env=env(),
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"local {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - start, done.stdout


def measure() -> list[str]:
    project = Path(tempfile.mkdtemp(prefix="bench-local-")) / "shop"
    shutil.copytree(FIXTURE, project)
    lines = ["## Local loop: `constructs-lib local` on a six-function user project (MiniStack, no Docker)", ""]
    try:
        deploy_s, output = local(project, "deploy")
        synth_s = float(re.search(r"synthesized in ([\d.]+) s", output).group(1))  # type: ignore[union-attr]
        invokes = [local(project, "invoke", f"LocalShop/{name}")[0] for name in ("Thumbs", "Orders", "Items")
                   for _ in range(3)]
        offline = [local(project, "invoke", "LocalShop/Items", "--no-deploy")[0] for _ in range(3)]
        send_s, _ = local(project, "send", "LocalShop/Thumbs", "--wait", "20")
        updates = []
        for version in ("v2", "v3", "v4"):
            watcher = subprocess.Popen([sys.executable, "-m", "constructs_lib", "local", "watch"], cwd=project,
                                       env=env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            assert watcher.stdout is not None
            watcher.stdout.readline()
            handler = project / "lambda_src" / "items" / "lambda_function.py"
            handler.write_text(re.sub(r'VERSION = "v\d"', f'VERSION = "{version}"', handler.read_text()))
            for line in watcher.stdout:
                if line.startswith("updated LocalShop/Items in "):
                    updates.append(float(line.split(" in ")[1].split()[0]))
                    break
            watcher.terminate()
            watcher.wait(timeout=10)
        lines += [
            "| step | wall |", "|---|---|",
            f"| `local deploy` from `cdk.json` (synth {synth_s:.1f} s, server start, bootstrap, deploy 1 stack) | "
            f"{deploy_s:.1f} s |",
            f"| `local invoke` (CLI start, synth read from the last deploy, invoke on MiniStack), median of 9 | "
            f"{statistics.median(invokes):.2f} s |",
            f"| `local invoke --no-deploy` (handler in a subprocess), median of 3 | "
            f"{statistics.median(offline):.2f} s |",
            f"| `local send` to the S3 trigger, until its log line is shown | {send_s:.1f} s |",
            f"| `local watch`: code update of one function after a file change, median of 3 | "
            f"{statistics.median(updates):.2f} s |",
            "",
        ]
    finally:
        subprocess.run([sys.executable, "-m", "constructs_lib", "local", "destroy"], cwd=project, env=env(),
                       capture_output=True, timeout=300)
        shutil.rmtree(project.parent, ignore_errors=True)
    return lines


if __name__ == "__main__":
    print("\n".join(measure()))
