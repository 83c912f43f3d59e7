"""cim stats: the figures from hand-built cohorts, the formats, and the command."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os

import pytest
from typer.testing import CliRunner

from cim_cli.programme import default_programme
from cim_cli.stats import collect, select, suppress, to_csv, to_dict, to_html, to_json, to_table
from cim_cli.stats.collect import academic_year, academic_year_label, parse_day
from tests.stats_support import abroad, activity, student

AS_OF = dt.date(2025, 6, 1)
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def table(stats, table_id: str) -> dict:
    """A table of the JSON document as {row label: [shown cells]}."""
    from cim_cli.stats.render import shown

    for f in stats.figures:
        for t in f.tables:
            if t.id == table_id:
                return {r.label: [shown(c, stats.settings) for c in r.cells] for r in t.rows}
    raise KeyError(table_id)


def cohort():
    return [
        student("s1", "registered", [], registered="2023-09-10"),
        student("s2", "collecting", [activity("language-cafe", start="2023-10-01", end="2023-12-01")], registered="2023-09-20", programme="Law"),
        student(
            "s3",
            "ready-for-review",
            [
                abroad("DE", "2024-01-10", "2024-06-30", credits=30),
                abroad("JP", "2024-08-01", "2024-08-05", category="summer-course", credits=3),
                activity("mentoring", start="2024-09-01", end="2024-12-15"),
            ],
            registered="2023-09-01",
        ),
        student("s4", "collecting", [abroad("DE", "2024-10-01", "2024-10-20")], registered="2024-10-01", programme=" medicine "),
        # the same student id again: counted once
        student("s4", "registered", [], registered="2024-10-01"),
        student("s5", "registered", [], registered=None, programme=None, unchecked=True),
    ]


def test_dates_are_parsed_strictly():
    assert parse_day("2024-02-29") == dt.date(2024, 2, 29)
    for bad in ("2023-02-29", "2024-2-1", "20240201", "2024-02-01T00:00", 20240201, None, "２０２４-01-01"):
        assert parse_day(bad) is None


@pytest.mark.parametrize(
    "day, start, year, label",
    [
        ("2024-08-31", (9, 1), 2023, "2023/24"),
        ("2024-09-01", (9, 1), 2024, "2024/25"),
        ("2024-01-01", (1, 1), 2024, "2024"),
        ("1999-12-31", (8, 15), 1999, "1999/00"),
    ],
)
def test_academic_year(day, start, year, label):
    assert academic_year(dt.date.fromisoformat(day), start) == year
    assert academic_year_label(year, start) == label


def test_funnel_counts_distinct_students_and_conversion():
    stats = collect(cohort(), default_programme(), as_of=AS_OF)
    funnel = table(stats, "stage-funnel")
    assert funnel["registered"][:2] == ["1", "4"]
    assert funnel["collecting"][:3] == ["2", "3", "75%"]
    assert funnel["ready-for-review"][:3] == ["1", "1", "33%"]
    assert funnel["certified"][:2] == ["0", "0"]
    # s3 registered 2023-09-01, first activity ended 2024-06-30: 303 days;
    # s2: 2023-09-20 -> 2023-12-01 = 72; s4: 2024-10-01 -> 2024-10-20 = 19
    assert funnel["registered"][3] == "72"
    quality = table(stats, "data-quality")
    assert quality["Portfolios sharing a student id (counted once)"][0] == "1"
    assert quality["Portfolios cim could not check (internal error)"][0] == "1"


def test_home_abroad_partition_and_programme_spellings():
    stats = collect(cohort(), default_programme(), as_of=AS_OF)
    years = table(stats, "home-abroad-by-year")
    assert years["2023/24"] == ["1", "0", "1", "1", "3"]  # s3 both, s2 home only, s1 nothing
    assert years["2024/25"] == ["0", "1", "0", "0", "1"]
    assert years["Total"] == ["1", "1", "1", "1", "4"]
    programmes = table(stats, "home-abroad-by-programme")
    assert programmes["Medicine"][-1] == "3"  # " medicine " is the same programme
    assert programmes["Law"][-1] == "1"


def test_countries_durations_credits_trend_backlog():
    stats = collect(cohort(), default_programme(), as_of=AS_OF)
    countries = table(stats, "countries")
    assert countries["DE"] == ["2", "2"]
    assert countries["JP"] == ["1", "1"]
    assert countries["Total (distinct students)"] == ["2", "3"]
    durations = table(stats, "durations")
    assert durations["1-7 days"] == ["1", "1"]  # JP, 5 days
    assert durations["8-30 days"] == ["1", "1"]  # s4, 20 days
    assert durations["181 days or more"] == ["0", "0"]
    assert durations["91-180 days (3-6 months)"] == ["1", "1"]  # DE 2024-01-10..06-30: 173 days
    assert table(stats, "durations-median")["Median length of an activity abroad"] == ["20"]
    credits = table(stats, "credits")
    assert credits["No credits"] == ["3"]
    assert credits["More than 30"] == ["1"]
    trend = table(stats, "trend")
    assert trend["2023/24"] == ["3", "1", "2", "2"]  # JP started 2024-08-01: still 2023/24
    assert trend["2024/25"] == ["1", "1", "1", "2"]
    backlog = table(stats, "backlog")
    # s3 ready since its third activity ended (2024-12-15): 168 days before 2025-06-01
    assert backlog["Approval of the activities (ready for review)"] == ["0", "0", "0", "1", "0", "1"]
    assert table(stats, "backlog-median")["Approval of the activities (ready for review)"] == ["168"]


def test_signed_stage_dates_are_used_when_present():
    results = [student("a", "report-submitted", [activity()], stage_dates={"report-submitted": "2025-05-22", "activities-approved": "2025-01-01"})]
    stats = collect(results, default_programme(), as_of=AS_OF)
    assert table(stats, "backlog")["Approval of the report (report submitted)"] == ["1", "0", "0", "0", "0", "1"]


def test_data_quality_counts():
    results = [
        student("q1", "collecting", [activity(start="2024-10-05", end="2024-10-01"), abroad(None, counts=False), activity(start="2024-13-01")], registered="yesterday"),
        student("q2", "registered", [activity("no-such-category", file="activities/x.yaml", counts=False)], findings=[("schema", "error", "activities/x.yaml", 2, 1, "bad"), ("schema", "error", "student.yaml", 1, 1, "bad")], programme=None),
        # a missing evidence file is the record's error too, but the record itself is fine (as the engine judges)
        student("q3", "collecting", [activity(file="activities/y.yaml")], findings=[("file-missing", "error", "activities/y.yaml", 9, 5, "missing")]),
    ]
    stats = collect(results, default_programme(), as_of=AS_OF)
    q = table(stats, "data-quality")
    assert q["Activities that end before they start"] == ["1", "1"]
    assert q["Activities abroad without a valid country code"] == ["1", "1"]
    assert q["Activities with a date that is not YYYY-MM-DD"] == ["1", "1"]
    assert q["Students without a valid registration date"] == ["1", "-"]
    assert q["Students without a study programme"] == ["1", "-"]
    assert q["Activity records with errors (they do not count)"] == ["1", "1"]
    assert q["Activities in a category not in the catalogue"] == ["1", "1"]
    assert q["Registrations (student.yaml) with errors"] == ["1", "1"]


def test_formats_agree_and_mark_hidden_cells():
    stats = suppress(collect(cohort(), default_programme(), as_of=AS_OF))
    doc = to_dict(stats)
    assert doc["public"] is True and doc["privacy"]["min_count"] == 5
    assert "portfolios" not in doc  # an exact count is never in public output
    funnel = doc["figures"][0]["tables"][0]["rows"][0]["cells"]
    assert funnel[0] == {"suppressed": True, "reason": "small", "shown": "<5"}
    out = io.StringIO()
    to_csv(stats, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    settings = {r["row"]: r["value"] for r in rows if r["figure"] == "settings"}
    assert settings["public"] == "yes" and settings["min_count"] == "5"
    first = next(r for r in rows if r["table"] == "stage-funnel")
    assert (first["value"], first["shown"], first["suppressed"]) == ("", "<5", "small")
    text = io.StringIO()
    to_table(stats, text)
    assert "public: small counts suppressed" in text.getvalue()
    page = io.StringIO()
    to_html(stats, page)
    assert "&lt;5" in page.getvalue()


def test_student_text_is_escaped_and_defused():
    results = [student(f"x{i}", "collecting", [activity()], programme='=HYPERLINK("x")<script>\x1b[31m\udcff\u202e') for i in range(6)]
    stats = collect(results, default_programme(), as_of=AS_OF)
    page = io.StringIO()
    to_html(stats, page)
    assert "<script>" not in page.getvalue() and "\x1b" not in page.getvalue()
    page.getvalue().encode("utf-8")  # no lone surrogate left to fail the write
    assert "\u202e" not in page.getvalue()
    out = io.StringIO()
    to_csv(stats, out)
    assert "\n'=HYPERLINK" not in out.getvalue()
    assert not any(r["row"].startswith("=") for r in csv.DictReader(io.StringIO(out.getvalue())))
    text = io.StringIO()
    to_table(stats, text)
    assert "\x1b" not in text.getvalue()


def test_by_selects_figures():
    stats = collect(cohort(), default_programme(), as_of=AS_OF)
    assert [f.id for f in select(stats, "year")] == ["home-abroad", "trend"]
    assert [t.id for t in select(stats, "study-programme")[0].tables] == ["home-abroad-by-programme"]
    assert [f.id for f in select(stats, "country")] == ["countries"]


def test_command_on_the_example_portfolios():
    from cim_cli.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["stats", os.path.join(REPO, "example-portfolios"), "--format", "json", "--as-of", "2026-01-01"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["portfolios"] == 4 and doc["public"] is False
    assert [f["number"] for f in doc["figures"]] == list(range(1, 10))
    tables = {t["id"]: {r["label"]: r["cells"] for r in t["rows"]} for f in doc["figures"] for t in f["tables"]}
    # what the engine now carries: study programme, registration date, credits
    assert set(tables["home-abroad-by-programme"]) == {"Biomedicine", "Law", "Medicine", "Nursing", "Total"}
    assert "No registration date" not in tables["home-abroad-by-year"]
    assert tables["credits"]["No credits"] == [2] and tables["credits"]["Total"] == [4]
    result = runner.invoke(app, ["stats", os.path.join(REPO, "example-portfolios"), "--public", "--by", "country", "--format", "json", "--as-of", "2026-01-01"])
    assert result.exit_code == 0
    assert [f["id"] for f in json.loads(result.stdout)["figures"]] == ["countries"]


def test_command_usage_errors(tmp_path):
    from cim_cli.cli import app

    runner = CliRunner()
    assert runner.invoke(app, ["stats", str(tmp_path / "nope")]).exit_code == 2
    assert runner.invoke(app, ["stats", str(tmp_path), "--as-of", "June"]).exit_code == 2
    bad = tmp_path / "programme.yaml"
    bad.write_text("statistics:\n  min_count: 2\n")
    result = runner.invoke(app, ["stats", str(tmp_path), "--programme", str(bad)])
    assert result.exit_code == 2
    assert "min_count" in result.stderr or "minimum" in result.stderr


def test_the_documented_statistics_section_is_a_valid_programme_file(tmp_path):
    import re

    from cim_cli.programme import load_programme
    from cim_cli.stats import Settings

    text = open(os.path.join(REPO, "docs", "statistics.md"), encoding="utf-8").read()
    block = re.search(r"```yaml\n(statistics:.*?)```", text, re.S).group(1)
    path = tmp_path / "programme.yaml"
    path.write_text(block.replace("min_count: 5", "min_count: 7").replace('"09-01"', '"08-15"'))
    settings = Settings.from_programme(load_programme(str(path)))
    assert settings.min_count == 7 and settings.academic_year_start == (8, 15)


@pytest.mark.parametrize("bad", ["min_count: 2", 'academic_year_start: "02-30"', 'academic_year_start: "9-1"', "top_countries: 0", "surprise: 1"])
def test_statistics_settings_are_validated(tmp_path, bad):
    from cim_cli.programme import ProgrammeError, load_programme

    path = tmp_path / "programme.yaml"
    path.write_text(f"statistics:\n  {bad}\n")
    with pytest.raises(ProgrammeError):
        load_programme(str(path))


def test_approval_records_date_the_later_stages():
    records = [
        {"stage": "activities", "decision": "approved", "status": "valid", "effective": True, "time": "2025-03-01T10:00:00+00:00"},
        {"stage": "report", "decision": "approved", "status": "valid", "effective": False, "time": "2025-04-01T10:00:00+00:00"},  # superseded
        {"stage": "report", "decision": "revise", "status": "valid", "effective": True, "time": "2025-04-20T10:00:00+00:00"},
        {"stage": "presentation", "decision": "approved", "status": "invalid", "effective": True, "time": "2025-05-01T10:00:00+00:00"},
        "not a record",
        {"stage": "activities", "time": 20250301},
    ]
    result = student("a", "report-submitted", [activity(start="2024-10-01", end="2024-10-02")] * 3)
    result.extra["approvals"] = records
    stats = collect([result], default_programme(), as_of=AS_OF)
    assert stats.students[0].stage_dates == {"activities-approved": dt.date(2025, 3, 1)}
    # waiting for the report's approval since the activities approval at the latest: 92 days
    assert table(stats, "backlog")["Approval of the report (report submitted)"] == ["0", "0", "0", "1", "0", "1"]
    assert table(stats, "backlog-median")["Approval of the report (report submitted)"] == ["92"]
    assert table(stats, "stage-funnel")["ready-for-review"][3] == "150"  # 2024-10-02 -> 2025-03-01


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "html"])
def test_an_empty_cohort_gives_empty_figures(tmp_path, fmt):
    from cim_cli.cli import app

    result = CliRunner().invoke(app, ["stats", str(tmp_path), "--public", "--format", fmt, "--as-of", "2025-01-01"])
    assert result.exit_code == 0
    assert "no portfolios" in result.stderr
    if fmt == "json":
        doc = json.loads(result.stdout)
        assert doc["figures"][0]["tables"][0]["rows"][0]["cells"][:2] == [0, 0]
