"""cim batch: discovery, determinism across --jobs, formats, --stage, exit codes.

The helpers at the top (``write_portfolio``, ``make_cohort``) generate small
portfolios; the isolation and revision tests import them.
"""

from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cim_cli import batch
from cim_cli.cli import app

EXAMPLES = Path(__file__).resolve().parent.parent / "example-portfolios"
REPORT = (EXAMPLES / "ready-ada" / "report.md").read_text(encoding="utf-8")
FORMATS = ["table", "json", "csv", "junit", "sarif", "github", "text"]

REFLECTION = (
    "# Reflection\n\n"
    + " ".join(
        "Working with students from other countries changed how I think about my future profession and"
        " how I explain my own field to people who learned it differently.".split()
    )
    + " "
    + " ".join(f"word{i}" for i in range(60))
    + "\n"
)


def write_portfolio(
    root: Path,
    student_id: str,
    *,
    name: str | None = None,
    activities: int = 3,
    report: bool = True,
    broken: bool = False,
    warning: bool = False,
) -> Path:
    """A portfolio at ``root``: ``activities`` counting activities (3 = ready for review).

    ``broken`` adds a record with a schema error; ``warning`` adds an activity
    without evidence (a warning, and it does not count).
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "student.yaml").write_text(
        f'student_id: "{student_id}"\nname: {name or "Student " + student_id}\n'
        f"email: {student_id}@student.example.edu\nstudy_programme: Medicine\nregistered: 2023-09-04\n",
        encoding="utf-8",
    )
    for i in range(activities):
        slug = f"activity-{i}"
        where = "abroad" if i % 2 else "home"
        country = "country: DE\n" if where == "abroad" else ""
        (root / "activities").mkdir(exist_ok=True)
        (root / "activities" / f"{slug}.yaml").write_text(
            f"title: Activity {i}\ncategory: conference\nlocation: {where}\n{country}"
            f"start: 2024-0{1 + i % 9}-01\nend: 2024-0{1 + i % 9}-03\n"
            f"evidence:\n  - path: evidence/{slug}/certificate.pdf\n    kind: certificate\n",
            encoding="utf-8",
        )
        (root / "evidence" / slug).mkdir(parents=True, exist_ok=True)
        (root / "evidence" / slug / "certificate.pdf").write_bytes(b"%PDF-1.4 test\n")
        (root / "reflections").mkdir(exist_ok=True)
        (root / "reflections" / f"{slug}.md").write_text(REFLECTION, encoding="utf-8")
    if broken:
        (root / "activities").mkdir(exist_ok=True)
        (root / "activities" / "broken.yaml").write_text("title: Broken\ncategory: conference\nlocation: home\n", encoding="utf-8")
    if warning:
        (root / "activities").mkdir(exist_ok=True)
        (root / "activities" / "no-evidence.yaml").write_text(
            "title: No evidence yet\ncategory: conference\nlocation: home\nstart: 2024-05-01\n", encoding="utf-8"
        )
        (root / "reflections").mkdir(exist_ok=True)
        (root / "reflections" / "no-evidence.md").write_text(REFLECTION, encoding="utf-8")
    if report and activities >= 3:
        (root / "report.md").write_text(REPORT.replace("](evidence/report/poster-session.png)", "](evidence/activity-0/certificate.pdf)"), encoding="utf-8")
    return root


def make_cohort(root: Path, count: int) -> list[Path]:
    """``count`` portfolios in three stages, a few with errors or warnings, in nested folders."""
    made = []
    for i in range(count):
        group = root / f"group-{i % 3}"
        made.append(
            write_portfolio(
                group / f"student-{i:04d}",
                f"s{i:04d}",
                name=f"Student Nummer {i} Åsa",
                activities=(3, 1, 0)[i % 3],
                broken=i % 7 == 0,
                warning=i % 5 == 0,
            )
        )
    return made


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(app, list(args), env=env)


# -- discovery -------------------------------------------------------------------

def _touch_portfolio(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "student.yaml").write_text('student_id: "x"\n', encoding="utf-8")
    return path


def test_discovery_nested_sorted_and_not_inside_portfolios(tmp_path):
    _touch_portfolio(tmp_path / "b" / "deep" / "er" / "p3")
    _touch_portfolio(tmp_path / "a" / "p1")
    _touch_portfolio(tmp_path / "a-b" / "p2")
    # A student.yaml inside a portfolio's own folders is not another portfolio.
    _touch_portfolio(tmp_path / "a" / "p1" / "evidence" / "nested")
    (tmp_path / "a" / "notes").mkdir()
    found = batch.discover([str(tmp_path)])
    rel = [os.path.relpath(p, tmp_path) for p in found]
    assert rel == [os.path.join("a", "p1"), os.path.join("a-b", "p2"), os.path.join("b", "deep", "er", "p3")]


def test_discovery_skips_hidden_node_modules_and_git(tmp_path):
    _touch_portfolio(tmp_path / "ok")
    _touch_portfolio(tmp_path / ".hidden" / "p")
    _touch_portfolio(tmp_path / ".git" / "p")
    _touch_portfolio(tmp_path / "node_modules" / "p")
    _touch_portfolio(tmp_path / "x" / "node_modules" / "p")
    assert batch.discover([str(tmp_path)]) == [str(tmp_path / "ok")]


def test_discovery_never_follows_symlinked_folders(tmp_path):
    outside = _touch_portfolio(tmp_path / "outside" / "p")
    cohort = tmp_path / "cohort"
    _touch_portfolio(cohort / "real")
    os.symlink(cohort, cohort / "loop")  # a loop back to the root
    os.symlink(outside, cohort / "linked")  # a portfolio reached only through a link
    assert batch.discover([str(cohort)]) == [str(cohort / "real")]


def test_root_that_is_a_portfolio_is_checked(tmp_path):
    p = _touch_portfolio(tmp_path / "p")
    _touch_portfolio(p / "sub")
    assert batch.discover([str(p)]) == [str(p)]


def test_overlapping_roots_count_once(tmp_path):
    _touch_portfolio(tmp_path / "a" / "p")
    found = batch.discover([str(tmp_path), str(tmp_path / "a"), str(tmp_path / "a" / "p")])
    assert found == [str(tmp_path / "a" / "p")]


def test_unreadable_folder_is_reported_and_skipped(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads every folder")
    _touch_portfolio(tmp_path / "ok")
    locked = tmp_path / "locked"
    _touch_portfolio(locked / "p")
    locked.chmod(0)
    try:
        errors = []
        assert batch.discover([str(tmp_path)], lambda f, e: errors.append(f)) == [str(tmp_path / "ok")]
        assert errors == [str(locked)]
        result = invoke("batch", str(tmp_path), "-j", "1")
        assert "cannot read" in result.stderr
    finally:
        locked.chmod(0o755)


# -- determinism and formats ----------------------------------------------------------

@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cohort")
    make_cohort(root, 40)
    return root


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_bytes_with_one_and_two_jobs(cohort, fmt):
    one = invoke("batch", str(cohort), "--format", fmt, "--jobs", "1")
    two = invoke("batch", str(cohort), "--format", fmt, "--jobs", "2")
    assert one.exit_code == two.exit_code == 1
    assert one.stdout == two.stdout
    if fmt not in ("sarif", "github"):  # these list findings only
        assert "s0039" in one.stdout and "s0000" in one.stdout


def test_json_is_what_validate_gives(cohort):
    got = invoke("batch", str(cohort), "--format", "json", "-j", "2")
    paths = [p for p in batch.discover([str(cohort)])]
    assert len(paths) == 40
    want = invoke("validate", *paths, "--format", "json")
    assert got.stdout == want.stdout
    doc = json.loads(got.stdout)
    assert [p["path"] for p in doc["portfolios"]] == paths
    assert got.exit_code == want.exit_code == 1


def test_json_examples_equal_validate():
    got = invoke("batch", str(EXAMPLES), "--format", "json")
    want = invoke("validate", *sorted(str(p) for p in EXAMPLES.iterdir() if p.is_dir()), "--format", "json")
    assert got.stdout == want.stdout
    assert [p["student_id"] for p in json.loads(got.stdout)["portfolios"]] == [
        "ben-2024-0388", "ada-2023-0142", "dana-2024-0501", "chen-2022-0077"
    ]


def test_table_rows_and_summary():
    result = invoke("batch", str(EXAMPLES))
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["STUDENT", "NAME", "STAGE", "ACTS", "H/A", "WORDS", "ERR", "WARN", "FOLDER"]
    assert len([line for line in lines[1:] if line.strip()]) == 5  # 4 rows + summary
    assert lines[-1] == "4 portfolios: 1 ready-for-review, 2 collecting, 1 registered"
    assert result.exit_code == 1
    assert result.stderr == ""


def test_csv_opens_with_bom_and_one_row_per_portfolio(cohort):
    result = invoke("batch", str(cohort), "--format", "csv", "-j", "2")
    assert result.stdout.startswith("\ufeffstudent_id,name,path,stage")
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert len(rows) == 40
    assert rows[0]["name"] == "Student Nummer 0 Åsa"
    assert {r["stage"] for r in rows} == {"ready-for-review", "collecting", "registered"}


def test_junit_parses_with_a_testcase_per_portfolio(cohort):
    result = invoke("batch", str(cohort), "--format", "junit")
    root = ET.fromstring(result.stdout)
    cases = root.findall(".//testcase")
    assert len(cases) == 40
    failed = [c for c in cases if c.find("failure") is not None]
    broken = [i for i in range(40) if i % 7 == 0]  # the ones with a schema error
    assert len(failed) == len(broken)


def test_sarif_parses_with_rules_and_lines(cohort):
    result = invoke("batch", str(cohort), "--format", "sarif")
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {"schema", "evidence-missing"}
    schema_results = [r for r in run["results"] if r["ruleId"] == "schema"]
    assert schema_results and all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in schema_results)


def test_github_annotations(cohort):
    result = invoke("batch", str(cohort), "--format", "github")
    lines = result.stdout.splitlines()
    assert any(line.startswith("::error file=") and "title=cim schema::" in line for line in lines)
    assert lines[-1].startswith("cim: 40 portfolios, ")


def test_output_file_is_written_and_stdout_stays_empty(cohort, tmp_path):
    target = tmp_path / "report.json"
    result = invoke("batch", str(cohort), "--format", "json", "-o", str(target))
    assert result.stdout == ""
    assert len(json.loads(target.read_text(encoding="utf-8"))["portfolios"]) == 40
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left


# -- --stage, exit codes, programmes ---------------------------------------------------

def test_stage_filter_is_the_inbox(cohort):
    result = invoke("batch", str(cohort), "--stage", "ready-for-review", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    ids = [r["student_id"] for r in rows]
    # i % 3 == 0 for i < 40, less those with a broken file (i % 7 == 0): errors keep a portfolio out of the inbox
    assert ids == sorted(ids) and len(ids) == 12 and "s0000" not in ids and "s0021" not in ids
    assert all(r["stage"] == "ready-for-review" for r in rows)
    table = invoke("batch", str(cohort), "--stage", "ready-for-review")
    assert table.stdout.splitlines()[-1] == "12 portfolios: 12 ready-for-review"


def test_stage_filter_sets_the_exit_code_from_what_is_shown(tmp_path):
    write_portfolio(tmp_path / "ready", "r1")
    write_portfolio(tmp_path / "bad", "b1", activities=1, broken=True)
    assert invoke("batch", str(tmp_path)).exit_code == 1
    assert invoke("batch", str(tmp_path), "--stage", "ready-for-review").exit_code == 0
    assert invoke("batch", str(tmp_path), "--stage", "collecting").exit_code == 1


def test_exit_codes(tmp_path):
    clean = write_portfolio(tmp_path / "clean" / "p", "c1")
    assert invoke("batch", str(clean.parent)).exit_code == 0
    warn = write_portfolio(tmp_path / "warn" / "p", "w1", warning=True)
    assert invoke("batch", str(warn.parent)).exit_code == 0
    assert invoke("batch", str(warn.parent), "--strict").exit_code == 1
    assert invoke("batch", str(tmp_path / "missing")).exit_code == 2
    assert invoke("batch", str(tmp_path), "--stage", "approved").exit_code == 2
    assert invoke("batch", str(tmp_path), "--format", "xml").exit_code == 2
    assert invoke("batch", str(tmp_path), "--jobs", "0").exit_code == 2


def test_no_portfolios_is_said_on_stderr(tmp_path):
    result = invoke("batch", str(tmp_path), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["portfolios"] == []
    assert "no portfolios" in result.stderr


def test_broken_programme_file_exits_2(tmp_path):
    write_portfolio(tmp_path / "p", "p1")
    (tmp_path / "programme.yaml").write_text("requirements:\n  min_activities: many\n", encoding="utf-8")
    result = invoke("batch", str(tmp_path))
    assert result.exit_code == 2
    assert "programme.yaml" in result.stderr and result.stdout == ""
    explicit = invoke("batch", str(tmp_path), "--programme", str(tmp_path / "programme.yaml"))
    assert explicit.exit_code == 2


def test_programme_is_discovered_per_portfolio_and_parsed_once(tmp_path, monkeypatch):
    write_portfolio(tmp_path / "strict" / "p1", "p1")
    write_portfolio(tmp_path / "strict" / "p2", "p2")
    write_portfolio(tmp_path / "plain" / "p3", "p3")
    (tmp_path / "strict" / "programme.yaml").write_text("requirements:\n  min_activities: 5\n", encoding="utf-8")
    import cim_cli.programme as programme

    calls = []
    real = programme.load_programme
    monkeypatch.setattr(programme, "load_programme", lambda path, **kw: calls.append(path) or real(path, **kw))
    result = invoke("batch", str(tmp_path), "--format", "json", "-j", "1")
    by_id = {p["student_id"]: p for p in json.loads(result.stdout)["portfolios"]}
    assert by_id["p1"]["required_activities"] == by_id["p2"]["required_activities"] == 5
    assert by_id["p3"]["required_activities"] == 3
    assert by_id["p1"]["stage"] == "collecting" and by_id["p3"]["stage"] == "ready-for-review"
    assert calls == [str(tmp_path / "strict" / "programme.yaml")]
    # --programme applies one file to all.
    result = invoke("batch", str(tmp_path), "--format", "json", "--programme", str(tmp_path / "strict" / "programme.yaml"))
    assert {p["required_activities"] for p in json.loads(result.stdout)["portfolios"]} == {5}


def test_chunk_size_is_bounded():
    assert batch.chunk_size_for(3, 8) == 1
    assert batch.chunk_size_for(2000, 2) == 8
    assert 1 <= batch.chunk_size_for(200, 4) <= 8


def test_no_progress_or_chatter_when_stderr_is_not_a_terminal(cohort):
    result = invoke("batch", str(cohort), "--format", "json", "-j", "2")
    assert result.stderr == ""
