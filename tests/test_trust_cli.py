"""cim keys, cim approve, cim verify: exit codes, output, and every command of docs/staff.md run in order."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES, REPO
from trust_support import make_cohort
from cim_cli.cli import app

PASSPHRASE = "a long test passphrase"


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("CIM_KEY_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_keys_init_prints_did_and_trust_entry_and_show_repeats_it(env):
    out = env / "home" / ".cim" / "me.pem"
    result = run("keys", "init", "--out", str(out), "--name", "Dr Me", "--email", "me@uni.example", "--role", "report")
    assert result.exit_code == 0, result.output
    did, entry = result.stdout.split("\n", 1)
    assert re.fullmatch(r"did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+", did)
    assert entry == f'  - id: {did}\n    name: "Dr Me"\n    email: "me@uni.example"\n    roles: [report]\n'
    assert out.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert os.stat(out.parent).st_mode & 0o777 == 0o700
    shown = run("keys", "show", str(out))
    assert (shown.exit_code, shown.stdout) == (0, did + "\n")


def test_keys_init_never_overwrites_and_needs_a_passphrase_source(env, monkeypatch):
    out = env / "k.pem"
    out.write_text("precious")
    result = run("keys", "init", "--out", str(out), "--name", "X", "--unencrypted")
    assert result.exit_code == 2 and "already exists" in result.stderr and out.read_text() == "precious"
    monkeypatch.delenv("CIM_KEY_PASSPHRASE")
    result = run("keys", "init", "--out", str(env / "new.pem"), "--name", "X")
    assert result.exit_code == 2 and "CIM_KEY_PASSPHRASE" in result.stderr and not (env / "new.pem").exists()
    monkeypatch.setenv("CIM_KEY_PASSPHRASE", "short")
    assert run("keys", "init", "--out", str(env / "new.pem"), "--name", "X").exit_code == 2


def test_keys_show_of_a_wrong_passphrase_or_garbage_is_exit_2(env, monkeypatch):
    run("keys", "init", "--out", str(env / "k.pem"), "--name", "X")
    monkeypatch.setenv("CIM_KEY_PASSPHRASE", "another passphrase")
    result = run("keys", "show", str(env / "k.pem"))
    assert result.exit_code == 2 and "wrong passphrase" in result.stderr
    (env / "g.pem").write_bytes(b"\x00garbage")
    assert run("keys", "show", str(env / "g.pem")).exit_code == 2
    assert run("keys", "show", str(env / "missing.pem")).exit_code == 2


def test_a_key_inside_a_portfolio_is_refused(env):
    root = env / "p"
    shutil.copytree(EXAMPLES / "ready-ada", root)
    result = run("keys", "init", "--out", str(root / "evidence" / "key.pem"), "--name", "X", "--unencrypted")
    assert result.exit_code == 2 and "inside the portfolio" in result.stderr
    assert not (root / "evidence" / "key.pem").exists()


def key_file(cohort, name="staff") -> str:
    return str(cohort.keys_folder / f"{name}.pem")


def test_approve_writes_prints_and_refuses(env, monkeypatch):
    cohort = make_cohort(env)
    monkeypatch.chdir(cohort.folder)
    result = run("approve", "ada", "--stage", "report", "--key", key_file(cohort))
    assert result.exit_code == 1 and "needs it at 'report-submitted'" in result.stderr
    result = run("approve", "ada", "--stage", "activities", "--key", key_file(cohort))
    assert (result.exit_code, result.stdout) == (0, "approvals/0001-activities.json\n")
    assert "now at: report-submitted" in result.stderr
    result = run("approve", "ada", "--stage", "presentation", "--key", key_file(cohort), "--kind", "stage-dive")
    assert result.exit_code == 2
    # From inside the portfolio, the portfolio argument defaults to it.
    monkeypatch.chdir(cohort.ada / "activities")
    result = run("approve", "--stage", "report", "--key", key_file(cohort), "--programme", str(cohort.folder / "programme.yaml"))
    assert (result.exit_code, result.stdout) == (0, "approvals/0002-report.json\n")


def test_approve_without_a_trust_list_is_a_configuration_error(env, monkeypatch):
    cohort = make_cohort(env)
    (cohort.folder / "programme.yaml").write_text("title: No trust\n")
    monkeypatch.chdir(cohort.folder)
    result = run("approve", "ada", "--stage", "activities", "--key", key_file(cohort))
    assert result.exit_code == 2 and "no trust list" in result.stderr
    assert not (cohort.ada / "approvals").exists()
    # Named explicitly, it works.
    result = run("approve", "ada", "--stage", "activities", "--key", key_file(cohort), "--trust", str(cohort.folder / "trust.yaml"))
    assert result.exit_code == 0


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_approve_commit_commits_only_the_approval_with_the_approver_as_author(env, monkeypatch):
    cohort = make_cohort(env)
    genv = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "Student", "GIT_AUTHOR_EMAIL": "s@x", "GIT_COMMITTER_NAME": "S", "GIT_COMMITTER_EMAIL": "s@x"}
    for cmd in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "portfolio"]):
        subprocess.run(["git", "-C", str(cohort.ada), *cmd], check=True, env=genv)
    (cohort.ada / "diary" / "2024-03-01.md").write_text("# A draft, not to be committed\n")
    monkeypatch.delenv("GIT_AUTHOR_NAME", raising=False)
    monkeypatch.chdir(cohort.folder)
    result = run("approve", "ada", "--stage", "activities", "--key", key_file(cohort), "--commit")
    assert result.exit_code == 0, result.stderr
    log = subprocess.run(["git", "-C", str(cohort.ada), "log", "-1", "--format=%an|%s", "--name-only"], capture_output=True, text=True, env=genv).stdout
    assert log.splitlines()[0] == "staff|Approval: activities approved by staff"
    assert log.split("\n\n", 1)[1].split() == ["approvals/0001-activities.json"]


def test_verify_exit_codes_and_json(env, monkeypatch):
    cohort = make_cohort(env)
    monkeypatch.chdir(cohort.folder)
    result = run("verify", "ada")
    assert result.exit_code == 1 and "FAIL  approvals: nothing to verify" in result.stdout
    cohort.approve("activities")
    cohort.approve("report")
    result = run("verify", "ada")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.endswith("OK: ada (stage: report-approved)\n")
    import hashlib

    digest = hashlib.sha256((cohort.folder / "programme.yaml").read_bytes()).hexdigest()
    assert result.stdout.startswith(f"ada: portfolio of ada-2023-0142, judged by {cohort.folder / 'programme.yaml'} (sha256 {digest})\n")
    for name in ("signature", "key trusted", "role", "validity dates", "revocation", "time", "student", "chain", "digests"):
        assert f"OK    {name}:" in result.stdout
    (cohort.ada / "report.md").write_text("changed\n")
    result = run("verify", "ada", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["valid"] is False
    (portfolio,) = data["results"]
    assert portfolio["info"]["stage"] == "activities-approved"
    failed = [(i["subject"], c["check"], c["detail"]) for i in portfolio["items"] for c in i["checks"] if not c["passed"]]
    assert failed == [("approvals/0002-report.json", "digests", "changed since approved: report.md (modified)")]
    result = run("verify", "ada", "nowhere")
    assert result.exit_code == 2 and "ERROR: nowhere cannot be verified" in result.stdout
    assert run("verify", str(cohort.folder)).exit_code == 2  # a folder that is not a portfolio


def test_verify_with_another_trust_list_names_the_untrusted_key(env, monkeypatch):
    cohort = make_cohort(env)
    cohort.approve("activities")
    other = env / "other-trust.yaml"
    other.write_text("keys: []\n")
    monkeypatch.chdir(cohort.folder)
    result = run("verify", "ada", "--trust", str(other))
    assert result.exit_code == 1
    assert f"FAIL  key trusted: {cohort.staff['staff'].did} is not in your trust list ({other})" in result.stdout
    (env / "broken.yaml").write_text("keys: [\n")
    result = run("verify", "ada", "--trust", str(env / "broken.yaml"))
    assert result.exit_code == 2 and "broken.yaml:2" in result.stderr


def test_verify_shows_forged_text_harmlessly(env, monkeypatch):
    """A forged approval's comment and name reach the terminal with control characters made visible."""
    from trust_support import forge, rewrite_payload

    cohort = make_cohort(env)
    path = forge(cohort.ada, "activities", cohort.key("mallory", trusted=False))
    rewrite_payload(path, lambda s: s["predicate"]["approver"].update(name="\x1b]0;pwned\x07Evil"))
    monkeypatch.chdir(cohort.folder)
    result = run("verify", "ada")
    assert result.exit_code == 1 and "\x1b" not in result.stdout and "\\x1b]0;pwned\\x07Evil" in result.stdout


STAFF_DOC = REPO / "docs" / "staff.md"


def doc_commands() -> list[str]:
    text = STAFF_DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"^```sh\n(.*?)^```$", text, re.M | re.S)
    return [line[2:] for block in blocks for line in block.splitlines() if line.startswith("$ cim ")]


def test_every_command_in_the_staff_guide_runs(env, monkeypatch):
    """docs/staff.md's commands, in order, in a cohort like the guide's (the admin's key made beforehand)."""
    commands = doc_commands()
    assert len(commands) >= 9
    cohort = make_cohort(env)
    home = Path(os.environ["HOME"])
    admin = run("keys", "init", "--out", str(home / ".cim" / "admin.pem"), "--name", "Admin", "--role", "activities")
    (cohort.folder / "trust.yaml").write_text("keys:\n" + admin.stdout.split("\n", 1)[1])
    monkeypatch.chdir(cohort.folder)
    for command in commands:
        args = [os.path.expanduser(a) for a in shlex.split(command)[1:]]
        result = run(*args)
        assert result.exit_code == 0, (command, result.stdout, result.stderr)
        if args[:2] == ["keys", "init"]:
            # Whoever keeps the trust list adds the printed entry.
            with open(cohort.folder / "trust.yaml", "a") as fh:
                fh.write(result.stdout.split("\n", 1)[1])
    assert cohort.result().stage == "presented"


def test_lifecycle_demo_runs(tmp_path):
    demo = REPO / "examples" / "lifecycle" / "demo.py"
    done = subprocess.run([sys.executable, str(demo)], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "Signed approvals/0001-activities.json (activities: approved). The portfolio is now at: report-submitted" in out
    assert "lacks the role 'activities'" in out
    assert "Stage: presented" in out and "FAIL: ada (stage: ready-for-review): 1 check(s) failed" in out
    assert "warning [approval-stale] activities/spanish-language-cafe.yaml was modified" in out
    assert out.rstrip().endswith("Done: every step did what it should.")


def test_validate_batch_and_formats_know_the_new_stages(env, monkeypatch):
    cohort = make_cohort(env)
    bob = cohort.add_portfolio("bob", "bob-2023-0007")
    cohort.approve("activities")
    cohort.approve("report")
    cohort.approve("activities", root=bob)
    monkeypatch.chdir(cohort.folder)
    assert run("validate", "ada", "--require", "report-approved").exit_code == 0
    assert run("validate", "bob", "--require", "report-approved").exit_code == 1
    data = json.loads(run("validate", "ada", "bob", "--format", "json").stdout)
    portfolios = data["portfolios"]
    assert {p["path"]: p["stage"] for p in portfolios} == {"ada": "report-approved", "bob": "report-submitted"}
    # Each result names the trust list that judged its approvals.
    assert portfolios[0]["trust"]["source"] == str(cohort.folder / "trust.yaml")
    assert [a["file"] for a in portfolios[0]["approvals"]] == ["approvals/0001-activities.json", "approvals/0002-report.json"]
    result = run("batch", ".", "--stage", "report-approved", "--format", "csv")
    assert result.exit_code in (0, 1), result.stderr
    assert "ada-2023-0142" in result.stdout and "bob-2023-0007" not in result.stdout
    # An edit demotes bob in the batch too, with the finding in every format.
    (bob / "student.yaml").write_text((bob / "student.yaml").read_text() + "# edit\n")
    sarif = json.loads(run("batch", ".", "--format", "sarif").stdout)
    rules = {r["ruleId"] for run_ in sarif["runs"] for r in run_["results"]}
    assert "approval-stale" in rules
    result = run("batch", ".", "--stage", "ready-for-review", "--format", "csv")
    assert "bob-2023-0007" in result.stdout and "ada-2023-0142" not in result.stdout


def test_from_cim_init_to_presented_with_git(env, monkeypatch):
    """A student builds the portfolio with cim's own commands and commits; staff sign each stage with --commit."""
    from authoring_support import git
    from test_authoring_e2e import build, check_ready

    root, _ = build(env, ["--commit"])
    git(root, "add", "report.md")
    git(root, "commit", "-q", "-m", "Write the report")
    check_ready(root)
    (env / "programme.yaml").write_text("trust: trust.yaml\n")
    made = run("keys", "init", "--out", str(env / "keys" / "staff.pem"), "--name", "Dr Staff", "--email", "staff@uni.example")
    (env / "trust.yaml").write_text("keys:\n" + made.stdout.split("\n", 1)[1])
    monkeypatch.chdir(env)
    steps = [("activities", [], "report-submitted"), ("report", [], "report-approved"), ("presentation", ["--kind", "ceremony"], "presented")]
    for stage, extra, reached in steps:
        result = run("approve", "ada", "--stage", stage, "--key", str(env / "keys" / "staff.pem"), "--commit", *extra)
        assert result.exit_code == 0, result.stderr
        assert f"now at: {reached}" in result.stderr
    assert git(root, "status", "--porcelain").stdout == ""
    authors = git(root, "log", "-3", "--format=%an <%ae>").stdout.split("\n")[:3]
    assert authors == ["Dr Staff <staff@uni.example>"] * 3
    result = run("verify", "ada")
    assert result.exit_code == 0 and result.stdout.endswith("OK: ada (stage: presented)\n")
    assert run("validate", "ada", "--require", "presented").exit_code == 0
