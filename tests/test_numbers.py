"""Any number: integers beyond CPython's 4,300-digit limit and .inf/.nan in any YAML file.

``int()`` of more than 4,300 decimal digits raises ValueError, and so does
``str()`` of a hexadecimal value that large. Whatever file holds such a
number (student.yaml, an activity record, programme.yaml) and whichever
command reads it, the result is a finding at its line, never a traceback.
"""

from __future__ import annotations

import json
import math

import pytest

from authoring_support import cim, new_portfolio
from conftest import STUDENT, complete_activity
from cim_cli.load.yamlsafe import MAX_INT_DIGITS, NumberTooLarge, parse_yaml, resolve_plain

HUGE = {
    "decimal": "9" * 5000,
    "signed": "-" + "9" * 4301,
    "leading-zeros": "0" * 4400 + "7",
    "hex": "0x" + "f" * 4000,
    "octal": "0o" + "7" * 6000,
}
# YAML 1.2 core has no binary and no underscores: these stay text for cim
# (YAML 1.1 and ruamel would read numbers), and must not crash anything either.
TEXT_NOT_NUMBER = {"binary": "0b" + "1" * 20000, "underscores": "1_" + "1" * 5000}


@pytest.mark.parametrize("name", HUGE)
def test_resolver_refuses_huge_integers(name):
    with pytest.raises(NumberTooLarge):
        resolve_plain(HUGE[name])


def test_resolver_bound_is_exact():
    assert resolve_plain("9" * MAX_INT_DIGITS) == int("9" * MAX_INT_DIGITS)
    with pytest.raises(NumberTooLarge):
        resolve_plain("1" + "0" * MAX_INT_DIGITS)
    big = resolve_plain("0x" + "f" * 3500)  # 14,000 bits: prints in 4,215 digits
    assert len(str(big)) < MAX_INT_DIGITS


@pytest.mark.parametrize("name", [*HUGE, *TEXT_NOT_NUMBER])
def test_parse_yaml_reports_the_line(name):
    value = {**HUGE, **TEXT_NOT_NUMBER}[name]
    doc = parse_yaml(f"title: x\ncredits: {value}\n", "a.yaml")
    if name in HUGE:
        assert doc.data is None
        assert [(p.rule, p.line, p.column) for p in doc.problems] == [("yaml-syntax", 2, 10)]
        assert "4,300 digits" in doc.problems[0].message
        assert len(doc.problems[0].message) < 200
    else:
        assert doc.problems == () and doc.data["credits"] == value


def test_tagged_huge_integer():
    doc = parse_yaml("n: !!int " + "1" * 5000 + "\n", "a.yaml")
    assert [(p.rule, p.line) for p in doc.problems] == [("yaml-syntax", 1)]


def _portfolio(tmp_path, student_extra="", activity_extra=""):
    root = new_portfolio(tmp_path)
    files = complete_activity("cafe")
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith(".yaml"):
            content += activity_extra
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    (root / "student.yaml").write_text(STUDENT + student_extra)
    return root


COMMANDS = [
    ("validate", "--format", "json"),
    ("validate",),
    ("status",),
    ("status", "--format", "json"),
    ("export", "--format", "json"),
    ("export", "--format", "csv"),
    ("export", "--format", "markdown"),
    ("export", "--format", "html"),
]


@pytest.mark.parametrize("where", ["student", "activity"])
@pytest.mark.parametrize("name", ["decimal", "hex"])
def test_every_reading_command_reports_a_finding(tmp_path, where, name):
    extra = f"x-big: {HUGE[name]}\n"
    root = _portfolio(tmp_path, **({"student_extra": extra} if where == "student" else {"activity_extra": extra}))
    for command in COMMANDS:
        args = [command[0], str(root), *command[1:]]
        r = cim(*args)
        assert r.exception is None or isinstance(r.exception, SystemExit), (command, r.exception)
        assert r.exit_code in (0, 1), (command, r.exit_code, r.stderr)
    data = json.loads(cim("validate", root, "--format", "json").stdout)["portfolios"][0]
    rel = "student.yaml" if where == "student" else "activities/cafe.yaml"
    hits = [f for f in data["findings"] if f["rule"] == "yaml-syntax"]
    line = (root / rel).read_text().splitlines().index(extra.strip()) + 1
    assert [(f["file"], f["line"]) for f in hits] == [(rel, line)]


@pytest.mark.parametrize("name", [*HUGE, *TEXT_NOT_NUMBER])
def test_writing_commands_never_crash(tmp_path, name):
    value = {**HUGE, **TEXT_NOT_NUMBER}[name]
    root = _portfolio(tmp_path, activity_extra=f"x-big: {value}\n")
    (tmp_path / "new.pdf").write_bytes(b"%PDF-1.4 other")
    r = cim("evidence", "add", "--portfolio", root, "cafe", tmp_path / "new.pdf")
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    if name in HUGE:
        line = (root / "activities/cafe.yaml").read_text().splitlines().index(f"x-big: {value}") + 1
        assert r.exit_code == 1 and f"activities/cafe.yaml:{line}:8: this number has more than 4,300 digits" in r.stderr
    else:
        # Text for cim: the record is edited, and the value kept exactly as written.
        assert r.exit_code == 0, r.stderr
        assert f"x-big: {value}\n" in (root / "activities/cafe.yaml").read_text()
    r = cim("report", "init", "--portfolio", root)
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert r.exit_code in (0, 1, 2)
    r = cim("diary", "add", "--portfolio", root, "--text", "hello", "--activity", "cafe")
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception


@pytest.mark.parametrize("name", HUGE)
def test_programme_file(tmp_path, name):
    root = new_portfolio(tmp_path)
    programme = tmp_path / "programme.yaml"
    programme.write_text(f"requirements:\n  min_activities: {HUGE[name]}\n")
    r = cim("programme", "check", programme)
    assert r.exit_code == 1
    assert ":2:19: error [yaml-syntax]" in r.stdout and "4,300 digits" in r.stdout
    assert len(r.stdout) < 400  # the number is not echoed back
    for command in (("validate", root), ("status", root), ("export", root, "--format", "json"), ("batch", tmp_path)):
        r = cim(*command)
        assert r.exit_code == 2, (command, r.exit_code)
        assert "programme.yaml:2:19" in r.stderr and len(r.stderr) < 600


SPECIAL = [".inf", "-.inf", ".nan", ".NaN", "1e999"]


@pytest.mark.parametrize("value", SPECIAL)
def test_special_floats_in_every_field(tmp_path, value):
    root = _portfolio(tmp_path, student_extra=f"x-f: {value}\n", activity_extra=f"credits: {value}\n")
    # engagements and a student id that are floats too
    record = root / "activities/cafe.yaml"
    record.write_text(record.read_text().replace("engagements: 3", f"engagements: {value}"))
    for command in COMMANDS:
        r = cim(command[0], root, *command[1:])
        assert r.exception is None or isinstance(r.exception, SystemExit), (command, r.exception)
        assert r.exit_code in (0, 1), (command, r.exit_code)
        if "json" in command:
            json.loads(r.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON output"))
    programme = tmp_path / "programme.yaml"  # above the portfolio
    programme.write_text(f"report:\n  min_words: {value}\nrequirements:\n  min_reflection_words: {value}\n")
    r = cim("programme", "check", programme)
    assert r.exit_code == 1 and "Traceback" not in r.stdout
    r = cim("validate", root)
    assert r.exit_code == 2


def test_finite_float_values_still_work():
    assert math.isinf(resolve_plain(".inf"))
