"""cim verify of credential .json and certificate .pdf files: exit codes, formats, where the trust list comes from."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from test_certify import presented
from cim_cli.cli import app
from cim_cli.trust import certify as ct


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    cohort = presented(tmp_path_factory.mktemp("verify"))
    return cohort, ct.certify(str(cohort.ada), cohort.programme(), cohort.staff["registrar"], cohort.trust())


def run(*args):
    return CliRunner().invoke(app, ["verify", *map(str, args)], env={"NO_COLOR": "1"})


def test_valid_json_and_pdf_with_explicit_trust(issued):
    cohort, done = issued
    result = run(done.json_path, done.pdf_path, "--trust", cohort.folder / "trust.yaml")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.count("OK: ") == 2 and "FAIL" not in result.stdout
    assert f"credential file SHA-256 {done.sha256}" in result.stdout


def test_trust_found_above_the_portfolio_holding_the_file(issued):
    cohort, done = issued
    result = run(done.pdf_path)  # ada/credentials/… : programme.yaml above ada names trust.yaml
    assert result.exit_code == 0, result.stdout


def test_a_trust_list_beside_a_file_someone_sent_is_not_used(issued, tmp_path):
    cohort, done = issued
    shutil.copy(done.pdf_path, tmp_path / "certificate.pdf")
    # A forger would ship these along: neither may judge the certificate.
    (tmp_path / "programme.yaml").write_text("trust: trust.yaml\n")
    shutil.copy(cohort.folder / "trust.yaml", tmp_path / "trust.yaml")
    result = run(tmp_path / "certificate.pdf")
    assert result.exit_code == 1
    assert "FAIL  issuer trusted: no trust list" in result.stdout


def test_json_format_and_exit_1_for_a_tampered_credential(issued, tmp_path):
    cohort, done = issued
    doc = json.loads(open(done.json_path, encoding="utf-8").read())
    doc["validFrom"] = "2020-01-01T00:00:00Z"
    (tmp_path / "forged.json").write_text(json.dumps(doc))
    result = run(tmp_path / "forged.json", done.json_path, "--trust", cohort.folder / "trust.yaml", "--format", "json")
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["valid"] is False
    forged, good = out["results"]
    assert forged["kind"] == "credential" and not forged["valid"] and good["valid"]
    assert [c["check"] for c in forged["checks"] if not c["passed"]] == ["proof"]


def test_unreadable_files_exit_2(issued, tmp_path):
    cohort, done = issued
    (tmp_path / "broken.json").write_bytes(b"\xff{not json")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7\n garbage")
    (tmp_path / "notes.txt").write_text("hello")
    for name in ("broken.json", "broken.pdf", "notes.txt", "missing.json"):
        result = run(tmp_path / name, "--trust", cohort.folder / "trust.yaml")
        assert result.exit_code == 2, (name, result.stdout)
        assert "cannot be verified" in result.stdout


def test_unreadable_wins_over_invalid_and_valid(issued, tmp_path):
    cohort, done = issued
    (tmp_path / "broken.json").write_bytes(b"[")
    result = run(done.json_path, tmp_path / "broken.json", "--trust", cohort.folder / "trust.yaml")
    assert result.exit_code == 2


@pytest.mark.parametrize("args", [["validate", "example-portfolios/ready-ada"], ["status", "example-portfolios/ready-ada"], ["certify", "--help"], ["verify", "example-portfolios/ready-ada"]])
def test_heavy_libraries_stay_out_of_commands_that_do_not_need_them(args):
    import subprocess
    import sys

    from conftest import REPO

    code = (
        "import sys\nfrom cim_cli.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pyld', 'weasyprint', 'segno', 'jinja2', 'pypdf', 'lxml'})\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, capture_output=True, text=True, env={"PYTHONPATH": str(REPO), "NO_COLOR": "1", "PATH": "/usr/bin:/bin"})
    assert "HEAVY []" in done.stderr, done.stderr[-500:]


def test_verify_a_qr_token_or_verify_url(issued):
    cohort, done = issued
    trust = cohort.folder / "trust.yaml"
    for text in (done.token, f"https://cim.example.edu/verify.html#{done.token}"):
        result = run(text, "--trust", trust)
        assert result.exit_code == 0, result.stdout
        assert f"credential file SHA-256 {done.sha256}" in result.stdout
        assert "OK    signature" in result.stdout and "OK    issuer trusted" in result.stdout
    untrusted = run(done.token)
    assert untrusted.exit_code == 1 and "FAIL  issuer trusted: no trust list" in untrusted.stdout
    prefix, payload, signature = done.token.split(".")
    forged = run(f"{prefix}.{payload[:-2]}AA.{signature}", "--trust", trust)
    assert forged.exit_code in (1, 2) and "OK: " not in forged.stdout
    bad = run("cimv1.nonsense", "--trust", trust)
    assert bad.exit_code == 2


def test_token_of_a_revoked_credential(issued, tmp_path):
    cohort, done = issued
    listed = tmp_path / "trust.yaml"
    listed.write_text((cohort.folder / "trust.yaml").read_text() + f"revoked_credentials:\n  - id: {done.credential['id']}\n    date: 2026-01-02\n")
    result = run(done.token, "--trust", listed, "--format", "json")
    assert result.exit_code == 1
    checks = json.loads(result.stdout)["results"][0]["checks"]
    assert [c["check"] for c in checks if not c["passed"]] == ["revocation"]
