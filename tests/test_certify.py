"""cim certify end to end: from presented to certified, the files written, the stage derived, forgeries refused."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from trust_support import make_cohort
from cim_cli.trust import certify as ct
from cim_cli.trust import credential_verify as cv
from cim_cli.trust import token as tk


def presented(tmp_path):
    cohort = make_cohort(tmp_path)
    cohort.key("registrar", roles=["issuer"])
    cohort.approve("activities")
    cohort.approve("report")
    cohort.approve("presentation", kind="ceremony")
    assert cohort.result().stage == "presented"
    return cohort


@pytest.fixture(scope="module")
def certified(tmp_path_factory):
    cohort = presented(tmp_path_factory.mktemp("certified"))
    issued = ct.certify(str(cohort.ada), cohort.programme(), cohort.staff["registrar"], cohort.trust())
    return cohort, issued


def test_certify_writes_credential_html_and_pdf(certified):
    cohort, issued = certified
    stem = issued.credential["id"].removeprefix("urn:uuid:")
    assert [p.rsplit("/", 1)[-1] for p in (issued.json_path, issued.html_path, issued.pdf_path)] == [f"{stem}.json", f"{stem}.html", f"{stem}.pdf"]
    data = (cohort.ada / "credentials" / f"{stem}.json").read_bytes()
    assert json.loads(data) == issued.credential
    student = (cohort.ada / "student.yaml").read_text()
    name = issued.credential["credentialSubject"]["identifier"][1]["identityHash"]
    assert name in student
    assert issued.credential["issuer"]["id"] == cohort.staff["registrar"].did
    assert len(issued.credential["evidence"]) == cohort.result().counting_activities + 1
    html = (cohort.ada / "credentials" / f"{stem}.html").read_text()
    assert issued.sha256 in html and name in html


def test_stage_becomes_certified_and_the_files_verify(certified):
    cohort, issued = certified
    assert cohort.result().stage == "certified"
    for path in (issued.json_path, issued.pdf_path):
        result = cv.verify_file(path, cohort.trust())
        assert result.valid, result.failed()
    assert tk.verify_token(issued.token, cohort.trust()).status == "valid"
    assert tk.parse_token(issued.token).claims["sha256"] == issued.sha256


def test_a_second_certify_is_refused(certified):
    cohort, _ = certified
    with pytest.raises(ct.CertifyError, match="already certified"):
        ct.certify(str(cohort.ada), cohort.programme(), cohort.staff["registrar"], cohort.trust())


def test_refused_below_presented(tmp_path):
    cohort = make_cohort(tmp_path)
    cohort.key("registrar", roles=["issuer"])
    cohort.approve("activities")
    with pytest.raises(ct.CertifyError, match="needs 'presented'"):
        ct.certify(str(cohort.ada), cohort.programme(), cohort.staff["registrar"], cohort.trust())
    assert not (cohort.ada / "credentials").exists()


def test_refused_for_a_key_without_the_issuer_role_or_not_trusted(tmp_path):
    cohort = presented(tmp_path)
    with pytest.raises(ct.CertifyError, match="lacks the role 'issuer'"):
        ct.certify(str(cohort.ada), cohort.programme(), cohort.staff["staff"], cohort.trust())
    stranger = cohort.key("stranger", trusted=False)
    with pytest.raises(ct.CertifyError, match="not in your trust list"):
        ct.certify(str(cohort.ada), cohort.programme(), stranger, cohort.trust())


def test_tampered_or_revoked_credential_does_not_certify(tmp_path):
    cohort = presented(tmp_path)
    issued = ct.certify(str(cohort.ada), cohort.programme(), cohort.staff["registrar"], cohort.trust())
    path = cohort.ada / "credentials" / issued.json_path.rsplit("/", 1)[-1]
    original = path.read_bytes()
    doc = json.loads(original)
    doc["credentialSubject"]["achievement"]["name"] = "Certificate of Excellence"
    path.write_text(json.dumps(doc, indent=2))
    assert cohort.result().stage == "presented"
    path.write_bytes(original)
    assert cohort.result().stage == "certified"
    trust = (cohort.folder / "trust.yaml").read_text()
    (cohort.folder / "trust.yaml").write_text(trust + f"revoked_credentials:\n  - id: {issued.credential['id']}\n    date: 2026-01-01\n")
    assert cohort.result().stage == "presented"


def test_a_credential_copied_from_another_student_does_not_certify(tmp_path):
    cohort = presented(tmp_path)
    issued = ct.certify(str(cohort.ada), cohort.programme(), cohort.staff["registrar"], cohort.trust())
    other = cohort.add_portfolio("bea", "bea-2023-0001")
    text = (other / "student.yaml").read_text().replace("ada", "bea")
    (other / "student.yaml").write_text(text)
    for stage, kind in (("activities", None), ("report", None), ("presentation", "poster")):
        cohort.approve(stage, root=other, **({"kind": kind} if kind else {}))
    (other / "credentials").mkdir()
    shutil.copy(issued.json_path, other / "credentials")
    assert cohort.result(other).stage == "presented"


def test_cli_certify(tmp_path, monkeypatch):
    from cim_cli.cli import app

    cohort = presented(tmp_path)
    monkeypatch.chdir(cohort.ada)
    runner = CliRunner()
    refused = runner.invoke(app, ["certify", "--key", str(cohort.keys_folder / "staff.pem")])
    assert refused.exit_code == 1 and "lacks the role 'issuer'" in refused.output
    result = runner.invoke(app, ["certify", "--key", str(cohort.keys_folder / "registrar.pem")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.rsplit(".", 1)[-1] for line in lines] == ["json", "html", "pdf"]
    assert all(line.startswith("credentials/") for line in lines)
    missing = runner.invoke(app, ["certify", "--key", str(tmp_path / "nope.pem")])
    assert missing.exit_code == 2


def test_credential_invalid_findings_name_the_file_and_the_check(tmp_path):
    cohort = presented(tmp_path)
    issued = ct.certify(str(cohort.ada), cohort.programme(), cohort.staff["registrar"], cohort.trust())
    rel = "credentials/" + issued.json_path.rsplit("/", 1)[-1]
    assert [f for f in cohort.result().findings if f.rule == "credential-invalid"] == []
    doc = json.loads((cohort.ada / rel).read_text())
    doc["credentialSubject"]["achievement"]["name"] = "Certificate of Excellence"
    (cohort.ada / "credentials" / "forged.json").write_text(json.dumps(doc))
    (cohort.ada / "credentials" / "junk.json").write_bytes(b"\xff")
    result = cohort.result()
    assert result.stage == "certified"  # the genuine one still counts
    found = sorted((f.file, f.severity, f.message) for f in result.findings if f.rule == "credential-invalid")
    assert [(file, severity) for file, severity, _ in found] == [("credentials/forged.json", "error"), ("credentials/junk.json", "error")]
    assert "(proof: the signature does not match" in found[0][2] and "is not a JSON credential" in found[1][2]
    assert all(message.endswith("remove it, or ask the programme to issue a new one") for _, _, message in found)
    (cohort.ada / rel).unlink()
    assert cohort.result().stage == "presented"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_cli_certify_commit_commits_exactly_the_three_files_as_the_issuer(tmp_path, monkeypatch):
    import os
    import subprocess

    from cim_cli.cli import app

    cohort = presented(tmp_path)
    genv = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "Student", "GIT_AUTHOR_EMAIL": "s@x", "GIT_COMMITTER_NAME": "S", "GIT_COMMITTER_EMAIL": "s@x"}
    for cmd in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "portfolio"]):
        subprocess.run(["git", "-C", str(cohort.ada), *cmd], check=True, env=genv, capture_output=True)
    (cohort.ada / "diary" / "draft.md").write_text("# not to be committed\n")
    monkeypatch.delenv("GIT_AUTHOR_NAME", raising=False)
    monkeypatch.chdir(cohort.folder)
    result = CliRunner().invoke(app, ["certify", "ada", "--key", str(cohort.keys_folder / "registrar.pem"), "--commit"])
    assert result.exit_code == 0, result.output
    log = subprocess.run(["git", "-C", str(cohort.ada), "log", "-1", "--format=%an|%s", "--name-only"], capture_output=True, text=True, env=genv).stdout
    head, files = log.split("\n\n", 1)
    assert head.startswith("registrar|Certificate issued: urn:uuid:")
    assert sorted(f.rsplit(".", 1)[1] for f in files.split()) == ["html", "json", "pdf"]
    assert all(f.startswith("credentials/") for f in files.split())
