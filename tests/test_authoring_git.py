"""--commit and cim log: exactly the files written, clear failures, and a hostile
repository's hooks, fsmonitor, filters and signature programs never run."""

from __future__ import annotations

import json
import os
import stat

import pytest

from authoring_support import STUDENT, cim, git, new_portfolio

CAFE = ["--title", "Spanish language café", "--category", "language-cafe", "--location", "home", "--start", "2024-10-05", "--engagements", "8"]


def committed_files(repo, rev="HEAD"):
    return git(repo, "show", "--name-only", "--format=", rev).stdout.split()


def test_commit_takes_exactly_the_files_written(tmp_path):
    root = tmp_path / "ada"
    assert cim("init", root, *STUDENT).exit_code == 0
    (root / "notes.txt").write_text("staged by the student, not for this commit")
    git(root, "add", "notes.txt")
    r = cim("activity", "add", "--portfolio", root, *CAFE, "--commit")
    assert r.exit_code == 0, r.stderr
    assert "Committed" in r.stderr
    assert git(root, "log", "-1", "--format=%s").stdout.strip() == "Add activity: Spanish language café"
    assert sorted(committed_files(root)) == ["activities/spanish-language-cafe.yaml", "reflections/spanish-language-cafe.md"]
    assert git(root, "diff", "--cached", "--name-only").stdout.split() == ["notes.txt"]  # still staged, untouched
    (tmp_path / "cert.pdf").write_bytes(b"c")
    r = cim("evidence", "add", "--portfolio", root, "spanish-language-cafe", tmp_path / "cert.pdf", "--commit")
    assert r.exit_code == 0, r.stderr
    assert git(root, "log", "-1", "--format=%s").stdout.strip() == "Add evidence to spanish-language-cafe: cert.pdf"
    assert sorted(committed_files(root)) == ["activities/spanish-language-cafe.yaml", "evidence/spanish-language-cafe/cert.pdf"]
    r = cim("evidence", "add", "--portfolio", root, "spanish-language-cafe", tmp_path / "cert.pdf", "--commit")
    assert r.exit_code == 0 and "nothing was committed" in r.stderr


def test_commit_outside_a_repository_writes_then_exits_1(tmp_path):
    root = new_portfolio(tmp_path)
    r = cim("activity", "add", "--portfolio", root, *CAFE, "--commit")
    assert r.exit_code == 1
    assert "written but not committed" in r.stderr and "not inside a git repository" in r.stderr
    assert r.stdout.strip() == "spanish-language-cafe"
    assert (root / "activities" / "spanish-language-cafe.yaml").is_file()


def test_commit_failure_from_git_is_explained(tmp_path):
    root = tmp_path / "ada"
    assert cim("init", root, *STUDENT).exit_code == 0
    (root / ".gitignore").write_text("diary/\n")
    r = cim("diary", "add", "--portfolio", root, "--text", "hello", "--commit")
    assert r.exit_code == 1
    assert "written but not committed" in r.stderr and "ignored" in r.stderr
    assert len(list((root / "diary").glob("*.md"))) == 1


def test_log_timeline_newest_first(tmp_path):
    root = tmp_path / "ada"
    assert cim("init", root, *STUDENT).exit_code == 0
    assert cim("activity", "add", "--portfolio", root, *CAFE, "--commit").exit_code == 0
    assert cim("diary", "add", "--portfolio", root, "--text", "x", "--date", "2024-10-06", "--commit").exit_code == 0
    git(root, "rm", "-q", "diary/2024-10-06.md")
    git(root, "commit", "-q", "-m", "Remove a diary entry")
    r = cim("log", root, "--format", "json")
    assert r.exit_code == 0, r.stderr
    events = json.loads(r.stdout)
    assert [(e["kind"], e["action"], e["file"]) for e in events] == [
        ("diary", "removed", "diary/2024-10-06.md"),
        ("diary", "added", "diary/2024-10-06.md"),
        ("activity", "added", "activities/spanish-language-cafe.yaml"),
        ("reflection", "added", "reflections/spanish-language-cafe.md"),
        ("registration", "added", "student.yaml"),
    ]
    assert events[2]["subject"] == "Add activity: Spanish language café"
    assert set(events[0]) == {"date", "time", "kind", "action", "file", "subject", "commit", "author"}
    assert len(json.loads(cim("log", root, "--format", "json", "--limit", "2").stdout)) == 2
    text = cim("log", root).stdout.splitlines()
    assert len(text) == 5
    assert "activity" in text[2] and "added" in text[2] and "activities/spanish-language-cafe.yaml" in text[2] and "Add activity: Spanish language café" in text[2]


def test_log_of_a_portfolio_inside_a_bigger_repository(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "unrelated.txt").write_text("x")
    git(tmp_path, "add", "unrelated.txt")
    git(tmp_path, "commit", "-q", "-m", "unrelated")
    assert cim("init", tmp_path / "class" / "ada", *STUDENT, "--commit").exit_code == 0
    events = json.loads(cim("log", tmp_path / "class" / "ada", "--format", "json").stdout)
    assert [e["file"] for e in events] == ["student.yaml"]


def test_log_outside_git_and_without_commits(tmp_path):
    root = new_portfolio(tmp_path)
    r = cim("log", root)
    assert r.exit_code == 2
    assert "not inside a git repository" in r.stderr
    git(root, "init", "-q")
    r = cim("log", root, "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout) == []
    assert cim("log", root, "--limit", "0").exit_code == 2


def test_log_of_a_shallow_clone_says_it_is_partial(tmp_path):
    origin = tmp_path / "origin"
    assert cim("init", origin, *STUDENT).exit_code == 0
    assert cim("activity", "add", "--portfolio", origin, *CAFE, "--commit").exit_code == 0
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", "clone")
    r = cim("log", tmp_path / "clone", "--format", "json")
    assert r.exit_code == 0
    assert "partial" in r.stderr
    assert all(e["subject"] == "Add activity: Spanish language café" for e in json.loads(r.stdout))


# -- a hostile repository ---------------------------------------------------------------------

def hostile_repo(tmp_path, name: str, hooks_path: bool):
    """A repository whose config would run a marker-writing script at every chance."""
    repo = tmp_path / name
    repo.mkdir()
    markers = tmp_path / f"{name}-markers"
    markers.mkdir()
    git(repo, "init", "-q", "-b", "main")
    # First, before anything hostile is set up: a commit with a (fake) signature,
    # so that `git log` would call gpg.program.
    tree = git(repo, "write-tree").stdout.strip()
    body = f"tree {tree}\nauthor a <a@b> 1700000000 +0000\ncommitter a <a@b> 1700000000 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n AAAA\n -----END PGP SIGNATURE-----\n\nsigned\n"
    (tmp_path / "commit.txt").write_text(body)
    sha = git(repo, "hash-object", "-t", "commit", "-w", str(tmp_path / "commit.txt")).stdout.strip()
    git(repo, "update-ref", "HEAD", sha)

    def script(label: str, passthrough: bool = False) -> str:
        path = tmp_path / f"{name}-{label}.sh"
        path.write_text(f"#!/bin/sh\ntouch '{markers}/{label}'\n" + ("exec cat\n" if passthrough else "exit 0\n"))
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
        return str(path)

    hooks = repo / ".git" / "hooks"
    if hooks_path:
        hooks = tmp_path / f"{name}-hooks"
        hooks.mkdir()
        git(repo, "config", "core.hooksPath", str(hooks))
    for hook in ("pre-commit", "commit-msg", "post-commit", "pre-auto-gc", "reference-transaction"):
        (hooks / hook).write_text(f"#!/bin/sh\ntouch '{markers}/{hook}'\n")
        (hooks / hook).chmod(0o755)
    git(repo, "config", "core.fsmonitor", script("fsmonitor"))
    git(repo, "config", "filter.x.clean", script("filter-clean", passthrough=True))
    git(repo, "config", "filter.x.smudge", script("filter-smudge", passthrough=True))
    git(repo, "config", "log.showSignature", "true")
    git(repo, "config", "gpg.program", script("gpg"))
    (repo / ".gitattributes").write_text("* filter=x\n")
    assert os.listdir(markers) == []  # setting up ran nothing
    return repo, markers


@pytest.mark.parametrize("hooks_path", [False, True], ids=["hooks-in-git-dir", "core.hooksPath"])
def test_plain_git_would_run_them_all(tmp_path, hooks_path):
    """The control: the same repository does run every script under plain git."""
    repo, markers = hostile_repo(tmp_path, "control", hooks_path)
    (repo / "f.txt").write_text("x")
    git(repo, "add", "f.txt")
    git(repo, "commit", "-q", "-m", "plain")
    git(repo, "log", "--format=%s")
    assert {"fsmonitor", "filter-clean", "pre-commit", "post-commit", "gpg"} <= set(os.listdir(markers))


@pytest.mark.parametrize("hooks_path", [False, True], ids=["hooks-in-git-dir", "core.hooksPath"])
def test_cim_never_runs_the_repositorys_commands(tmp_path, hooks_path):
    repo, markers = hostile_repo(tmp_path, "student", hooks_path)
    root = repo / "ada"
    r = cim("init", root, *STUDENT, "--commit")
    assert r.exit_code == 0, r.stderr
    assert cim("activity", "add", "--portfolio", root, *CAFE, "--commit").exit_code == 0
    (tmp_path / "cert.pdf").write_bytes(b"certificate")
    assert cim("evidence", "add", "--portfolio", root, "spanish-language-cafe", tmp_path / "cert.pdf", "--commit").exit_code == 0
    assert cim("diary", "add", "--portfolio", root, "--text", "x", "--commit").exit_code == 0
    assert cim("report", "init", "--portfolio", root, "--commit").exit_code == 0
    r = cim("log", root, "--format", "json")
    assert r.exit_code == 0, r.stderr
    kinds = sorted(e["kind"] for e in json.loads(r.stdout))
    assert kinds == ["activity", "activity", "diary", "evidence", "reflection", "registration", "report"]
    assert cim("log", root).exit_code == 0
    assert os.listdir(markers) == []
    # The commits really happened, with the content unfiltered.
    assert git(repo, "show", "HEAD~2:ada/evidence/spanish-language-cafe/cert.pdf").stdout == "certificate"


def test_log_and_commit_without_git_installed(tmp_path, monkeypatch):
    root = tmp_path / "ada"
    assert cim("init", root, *STUDENT).exit_code == 0
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin-here"))
    r = cim("log", root)
    assert r.exit_code == 2 and "git is not installed" in r.stderr
    r = cim("diary", "add", "--portfolio", root, "--text", "x", "--commit")
    assert r.exit_code == 1 and "written but not committed" in r.stderr and "git is not installed" in r.stderr
