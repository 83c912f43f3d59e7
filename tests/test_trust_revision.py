"""--rev judges the approvals and credentials as committed: the trust layer reads through the loader's Source.

At a revision every file the trust layer looks at (approvals/, the files an
approval covers, credentials/) comes from git's object database, never from
the work tree: a work-tree edit does not demote ``--rev HEAD``, a committed
one does, and a bare repository gives what its work tree gives.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trust_support import make_cohort

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

GIT_ENV = {
    "GIT_AUTHOR_NAME": "S", "GIT_AUTHOR_EMAIL": "s@example.edu",
    "GIT_COMMITTER_NAME": "S", "GIT_COMMITTER_EMAIL": "s@example.edu",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
}
ACTIVITY = "activities/exchange-berlin.yaml"
# ready-ada's report passes, so an activities approval takes it on to report-submitted.
APPROVED = "report-submitted"


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, capture_output=True, text=True)
    assert proc.returncode == 0, f"git {' '.join(args)} failed: {proc.stderr}"
    return proc.stdout


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def init(repo: Path) -> None:
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "core.autocrlf", "false")
    commit_all(repo, "portfolio")


@pytest.fixture
def cohort(tmp_path):
    return make_cohort(tmp_path)


def validate(cohort, path: Path, *extra: str) -> tuple[int, dict]:
    from cim_cli.cli import app

    args = ["validate", "--programme", str(cohort.folder / "programme.yaml"), "--format", "json", *extra, str(path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code in (0, 1), result.output
    (portfolio,) = json.loads(result.stdout)["portfolios"]
    return result.exit_code, portfolio


def judged(portfolio: dict) -> tuple[str, list]:
    """What the trust layer decided: the stage, and every finding (path-free)."""
    findings = sorted((f["rule"], f["severity"], f["file"], f["line"], f["message"]) for f in portfolio["findings"])
    return portfolio["stage"], findings


def rules(portfolio: dict) -> set[tuple[str, str]]:
    return {(f["rule"], f["file"]) for f in portfolio["findings"]}


def test_a_work_tree_edit_does_not_demote_the_revision(cohort):
    cohort.approve("activities")
    init(cohort.ada)
    activity = cohort.ada / ACTIVITY
    activity.write_text(activity.read_text() + "# edited, not committed\n")
    (cohort.ada / "evidence" / "new.txt").write_text("added, not committed\n")
    code, disk = validate(cohort, cohort.ada)
    assert disk["stage"] == "ready-for-review"
    assert ("approval-stale", "approvals/0001-activities.json") in rules(disk)
    assert any(ACTIVITY in f["message"] and "modified" in f["message"] for f in disk["findings"])
    assert any("evidence/new.txt" in f["message"] and "added" in f["message"] for f in disk["findings"])
    code, at_head = validate(cohort, cohort.ada, "--rev", "HEAD")
    assert at_head["stage"] == APPROVED
    assert not [f for f in at_head["findings"] if f["rule"].startswith("approval-")]


def test_a_committed_edit_demotes_the_revision_even_when_the_work_tree_is_restored(cohort):
    cohort.approve("activities")
    init(cohort.ada)
    activity = cohort.ada / ACTIVITY
    approved = activity.read_text()
    activity.write_text(approved + "# edited and committed\n")
    commit_all(cohort.ada, "edit after approval")
    activity.write_text(approved)  # the work tree is as approved again; HEAD is not
    assert validate(cohort, cohort.ada)[1]["stage"] == APPROVED
    _, at_head = validate(cohort, cohort.ada, "--rev", "HEAD")
    assert at_head["stage"] == "ready-for-review"
    stale = [f for f in at_head["findings"] if f["rule"] == "approval-stale"]
    assert [f["file"] for f in stale] == ["approvals/0001-activities.json"]
    assert ACTIVITY in stale[0]["message"] and "modified" in stale[0]["message"]
    _, before = validate(cohort, cohort.ada, "--rev", "HEAD~1")
    assert before["stage"] == APPROVED


def test_approvals_committed_later_than_the_revision_do_not_count_at_it(cohort):
    init(cohort.ada)  # committed before any approval
    cohort.approve("activities")
    assert validate(cohort, cohort.ada)[1]["stage"] == APPROVED
    assert validate(cohort, cohort.ada, "--rev", "HEAD")[1]["stage"] == "ready-for-review"


def test_a_forged_approval_committed_is_found_at_the_revision_and_not_in_the_fixed_work_tree(cohort):
    cohort.approve("activities")
    init(cohort.ada)
    approval = cohort.ada / "approvals" / "0001-activities.json"
    genuine = approval.read_bytes()
    envelope = json.loads(genuine)
    envelope["signatures"][0]["sig"] = envelope["signatures"][0]["sig"][::-1]
    approval.write_text(json.dumps(envelope))
    commit_all(cohort.ada, "forged")
    approval.write_bytes(genuine)
    assert validate(cohort, cohort.ada)[1]["stage"] == APPROVED
    _, at_head = validate(cohort, cohort.ada, "--rev", "HEAD")
    assert at_head["stage"] == "collecting"  # an approval that does not count is an error
    assert ("approval-invalid", "approvals/0001-activities.json") in rules(at_head)


def issue_credential_json(cohort) -> str:
    """A credential for ada in credentials/ as cim certify writes its JSON (no PDF: it is not read here)."""
    from cim_cli.engine import validate_path
    from cim_cli.load.portfolio import load_portfolio
    from cim_cli.trust import credential

    registrar = cohort.staff["registrar"]
    portfolio = load_portfolio(str(cohort.ada))
    facts = credential.certificate_facts(validate_path(str(cohort.ada), cohort.programme()), portfolio, cohort.programme(), registrar.did)
    issued = credential.issue_credential(facts, registrar.private)
    rel = f"credentials/{credential.credential_file_stem(issued['id'])}.json"
    (cohort.ada / "credentials").mkdir(exist_ok=True)
    (cohort.ada / rel).write_bytes(credential.credential_bytes(issued))
    return rel


@pytest.fixture
def certified_repo(cohort):
    cohort.key("registrar", roles=["issuer"])
    cohort.approve("activities")
    cohort.approve("report")
    cohort.approve("presentation", kind="ceremony")
    rel = issue_credential_json(cohort)
    init(cohort.ada)
    return cohort, rel


def test_a_bare_clone_at_head_is_judged_as_its_work_tree(certified_repo, tmp_path):
    cohort, rel = certified_repo
    forged = json.loads((cohort.ada / rel).read_text())
    forged["credentialSubject"]["achievement"]["name"] = "Master of Everything"
    (cohort.ada / "credentials" / "forged.json").write_text(json.dumps(forged))
    commit_all(cohort.ada, "a forged credential")
    bare = tmp_path / "ada.git"
    git(tmp_path, "clone", "-q", "--bare", str(cohort.ada), str(bare))
    code, disk = validate(cohort, cohort.ada)
    bare_code, at_head = validate(cohort, bare, "--rev", "HEAD")
    assert disk["stage"] == "certified"
    assert ("credential-invalid", "credentials/forged.json") in rules(disk)
    assert judged(at_head) == judged(disk)
    assert bare_code == code == 1


def test_a_credential_only_in_the_work_tree_does_not_certify_the_revision(cohort, tmp_path):
    cohort.key("registrar", roles=["issuer"])
    cohort.approve("activities")
    cohort.approve("report")
    cohort.approve("presentation", kind="ceremony")
    init(cohort.ada)
    issue_credential_json(cohort)  # not committed
    assert validate(cohort, cohort.ada)[1]["stage"] == "certified"
    assert validate(cohort, cohort.ada, "--rev", "HEAD")[1]["stage"] == "presented"


def test_a_credential_removed_from_the_work_tree_still_certifies_the_revision(certified_repo):
    cohort, rel = certified_repo
    (cohort.ada / rel).unlink()
    assert validate(cohort, cohort.ada)[1]["stage"] == "presented"
    assert validate(cohort, cohort.ada, "--rev", "HEAD")[1]["stage"] == "certified"


def test_an_lf_commit_checked_out_with_crlf_is_judged_alike_on_disk_and_at_the_revision(cohort, tmp_path):
    cohort.approve("activities")
    cohort.approve("report")  # its chain names 0001 by digest: a CRLF checkout of 0001 must not break it
    # The example's PDFs are short ASCII stand-ins that git would take for text; real PDFs are binary.
    (cohort.ada / ".gitattributes").write_text("*.pdf binary\n")
    init(cohort.ada)
    clone = cohort.folder / "ada-windows"
    git(tmp_path, "-c", "core.autocrlf=true", "clone", "-q", str(cohort.ada), str(clone))
    assert b"\r\n" in (clone / "student.yaml").read_bytes()  # the checkout really has CRLF
    for rel in (ACTIVITY, "report.md", "approvals/0001-activities.json"):
        assert b"\r\n" in (clone / rel).read_bytes(), rel
    assert b"\r\n" not in git(cohort.ada, "show", "HEAD:student.yaml").encode()  # and the commit LF
    _, original = validate(cohort, cohort.ada)
    _, disk = validate(cohort, clone)
    _, at_head = validate(cohort, clone, "--rev", "HEAD")
    assert original["stage"] == "report-approved"
    assert judged(disk) == judged(at_head) == judged(original)


def test_a_bare_repository_of_an_approved_portfolio_through_batch(certified_repo, tmp_path):
    from cim_cli.cli import app

    cohort, _ = certified_repo
    repos = tmp_path / "repos"
    repos.mkdir()
    git(tmp_path, "clone", "-q", "--bare", str(cohort.ada), str(repos / "ada.git"))
    args = ["batch", "--programme", str(cohort.folder / "programme.yaml"), "--format", "json", "--rev", "HEAD", str(repos)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    (portfolio,) = json.loads(result.stdout)["portfolios"]
    assert portfolio["stage"] == "certified"


# -- the Source's answers for the trust layer: a git tree answers as its checkout does ----------

def test_tree_and_folder_sources_walk_and_digest_alike(tmp_path):
    from cim_cli.gitrepo import git_dir_of, ls_tree
    from cim_cli.load.source import DiskSource, GitTreeSource, entries_below
    from cim_cli.trust.digests import DigestError

    repo = tmp_path / "p"
    (repo / "evidence" / "deep" / ".hidden").mkdir(parents=True)
    (repo / "evidence" / "deep" / ".hidden" / "x.txt").write_text("hidden\n")
    (repo / "evidence" / ".DS_Store").write_bytes(b"\0\1")
    (repo / "evidence" / "deep" / "notes.md").write_bytes(b"line one\r\nline two\r\n")
    (repo / "evidence" / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    (repo / "evidence" / "lone-cr.txt").write_bytes(b"a\rb\n")
    (repo / "evidence" / "big.txt").write_bytes(b"x\r\n" * 300_000)
    os.symlink("deep/notes.md", repo / "evidence" / "link.md")
    os.symlink("deep", repo / "evidence" / "folder-link")
    os.symlink("../../outside", repo / "evidence" / "escape")
    (repo / "student.yaml").write_text("name: x\n")
    (repo / "report.md").symlink_to("student.yaml")
    (repo / "activities").write_text("a file where a folder belongs\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "core.autocrlf", "false")
    commit_all(repo, "all")
    git_dir = git_dir_of(str(repo))
    entries = ls_tree(git_dir, git(repo, "rev-parse", "HEAD").strip(), "")
    tree, disk = GitTreeSource(str(repo), git_dir, entries_below(entries, "")), DiskSource(str(repo))
    for folder in ("evidence", "activities", "reflections", "evidence/deep", "evidence/folder-link"):
        assert tree.walk(folder) == disk.walk(folder), folder
    assert "evidence/.DS_Store" not in tree.walk("evidence") and "evidence/deep/.hidden/x.txt" not in tree.walk("evidence")
    assert "evidence/folder-link" in tree.walk("evidence")
    names = tree.walk("evidence") + ["student.yaml", "report.md", "activities", "nothing.md", "evidence/folder-link/notes.md", "evidence/nothing/x"]
    for name in names:
        assert tree.kind(name) == disk.kind(name), name
        assert tree.text_digest(name) == disk.text_digest(name), name
    assert tree.text_digest("evidence/deep/notes.md") == tree.text_digest("evidence/folder-link/notes.md")
    for source in (tree, disk):
        assert source.is_folder("evidence") and source.is_folder("evidence/folder-link") and not source.is_folder("activities")
        with pytest.raises(DigestError):
            source.text_digest("evidence/deep")  # a folder is not hashed
        with pytest.raises(DigestError):
            source.text_digest("evidence/escape/x")  # through a link out of the portfolio


def test_a_tree_source_digest_counts_against_the_portfolio_budget(tmp_path):
    from cim_cli.gitrepo import git_dir_of, ls_tree
    from cim_cli.load.source import GitTreeSource, entries_below
    from cim_cli.trust.digests import DigestError

    repo = tmp_path / "p"
    repo.mkdir()
    (repo / "big.bin").write_bytes(b"\0" * 100_000)
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "big")
    git_dir = git_dir_of(str(repo))
    entries = ls_tree(git_dir, git(repo, "rev-parse", "HEAD").strip(), "")
    small = GitTreeSource(str(repo), git_dir, entries_below(entries, ""), budget=50_000)
    with pytest.raises(DigestError, match="more than cim reads"):
        small.text_digest("big.bin")


def test_evidence_hashed_by_the_loader_is_not_read_again_for_the_approvals(tmp_path):
    """A large evidence file is read from git once at --rev: the approvals reuse the loader's pass, within the budget."""
    from cim_cli.gitrepo import git_dir_of, ls_tree
    from cim_cli.load.source import DiskSource, GitTreeSource, entries_below

    repo = tmp_path / "p"
    (repo / "approvals").mkdir(parents=True)
    (repo / "approvals" / "0001-activities.json").write_text("{}\n")
    (repo / "big.txt").write_bytes(b"line\r\n" * 20_000)  # 120,000 bytes
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "core.autocrlf", "false")
    commit_all(repo, "big")
    git_dir = git_dir_of(str(repo))
    entries = ls_tree(git_dir, git(repo, "rev-parse", "HEAD").strip(), "")
    source = GitTreeSource(str(repo), git_dir, entries_below(entries, ""), budget=150_000)
    disk = DiskSource(str(repo))
    assert source.sha256(source.resolve("big.txt")) == disk.sha256(disk.resolve("big.txt"))
    assert source.text_digest("big.txt") == disk.text_digest("big.txt")  # no second read: the budget holds one
    assert source.read_total == 120_000


def test_plain_validate_at_a_revision_never_imports_the_trust_layer(tmp_path):
    """Without approvals/ and credentials/ the trust chain (and cryptography) is never loaded, at --rev too."""
    repo = tmp_path / "ada"
    shutil.copytree(Path(__file__).parent.parent / "example-portfolios" / "ready-ada", repo)
    init(repo)
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom cim_cli.cli import app\n"
        f"r = CliRunner().invoke(app, ['validate', '--rev', 'HEAD', {str(repo)!r}])\n"
        "assert r.exit_code == 0, r.output\n"
        "loaded = [m for m in ('cryptography', 'cim_cli.trust.approvals', 'cim_cli.trust.certify') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    env = {**os.environ, **GIT_ENV, "PYTHONPATH": str(Path(__file__).parent.parent)}
    proc = subprocess.run([os.sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
