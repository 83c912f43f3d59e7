"""CI and administrator reporters: table, csv, junit, sarif, github.

Results are built directly (no portfolios on disk) and carry hostile student
text; each document is parsed back with the standard library and checked.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest

from cim_cli.findings import Finding, PortfolioResult
from cim_cli.reporters import ReportContext, RuleInfo, make_reporter

RULES = {
    "file-missing": RuleInfo(
        "file-missing", "error", "A required file is missing", "A required file is missing.\n\nAdd it."
    ),
    "report-words": RuleInfo("report-words", "warning", "Report is short", "The report needs words."),
    "unused-rule": RuleInfo("unused-rule", "error", "Never reported", "Listed all the same."),
}

HOSTILE_NAME = 'Åsa Öberg, "Ace"\n=cmd|\' /C calc\'!A0 <script>alert(1)</script> 100% ::x\x1b[31m\x07'
HOSTILE_MSG = "50% done, a:b\r\n::error::injected <b>&amp;</b> ]]> \x00\x1b"


def ctx(color: bool = False, rules=RULES) -> ReportContext:
    return ReportContext(
        cim_version="1.2.3",
        programme="programme.yaml",
        programme_title="Certificate of International Merits",
        rules=rules,
        color=color,
    )


def result(path, student_id, name, stage, findings=(), *, counting=1, required=3, home=1, abroad=0, words=None):
    return PortfolioResult(
        path=path,
        student_id=student_id,
        name=name,
        stage=stage,
        counting_activities=counting,
        required_activities=required,
        counting_home=home,
        counting_abroad=abroad,
        report_words=words,
        findings=tuple(findings),
    )


ADA_FINDINGS = (
    Finding("file-missing", "error", "report.md", 3, 7, HOSTILE_MSG),
    Finding("file-missing", "error", "activities/x y.md", 2, None, "line only"),
    Finding("file-missing", "error", "evidence/ä#1%.pdf", None, None, "no line"),
    Finding("report-words", "warning", "", None, None, "short [[ATTACHMENT|secret.txt]]"),
)


def sample() -> list[PortfolioResult]:
    return [
        result(
            "portfolios/my ada",
            "=S1",
            HOSTILE_NAME,
            "ready-for-review",
            ADA_FINDINGS,
            counting=3,
            required=3,
            home=2,
            abroad=1,
            words=1200,
        ),
        result("portfolios/ben", None, None, "collecting"),
        result(
            "-rm",
            "S3",
            "Chen Jié",
            "registered",
            [Finding("report-words", "warning", "report.md", 1, 1, "too short")],
            counting=0,
            words=10,
        ),
    ]


def run(fmt: str, results, context=None) -> str:
    out = io.StringIO()
    reporter = make_reporter(fmt, out, context or ctx())
    for r in results:
        reporter.add(r)
    reporter.end()
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["table", "csv", "junit", "sarif", "github"])
def test_same_input_gives_same_output(fmt):
    first = run(fmt, sample())
    assert first
    assert run(fmt, sample()) == first


# --- csv ----------------------------------------------------------------------


def csv_rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_csv_header_bom_and_crlf():
    text = run("csv", sample())
    assert text.startswith(
        "\ufeffstudent_id,name,path,stage,counting_activities,required_activities,"
        "home,abroad,report_words,errors,warnings,valid,programme,programme_sha256\r\n"
    )
    # Every record ends with CRLF; the bare LF inside the quoted name stays as is.
    assert text.endswith("\r\n")
    assert text.count("\r\n") == 4 + HOSTILE_NAME.count("\r\n")


def test_csv_rows_round_trip():
    rows = csv_rows(run("csv", sample()))
    assert len(rows) == 4
    header, ada, ben, chen = rows
    assert len(header) == 14
    assert ada == [
        "'=S1",
        HOSTILE_NAME,
        "portfolios/my ada",
        "ready-for-review",
        "3",
        "3",
        "2",
        "1",
        "1200",
        "3",
        "1",
        "false",
        "built-in",
        "",
    ]
    assert ben == ["", "", "portfolios/ben", "collecting", "1", "3", "1", "0", "", "0", "0", "true", "built-in", ""]
    assert chen[:3] == ["S3", "Chen Jié", "'-rm"]
    assert chen[8:] == ["10", "0", "1", "true", "built-in", ""]


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_formula_injection_is_defused_in_student_text(lead):
    r = result(f"{lead}path", f"{lead}id", f"{lead}SUM(A1:A9)", "collecting")
    row = csv_rows(run("csv", [r]))[1]
    assert row[0] == f"'{lead}id"
    assert row[1] == f"'{lead}SUM(A1:A9)"
    assert row[2] == f"'{lead}path"


def test_csv_leaves_safe_text_alone_and_strips_nul():
    r = result("portfolios/åsa", "S-1", "Åsa\x00 Öberg = ok", "collecting")
    row = csv_rows(run("csv", [r]))[1]
    assert row[:3] == ["S-1", "Åsa Öberg = ok", "portfolios/åsa"]


def test_csv_empty_run_is_header_only():
    assert csv_rows(run("csv", [])) == [
        [
            "student_id", "name", "path", "stage", "counting_activities", "required_activities",
            "home", "abroad", "report_words", "errors", "warnings", "valid", "programme", "programme_sha256",
        ]
    ]


# --- junit --------------------------------------------------------------------


def junit(results, context=None) -> ET.Element:
    text = run("junit", results, context)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text)


def test_junit_counts_and_testcases():
    root = junit(sample())
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "0")
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "Certificate of International Merits"
    assert (suite.get("tests"), suite.get("failures")) == ("3", "1")
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props == {"cim_version": "1.2.3", "programme": "programme.yaml"}
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["portfolios/my ada", "portfolios/ben", "-rm"]
    # classname: the student id, else the path.
    assert [c.get("classname") for c in cases] == ["=S1", "portfolios/ben", "S3"]
    assert [c.get("file") for c in cases] == ["portfolios/my ada", "portfolios/ben", "-rm"]
    assert [len(c.findall("failure")) for c in cases] == [3, 0, 0]
    assert cases[1].find("system-out") is None
    assert "too short" in cases[2].find("system-out").text


def test_junit_failure_per_error_with_location_and_rule():
    case = junit(sample()).find("testsuite/testcase")
    failures = case.findall("failure")
    assert [f.get("type") for f in failures] == ["file-missing"] * 3
    messages = [f.get("message") for f in failures]
    clean = "50% done, a:b\r\n::error::injected <b>&amp;</b> ]]> "  # \x00 and \x1b stripped
    assert messages == [
        f"portfolios/my ada/report.md:3:7 {clean}",
        "portfolios/my ada/activities/x y.md:2 line only",
        "portfolios/my ada/evidence/ä#1%.pdf no line",
    ]
    # GitLab shows only the body: it repeats location, message and rule.
    body = failures[1].text
    assert "portfolios/my ada/activities/x y.md:2: line only" in body
    assert "file-missing (error)" in body and "A required file is missing" in body
    assert clean.replace("\r\n", "\n") in failures[0].text
    # Warnings go to system-out, errors do not.
    out = case.find("system-out").text
    assert "warning: portfolios/my ada: short" in out and "report-words" in out
    assert "line only" not in out
    # GitLab would turn [[ATTACHMENT|...]] into a link: defused.
    assert "[[ATTACHMENT|" not in out


def test_junit_escapes_and_strips_illegal_characters():
    text = run("junit", sample())
    assert "\x00" not in text and "\x1b" not in text and "\x07" not in text
    assert "<script>" not in text and "<b>" not in text
    r = result("p<&>\"'", "id<\x01>&\"", "n", "collecting", [Finding("file-missing", "error", "f", None, None, "m\x0b")])
    case = junit([r]).find("testsuite/testcase")
    assert case.get("name") == "p<&>\"'"
    assert case.get("classname") == 'id<>&"'
    assert case.find("failure").get("message") == "p<&>\"'/f m"


def test_junit_reserved_type_words_and_duplicate_names():
    rules = dict(RULES, yaml=RuleInfo("yaml", "error", "s", "d"))
    findings = [Finding("yaml", "error", "a", 1, 1, "x"), Finding("file-missing", "error", "b", 1, 1, "y")]
    same = [result("p", "S1", "n", "collecting", findings), result("p", "S2", "n", "collecting")]
    cases = junit(same, ctx(rules=rules)).findall("testsuite/testcase")
    # GitLab reads type as an ActiveSupport type hint; "yaml" would fail the report.
    assert [f.get("type") for f in cases[0].findall("failure")] == ["cim:yaml", "file-missing"]
    # GitLab keeps only the first of test cases with the same name.
    assert [c.get("name") for c in cases] == ["p", "p (2)"]


def test_junit_empty_run_is_valid():
    root = junit([])
    assert (root.get("tests"), root.get("failures")) == ("0", "0")
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "0"
    assert suite.findall("testcase") == []


# --- sarif --------------------------------------------------------------------


def sarif(results, context=None) -> dict:
    return json.loads(run("sarif", results, context))


def test_sarif_log_driver_and_rules():
    log = sarif(sample())
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run_ = log["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "cim"
    assert driver["version"] == "1.2.3"
    assert driver["informationUri"].startswith("https://")
    # Every rule of the run, reported or not, with its metadata.
    assert [r["id"] for r in driver["rules"]] == sorted(RULES)
    by_id = {r["id"]: r for r in driver["rules"]}
    assert by_id["file-missing"] == {
        "id": "file-missing",
        "shortDescription": {"text": "A required file is missing"},
        "fullDescription": {"text": "A required file is missing.\n\nAdd it."},
        "defaultConfiguration": {"level": "error"},
        "help": {"text": "A required file is missing.\n\nAdd it."},
    }
    assert by_id["report-words"]["defaultConfiguration"] == {"level": "warning"}
    assert run_["columnKind"] == "unicodeCodePoints"


def test_sarif_results_levels_and_rule_index():
    log = sarif(sample())
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    results = run_["results"]
    assert len(results) == 5  # every finding, in order
    assert [r["level"] for r in results] == ["error", "error", "error", "warning", "warning"]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    assert results[0]["message"]["text"] == HOSTILE_MSG  # JSON carries it verbatim
    assert results[4]["message"]["text"] == "too short"


def test_sarif_regions_only_when_known():
    results = sarif(sample())["runs"][0]["results"]
    locs = [r["locations"][0]["physicalLocation"] for r in results]
    assert locs[0]["region"] == {"startLine": 3, "startColumn": 7}
    assert locs[1]["region"] == {"startLine": 2}
    assert "region" not in locs[2]
    assert "region" not in locs[3]
    assert locs[4]["region"] == {"startLine": 1, "startColumn": 1}
    # Never a line or column below 1.
    bad = result("p", "S", "n", "collecting", [Finding("file-missing", "error", "f", 0, 0, "m")])
    loc = sarif([bad])["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert "region" not in loc


def test_sarif_uris_are_encoded_relative_references():
    results = sarif(sample())["runs"][0]["results"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    assert uris == [
        "portfolios/my%20ada/report.md",
        "portfolios/my%20ada/activities/x%20y.md",
        "portfolios/my%20ada/evidence/%C3%A4%231%25.pdf",
        "portfolios/my%20ada/",  # the portfolio folder itself
        "-rm/report.md",
    ]
    odd = [
        result("./a:b", "S", "n", "collecting", [Finding("file-missing", "error", "c?d.md", 1, None, "m")]),
        result("/abs/p q", "S", "n", "collecting", [Finding("file-missing", "error", "f.md", 1, None, "m")]),
        result(".", "S", "n", "collecting", [Finding("file-missing", "error", "", None, None, "m")]),
    ]
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif(odd)["runs"][0]["results"]
    ]
    # ":" encoded, or "a:" would read as a URI scheme; "./" dropped.
    assert uris == ["a%3Ab/c%3Fd.md", "file:///abs/p%20q/f.md", "./"]


def test_sarif_unknown_rule_has_no_rule_index():
    r = result("p", "S", "n", "collecting", [Finding("not-registered", "warning", "f", 1, 2, "m")])
    (res,) = sarif([r])["runs"][0]["results"]
    assert res["ruleId"] == "not-registered"
    assert "ruleIndex" not in res
    assert res["level"] == "warning"


def test_sarif_is_streamed():
    out = io.StringIO()
    reporter = make_reporter("sarif", out, ctx())
    assert '"results": [' in out.getvalue()
    reporter.add(sample()[2])
    assert '"too short"' in out.getvalue()  # written before end()
    reporter.end()
    assert json.loads(out.getvalue())["runs"][0]["results"][0]["message"]["text"] == "too short"


def test_sarif_empty_run_is_valid():
    log = sarif([])
    assert log["runs"][0]["results"] == []
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) == len(RULES)


# --- github -------------------------------------------------------------------


def runner_parse(line: str):
    """Parse one line as the Actions runner does (ActionCommand.TryParseV2)."""
    assert line.startswith("::")
    end = line.index("::", 2)
    info, data = line[2:end], line[end + 2 :]
    name, _, props_str = info.partition(" ")
    props = {}
    for prop in props_str.split(","):
        key, _, value = prop.partition("=")
        for token, repl in (("\r", "%0D"), ("\n", "%0A"), (":", "%3A"), (",", "%2C"), ("%", "%25")):
            value = value.replace(repl, token)
        props[key] = value
    for token, repl in (("\r", "%0D"), ("\n", "%0A"), ("%", "%25")):
        data = data.replace(repl, token)
    return name, props, data


def test_github_one_line_per_finding_plus_summary():
    lines = run("github", sample()).split("\n")
    assert lines[-1] == ""
    lines = lines[:-1]
    assert len(lines) == 6
    assert lines[-1] == "cim: 3 portfolios, 3 errors, 2 warnings; programme programme.yaml"
    assert lines[1] == "::error file=portfolios/my ada/activities/x y.md,line=2,title=cim file-missing::line only"
    assert lines[2] == "::error file=portfolios/my ada/evidence/ä#1%25.pdf,title=cim file-missing::no line"
    assert lines[4] == "::warning file=-rm/report.md,line=1,col=1,title=cim report-words::too short"
    assert all(line.startswith("::") for line in lines[:-1])


def test_github_escaping_round_trips_through_the_runner():
    lines = run("github", sample()).splitlines()
    name, props, data = runner_parse(lines[0])
    assert name == "error"
    assert props == {"file": "portfolios/my ada/report.md", "line": "3", "col": "7", "title": "cim file-missing"}
    # Line breaks round-trip as the runner's escapes; other controls (NUL, ESC) are made visible.
    assert data == HOSTILE_MSG.replace("\x00", "\\x00").replace("\x1b", "\\x1b")
    assert "\x1b" not in lines[0] and "\\x1b" in lines[0]
    assert "%25 done" in lines[0] and "%0D%0A::error::" in lines[0]
    hostile = result(
        "a,b:c%d", "S", "n", "collecting", [Finding("report-words", "warning", "x,line=9.md", None, None, "m\nn")]
    )
    (line, summary) = run("github", [hostile]).splitlines()
    assert line == "::warning file=a%2Cb%3Ac%25d/x%2Cline=9.md,title=cim report-words::m%0An"
    name, props, data = runner_parse(line)
    assert props == {"file": "a,b:c%d/x,line=9.md", "title": "cim report-words"}
    assert data == "m\nn"
    assert summary == "cim: 1 portfolio, 0 errors, 1 warning; programme programme.yaml"


def test_github_empty_run():
    assert run("github", []) == "cim: 0 portfolios, 0 errors, 0 warnings; programme programme.yaml\n"


# --- table --------------------------------------------------------------------


def test_table_plain_rows_and_summary():
    text = run("table", sample())
    assert "\x1b" not in text and "\x07" not in text
    lines = text.split("\n")
    assert lines[-1] == ""
    header, ada, ben, chen, blank, summary = lines[:-1]
    assert header.split() == ["STUDENT", "NAME", "STAGE", "ACTS", "H/A", "WORDS", "ERR", "WARN", "FOLDER"]
    assert summary == "3 portfolios: 1 ready-for-review, 1 collecting, 1 registered"
    assert blank == ""
    # Long hostile name: one line, cut with …
    assert "…" in ada and "Åsa Öberg" in ada and "<script>" not in ada
    assert ada.split()[-7:] == ["3/3", "2/1", "1200", "3", "1", "portfolios/my", "ada"]
    assert ben.split() == ["-", "-", "collecting", "1/3", "1/0", "-", "0", "0", "portfolios/ben"]
    assert chen.split() == ["S3", "Chen", "Jié", "registered", "0/3", "1/0", "10", "0", "1", "-rm"]
    # Fixed columns: the stage starts at the same place on every line.
    starts = {line.index(stage) for line, stage in ((header, "STAGE"), (ada, "ready"), (ben, "collecting"), (chen, "registered"))}
    assert len(starts) == 1


def test_table_plain_is_streamed():
    out = io.StringIO()
    reporter = make_reporter("table", out, ctx())
    reporter.add(sample()[1])
    assert "collecting" in out.getvalue()
    reporter.end()
    assert out.getvalue().endswith("1 portfolio: 1 collecting\n")


def test_table_empty_run():
    assert run("table", []) == "0 portfolios\n"


def test_table_rich_when_color(monkeypatch):
    pytest.importorskip("rich")
    monkeypatch.setenv("COLUMNS", "160")
    rows = sample() + [result("p", "[bold]S9[/bold]", "[red]Mallory[/red]", "collecting")]
    text = run("table", rows, ctx(color=True))
    assert "\x1b[" in text  # styled
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert "\x07" not in plain and "\x1b" not in plain  # no escape from student text
    assert "[red]Mallory[/red]" in plain and "[bold]S9[/bold]" in plain  # markup not applied
    assert "ready-for-review" in plain and "1200" in plain
    assert plain.rstrip("\n").endswith("4 portfolios: 1 ready-for-review, 2 collecting, 1 registered")


def test_table_flags_a_student_id_in_several_folders():
    rows = [result("cohort/a", "s1", "Ann", "collecting"), result("cohort/b", "s2", "Bo", "collecting"), result("cohort/a-copy", "s1", "Ann", "collecting")]
    lines = run("table", rows).splitlines()
    assert lines[-1] == "student id s1 is in 2 folders: cohort/a, cohort/a-copy"
    assert [line.split()[-1] for line in lines[1:4]] == ["cohort/a", "cohort/b", "cohort/a-copy"]


def test_csv_semicolon_delimiter():
    import csv as csv_module

    text = run("csv", sample(), ReportContext("1.0", "built-in", "CIM", csv_delimiter=";"))
    header, first = text.lstrip("\ufeff").splitlines()[:2]
    assert header.startswith("student_id;name;path;stage;")
    rows = list(csv_module.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[1][0] == "'=S1" and len(rows[1]) == len(rows[0])
