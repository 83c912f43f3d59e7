"""cim export of a cohort: one page per portfolio, an index by stage, crash isolation, no overwrite."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from test_batch import EXAMPLES, invoke, make_cohort


@pytest.fixture
def cohort(tmp_path) -> Path:
    root = tmp_path / "cohort"
    make_cohort(root, 9)
    return root


def test_json_cohort_export_pages_equal_single_exports(cohort, tmp_path):
    out = tmp_path / "out"
    result = invoke("export", str(cohort), "-f", "json", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert len(index["portfolios"]) == 9
    stages = [p["stage"] for p in index["portfolios"]]
    from cim_cli.findings import STAGES

    assert stages == sorted(stages, key=STAGES.index)  # grouped by stage, in the programme's order
    assert sum(index["stages"].values()) == 9
    for entry in index["portfolios"]:
        single = invoke("export", entry["path"], "-f", "json")
        assert (out / entry["file"]).read_text(encoding="utf-8") == single.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted([".cim-export.json", "index.json", *(p["file"] for p in index["portfolios"])])


def test_html_index_filters_by_stage_without_script(tmp_path):
    out = tmp_path / "site"
    assert invoke("export", str(EXAMPLES), str(EXAMPLES / "ready-ada"), "-f", "html", "-o", str(out)).exit_code == 0
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<script" not in page and "default-src 'none'" in page
    assert "main:has(> section:target) > section:not(:target) { display: none; }" in page
    sections = re.findall(r'<section id="stage-([a-z-]+)"', page)
    assert sections == ["registered", "collecting", "ready-for-review"]
    for stage in sections:
        assert f'<a href="#stage-{stage}">' in page
    links = re.findall(r'<a href="([^"#]+)">', page)
    assert sorted(links) == ["collecting-ben.html", "ready-ada.html", "record-problems-dana.html", "report-problems-chen.html"]
    assert all((out / link).is_file() for link in links)


def test_markdown_index(cohort, tmp_path):
    out = tmp_path / "md"
    assert invoke("export", str(cohort), "-f", "markdown", "-o", str(out)).exit_code == 0
    index = (out / "index.md").read_text(encoding="utf-8")
    assert index.count("](group-") == 9
    assert re.findall(r"^## (\S+)", index, re.M) == ["registered", "collecting", "ready-for-review"]


@pytest.mark.parametrize("jobs", ["2"])
def test_a_crash_is_an_index_entry_and_the_rest_export(cohort, tmp_path, jobs):
    out = tmp_path / "out"
    result = invoke("export", str(cohort), "-f", "json", "-o", str(out), "-j", jobs, env={"CIM_TEST_CRASH_ON": "s0004"})
    assert result.exit_code == 1
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    failed = [p for p in index["portfolios"] if not p["exported"]]
    assert [p["path"].rsplit("/", 1)[1] for p in failed] == ["student-0004"]
    assert "crashed" in failed[0]["message"] and failed[0]["file"] is None
    assert sum(1 for p in index["portfolios"] if p["exported"]) == 8
    assert "student-0004 was not exported" in result.stderr
    assert not list(out.glob("*student-0004*"))


def test_never_overwrites_what_the_user_wrote(cohort, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    refused = invoke("export", str(cohort), "-f", "html", "-o", str(out))
    assert refused.exit_code == 2 and "not empty" in refused.stderr
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    forced = invoke("export", str(cohort), "-f", "html", "-o", str(out), "--force")
    assert forced.exit_code == 0 and (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    # A second export into our own folder is fine; a page-named file the user put there is not ours.
    assert invoke("export", str(cohort), "-f", "html", "-o", str(out)).exit_code == 0
    (out / "index.html").unlink()
    (out / "index.html").write_text("my own index", encoding="utf-8")
    marker = json.loads((out / ".cim-export.json").read_text(encoding="utf-8"))
    marker["files"].remove("index.html")
    (out / ".cim-export.json").write_text(json.dumps({**marker}), encoding="utf-8")
    again = invoke("export", str(cohort), "-f", "html", "-o", str(out))
    assert again.exit_code == 2 and "was not written by cim" in again.stderr
    assert (out / "index.html").read_text(encoding="utf-8") == "my own index"


def test_pages_of_the_previous_export_are_replaced_not_left(cohort, tmp_path):
    out = tmp_path / "out"
    assert invoke("export", str(cohort), "-f", "html", "-o", str(out)).exit_code == 0
    assert invoke("export", str(cohort), "-f", "json", "-o", str(out)).exit_code == 0
    assert not list(out.glob("*.html")) and len([p for p in out.glob("*.json") if not p.name.startswith(".")]) == 10


def test_cohort_needs_a_folder_and_a_cohort_format(cohort, tmp_path):
    assert invoke("export", str(cohort), "-f", "html").exit_code == 2
    assert invoke("export", str(cohort), "-f", "csv", "-o", str(tmp_path / "x")).exit_code == 2
    file = tmp_path / "file"
    file.write_text("x", encoding="utf-8")
    assert invoke("export", str(cohort), "-f", "json", "-o", str(file)).exit_code == 2


def test_single_portfolio_export_unchanged(tmp_path):
    result = invoke("export", str(EXAMPLES / "ready-ada"), "-f", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["student"]["student_id"] == "ada-2023-0142"


def test_the_administrators_guide_cohort_export(tmp_path, monkeypatch):
    """docs/administrators.md: cim export example-portfolios --format html -o summaries."""
    monkeypatch.chdir(EXAMPLES.parent)
    out = tmp_path / "summaries"
    assert invoke("export", "example-portfolios", "--format", "html", "-o", str(out)).exit_code == 0
    pages = sorted(p.name for p in out.glob("*.html"))
    assert "index.html" in pages and len(pages) == 5  # the index and the four examples
