"""End to end: from nothing to ready-for-review with cim's own commands, as a student would."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from authoring_support import LOREM, STUDENT, cim, fill_reflection, git

ACTIVITIES = [
    (["--title", "Spanish language café", "--category", "language-cafe", "--location", "home", "--start", "2024-10-05", "--end", "2024-12-14", "--engagements", "8"], "attendance.pdf"),
    (["--title", "Exchange semester in Berlin", "--category", "exchange-studies", "--location", "abroad", "--country", "de", "--start", "2024-02-01", "--end", "2024-06-30", "--credits", "30"], "transcript.pdf"),
    (["--title", "Poster: Kyoto Global Health # 2024", "--category", "conference", "--location", "abroad", "--country", "JP", "--start", "2024-09-12"], "poster.png"),
]


def fill_report(report: Path, words_per_section: int = 120) -> None:
    """Write paragraphs under every heading of the template, keeping headings and the summary list."""
    out = []
    filler = (LOREM * 4).split()
    for line in report.read_text(encoding="utf-8").splitlines():
        out.append(line)
        if line.startswith("## "):
            out += ["", " ".join(filler[:words_per_section])]
    report.write_text("\n".join(out) + "\n", encoding="utf-8")


def build(tmp_path: Path, extra: list[str]) -> tuple[Path, list[str]]:
    root = tmp_path / "ada"
    init_extra = ["--no-git"] if "--commit" not in extra else []
    r = cim("init", root, *STUDENT, *init_extra)
    assert r.exit_code == 0, r.stderr
    slugs = []
    for args, evidence_name in ACTIVITIES:
        r = cim("activity", "add", "--portfolio", root, *args, *extra)
        assert r.exit_code == 0, r.stderr
        slug = r.stdout.strip()
        slugs.append(slug)
        evidence = tmp_path / evidence_name
        evidence.write_bytes(f"evidence for {slug}".encode())
        r = cim("evidence", "add", "--portfolio", root, slug, evidence, *extra)
        assert r.exit_code == 0, r.stderr
        reflection = root / "reflections" / f"{slug}.md"
        fill_reflection(reflection)
        if "--commit" in extra:
            git(root, "add", str(reflection))
            git(root, "commit", "-q", "-m", f"Reflect on {slug}")
    r = cim("diary", "add", "--portfolio", root, "--activity", slugs[0], "--text", "Third evening at the café.", *extra)
    assert r.exit_code == 0, r.stderr
    r = cim("validate", root, "--format", "json")
    assert json.loads(r.stdout)["portfolios"][0]["counting_activities"] == 3, r.stdout
    r = cim("report", "init", "--portfolio", root, *extra)
    assert r.exit_code == 0, r.stderr
    fill_report(root / "report.md")
    return root, slugs


def check_ready(root: Path) -> dict:
    r = cim("validate", root, "--require", "ready-for-review", "--format", "json")
    doc = json.loads(r.stdout)["portfolios"][0]
    assert r.exit_code == 0, json.dumps(doc["findings"], indent=2)
    assert doc["stage"] == "ready-for-review"
    assert doc["valid"] is True
    assert doc["counting_activities"] == 3
    assert 500 <= doc["report_words"] <= 1000
    assert [f for f in doc["findings"] if f["severity"] == "error"] == []
    return doc


def test_from_nothing_to_ready_for_review_without_git(tmp_path):
    root, slugs = build(tmp_path, [])
    assert slugs == ["spanish-language-cafe", "exchange-semester-in-berlin", "poster-kyoto-global-health-2024"]
    report = (root / "report.md").read_text()
    assert "- Poster: Kyoto Global Health \\# 2024 (Conference or workshop; abroad (JP); 2024-09-12)" in report
    check_ready(root)
    assert not (root / ".git").exists()


def test_from_nothing_to_ready_for_review_with_git_and_commit(tmp_path):
    root, slugs = build(tmp_path, ["--commit"])
    git(root, "add", "report.md")
    git(root, "commit", "-q", "-m", "Write the report")
    check_ready(root)
    assert git(root, "status", "--porcelain").stdout == ""  # every file cim wrote was committed
    r = cim("log", root, "--format", "json")
    assert r.exit_code == 0, r.stderr
    events = json.loads(r.stdout)
    seen = {(e["kind"], e["action"], e["file"]) for e in events}
    for slug in slugs:
        assert ("activity", "added", f"activities/{slug}.yaml") in seen
        assert ("activity", "changed", f"activities/{slug}.yaml") in seen  # the evidence was recorded
        assert ("reflection", "added", f"reflections/{slug}.md") in seen
        assert ("reflection", "changed", f"reflections/{slug}.md") in seen
    assert ("evidence", "added", f"evidence/{slugs[1]}/transcript.pdf") in seen
    assert ("registration", "added", "student.yaml") in seen
    assert any(k == "diary" and a == "added" for k, a, _ in seen)
    assert ("report", "changed", "report.md") in seen and ("report", "added", "report.md") in seen
    subjects = [e["subject"] for e in events]
    assert "Add activity: Exchange semester in Berlin" in subjects
    assert f"Add evidence to {slugs[2]}: poster.png" in subjects
    assert events[0]["subject"] == "Write the report"  # newest first


def test_the_real_command_line(tmp_path):
    """The installed entry point, as a subprocess: stdout carries only the slug."""
    root = tmp_path / "ada"
    run = lambda *a: subprocess.run([sys.executable, "-m", "cim_cli", *map(str, a)], capture_output=True, text=True, cwd=tmp_path)
    r = run("init", root, *STUDENT, "--no-git")
    assert r.returncode == 0 and r.stdout == "", r.stderr
    r = run("activity", "add", "--portfolio", root, *ACTIVITIES[0][0])
    assert r.returncode == 0, r.stderr
    assert r.stdout == "spanish-language-cafe\n"
    assert re.search(r"Next: write your reflection in \S+spanish-language-cafe\.md", r.stderr)
