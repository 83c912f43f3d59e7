"""Issue 8: cim works where the student stands, one exit-code contract, broken records said plainly."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from authoring_support import STUDENT, cim, new_portfolio, snapshot
from conftest import EXAMPLES

CAFE = ["--title", "Spanish language café", "--category", "language-cafe", "--location", "home", "--start", "2024-10-05"]


@pytest.fixture
def ada(tmp_path, monkeypatch):
    """A copy of the example portfolio ready-ada (clean: no findings)."""
    root = tmp_path / "cohort" / "ada"
    shutil.copytree(EXAMPLES / "ready-ada", root)
    monkeypatch.setenv("NO_COLOR", "1")
    return root


@pytest.mark.parametrize("command", [["status"], ["validate"], ["export", "--format", "json"], ["status", "--format", "json"]])
def test_reading_commands_find_the_portfolio_from_a_subfolder(ada, monkeypatch, command):
    monkeypatch.chdir(ada / "reflections")
    r = cim(*command)
    assert r.exit_code == 0, r.stderr
    assert "ada-2023-0142" in r.stdout or "Ada Lindqvist" in r.stdout


def test_a_folder_inside_a_portfolio_names_that_portfolio(ada, monkeypatch):
    monkeypatch.chdir(ada.parent)
    doc = json.loads(cim("validate", "ada/evidence", "--format", "json").stdout)
    assert doc["portfolios"][0]["path"] == "ada"
    assert doc["portfolios"][0]["student_id"] == "ada-2023-0142"


def test_the_hint_written_into_every_record_works_as_written(tmp_path, monkeypatch):
    root = new_portfolio(tmp_path)
    assert cim("activity", "add", "--portfolio", root, *CAFE).exit_code == 0
    record = root / "activities" / "spanish-language-cafe.yaml"
    hint = next(line for line in record.read_text().splitlines() if "check it with:" in line)
    command = hint.split("check it with:")[1].split()
    assert command == ["cim", "validate"]
    for where in (root, root / "activities"):  # from the portfolio, and from the record's folder
        monkeypatch.chdir(where)
        r = cim(*command[1:])
        assert r.exit_code in (0, 1), r.stderr  # it checked the portfolio (no reflection yet: findings)
        assert "spanish-language-cafe" in r.stdout


def test_init_refuses_inside_a_portfolio_and_changes_nothing(ada, monkeypatch):
    monkeypatch.chdir(ada / "reflections")
    before = snapshot(ada)
    for target in (".", "nested", "../evidence/new"):
        r = cim("init", target, *STUDENT, "--no-git")
        assert r.exit_code == 1, (target, r.stderr)
        assert r.stderr.startswith("cim: ") and "inside the portfolio" in r.stderr
    assert snapshot(ada) == before


def test_init_refuses_a_cohort_folder_and_an_existing_portfolio(ada, monkeypatch):
    before = snapshot(ada.parent)
    r = cim("init", ada.parent, *STUDENT, "--no-git")
    assert r.exit_code == 1 and "holds portfolios" in r.stderr
    r = cim("init", ada, *STUDENT, "--no-git")
    assert r.exit_code == 1 and "already holds a portfolio" in r.stderr
    assert snapshot(ada.parent) == before


def test_no_hint_suggests_init_where_it_would_do_harm(ada, monkeypatch):
    monkeypatch.chdir(ada.parent)  # a cohort root
    for command in (["status"], ["validate"], ["export", "--format", "json"], ["log"], ["activity", "add", *CAFE]):
        r = cim(*command)
        assert r.exit_code == 2
        assert "cim init" not in r.stderr and "cim batch" in r.stderr


def test_outside_any_portfolio_the_hint_is_safe(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = cim("status")
    assert r.exit_code == 2
    assert r.stderr.startswith("cim: ") and "not a portfolio, nor inside one" in r.stderr
    assert "cim init ." not in r.stderr


def test_write_commands_take_portfolio_short_option(tmp_path):
    root = new_portfolio(tmp_path)
    r = cim("activity", "add", "-P", root / "diary", *CAFE)
    assert r.exit_code == 0, r.stderr
    assert (root / "activities" / "spanish-language-cafe.yaml").is_file()


# -- one exit-code contract ------------------------------------------------------------------


@pytest.mark.parametrize("command", [["status"], ["status", "--format", "json"], ["validate"], ["export", "--format", "markdown"]])
def test_every_reading_command_exits_1_on_findings_and_0_when_clean(ada, monkeypatch, command):
    monkeypatch.chdir(ada)
    assert cim(*command).exit_code == 0
    shutil.copytree(EXAMPLES / "record-problems-dana", ada.parent / "dana")
    monkeypatch.chdir(ada.parent / "dana")
    r = cim(*command)
    assert r.exit_code == 1
    assert r.stdout  # the output is complete all the same


# -- a broken record -------------------------------------------------------------------------


def test_a_record_indented_with_a_tab_is_reported_as_broken_and_nothing_else(ada, monkeypatch):
    record = ada / "activities" / "exchange-berlin.yaml"
    record.write_text(record.read_text().replace("\ntitle:", "\n\ttitle:", 1))
    monkeypatch.chdir(ada)
    r = cim("status")
    assert r.exit_code == 1
    block = r.stdout.split("exchange-berlin", 1)[1].split("\n  ✓")[0]
    assert "broken record" in block
    assert "YAML does not allow tabs for indentation; use spaces" in block
    # its evidence and reflection exist: they are not reported missing
    assert "evidence" not in block and "reflection" not in block
    data = json.loads(cim("status", "--format", "json").stdout)
    berlin = next(a for a in data["activities"] if a["slug"] == "exchange-berlin")
    assert berlin["broken"].startswith("activities/exchange-berlin.yaml:")
    assert len(berlin["lacks"]) == 1
    finding = json.loads(cim("validate", "--format", "json").stdout)["portfolios"][0]["findings"][0]
    assert finding["rule"] == "yaml-syntax" and "use spaces" in finding["message"]


# -- cim init on a terminal, and without a git identity ---------------------------------------


def test_interactive_init_asks_a_bad_answer_again(tmp_path, monkeypatch):
    import cim_cli.cli.authoring as cli

    monkeypatch.setattr(cli, "_interactive", lambda: True)
    r = cim("init", tmp_path / "ada", "--name", "Ada Lovelace", "--no-git", input="s1\nnot-an-email\nada@example.org\nMedicine\n")
    assert r.exit_code == 0, r.stderr
    assert r.stderr.count("Email") == 2 and "not a valid email; try again" in r.stderr
    assert "email: ada@example.org" in (tmp_path / "ada" / "student.yaml").read_text()


def test_interactive_activity_add_asks_a_bad_category_again(tmp_path, monkeypatch):
    import cim_cli.cli.authoring as cli

    root = new_portfolio(tmp_path)
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    r = cim("activity", "add", "-P", root, "--title", "Café", "--location", "home", "--start", "2024-10-05", input="language-caffe\nlanguage-cafe\n")
    assert r.exit_code == 0, r.stderr
    assert "did you mean 'language-cafe'?" in r.stderr
    assert "category: language-cafe" in (root / "activities" / "cafe.yaml").read_text()


def _no_identity(monkeypatch, home):
    for name in ("EMAIL", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_init_without_a_git_identity_says_how_to_set_one(tmp_path, monkeypatch):
    _no_identity(monkeypatch, tmp_path)
    r = cim("init", tmp_path / "ada", *STUDENT)
    assert r.exit_code == 0, r.stderr
    assert "git config --global user.name 'Ada Lovelace'" in r.stderr
    assert "git config --global user.email ada@example.org" in r.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_init_with_a_git_identity_says_nothing_about_it(tmp_path, monkeypatch):
    _no_identity(monkeypatch, tmp_path)
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Ada")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "ada@example.org")
    r = cim("init", tmp_path / "ada", *STUDENT)
    assert r.exit_code == 0, r.stderr
    assert "git config" not in r.stderr


def test_a_broken_record_is_named_visibly_whatever_its_file_name(ada, monkeypatch):
    (ada / "activities" / "bad\x1b[31m.yaml").write_text("title: x\n\tcategory: y\n")
    monkeypatch.chdir(ada)
    out = cim("status").stdout
    assert "\x1b" not in out
    assert "bad\\x1b[31m  broken record" in out
