"""The browser tests fail in CI and skip elsewhere when the browser cannot start (no browser is needed here)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO


@pytest.mark.parametrize("ci, exit_code, says", [(None, 0, "skipped"), ("true", 1, "cannot run in CI")])
def test_no_browser(ci, exit_code, says, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(CIM_CHROMIUM=str(tmp_path / "no-chromium"), PYTHONPATH=str(REPO), CIM_SCREENSHOTS=str(tmp_path))
    if ci:
        env["CI"] = ci
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/browser/test_verify.py", "-k", "real_code", "-rs", "-p", "no:cacheprovider"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == exit_code, done.stdout + done.stderr
    assert says in done.stdout
