"""CLI contract of validate, status, rules: exact exit codes and JSON."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES, complete_activity
from cim_cli import __version__
from cim_cli.checks import RULES
from cim_cli.cli import app

runner = CliRunner()
READY = str(EXAMPLES / "ready-ada")
COLLECTING = str(EXAMPLES / "collecting-ben")


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_version():
    r = invoke("--version")
    assert r.exit_code == 0 and r.stdout.strip() == f"cim {__version__}"


def test_validate_clean_portfolio_exits_0():
    assert invoke("validate", READY).exit_code == 0


def test_validate_with_errors_exits_1():
    assert invoke("validate", COLLECTING).exit_code == 1


def test_not_a_portfolio_exits_2(tmp_path):
    r = invoke("validate", str(tmp_path))
    assert r.exit_code == 2
    assert "not a portfolio" in r.stderr
    assert r.stdout == ""
    assert invoke("validate", str(tmp_path / "nope")).exit_code == 2


def test_unknown_option_and_stage_exit_2():
    assert invoke("validate", READY, "--format", "xml").exit_code == 2
    assert invoke("validate", READY, "--require", "certified-by-magic").exit_code == 2


def test_json_document_shape():
    r = invoke("validate", READY, COLLECTING, "--format", "json")
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert set(doc) == {"cim_version", "programme", "portfolios"}
    builtin = {"path": "built-in", "sha256": None}
    assert doc["cim_version"] == __version__ and doc["programme"] == builtin
    ada, ben = doc["portfolios"]
    assert ada == {
        "path": READY,
        "student_id": "ada-2023-0142",
        "valid": True,
        "stage": "ready-for-review",
        "counting_activities": 3,
        "required_activities": 3,
        "report_words": ada["report_words"],
        "findings": [],
        "programme": builtin,
    }
    assert 500 <= ada["report_words"] <= 1000
    assert ben["valid"] is False and ben["stage"] == "collecting" and ben["report_words"] is None
    assert ben["counting_activities"] == 1
    first = ben["findings"][0]
    assert set(first) == {"rule", "severity", "file", "line", "column", "message"}
    assert all(f["rule"] in RULES for f in ben["findings"])  # and never internal-error
    assert all("\\" not in f["file"] and not f["file"].startswith("/") for f in ben["findings"])


def test_text_format_lines():
    r = invoke("validate", COLLECTING)
    lines = r.stdout.splitlines()
    assert lines[0].startswith(COLLECTING + ": ben-2024-0388 (Benjamin Okafor): collecting, 1/3 activities")
    assert f"  {COLLECTING}/activities/guest-lectures-global-health.yaml:6:14: warning [engagements] " in r.stdout
    assert "\x1b[" not in r.stdout  # no colour when not a terminal


def test_require_stage(make_portfolio):
    path = make_portfolio({**complete_activity("cafe")})
    assert invoke("validate", str(path)).exit_code == 0
    assert invoke("validate", str(path), "--require", "collecting").exit_code == 0
    assert invoke("validate", str(path), "--require", "ready-for-review").exit_code == 1
    assert invoke("validate", READY, "--require", "ready-for-review").exit_code == 0


def test_strict_makes_warnings_fail(make_portfolio):
    path = make_portfolio({**complete_activity("cafe"), "reflections/cafe.md": "# R\n\nshort\n"})
    assert invoke("validate", str(path)).exit_code == 0
    assert invoke("validate", str(path), "--strict").exit_code == 1


def test_programme_option_and_discovery(make_portfolio, tmp_path):
    path = make_portfolio({**complete_activity("a"), **complete_activity("b"), **complete_activity("c")})
    doc = json.loads(invoke("validate", str(path), "--format", "json").stdout)
    assert doc["portfolios"][0]["stage"] == "ready-for-review"
    prog = tmp_path / "programme.yaml"  # discovered: it is above the portfolio
    prog.write_text("requirements:\n  min_abroad: 1\n")
    doc = json.loads(invoke("validate", str(path), "--format", "json").stdout)
    assert doc["programme"]["path"] == str(prog) and len(doc["programme"]["sha256"]) == 64
    assert doc["portfolios"][0]["stage"] == "collecting"
    other = tmp_path / "other.yaml"
    other.write_text("requirements:\n  min_activities: 2\n")
    doc = json.loads(invoke("validate", str(path), "--programme", str(other), "--format", "json").stdout)
    assert doc["portfolios"][0]["required_activities"] == 2


def test_status_text_and_json():
    r = invoke("status", COLLECTING)
    assert r.exit_code == 1  # the portfolio has errors: the one exit-code contract
    assert "Stage: collecting" in r.stdout and "Next:" in r.stdout
    assert "a longer reflection (8 of 50 words)" in r.stdout
    data = json.loads(invoke("status", COLLECTING, "--format", "json").stdout)
    assert data["stage"] == "collecting"
    assert [a["counts"] for a in data["activities"]] == [False, True, False]
    assert data["report"] is None


def test_status_of_ready_portfolio_says_notify_administrator():
    data = json.loads(invoke("status", READY, "--format", "json").stdout)
    assert data["next_step"].startswith("Your portfolio is ready for review")
    assert data["report"]["missing_headings"] == []


def test_rules_lists_every_rule_with_docs():
    r = invoke("rules")
    for rule_id in RULES:
        assert f"\n{rule_id} (" in "\n" + r.stdout
    data = json.loads(invoke("rules", "--format", "json").stdout)
    assert [d["id"] for d in data] == [*RULES, "internal-error"]


@pytest.mark.parametrize("command", ["validate", "status", "export", "rules", "programme"])
def test_every_command_has_help(command):
    r = invoke(command, "--help")
    assert r.exit_code == 0 and "Usage" in r.stdout


def test_end_to_end_subprocess_streams():
    """stdout carries only data: JSON parses even with findings on stderr."""
    proc = subprocess.run([sys.executable, "-m", "cim_cli", "validate", COLLECTING, "--format", "json"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["portfolios"][0]["student_id"] == "ben-2024-0388"


def test_a_draft_report_can_be_committed_but_is_not_ready(make_portfolio):
    """Errors mean a broken file (the hook and CI fail); warnings mean not ready yet (drafts pass)."""
    from conftest import complete_activity

    files = {**complete_activity("a"), **complete_activity("b", title="B"), **complete_activity("c", title="C")}
    path = make_portfolio({**files, "report.md": "# My report\n\n## Summary of activities\n\nA first draft of thirty-nine words or so.\n"})
    runner = CliRunner()
    draft = runner.invoke(app, ["validate", str(path)])
    assert draft.exit_code == 0, draft.stdout
    assert "warning [report-words]" in draft.stdout
    assert runner.invoke(app, ["validate", str(path), "--strict"]).exit_code == 1
    (path / "activities" / "a.yaml").write_text("title: [unclosed\n")
    broken = runner.invoke(app, ["validate", str(path)])
    assert broken.exit_code == 1 and "error [yaml-syntax]" in broken.stdout
