"""--rev from the object database, --changed-since by the diff, default jobs: correctness of each path.

The speed of these paths is measured in benchmarks/ (run.py --only rev,changed,jobs);
here only that they give the same answers as the slow, obvious way.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cim_cli import batch, revision
from test_batch import EXAMPLES, invoke, make_cohort, write_portfolio
from test_revision import GIT_ENV, commit_all, git, monorepo  # noqa: F401 - a fixture

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
REPO = Path(__file__).resolve().parent.parent


def _by_path(result) -> dict[str, dict]:
    return {p["path"]: p for p in json.loads(result.stdout)["portfolios"]}


def _same_findings(root: Path, *extra: str) -> None:
    """batch of the work tree and batch --rev HEAD of a clean work tree say exactly the same."""
    now = invoke("batch", str(root), "-f", "json", "-j", "1", *extra)
    then = invoke("batch", str(root), "-f", "json", "-j", "1", "--rev", "HEAD", *extra)
    assert now.exit_code == then.exit_code, then.stderr
    assert now.stdout == then.stdout
    assert len(_by_path(now)) > 0


# -- the same findings with and without --rev ---------------------------------------------

def test_examples_same_findings_at_head(tmp_path):
    repo = tmp_path / "cohort"
    shutil.copytree(EXAMPLES, repo / "examples", symlinks=True)
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "examples")
    _same_findings(repo)
    for portfolio in sorted((repo / "examples").iterdir()):
        if (portfolio / "student.yaml").exists():
            a = invoke("validate", str(portfolio), "-f", "json")
            b = invoke("validate", str(portfolio), "-f", "json", "--rev", "HEAD")
            assert (a.exit_code, a.stdout) == (b.exit_code, b.stdout), portfolio.name


def test_generated_cohort_same_findings_at_head_and_in_a_pool(tmp_path):
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    root = tmp_path / "gen"
    generate.generate(root, 40, 3, seed=7, layout="git", problems=0.2)
    _same_findings(root)
    pooled = invoke("batch", str(root), "-f", "json", "-j", "2", "--rev", "HEAD")
    assert pooled.stdout == invoke("batch", str(root), "-f", "json", "-j", "1").stdout


def test_symlinks_and_odd_files_same_findings(tmp_path):
    repo = tmp_path / "r"
    p = write_portfolio(repo / "p", "p")
    (p / "evidence" / "activity-0" / "certificate.pdf").unlink()
    os.symlink("../activity-1/certificate.pdf", p / "evidence" / "activity-0" / "certificate.pdf")  # inside: fine
    (p / "evidence" / "activity-1" / "certificate.pdf").unlink()
    os.symlink("../../../outside.pdf", p / "evidence" / "activity-1" / "certificate.pdf")  # leaves the portfolio
    (repo / "outside.pdf").write_bytes(b"%PDF")
    os.symlink("/etc", p / "diary")  # a folder link to an absolute path
    (p / "reflections" / "activity-2.md").unlink()
    os.symlink("activity-1.md", p / "reflections" / "activity-2.md")
    (p / "report.md").write_bytes(b"\xff\xfe not utf-8")
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "links")
    _same_findings(repo)
    rules = {(f["rule"], f["file"]) for f in _by_path(invoke("batch", str(repo), "-f", "json", "--rev", "HEAD"))[str(p)]["findings"]}
    assert ("path-unsafe", "activities/activity-1.yaml") in rules
    assert ("path-unsafe", "diary") in rules
    assert ("encoding", "report.md") in rules


# -- git trees that real cohorts have -----------------------------------------------------------

def test_submodule_is_skipped_with_a_note(tmp_path):
    inner = tmp_path / "inner"
    write_portfolio(inner, "inside-submodule")
    git(inner, "init", "-q", "-b", "main")
    commit_all(inner, "inner")
    repo = tmp_path / "cohort"
    write_portfolio(repo / "students" / "alice", "alice")
    (repo / "students" / "alice" / "evidence" / "activity-0" / "certificate.pdf").unlink()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "students/sub")
    # A submodule inside a portfolio, named as its evidence.
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "students/alice/evidence/activity-0/certificate.pdf")
    commit_all(repo, "with submodules")
    result = invoke("batch", str(repo), "-f", "json", "--rev", "HEAD")
    assert result.exit_code in (0, 1), result.stderr
    assert list(_by_path(result)) == [str(repo / "students" / "alice")]
    assert f"{repo / 'students' / 'sub'} is a git submodule" in result.stderr and "skipped" in result.stderr
    findings = _by_path(result)[str(repo / "students" / "alice")]["findings"]
    assert any(f["rule"] == "path-unsafe" and "submodule" in f["message"] for f in findings)


def test_bare_repository_is_read(tmp_path, monorepo):
    bare = tmp_path / "cohort.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(monorepo), str(bare)], check=True, env={**os.environ, **GIT_ENV})
    result = invoke("batch", str(bare), "-f", "json", "--rev", "HEAD~1")
    assert sorted(p["student_id"] for p in json.loads(result.stdout)["portfolios"]) == ["alice", "bob"]
    assert result.exit_code == 0
    alice = invoke("validate", str(bare / "students" / "alice"), "-f", "json", "--rev", "HEAD")
    assert alice.exit_code == 1 and json.loads(alice.stdout)["portfolios"][0]["stage"] == "collecting"
    plain = invoke("batch", str(bare), "-f", "json")
    assert "bare git repository" in plain.stderr and "--rev" in plain.stderr
    # A folder of bare repositories is a folder of repositories.
    assert len(json.loads(invoke("batch", str(tmp_path), "-f", "json", "--rev", "HEAD").stdout)["portfolios"]) >= 3


def test_core_worktree_cannot_move_the_work_tree(tmp_path, monorepo):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "stray.txt").write_text("x", encoding="utf-8")
    git(monorepo, "config", "core.worktree", str(elsewhere))
    (monorepo / "students" / "bob" / "report.md").write_text("draft\n", encoding="utf-8")
    # Were git to use core.worktree, every tracked file would look deleted: every portfolio changed.
    changed = invoke("batch", str(monorepo), "--changed-since", "HEAD", "-f", "json")
    assert changed.exit_code in (0, 1), changed.stderr
    assert [p["student_id"] for p in json.loads(changed.stdout)["portfolios"]] == ["bob"]
    plain = invoke("batch", str(monorepo), "-f", "json")
    warnings = [line for line in plain.stderr.splitlines() if "uncommitted" in line]
    assert len(warnings) == 1 and "bob" in warnings[0]


def test_run_budget_exceeded_is_a_finding(tmp_path, monkeypatch):
    repo = tmp_path / "cohort"
    make_cohort(repo, 6)
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "cohort")
    monkeypatch.setattr(revision, "MAX_RUN_READ", 1)
    result = invoke("batch", str(repo), "-f", "json", "-j", "1", "--rev", "HEAD")
    assert result.exit_code == 1
    results = json.loads(result.stdout)["portfolios"]
    assert len(results) == 6
    over = [p for p in results if any("limit for one run" in f["message"] for f in p["findings"])]
    assert len(over) == 5  # the first one read, and spent the budget
    for p in over:
        said = [f for f in p["findings"] if "limit for one run" in f["message"]]
        assert {f["rule"] for f in said} == {"file-too-large"}
        assert "student.yaml" in {f["file"] for f in said}


def test_rev_writes_nothing(monorepo, monkeypatch):
    writes: list[str] = []
    real_open, real_mkdir = os.open, os.mkdir

    def spy_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and str(path) != os.devnull:  # subprocess opens it for DEVNULL
            writes.append(str(path))
        return real_open(path, flags, *args, **kwargs)

    def spy_mkdir(path, *args, **kwargs):
        writes.append(str(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy_open)
    monkeypatch.setattr(os, "mkdir", spy_mkdir)
    monkeypatch.setattr(os, "symlink", lambda *a, **k: writes.append(str(a)))
    result = invoke("batch", str(monorepo), "-f", "json", "--rev", "HEAD", "-j", "1")
    assert result.exit_code == 1 and len(json.loads(result.stdout)["portfolios"]) == 3
    assert writes == []


# -- --changed-since: the same portfolios as a full diff gives -------------------------------

def _oracle(root: Path, base: str) -> list[str]:
    """The slow, obvious answer: every portfolio discovered, each matched against the full diff."""
    top = Path(git(root, "rev-parse", "--show-toplevel").strip())
    paths = [p for p in git(top, "diff", "--name-only", "-z", "--no-renames", base).split("\0") if p]
    paths += [p for p in git(top, "ls-files", "--others", "--exclude-standard", "-z").split("\0") if p]
    chosen = []
    for portfolio in batch.discover([str(root)]):
        rel = os.path.relpath(os.path.realpath(portfolio), top).replace(os.sep, "/")
        above = [f"{'/'.join(rel.split('/')[:i])}/programme.yaml".lstrip("/") for i in range(rel.count("/") + 1)]
        if any(p.startswith(rel + "/") or p in above for p in paths):
            chosen.append(portfolio)
    return chosen


@pytest.fixture
def history(tmp_path) -> Path:
    repo = tmp_path / "cohort"
    make_cohort(repo / "students", 12)
    (repo / "students" / "programme.yaml").write_text("requirements:\n  min_activities: 3\n", encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "base")
    git(repo, "tag", "base")
    return repo


def _selected(root: Path, base: str) -> list[str]:
    result = invoke("batch", str(root), "--changed-since", base, "-f", "json", "-j", "1")
    assert result.exit_code in (0, 1), result.stderr
    return list(_by_path(result))


def test_changed_since_matches_the_full_diff(history):
    s = history / "students"
    git(history, "mv", "students/group-0/student-0000", "students/group-0/renamed")  # a rename
    commit_all(history, "rename")
    shutil.rmtree(s / "group-1" / "student-0001")  # a deleted portfolio: nothing to check
    (s / "group-2" / "student-0002" / "report.md").write_text("changed\n", encoding="utf-8")  # unstaged
    (s / "group-0" / "student-0003" / "diary").mkdir()
    (s / "group-0" / "student-0003" / "diary" / "new.md").write_text("untracked\n", encoding="utf-8")  # untracked
    (s / "group-1" / "student-0004" / "notes.md").write_text("staged\n", encoding="utf-8")
    git(history, "add", "students/group-1/student-0004/notes.md")  # staged
    (s / "group-1" / "student-0007" / "activities" / "activity-0.yaml").unlink()  # a deleted file
    (s / "group-0" / ".hidden").mkdir()
    (s / "group-0" / ".hidden" / "x.md").write_text("not a portfolio\n", encoding="utf-8")
    expected = _oracle(s, "base")
    assert len(expected) == 5
    assert _selected(s, "base") == expected
    assert _selected(history, "base") == _oracle(history, "base")
    assert _selected(s / "group-0", "base") == _oracle(s / "group-0", "base")


@pytest.mark.parametrize("where", ["students/programme.yaml", "programme.yaml", "students/group-1/programme.yaml"])
def test_a_changed_programme_file_selects_every_portfolio_it_judges(history, where):
    path = history / where
    path.write_text("requirements:\n  min_activities: 2\n", encoding="utf-8")
    s = history / "students"
    expected = _oracle(s, "HEAD")
    assert _selected(s, "HEAD") == expected
    below = (history / where).parent
    assert expected == sorted((p for p in batch.discover([str(s)]) if p.startswith(str(below) + os.sep) or below == history), key=batch.path_key)


def test_changed_since_runs_one_git_status_and_no_gitpython(history):
    (history / "students" / "group-0" / "student-0000" / "report.md").write_text("x\n", encoding="utf-8")
    code = (
        "import sys, subprocess\n"
        "calls = []\n"
        "real = subprocess.run\n"
        "def spy(cmd, *a, **k):\n"
        "    calls.append([c for c in cmd if not c.startswith('--git-dir') and not c.startswith('--work-tree')][1])\n"
        "    return real(cmd, *a, **k)\n"
        "subprocess.run = spy\n"
        "from cim_cli.cli import main\n"
        "try:\n"
        f"    main(['batch', {str(history / 'students')!r}, '--changed-since', 'HEAD', '-f', 'json'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('GITPYTHON' if 'git' in sys.modules else 'NOGITPYTHON', file=sys.stderr)\n"
        "print('CALLS', calls, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert "NOGITPYTHON" in proc.stderr, proc.stderr
    calls = eval(proc.stderr.split("CALLS ", 1)[1])  # noqa: S307 - our own repr
    assert calls.count("status") == 1
    assert json.loads(proc.stdout)["portfolios"][0]["student_id"] == "s0000"


# -- default jobs ---------------------------------------------------------------------------

@pytest.mark.parametrize("cpus, load, tasks, expected", [
    (2, 0.1, 2000, 2),   # idle: a pool
    (2, 1.2, 2000, 1),   # one core taken: one process
    (2, 6.0, 2000, 1),   # busy: never a pool
    (8, 3.0, 2000, 5),   # what the load leaves
    (8, 0.0, 5, 1),      # a handful of portfolios: no pool
    (1, 0.0, 2000, 1),
])
def test_default_jobs_from_cpus_and_load(monkeypatch, cpus, load, tasks, expected):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cpus)), raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert batch.default_jobs(tasks) == expected


def test_rev_reads_through_one_cat_file_process(monorepo, monkeypatch):
    started: list[list[str]] = []
    real = subprocess.Popen

    class Spy(real):
        def __init__(self, args, *a, **k):
            started.append([str(x) for x in args])
            super().__init__(args, *a, **k)

    monkeypatch.setattr(subprocess, "Popen", Spy)
    result = invoke("batch", str(monorepo), "-f", "json", "--rev", "HEAD", "-j", "1")
    assert len(json.loads(result.stdout)["portfolios"]) == 3
    readers = [cmd for cmd in started if "cat-file" in cmd]
    assert readers == [[readers[0][0], readers[0][1], "cat-file", "--batch"]]
    assert sum(1 for cmd in started if "ls-tree" in cmd) == 1


def test_git_status_is_stopped_after_its_time_limit(history, monkeypatch):
    (history / "students" / "group-0" / "student-0000" / "report.md").write_text("x\n", encoding="utf-8")
    monkeypatch.setattr(revision, "STATUS_TIMEOUT", 0.000001)
    result = invoke("batch", str(history), "--changed-since", "HEAD", "-f", "json")
    assert result.exit_code == 2
    assert "took longer than" in result.stderr and "stopped" in result.stderr
