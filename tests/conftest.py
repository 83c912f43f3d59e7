"""Shared fixtures: build portfolios from a table of files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "example-portfolios"

STUDENT = "student_id: s1\nname: Test Student\nemail: test@example.edu\nstudy_programme: Medicine\nregistered: 2024-09-01\n"

WORDS_60 = " ".join(["word"] * 60)


def activity_yaml(slug: str = "cafe", **fields: str) -> str:
    """A valid activity record (language café at home, 3 engagements) with overrides."""
    base = {
        "title": "Language café",
        "category": "language-cafe",
        "location": "home",
        "start": "2024-10-01",
        "engagements": "3",
        "evidence": f"\n  - path: evidence/{slug}/proof.pdf\n    kind: certificate",
    }
    base.update(fields)
    return "".join(f"{k}: {v}\n" for k, v in base.items() if v is not None)


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def complete_activity(slug: str, **fields: str) -> dict[str, str | bytes]:
    """Files of one activity that counts: record, evidence, reflection."""
    return {
        f"activities/{slug}.yaml": activity_yaml(slug, **fields),
        f"evidence/{slug}/proof.pdf": b"%PDF-1.4",
        f"reflections/{slug}.md": f"# Reflection\n\n{WORDS_60}\n",
    }


@pytest.fixture
def make_portfolio(tmp_path: Path) -> Callable[..., Path]:
    """make_portfolio({rel: content}, student=...) -> folder with student.yaml and those files."""
    counter = iter(range(1000))

    def make(files: dict[str, str | bytes] | None = None, student: str | None = STUDENT) -> Path:
        root = tmp_path / f"p{next(counter)}"
        root.mkdir()
        if student is not None:
            (root / "student.yaml").write_text(student, encoding="utf-8")
        return write_tree(root, files or {})

    return make


def findings_of(path: Path, programme=None) -> list[tuple[str, str, int | None]]:
    """(rule, file, line) of every finding, via the engine."""
    from cim_cli.engine import validate_path
    from cim_cli.programme import default_programme

    result = validate_path(str(path), programme or default_programme())
    return [(f.rule, f.file, f.line) for f in result.findings]


def result_of(path: Path, programme=None):
    from cim_cli.engine import validate_path
    from cim_cli.programme import default_programme

    return validate_path(str(path), programme or default_programme())


os.environ.setdefault("NO_COLOR", "1")
