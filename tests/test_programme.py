"""The programme file: handbook defaults, merging, discovery, validation."""

from __future__ import annotations

from cim_cli.programme import (
    BUILTIN,
    DEFAULT,
    HANDBOOK_QUESTIONS,
    check_programme_file,
    default_programme,
    discover,
    load_programme,
    resolve_programme,
)
from cim_cli.cli import app
from typer.testing import CliRunner

REQUIRED_IDS = {
    "exchange-studies", "thesis-abroad", "summer-course", "conference", "short-term-mobility",
    "language-cafe", "mentoring", "guest-lecture", "virtual-exchange", "volunteer-work", "other",
}


def test_defaults_are_the_handbook():
    p = default_programme()
    assert p.source == BUILTIN
    assert p.title == "Certificate of International Merits"
    assert p.requirements == {
        "min_activities": 3, "min_abroad": 0, "min_home": 0, "min_reflection_words": 50,
        "formal_reflection": {"categories": ["virtual-exchange"], "min_words": 150},
    }
    assert (p.report["min_words"], p.report["max_words"], p.report["count_headings"]) == (500, 1000, False)
    assert p.report["summary_heading"] == "Summary of activities"
    assert p.report["questions"][2] == "How can the experience be applied in different cross-cultural situations?"
    assert len(HANDBOOK_QUESTIONS) == 4
    assert REQUIRED_IDS <= set(p.catalogue)
    several = {cid for cid, c in p.catalogue.items() if c["min_engagements"] > 1}
    assert several == {"guest-lecture", "language-cafe"}
    assert all(c["title"] and c["description"] for c in p.catalogue.values())


def test_partial_file_merges_over_defaults(tmp_path):
    f = tmp_path / "programme.yaml"
    f.write_text("title: Global Merits Award\nrequirements:\n  min_abroad: 1\n")
    p = load_programme(str(f))
    assert p.title == "Global Merits Award"
    assert p.requirements["min_abroad"] == 1
    assert p.requirements["min_activities"] == 3  # kept from the handbook
    assert p.report == DEFAULT["report"]


def test_discovery_walks_up(tmp_path):
    (tmp_path / "programme.yaml").write_text("requirements: {min_activities: 4}\n")
    deep = tmp_path / "cohort" / "ada"
    deep.mkdir(parents=True)
    assert discover(deep) == str(tmp_path / "programme.yaml")
    assert resolve_programme(None, str(deep)).requirements["min_activities"] == 4
    assert resolve_programme(None, None).source == BUILTIN


def test_invalid_programme_has_line_numbered_problems(tmp_path):
    f = tmp_path / "programme.yaml"
    f.write_text("title: X\nrequirements:\n  min_activities: many\nreport:\n  min_words: 900\n  max_words: 600\ncatalogue:\n  - id: Bad Id\n    title: x\n")
    _, problems = check_programme_file(str(f))
    lines = sorted((p.line, p.rule) for p in problems)
    assert (3, "schema") in lines
    assert (8, "schema") in lines


def test_min_above_max_is_reported(tmp_path):
    f = tmp_path / "programme.yaml"
    f.write_text("report:\n  min_words: 900\n  max_words: 600\n")
    _, problems = check_programme_file(str(f))
    assert [(p.line, "larger" in p.message) for p in problems] == [(2, True)]


def test_cli_programme_init_check_and_refuse_overwrite(tmp_path):
    runner = CliRunner()
    target = tmp_path / "programme.yaml"
    r = runner.invoke(app, ["programme", "init", str(target)])
    assert r.exit_code == 0, r.output
    written = target.read_text()
    r = runner.invoke(app, ["programme", "check", str(target)])
    assert r.exit_code == 0
    # The written file loads to exactly the defaults.
    assert load_programme(str(target)).data == DEFAULT
    target.write_text(written + "\nextra: 1\n")
    r = runner.invoke(app, ["programme", "init", str(target)])
    assert r.exit_code == 1
    assert target.read_text().endswith("extra: 1\n")  # not overwritten
    r = runner.invoke(app, ["programme", "check", str(target)])
    assert r.exit_code == 1
    assert "unknown field 'extra'" in r.output


def test_broken_programme_is_a_configuration_error(tmp_path):
    portfolio = tmp_path / "p"
    portfolio.mkdir()
    (portfolio / "student.yaml").write_text("student_id: '1'\n")
    (tmp_path / "programme.yaml").write_text("requirements: [\n")
    r = CliRunner().invoke(app, ["validate", str(portfolio)])
    assert r.exit_code == 2
