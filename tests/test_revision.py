"""--rev and --changed-since: portfolios as committed, what changed, and hostile repositories."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cim_cli import revision
from cim_cli.gitrepo import open_repo

from test_batch import invoke, write_portfolio

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.edu",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "t@example.edu",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(cwd: Path, *args: str) -> str:
    """The test's own git (plain: the test sets repositories up as a student would)."""
    env = {**os.environ, **GIT_ENV}
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"git {' '.join(args)} failed: {proc.stderr}"
    return proc.stdout


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def monorepo(tmp_path) -> Path:
    """A cohort in one repository, two commits: at HEAD~1 'alice' is complete, at HEAD
    she broke a record; 'bob' is unchanged; 'carol' only exists at HEAD."""
    repo = tmp_path / "cohort"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write_portfolio(repo / "students" / "alice", "alice")
    write_portfolio(repo / "students" / "bob", "bob", activities=1)
    commit_all(repo, "one")
    (repo / "students" / "alice" / "activities" / "activity-1.yaml").write_text(
        "title: Activity 1\ncategory: conference\nlocation: abroad\nstart: 2024-02-01\n", encoding="utf-8"
    )
    write_portfolio(repo / "students" / "carol", "carol")
    commit_all(repo, "two")
    return repo


def _json(result) -> dict:
    return {p["student_id"]: p for p in json.loads(result.stdout)["portfolios"]}


# -- --rev -------------------------------------------------------------------------

def test_validate_rev_differs_from_the_work_tree(monorepo):
    alice = str(monorepo / "students" / "alice")
    now = invoke("validate", alice, "--format", "json")
    then = invoke("validate", alice, "--format", "json", "--rev", "HEAD~1")
    assert now.exit_code == 1 and then.exit_code == 0
    assert _json(now)["alice"]["stage"] == "collecting"
    assert any(f["rule"] == "schema" and f["file"] == "activities/activity-1.yaml" for f in _json(now)["alice"]["findings"])
    assert _json(then)["alice"] == {**_json(then)["alice"], "path": alice, "valid": True, "stage": "ready-for-review", "findings": []}


def test_batch_rev_discovers_the_tree_at_the_revision(monorepo):
    root = str(monorepo / "students")
    now = invoke("batch", root, "--format", "json", "-j", "1")
    then = invoke("batch", root, "--format", "json", "-j", "2", "--rev", "HEAD~1")
    assert sorted(_json(now)) == ["alice", "bob", "carol"]
    assert sorted(_json(then)) == ["alice", "bob"]  # carol was not committed yet
    assert _json(then)["alice"]["valid"] is True and _json(now)["alice"]["valid"] is False
    assert [p["path"] for p in json.loads(then.stdout)["portfolios"]] == [
        os.path.join(root, "alice"), os.path.join(root, "bob")
    ]
    assert "cim-rev-" not in then.stdout  # the temporary copy never shows


def test_rev_does_not_touch_the_work_tree(monorepo):
    before = git(monorepo, "status", "--porcelain", "--untracked-files=all")
    stamp = {p: p.stat().st_mtime_ns for p in monorepo.rglob("*") if ".git" not in p.parts}
    invoke("batch", str(monorepo), "--rev", "HEAD~1", "-j", "1")
    assert git(monorepo, "status", "--porcelain", "--untracked-files=all") == before
    assert {p: p.stat().st_mtime_ns for p in monorepo.rglob("*") if ".git" not in p.parts} == stamp


def test_rev_text_and_table_formats_show_real_paths(monorepo):
    result = invoke("validate", str(monorepo / "students" / "alice"), "--rev", "HEAD")
    assert str(monorepo / "students" / "alice" / "activities" / "activity-1.yaml") in result.stdout
    assert "cim-rev-" not in result.stdout


def test_rev_of_a_root_that_is_a_portfolio_and_of_the_repo_root(monorepo):
    alice = monorepo / "students" / "alice"
    assert sorted(_json(invoke("batch", str(alice), "--rev", "HEAD~1", "-f", "json"))) == ["alice"]
    assert sorted(_json(invoke("batch", str(monorepo), "--rev", "HEAD~1", "-f", "json"))) == ["alice", "bob"]


def test_rev_in_a_folder_of_clones(tmp_path, monorepo):
    clones = tmp_path / "clones"
    clones.mkdir()
    for name in ("x", "y"):
        repo = clones / name
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        write_portfolio(repo, f"clone-{name}")
        commit_all(repo, "first")
    (clones / "y" / "student.yaml").write_text("student_id: 5\n", encoding="utf-8")  # uncommitted damage
    write_portfolio(clones / "loose", "loose")  # not in git at all
    result = invoke("batch", str(clones), "--rev", "HEAD", "-f", "json")
    got = _json(result)
    assert sorted(got) == ["clone-x", "clone-y"]
    assert got["clone-y"]["valid"] is True
    assert "loose is not in a git repository" in result.stderr


def test_symlink_blob_stays_a_symlink_and_path_unsafe(tmp_path):
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    p = write_portfolio(repo / "p", "p")
    target = p / "evidence" / "activity-0" / "certificate.pdf"
    target.unlink()
    os.symlink("/etc/passwd", target)
    commit_all(repo, "link")
    shutil.rmtree(p)  # gone from the work tree: only the commit has it
    now = invoke("validate", str(p), "--rev", "HEAD", "-f", "json")
    rules = {(f["rule"], f["file"]) for f in _json(now)["p"]["findings"]}
    assert ("path-unsafe", "activities/activity-0.yaml") in rules


def _tree_source(repo: Path, rel: str = ""):
    from cim_cli.gitrepo import git_dir_of, ls_tree
    from cim_cli.load.source import entries_below, GitTreeSource

    git_dir = git_dir_of(str(repo))
    commit = git(repo, "rev-parse", "HEAD").strip()
    entries = ls_tree(git_dir, commit, rel)
    return GitTreeSource(str(repo / rel), git_dir, entries_below(entries, rel))


def test_tree_source_reads_from_git_sizes_from_the_listing(tmp_path, monkeypatch):
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "big.bin").write_bytes(b"x" * 5000)
    (repo / "small.txt").write_text("hello", encoding="utf-8")
    (repo / "sub").mkdir()
    (repo / "sub" / "link").symlink_to("../small.txt")
    (repo / "sub" / "out").symlink_to("../../outside.txt")
    (repo / "sub" / "abs").symlink_to("/etc/passwd")
    (repo / "sub" / "loop").symlink_to("loop")
    commit_all(repo, "files")
    shutil.rmtree(repo / "sub")
    (repo / "small.txt").write_text("changed on disk", encoding="utf-8")
    source = _tree_source(repo)
    from cim_cli.load import files
    from cim_cli.model import MISSING, NOT_REGULAR, OK, UNSAFE

    big = source.resolve("big.bin")
    assert (big.status, big.size) == (OK, 5000)
    with pytest.raises(files.ReadError) as too_big:
        source.read_bytes(big, 1000)
    assert too_big.value.rule == "file-too-large"
    assert source.read_total == 0  # the size came from the listing: nothing was read
    link = source.resolve("sub/link")
    assert link.status == OK and source.read_text(link, 100) == "hello"  # the committed text, not the disk's
    assert source.resolve("sub/out").status == UNSAFE
    assert source.resolve("sub/abs").status == UNSAFE
    assert source.resolve("sub/loop").status == MISSING
    assert source.resolve("sub").status == NOT_REGULAR
    assert source.resolve("../x").status == UNSAFE
    assert source.resolve("nope").status == MISSING
    assert source.list_folder("sub").names == ("abs", "link", "loop", "out")
    import hashlib
    assert source.sha256(big) == hashlib.sha256(b"x" * 5000).hexdigest()


def test_tree_source_budget_is_a_finding(tmp_path):
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "a.md").write_text("a" * 300, encoding="utf-8")
    (repo / "b.md").write_text("b" * 300, encoding="utf-8")
    commit_all(repo, "files")
    source = _tree_source(repo)
    source.budget = 500
    from cim_cli.load import files

    source.read_bytes(source.resolve("a.md"), 1000)
    with pytest.raises(files.ReadError) as over:
        source.read_bytes(source.resolve("b.md"), 1000)
    assert over.value.rule == "file-too-large" and "MiB" in over.value.message


def test_tree_portfolios_follow_discovery_rules(tmp_path):
    from cim_cli.gitrepo import git_dir_of, ls_tree

    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for rel in ("b/p2", "a/p1", "a/p1/evidence/inner", ".hidden/p", "node_modules/p"):
        (repo / rel).mkdir(parents=True)
        (repo / rel / "student.yaml").write_text("student_id: x\n", encoding="utf-8")
    commit_all(repo, "tree")
    entries = ls_tree(git_dir_of(str(repo)), git(repo, "rev-parse", "HEAD").strip())
    assert revision.tree_portfolios(entries).portfolios == ["a/p1", "b/p2"]
    assert revision.tree_portfolios(entries, "a").portfolios == ["a/p1"]


# -- bad revisions --------------------------------------------------------------------

@pytest.mark.parametrize("rev", ["--output=x", "-h", "HEAD..main", "no-such-branch", "HEAD~50", "HEAD^{tree}", "a b", ""])
def test_bad_revisions_exit_2(monorepo, rev, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in (["validate", str(monorepo / "students" / "alice")], ["batch", str(monorepo)]):
        result = invoke(*args, f"--rev={rev}")
        assert result.exit_code == 2, (args, rev, result.stderr)
        assert result.stdout == ""
        assert result.stderr.startswith("cim: ")
    changed = invoke("batch", str(monorepo), f"--changed-since={rev}")
    assert changed.exit_code == 2
    assert not (tmp_path / "x").exists() and not (monorepo / "x").exists()


def test_rev_outside_git_exits_2(tmp_path):
    p = write_portfolio(tmp_path / "p", "p")
    result = invoke("validate", str(p), "--rev", "HEAD")
    assert result.exit_code == 2 and "not inside a git repository" in result.stderr


def test_rev_and_changed_since_together_exit_2(monorepo):
    assert invoke("batch", str(monorepo), "--rev", "HEAD", "--changed-since", "HEAD").exit_code == 2


# -- shallow clones and detached HEADs ----------------------------------------------------

@pytest.fixture
def shallow(monorepo, tmp_path) -> Path:
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{monorepo}", str(clone)], check=True, env={**os.environ, **GIT_ENV})
    assert (clone / ".git" / "shallow").exists()
    return clone


def test_shallow_clone_rev_head_works(shallow):
    result = invoke("batch", str(shallow), "--rev", "HEAD", "-f", "json", "-j", "1")
    assert result.exit_code == 1
    assert sorted(_json(result)) == ["alice", "bob", "carol"]


def test_shallow_clone_missing_history_says_what_to_do(shallow):
    for args in (["batch", str(shallow), "--rev", "HEAD~1"], ["batch", str(shallow), "--changed-since", "HEAD~1"],
                 ["validate", str(shallow / "students" / "bob"), "--rev", "HEAD~1"]):
        result = invoke(*args)
        assert result.exit_code == 2, args
        assert "shallow clone" in result.stderr
        assert "fetch-depth: 0" in result.stderr and "GIT_DEPTH: 0" in result.stderr and "git fetch --deepen" in result.stderr


def test_detached_head(monorepo):
    git(monorepo, "checkout", "-q", "--detach", "HEAD~1")
    result = invoke("batch", str(monorepo), "--rev", "HEAD", "-f", "json")
    assert sorted(_json(result)) == ["alice", "bob"] and result.exit_code == 0
    git(monorepo, "checkout", "-q", "--detach", "main")
    changed = invoke("batch", str(monorepo), "--changed-since", "HEAD~1", "-f", "json")
    assert sorted(_json(changed)) == ["alice", "carol"]


# -- --changed-since ----------------------------------------------------------------------------

def test_changed_since_picks_exactly_the_changed_portfolios(tmp_path):
    repo = tmp_path / "cohort"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for name in ("committed", "modified", "untracked", "staged", "deleted-file", "quiet"):
        write_portfolio(repo / name, name)
    commit_all(repo, "base")
    git(repo, "tag", "base")
    (repo / "committed" / "diary").mkdir()
    (repo / "committed" / "diary" / "d.md").write_text("a diary entry\n", encoding="utf-8")
    commit_all(repo, "diary")
    with open(repo / "modified" / "report.md", "a", encoding="utf-8") as fh:
        fh.write("\nOne more line.\n")
    (repo / "untracked" / "diary").mkdir()
    (repo / "untracked" / "diary" / "new.md").write_text("new\n", encoding="utf-8")
    (repo / "staged" / "notes.md").write_text("staged\n", encoding="utf-8")
    git(repo, "add", "staged/notes.md")
    (repo / "deleted-file" / "evidence" / "activity-2" / "certificate.pdf").unlink()
    result = invoke("batch", str(repo), "--changed-since", "base", "-f", "json", "-j", "2")
    assert sorted(_json(result)) == ["committed", "deleted-file", "modified", "staged", "untracked"]
    # Since HEAD only the uncommitted ones.
    assert sorted(_json(invoke("batch", str(repo), "--changed-since", "HEAD", "-f", "json"))) == [
        "deleted-file", "modified", "staged", "untracked"
    ]
    assert json.loads(invoke("batch", str(repo / "quiet"), "--changed-since", "HEAD", "-f", "json").stdout)["portfolios"] == []


def test_changed_programme_file_selects_the_portfolios_below_it(monorepo):
    (monorepo / "students" / "programme.yaml").write_text("requirements:\n  min_activities: 1\n", encoding="utf-8")
    commit_all(monorepo, "programme")
    result = invoke("batch", str(monorepo), "--changed-since", "HEAD~1", "-f", "json")
    assert sorted(_json(result)) == ["alice", "bob", "carol"]
    assert {p["required_activities"] for p in _json(result).values()} == {1}


def test_changed_since_with_portfolios_outside_git(tmp_path):
    write_portfolio(tmp_path / "loose", "loose")
    result = invoke("batch", str(tmp_path), "--changed-since", "HEAD", "-f", "json")
    assert sorted(_json(result)) == ["loose"]
    assert "not in a git repository; checked" in result.stderr


# -- uncommitted changes -------------------------------------------------------------------------

def test_uncommitted_changes_warn_on_stderr_once_per_portfolio(monorepo):
    (monorepo / "students" / "bob" / "report.md").write_text("draft\n", encoding="utf-8")
    (monorepo / "students" / "bob" / "diary").mkdir()
    (monorepo / "students" / "bob" / "diary" / "x.md").write_text("x\n", encoding="utf-8")
    result = invoke("batch", str(monorepo), "-f", "json")
    warnings = [line for line in result.stderr.splitlines() if "uncommitted" in line]
    assert warnings == [f"cim: warning: {monorepo / 'students' / 'bob'} has 2 uncommitted changes; it was checked as it is on disk (check what is committed with --rev HEAD)"]
    # Not a finding: findings depend only on the files checked.
    assert all("uncommitted" not in f["rule"] for p in _json(result).values() for f in p["findings"])
    assert "uncommitted" not in invoke("batch", str(monorepo), "--rev", "HEAD", "-f", "json").stderr


def test_clean_repo_gives_no_warning(monorepo):
    assert invoke("batch", str(monorepo), "-f", "json").stderr == ""


# -- hostile repositories ------------------------------------------------------------------------------

def _arm(repo: Path, markers: Path) -> list[Path]:
    """Every way a repository's config can make git run a command; each leaves a marker."""
    markers.mkdir()
    made = []

    def script(name: str) -> str:
        path = markers.parent / f"{name}.sh"
        marker = markers / name
        made.append(marker)
        path.write_text(f"#!/bin/sh\ntouch '{marker}'\ncat\n", encoding="utf-8")
        path.chmod(0o755)
        return str(path)

    git(repo, "config", "core.fsmonitor", script("fsmonitor"))
    git(repo, "config", "filter.evil.clean", script("clean"))
    git(repo, "config", "filter.evil.smudge", script("smudge"))
    git(repo, "config", "filter.evil.process", script("process"))
    git(repo, "config", "diff.evil.textconv", script("textconv"))
    git(repo, "config", "diff.external", script("external"))
    git(repo, "config", "core.pager", script("pager"))
    inc = repo / ".git" / "extra.cfg"
    inc.write_text(f'[filter "sneaky"]\n\tclean = {script("included-clean")}\n', encoding="utf-8")
    git(repo, "config", "include.path", "extra.cfg")
    hooks = repo / ".git" / "hooks"
    for hook in ("post-checkout", "pre-commit", "post-index-change", "reference-transaction", "pre-auto-gc", "post-rewrite"):
        (hooks / hook).write_text(f"#!/bin/sh\ntouch '{markers / ('hook-' + hook)}'\n", encoding="utf-8")
        (hooks / hook).chmod(0o755)
        made.append(markers / f"hook-{hook}")
    # The driver defined only in an included file guards the markdown files, which
    # the test rewrites unchanged: git must hash them, through the filter if armed.
    (repo / ".gitattributes").write_text("*.md filter=sneaky diff=evil\n*.yaml filter=evil\n", encoding="utf-8")
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "attributes").write_text("*.pdf filter=evil\n", encoding="utf-8")
    return made


def test_hostile_repository_config_never_runs(monorepo, tmp_path):
    markers = tmp_path / "markers"
    made = _arm(monorepo, markers)
    # Make sure the work tree is stat-dirty so that git would hash files (and run clean filters).
    for pattern in ("*.md", "*.pdf"):
        for path in (monorepo / "students").rglob(pattern):
            path.write_bytes(path.read_bytes())
    (monorepo / "students" / "bob" / "student.yaml").write_text("student_id: bob\nname: B\n", encoding="utf-8")
    runs = [
        ("batch", str(monorepo), "--rev", "HEAD~1", "-j", "1"),
        ("batch", str(monorepo), "--rev", "HEAD", "-j", "2"),
        ("validate", str(monorepo / "students" / "alice"), "--rev", "HEAD~1"),
        ("batch", str(monorepo), "--changed-since", "HEAD~1", "-j", "1"),
        ("batch", str(monorepo), "-j", "1"),  # the uncommitted-changes status
    ]
    for args in runs:
        result = invoke(*args)
        assert result.exit_code in (0, 1), (args, result.stderr)
    assert sorted(p.name for p in markers.iterdir()) == []
    # Sanity: the trap is real: plain git with this config does run it.
    subprocess.run(["git", "status"], cwd=monorepo, env={**os.environ, **GIT_ENV}, capture_output=True)
    assert any(m.exists() for m in made)


def test_changed_since_still_sees_changes_with_filters_neutralised(monorepo, tmp_path):
    _arm(monorepo, tmp_path / "markers")
    with open(monorepo / "students" / "bob" / "report.md", "w", encoding="utf-8") as fh:
        fh.write("changed\n")
    result = invoke("batch", str(monorepo), "--changed-since", "HEAD", "-f", "json")
    assert "bob" in _json(result)


def test_check_rev_refuses_option_like_text():
    for bad in ("-x", "--upload-pack=touch", "a..b", "x\ny", "", " "):
        with pytest.raises(revision.RevisionError):
            revision.check_rev(bad)
    for good in ("HEAD", "HEAD~2", "main", "origin/main", "v1.0^{commit}", "a" * 40):
        revision.check_rev(good)


def test_evidence_rules_read_the_tree_at_the_revision(tmp_path):
    """evidence-location follows links inside the tree; evidence-digest hashes the blob: the same findings as on disk."""
    import hashlib

    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    p = write_portfolio(repo / "p", "p")
    record = p / "activities" / "activity-0.yaml"
    proof = p / "evidence" / "activity-0" / "certificate.pdf"
    os.symlink("../../student.yaml", p / "evidence" / "activity-0" / "link.pdf")
    wrong = hashlib.sha256(proof.read_bytes() + b"x").hexdigest()
    lines = [line for line in record.read_text().splitlines() if not line.startswith("evidence")]
    lines = [line for line in lines if not line.startswith(("  -", "    "))]
    record.write_text("\n".join(lines) + f"\nevidence:\n  - path: evidence/activity-0/certificate.pdf\n    sha256: {wrong}\n  - path: evidence/activity-0/link.pdf\n")
    commit_all(repo, "evidence")
    on_disk = {(f["rule"], f["file"], f["line"]) for f in _json(invoke("validate", str(p), "-f", "json"))["p"]["findings"]}
    assert {r for r, _, _ in on_disk} >= {"evidence-digest", "evidence-location"}
    shutil.rmtree(p)
    at_rev = {(f["rule"], f["file"], f["line"]) for f in _json(invoke("validate", str(p), "--rev", "HEAD", "-f", "json"))["p"]["findings"]}
    assert at_rev == on_disk
