"""Rules come from the cohort, never from the student.

A programme.yaml inside a portfolio never judges it (rule
programme-in-portfolio reports one that differs); discovery starts at the
portfolio's parent and passes over portfolios; a programme file reached
through a symbolic link leaving its folder, or lying inside a portfolio, is
refused (exit 2); every result in every format names the file that judged it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from conftest import STUDENT, activity_yaml, complete_activity, write_tree
from cim_cli.cli import app
from cim_cli.programme import (
    ProgrammeError,
    ProgrammeResolver,
    default_programme,
    discover,
    load_programme,
    resolve_programme,
    safe_config_path,
)

LENIENT = "requirements:\n  min_activities: 1\nreport:\n  questions: []\n"
STRICT = "requirements:\n  min_activities: 5\n"


def cim(*args, cwd=None):
    return CliRunner().invoke(app, [str(a) for a in args])


def portfolio(root, student_id="s1", activities=("a",), extra=None):
    files = {"student.yaml": STUDENT.replace("s1", student_id)}
    for slug in activities:
        files.update(complete_activity(slug))
    files.update(extra or {})
    root.mkdir(parents=True, exist_ok=True)
    return write_tree(root, files)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def batch_json(*args):
    r = cim("batch", *args, "--format", "json", "-j", "1")
    assert r.exit_code in (0, 1), r.stderr
    return json.loads(r.stdout)


# -- a student's own programme file is never used ------------------------------------------


def test_programme_inside_the_portfolio_does_not_lower_the_bar(tmp_path):
    p = portfolio(tmp_path / "cohort" / "mallory", extra={"programme.yaml": LENIENT})
    for args in (("validate", p), ("batch", tmp_path / "cohort")):
        doc = json.loads(cim(*args, "--format", "json").stdout)
        (result,) = doc["portfolios"]
        assert result["stage"] == "collecting"  # 1 of the handbook's 3, not 1 of 1
        assert result["required_activities"] == 3
        assert result["programme"] == {"path": "built-in", "sha256": None}
        hits = [f for f in result["findings"] if f["rule"] == "programme-in-portfolio"]
        assert [(f["file"], f["severity"]) for f in hits] == [("programme.yaml", "error")]
        assert "remove it" in hits[0]["message"]
    status = json.loads(cim("status", p, "--format", "json").stdout)
    assert status["required_activities"] == 3


def test_the_cohort_file_judges_and_a_different_copy_inside_is_reported(tmp_path):
    cohort = tmp_path / "cohort"
    portfolio(cohort / "mallory", extra={"programme.yaml": LENIENT})
    (cohort / "programme.yaml").write_text(STRICT)
    (result,) = batch_json(cohort)["portfolios"]
    assert result["required_activities"] == 5
    assert result["programme"] == {"path": str(cohort / "programme.yaml"), "sha256": sha(STRICT)}
    (hit,) = [f for f in result["findings"] if f["rule"] == "programme-in-portfolio"]
    assert str(cohort / "programme.yaml") in hit["message"]


def test_an_identical_copy_inside_is_fine(tmp_path):
    cohort = tmp_path / "cohort"
    portfolio(cohort / "ada", extra={"programme.yaml": STRICT})  # a template repository's copy
    (cohort / "programme.yaml").write_text(STRICT)
    (result,) = batch_json(cohort)["portfolios"]
    assert [f for f in result["findings"] if f["rule"] == "programme-in-portfolio"] == []
    # With --programme naming that same file, too.
    r = cim("validate", cohort / "ada", "--programme", cohort / "programme.yaml", "--format", "json")
    assert [f for f in json.loads(r.stdout)["portfolios"][0]["findings"] if f["rule"] == "programme-in-portfolio"] == []


def test_a_programme_file_inside_is_not_used_by_authoring(tmp_path):
    p = portfolio(tmp_path / "p", activities=(), extra={"programme.yaml": "catalogue:\n  - id: party\n    title: Party\n    description: x\n    location: any\n"})
    r = cim("activity", "add", "--portfolio", p, "--title", "Party", "--category", "party", "--location", "home", "--start", "2024-01-01")
    assert r.exit_code == 2 and "party" in r.stderr
    assert not (p / "activities" / "party.yaml").exists()


def test_discovery_starts_at_the_parent_and_passes_over_portfolios(tmp_path):
    outer = portfolio(tmp_path / "cohort" / "outer", extra={"programme.yaml": LENIENT})
    inner = portfolio(outer / "nested" / "inner", student_id="s2")
    (tmp_path / "cohort" / "programme.yaml").write_text(STRICT)
    assert discover(outer) == str(tmp_path / "cohort" / "programme.yaml")
    assert discover(inner) == str(tmp_path / "cohort" / "programme.yaml")  # not outer's
    # A folder that is not a portfolio starts at itself (cim programme show in a cohort folder).
    assert discover(tmp_path / "cohort", portfolio=None) == str(tmp_path / "cohort" / "programme.yaml")
    assert "at least 5" in cim("programme", "show", tmp_path / "cohort").stdout
    # cim init in a folder that holds a programme.yaml: the new portfolio is not judged by it.
    fresh = tmp_path / "cohort" / "template-clone"
    fresh.mkdir()
    (fresh / "programme.yaml").write_text(LENIENT)
    r = cim("init", fresh, "--student-id", "s9", "--name", "N", "--email", "n@e.se", "--study-programme", "M", "--no-git")
    assert r.exit_code == 0, r.stderr
    assert discover(fresh) == str(tmp_path / "cohort" / "programme.yaml")
    assert resolve_programme(None, str(inner)).requirements["min_activities"] == 5


def test_one_resolver_serves_every_command(tmp_path):
    cohort = tmp_path / "cohort"
    p = portfolio(cohort / "ada")
    (cohort / "programme.yaml").write_text(STRICT)
    resolver = ProgrammeResolver()
    programme = resolver.for_portfolio(str(p))
    assert programme.path == str(cohort / "programme.yaml")
    assert programme.folder == str(cohort)
    assert programme.sha256 == sha(STRICT)
    assert programme.ref.as_dict() == {"path": str(cohort / "programme.yaml"), "sha256": sha(STRICT)}
    assert default_programme().folder is None and default_programme().sha256 is None
    assert json.loads(cim("status", p, "--format", "json").stdout)["required_activities"] == 5
    assert "at least 5" in cim("programme", "show", p).stdout


# -- unsafe programme files -----------------------------------------------------------------


def test_symlink_leaving_its_folder_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "programme.yaml").write_text(LENIENT)
    cohort = tmp_path / "cohort"
    p = portfolio(cohort / "ada")
    os.symlink(elsewhere / "programme.yaml", cohort / "programme.yaml")
    for args in (("validate", p), ("status", p), ("export", p, "--format", "json"), ("batch", cohort), ("programme", "show", p)):
        r = cim(*args)
        assert r.exit_code == 2, (args, r.exit_code, r.stdout)
        assert "symbolic link that leads out of" in r.stderr
        assert r.stdout == ""
    # Named explicitly, the same file is the caller's choice.
    assert cim("validate", p, "--programme", cohort / "programme.yaml").exit_code in (0, 1)


def test_symlink_into_a_portfolio_is_refused(tmp_path):
    cohort = tmp_path / "cohort"
    portfolio(cohort / "mallory", extra={"programme.yaml": LENIENT})
    portfolio(cohort / "ada", student_id="s2")
    os.symlink("mallory/programme.yaml", cohort / "programme.yaml")  # stays in the folder, but a student owns it
    r = cim("batch", cohort)
    assert r.exit_code == 2 and "lies inside the portfolio" in r.stderr


def test_dangling_or_special_programme_file_is_refused_not_skipped(tmp_path):
    (tmp_path / "programme.yaml").write_text(STRICT)  # further up: must not be used instead
    cohort = tmp_path / "cohort"
    p = portfolio(cohort / "ada")
    os.symlink(cohort / "missing.yaml", cohort / "programme.yaml")
    r = cim("validate", p)
    assert r.exit_code == 2 and "programme.yaml" in r.stderr
    os.unlink(cohort / "programme.yaml")
    os.mkfifo(cohort / "programme.yaml")
    r = cim("validate", p)
    assert r.exit_code == 2 and "not a regular file" in r.stderr


def test_safe_config_path(tmp_path):
    folder = tmp_path / "cohort"
    folder.mkdir()
    (folder / "trust.yaml").write_text("keys: []\n")
    (folder / "sub").mkdir()
    (folder / "sub" / "t.yaml").write_text("x: 1\n")
    assert safe_config_path(str(folder), "trust.yaml") == str(folder / "trust.yaml")
    assert safe_config_path(str(folder), "sub/t.yaml") == str(folder / "sub" / "t.yaml")
    (tmp_path / "outside.yaml").write_text("x: 1\n")
    os.symlink(tmp_path / "outside.yaml", folder / "link.yaml")
    for name, why in [
        ("../outside.yaml", "'..'"),
        (str(tmp_path / "outside.yaml"), "absolute"),
        ("link.yaml", "leads out of"),
        ("missing.yaml", "cannot be read"),
        ("sub", "not a regular file"),
    ]:
        with pytest.raises(ProgrammeError) as info:
            safe_config_path(str(folder), name)
        assert why in info.value.problems[0].message, name
    portfolio(folder / "p", activities=(), extra={"trust.yaml": "keys: []\n"})
    with pytest.raises(ProgrammeError) as info:
        safe_config_path(str(folder), "p/trust.yaml")
    assert "inside the portfolio" in info.value.problems[0].message


def test_errors_never_echo_the_file_back(tmp_path):
    secret = "TOPSECRET-" + "x" * 5000
    cohort = tmp_path / "cohort"
    p = portfolio(cohort / "ada")
    for body in (f"catalogue: {secret}\n", f"{secret}: 1\n", f"title: !!int {secret}\n", f"report:\n  min_words: {secret}\n"):
        (cohort / "programme.yaml").write_text(body)
        for args in (("validate", p), ("programme", "check", cohort / "programme.yaml")):
            r = cim(*args)
            assert r.exit_code in (1, 2)
            assert "x" * 60 not in r.stdout + r.stderr, body[:30]
            assert len(r.stdout + r.stderr) < 800


def test_load_programme_records_path_and_digest(tmp_path):
    f = tmp_path / "programme.yaml"
    f.write_bytes(STRICT.encode())
    programme = load_programme(str(f))
    assert (programme.path, programme.sha256, programme.folder) == (str(f), sha(STRICT), str(tmp_path))


# -- every format names the programme that judged each portfolio -----------------------------


@pytest.fixture
def two_cohorts(tmp_path):
    # Each has a finding (a record whose evidence is missing), so SARIF has a result for each.
    portfolio(tmp_path / "north" / "ada", "ada", extra={"activities/x.yaml": activity_yaml("x")})
    portfolio(tmp_path / "south" / "ben", "ben", extra={"activities/x.yaml": activity_yaml("x")})
    (tmp_path / "north" / "programme.yaml").write_text(STRICT)
    (tmp_path / "south" / "programme.yaml").write_text(LENIENT)
    return tmp_path


def expected(root):
    return {
        "ada": (str(root / "north" / "programme.yaml"), sha(STRICT)),
        "ben": (str(root / "south" / "programme.yaml"), sha(LENIENT)),
    }


def run(root, fmt):
    r = cim("batch", root / "north", root / "south", "--format", fmt, "-j", "1")
    assert r.exit_code in (0, 1), r.stderr
    return r.stdout


def test_json_per_portfolio_and_no_single_header(two_cohorts):
    doc = json.loads(run(two_cohorts, "json"))
    assert doc["programme"] is None  # the header does not pretend one file applied to all
    got = {p["student_id"]: (p["programme"]["path"], p["programme"]["sha256"]) for p in doc["portfolios"]}
    assert got == expected(two_cohorts)
    by_id = {p["student_id"]: p for p in doc["portfolios"]}
    assert by_id["ada"]["required_activities"] == 5 and by_id["ben"]["required_activities"] == 1


def test_json_single_header(two_cohorts):
    r = cim("batch", two_cohorts / "north", "--format", "json")
    doc = json.loads(r.stdout)
    assert doc["programme"] == {"path": str(two_cohorts / "north" / "programme.yaml"), "sha256": sha(STRICT)}


def test_sarif_per_result_and_run(two_cohorts):
    log = json.loads(run(two_cohorts, "sarif"))
    (sarif_run,) = log["runs"]
    assert sarif_run["properties"]["programme"] is None
    assert {(p["path"], p["sha256"]) for p in sarif_run["properties"]["programmes"]} == set(expected(two_cohorts).values())
    seen = {(r["properties"]["programme"], r["properties"]["programmeSha256"]) for r in sarif_run["results"]}
    assert seen == set(expected(two_cohorts).values())


def test_junit_property_per_testcase(two_cohorts):
    root = ET.fromstring(run(two_cohorts, "junit"))
    got = {}
    for case in root.iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.find("properties")}
        got[case.get("classname")] = (props["programme"], props["programme_sha256"])
    assert got == expected(two_cohorts)


def test_csv_columns(two_cohorts):
    rows = list(csv.DictReader(io.StringIO(run(two_cohorts, "csv").lstrip("\ufeff"))))
    assert {r["student_id"]: (r["programme"], r["programme_sha256"]) for r in rows} == expected(two_cohorts)


def test_text_table_github_name_each_file(two_cohorts):
    text = run(two_cohorts, "text")
    for path, digest in expected(two_cohorts).values():
        assert f"judged by {path} (sha256 {digest[:12]})" in text
    table = run(two_cohorts, "table")
    assert "PROG" in table.splitlines()[0]
    assert f"programme 1: {expected(two_cohorts)['ada'][0]}" in table
    assert f"programme 2: {expected(two_cohorts)['ben'][0]}" in table
    github = run(two_cohorts, "github")
    assert "programme per portfolio" in github.splitlines()[-1]
    for path, digest in expected(two_cohorts).values():
        assert f"judged by {path} (sha256 {digest[:12]})" in github


def test_exports_name_the_file(two_cohorts):
    p = two_cohorts / "north" / "ada"
    data = json.loads(cim("export", p, "--format", "json").stdout)
    assert data["programme_file"] == {"path": str(two_cohorts / "north" / "programme.yaml"), "sha256": sha(STRICT)}
    rows = list(csv.DictReader(io.StringIO(cim("export", p, "--format", "csv").stdout.lstrip("\ufeff"))))
    assert rows and all(r["programme_sha256"] == sha(STRICT) for r in rows)
    assert f"SHA-256 {sha(STRICT)}" in cim("export", p, "--format", "markdown").stdout
    html = cim("export", p, "--format", "html").stdout
    assert f"SHA-256 {sha(STRICT)}" in html and str(two_cohorts) not in html  # the name only, never a local path


def test_validate_of_two_portfolios_from_two_cohorts(two_cohorts):
    r = cim("validate", two_cohorts / "north" / "ada", two_cohorts / "south" / "ben", "--format", "json")
    doc = json.loads(r.stdout)
    assert doc["programme"] is None
    assert [p["required_activities"] for p in doc["portfolios"]] == [5, 1]


def test_working_alone_with_programme_option(tmp_path, monkeypatch):
    """docs/programme.md: `cim validate . --programme ../programme.yaml` and `cim status --programme ...`."""
    p = portfolio(tmp_path / "clone")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "programme.yaml").write_text(STRICT)
    monkeypatch.chdir(p)
    r = cim("validate", ".", "--programme", "../elsewhere/programme.yaml", "--format", "json")
    assert json.loads(r.stdout)["portfolios"][0]["required_activities"] == 5
    r = cim("status", "--programme", "../elsewhere/programme.yaml")
    assert r.exit_code == 0 and "1 of 5" in r.stdout
