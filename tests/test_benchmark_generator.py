"""The benchmark's cohort generator and floor (benchmarks/generate.py, benchmarks/floor.py).

The benchmark is only honest if the generated portfolios are what they claim:
clean ones really are clean for cim, the broken ones break in the intended
way, and a seed always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cim_cli.engine import validate_path
from cim_cli.programme import default_programme

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"cim_bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


generate = _load("generate")
floor = _load("floor")


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> tuple[Path, dict]:
    """60 portfolios of 4 activities: 3 of them (5%) with one problem of each kind."""
    root = tmp_path_factory.mktemp("cohort") / "c"
    generate.generate(root, 60, 4, seed=3)
    return root, generate.read_manifest(root)


def test_writes_n_portfolios_with_k_activities(cohort):
    root, manifest = cohort
    folders = sorted(p.parent for p in root.glob("*/student.yaml"))
    assert len(folders) == 60
    assert sorted(p["folder"] for p in manifest["portfolios"]) == [f.name for f in folders]
    for folder in folders:
        assert len(list((folder / "activities").glob("*.yaml"))) == 4
        assert len(list((folder / "reflections").glob("*.md"))) == 4
        assert list((folder / "evidence").rglob("*.*"))
    assert {k: manifest[k] for k in ("students", "activities", "seed", "layout")} == {"students": 60, "activities": 4, "seed": 3, "layout": "monorepo"}


def test_mix_of_locations_categories_reports_and_sizes(cohort):
    root, manifest = cohort
    records = [p.read_text("utf-8") for p in root.glob("*/activities/*.yaml")]
    assert sum("location: abroad" in r for r in records) > 40
    assert sum("location: home" in r for r in records) > 40
    assert all("country: " in r for r in records if "location: abroad" in r)
    categories = {line.split(": ")[1] for r in records for line in r.splitlines() if line.startswith("category: ")}
    assert len(categories) >= 8
    with_report = [p for p in manifest["portfolios"] if p["report"]]
    assert 18 <= len(with_report) <= 42  # about half
    assert all(600 <= p["report_words"] <= 900 + 120 for p in with_report if p["problem"] != "short-report")
    assert all(60 <= w <= 200 + 40 for p in manifest["portfolios"] for w in p["reflection_words"])
    assert list(root.glob("*/diary/*.md"))


def test_problems_are_a_sprinkling_of_each_kind(cohort):
    _, manifest = cohort
    problems = [p["problem"] for p in manifest["portfolios"] if p["problem"]]
    assert sorted(problems) == sorted(generate.PROBLEM_KINDS)
    assert len(generate.problem_plan(2000, 1, 0.05)) == 100


def test_clean_portfolios_validate_without_findings(cohort):
    root, manifest = cohort
    programme = default_programme()
    for p in manifest["portfolios"]:
        if p["problem"]:
            continue
        result = validate_path(str(root / p["folder"]), programme)
        assert [f for f in result.findings if f.severity == "error"] == [], p["folder"]
        assert result.stage == "ready-for-review"
        assert result.counting_activities == 4
        # The generator's own word counts agree with cim's analyser.
        assert result.report_words == p["report_words"]
        assert sorted(a.reflection_words for a in result.activities) == sorted(p["reflection_words"])


def test_broken_portfolios_have_the_intended_findings(cohort):
    root, manifest = cohort
    programme = default_programme()
    seen = set()
    for p in manifest["portfolios"]:
        if not p["problem"]:
            continue
        result = validate_path(str(root / p["folder"]), programme)
        # Every error, and the intended problem whatever its severity (a short report is a warning: a draft).
        errors = {(f.rule, f.file) for f in result.findings if f.severity == "error" or f.rule in generate.PROBLEM_RULES.values()}
        assert errors == {(generate.PROBLEM_RULES[p["problem"]], p["problem_file"])}, p
        seen.add(p["problem"])
    assert seen == set(generate.PROBLEM_KINDS)


def test_deterministic_for_a_seed(tmp_path):
    generate.generate(tmp_path / "a", 12, 3, seed=9)
    generate.generate(tmp_path / "b", 12, 3, seed=9)
    generate.generate(tmp_path / "c", 12, 3, seed=10)
    a, b, c = (_digest(tmp_path / x) for x in "abc")
    assert a == b
    assert a != c


def test_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        generate.generate(tmp_path, 2, 1)
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_command_line(tmp_path):
    out = tmp_path / "cohort"
    cmd = [sys.executable, str(BENCH / "generate.py"), str(out), "--students", "3", "--activities", "2", "--seed", "5"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # messages go to stderr
    assert len(list(out.glob("*/student.yaml"))) == 3
    again = subprocess.run(cmd, capture_output=True, text=True)
    assert again.returncode == 2
    assert "not empty" in again.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_repos_layout_makes_one_repository_per_student(tmp_path):
    generate.generate(tmp_path, 2, 2, seed=4, layout="repos")
    folders = sorted(p.parent for p in tmp_path.glob("*/student.yaml"))
    assert len(folders) == 2
    for folder in folders:
        assert (folder / ".git").is_dir()
        count = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=folder, capture_output=True, text=True, env=generate.git_environment())
        assert count.stdout.strip() == "1"
        status = subprocess.run(["git", "status", "--porcelain"], cwd=folder, capture_output=True, text=True, env=generate.git_environment())
        assert status.stdout == ""  # everything committed


def test_floor_reads_and_parses_everything(cohort):
    root, manifest = cohort
    counts = floor.floor([str(root)])
    files = [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert counts["files"] == len(files)
    assert counts["bytes"] == sum(p.stat().st_size for p in files)
    assert counts["yaml"] == 60 * (1 + 4)
    # libyaml keeps the last of two duplicate keys silently: the floor finds no error where cim does.
    assert counts["yaml_errors"] == 0
    assert counts["markdown"] == len([p for p in files if p.suffix == ".md"])
    assert counts["words"] > sum(sum(p["reflection_words"]) + (p["report_words"] or 0) for p in manifest["portfolios"])
    done = subprocess.run([sys.executable, str(BENCH / "floor.py"), str(root)], capture_output=True, text=True)
    assert done.returncode == 0
    assert json.loads(done.stdout) == counts
