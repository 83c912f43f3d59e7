"""Hostile and broken input: findings, never a traceback, a hang or a read outside."""

from __future__ import annotations

import json
import os
import random

import pytest
from typer.testing import CliRunner

from conftest import STUDENT, activity_yaml, complete_activity, findings_of, result_of
from cim_cli.cli import app

A = "activities/cafe.yaml"


def run_json(path):
    r = CliRunner().invoke(app, ["validate", str(path), "--format", "json"])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert r.exit_code in (0, 1)
    return json.loads(r.stdout)["portfolios"][0]


def test_billion_laughs_is_refused_quickly(make_portfolio):
    lol = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lol += f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]\n"
    path = make_portfolio({**complete_activity("cafe"), A: lol})
    assert ("yaml-alias", A, 1) in findings_of(path)


@pytest.mark.parametrize("bomb", ["[" * 30_000, "{" * 30_000, "- " * 30_000, "a:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, 300))])
def test_deep_nesting_in_a_record(make_portfolio, bomb):
    path = make_portfolio({**complete_activity("cafe"), A: bomb})
    rules = {r for r, f, _ in findings_of(path) if f == A}
    assert rules == {"yaml-syntax"}


def test_fifo_activity_record_is_not_opened(make_portfolio):
    path = make_portfolio({})
    (path / "activities").mkdir()
    os.mkfifo(path / "activities" / "pipe.yaml")
    doc = run_json(path)  # would hang forever if the FIFO were opened
    assert [(f["rule"], f["file"]) for f in doc["findings"]][0] == ("path-unsafe", "activities/pipe.yaml")


def test_fifo_evidence_and_reflection(make_portfolio):
    files = {k: v for k, v in complete_activity("cafe").items() if not k.startswith(("evidence/", "reflections/"))}
    path = make_portfolio(files)
    (path / "evidence" / "cafe").mkdir(parents=True)
    os.mkfifo(path / "evidence" / "cafe" / "proof.pdf")
    (path / "reflections").mkdir()
    os.mkfifo(path / "reflections" / "cafe.md")
    found = findings_of(path)
    assert ("path-unsafe", A, 7) in found
    assert ("path-unsafe", A, None) in found
    assert result_of(path).counting_activities == 0


def test_symlinked_folder_leading_outside(make_portfolio, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "stolen.yaml").write_text(activity_yaml("stolen"))
    path = make_portfolio({})
    os.symlink(outside, path / "activities")
    found = findings_of(path)
    assert found == [("path-unsafe", "activities", None)]


def test_symlinked_student_file_outside(tmp_path):
    outside = tmp_path / "secret.yaml"
    outside.write_text(STUDENT)
    path = tmp_path / "p"
    path.mkdir()
    os.symlink(outside, path / "student.yaml")
    assert ("path-unsafe", "student.yaml", None) in findings_of(path)


@pytest.mark.parametrize("evil", ["/etc/passwd", "C:\\\\Windows\\\\win.ini", "evidence/../../../etc/passwd", "\\\\\\\\host\\\\share\\\\x"])
def test_unsafe_evidence_paths(make_portfolio, evil):
    path = make_portfolio({**complete_activity("cafe"), A: activity_yaml("cafe", evidence=f'\n  - path: "{evil}"')})
    assert ("path-unsafe", A, 7) in findings_of(path)


def test_report_image_escaping(make_portfolio):
    path = make_portfolio({**complete_activity("cafe"), "report.md": "# R\n\n![x](../../etc/passwd)\n"})
    assert ("path-unsafe", "report.md", 3) in findings_of(path)


def test_huge_record_is_not_read(make_portfolio):
    path = make_portfolio({**complete_activity("cafe"), A: "title: x\n" + "# padding\n" * 40_000})
    assert ("file-too-large", A, None) in findings_of(path)


def test_huge_report_is_not_read(make_portfolio):
    path = make_portfolio({**complete_activity("cafe"), "report.md": "word " * 600_000})
    assert ("file-too-large", "report.md", None) in findings_of(path)


def test_latin1_reflection_and_utf16_report(make_portfolio):
    path = make_portfolio({
        **complete_activity("cafe"),
        "reflections/cafe.md": ("# Reflektion\n\n" + "G\u00f6teborg " * 60).encode("latin-1"),
        "report.md": "# Report\n".encode("utf-16"),
    })
    found = findings_of(path)
    assert ("encoding", "reflections/cafe.md", 3) in found
    assert ("encoding", "report.md", 1) in found
    assert result_of(path).counting_activities == 0


def test_bom_everywhere_is_fine(make_portfolio):
    bom = b"\xef\xbb\xbf"
    files = {k: (bom + v.encode() if isinstance(v, str) else v) for k, v in complete_activity("cafe").items()}
    path = make_portfolio(files, student=None)
    (path / "student.yaml").write_bytes(bom + STUDENT.encode())
    assert findings_of(path) == []


@pytest.mark.parametrize(
    "student",
    ["", "- a\n- b\n", "just text\n", "student_id: [1, 2]\n", "\x00\x01\x02", "name: x\nname: y\n"],
)
def test_broken_student_file(make_portfolio, student):
    path = make_portfolio({}, student=student)
    doc = run_json(path)
    assert doc["valid"] is False
    assert all(f["file"] == "student.yaml" for f in doc["findings"])


def test_record_that_is_a_list_or_scalar(make_portfolio):
    path = make_portfolio({**complete_activity("cafe"), A: "- title: x\n"})
    assert findings_of(path) == [("schema", A, 1)]
    path = make_portfolio({**complete_activity("cafe"), A: "42\n"})
    assert findings_of(path) == [("schema", A, 1)]


def test_evidence_of_every_wrong_shape(make_portfolio):
    shapes = ["evidence: yes", "evidence: [1, 2]", "evidence:\n  - path: 3", "evidence:\n  - {}", "evidence:\n  - path: [a]", "reflection: 12"]
    for shape in shapes:
        path = make_portfolio({**complete_activity("cafe"), A: activity_yaml("cafe", evidence=None) + shape + "\n"})
        doc = run_json(path)
        assert any(f["rule"] == "schema" for f in doc["findings"]), shape


def test_random_garbage_never_crashes(make_portfolio):
    rng = random.Random(20261128)
    alphabet = "ab:- \n\t[]{}&*!|>'\"#%@`,?\\\x00\x85\u2028é中"
    for i in range(60):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
        path = make_portfolio({**complete_activity("cafe"), A: text, "report.md": text, "reflections/cafe.md": text})
        doc = run_json(path)
        assert doc["stage"] in ("registered", "collecting", "ready-for-review")
        assert not any(f["rule"] == "internal-error" for f in doc["findings"]), (text, doc["findings"])


def test_binary_evidence_and_weird_names_are_fine(make_portfolio):
    files = complete_activity("cafe")
    files[A] = activity_yaml("cafe", evidence='\n  - path: "evidence/cafe/my photo (1) åäö.jpg"')
    files["evidence/cafe/my photo (1) åäö.jpg"] = bytes(range(256)) * 10
    assert findings_of(make_portfolio(files)) == []
