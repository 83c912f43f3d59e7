"""Helpers for the authoring tests (tests/test_authoring_*.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from cim_cli.cli import app

runner = CliRunner()

STUDENT = ["--student-id", "s1234567", "--name", "Ada Lovelace", "--email", "ada@example.org", "--study-programme", "Medicine"]

LOREM = (
    "During this activity I met students and teachers from many countries and learned how differently "
    "people approach the same problems in education and in working life. Listening carefully, asking "
    "open questions and explaining my own background clearly helped me understand them, and it showed "
    "me how much my future profession depends on communication across cultures and languages. "
)


def cim(*args: str, input: str | None = None):
    """Run cim in-process; the result has exit_code, stdout and stderr apart."""
    return runner.invoke(app, [str(a) for a in args], input=input)


def new_portfolio(tmp_path: Path, name: str = "ada", *extra: str) -> Path:
    """A registered portfolio without git."""
    path = tmp_path / name
    r = cim("init", path, *STUDENT, "--no-git", *extra)
    assert r.exit_code == 0, r.stderr
    return path


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (outside .git) with its bytes: compare before and after."""
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in files:
            p = Path(folder, name)
            found[str(p.relative_to(root))] = p.read_bytes()
        for d in dirs:
            found[str(Path(folder, d).relative_to(root)) + "/"] = b""
    return found


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Plain git (as a student would run it), isolated from the machine's own config."""
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.org",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.org",
    }
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=check)


def fill_reflection(path: Path, words: int = 60) -> None:
    """Write text under each heading of a reflection template, keeping the headings."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        out.append(line)
        if line.startswith("## "):
            out += ["", " ".join(LOREM.split()[:words])]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
