"""Any name: output valid in its format whatever the bytes; a bug in cim exits 3, never 1.

Names that are not UTF-8 arrive from os.listdir as lone surrogates; cim's one
policy (cim_cli.textsafe) writes each such byte as U+FFFD in every output.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from conftest import EXAMPLES, REPO

BAD = b"\xff\xfe"
FORMATS = ["json", "csv", "text", "sarif", "junit", "github", "table"]


@pytest.fixture
def cohort(tmp_path):
    root = tmp_path / "cohort"
    root.mkdir()
    bad = os.path.join(os.fsencode(root), BAD + b"-ben")
    shutil.copytree(EXAMPLES / "collecting-ben", os.fsdecode(bad))
    # An activity record whose own name is not UTF-8 either.
    acts = os.path.join(bad, b"activities")
    os.rename(os.path.join(acts, b"mentoring-incoming-students.yaml"), os.path.join(acts, b"mentoring-\xe9.yaml"))
    shutil.copytree(EXAMPLES / "ready-ada", root / "ready-ada")
    return root


def cim_process(*args, cwd=None, env=None):
    environ = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "cim_cli", *map(str, args)], capture_output=True, cwd=cwd, env=environ, timeout=120)


def parse(fmt: str, data: bytes) -> None:
    """Strictly valid in its format: UTF-8 without surrogates, and the format's own parser."""
    text = data.decode("utf-8")  # strict
    assert "\ufffd" in text or fmt == "table", fmt
    if fmt == "json":
        doc = json.loads(text)
        assert len(doc["portfolios"]) == 2
        assert any("\ufffd" in p["path"] for p in doc["portfolios"])
    elif fmt == "sarif":
        log = json.loads(text)
        uris = [loc["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"] for loc in r["locations"]]
        assert any("%EF%BF%BD" in u for u in uris)
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
        assert len(rows) == 3
    elif fmt == "junit":
        assert len(ET.fromstring(data).findall(".//testcase")) == 2
    elif fmt == "github":
        assert text.splitlines()[-1].startswith("cim: 2 portfolios")
    elif fmt == "text":
        assert "ready-ada" in text
    elif fmt == "table":
        assert text.splitlines()[-1].startswith("2 portfolios") or "2 portfolios" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_batch_output_file_and_stdout_hold_any_name(cohort, tmp_path, fmt):
    from typer.testing import CliRunner

    from cim_cli.cli import app

    out = tmp_path / f"out.{fmt}"
    r = CliRunner().invoke(app, ["batch", str(cohort), "--format", fmt, "-o", str(out), "-j", "1"])
    assert r.exit_code == 1, r.exception  # ben has findings; the run went on
    parse(fmt, out.read_bytes())
    r = cim_process("batch", cohort, "--format", fmt, "-j", "1")
    assert r.returncode == 1 and b"Traceback" not in r.stderr
    parse(fmt, r.stdout)


def test_validate_and_exports_of_a_badly_named_portfolio(cohort):
    bad = os.fsdecode(os.path.join(os.fsencode(cohort), BAD + b"-ben"))
    for fmt in ("json", "text", "sarif"):
        r = cim_process("validate", bad, "--format", fmt)
        assert r.returncode == 1 and b"Traceback" not in r.stderr
        r.stdout.decode("utf-8")
    for export in ("json", "csv", "markdown", "html"):
        r = cim_process("export", bad, "--format", export)
        assert r.returncode == 1 and b"Traceback" not in r.stderr, r.stderr  # 1: the portfolio has findings
        r.stdout.decode("utf-8")
    r = cim_process("status", bad)
    assert r.returncode == 1 and b"Traceback" not in r.stderr
    r.stdout.decode("utf-8")


def test_one_policy_everywhere():
    from cim_cli.textsafe import OUTPUT_ERRORS, undecodable_replaced, visible

    name = os.fsdecode(BAD + b"x")
    assert undecodable_replaced(name) == visible(name) == "\ufffd\ufffdx"
    assert name.encode("utf-8", OUTPUT_ERRORS) == "\ufffd\ufffdx".encode()


# -- exit code 3: cim itself failed ------------------------------------------------------------


class Boom(RuntimeError):
    pass


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "csv"])
@pytest.mark.parametrize("command", ["validate", "batch"])
def test_a_bug_exits_3_with_one_line_and_no_half_document(monkeypatch, capsys, fmt, command):
    from cim_cli.cli import main
    import cim_cli.reporters as reporters

    real = reporters.make_reporter

    def failing(*args, **kwargs):
        reporter = real(*args, **kwargs)
        calls = {"n": 0}
        add = reporter.add

        def add_then_fail(result):
            add(result)  # something of the document is written first
            calls["n"] += 1
            if calls["n"] == 2:
                raise Boom("the reporter broke")

        reporter.add = add_then_fail
        return reporter

    monkeypatch.setattr(reporters, "make_reporter", failing)
    target = [str(EXAMPLES / "ready-ada"), str(EXAMPLES / "collecting-ben")] if command == "validate" else [str(EXAMPLES), "-j", "1"]
    with pytest.raises(SystemExit) as info:
        main([command, *target, "--format", fmt])
    assert info.value.code == 3
    captured = capsys.readouterr()
    assert captured.out == ""  # complete or absent
    lines = captured.err.strip().splitlines()
    assert lines[-1].startswith("cim: internal error (Boom: the reporter broke); please report this at ")
    assert lines[-1].endswith(" with the command you ran")
    assert "Traceback" not in captured.err


def test_a_bug_in_the_engine_exits_3(monkeypatch, capsys):
    from cim_cli.cli import main
    import cim_cli.engine as engine

    monkeypatch.setattr(engine, "check_portfolio", lambda *a, **k: (_ for _ in ()).throw(KeyError("oops")))
    with pytest.raises(SystemExit) as info:
        main(["validate", str(EXAMPLES / "ready-ada"), "--format", "json"])
    assert info.value.code == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "internal error (KeyError: 'oops')" in captured.err


def test_a_bug_leaves_no_output_file(monkeypatch, tmp_path, capsys):
    from cim_cli.cli import main
    import cim_cli.engine as engine

    out = tmp_path / "report.json"
    out.write_text("previous report\n")
    monkeypatch.setattr(engine, "check_portfolio", lambda *a, **k: 1 / 0)
    with pytest.raises(SystemExit) as info:
        main(["validate", str(EXAMPLES / "ready-ada"), "--format", "json", "-o", str(out)])
    assert info.value.code == 3
    assert out.read_text() == "previous report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_text_streams_and_clean_runs_still_exit_0(capsys):
    from cim_cli.cli import main

    with pytest.raises(SystemExit) as info:
        main(["validate", str(EXAMPLES / "ready-ada"), "--format", "json"])
    assert info.value.code == 0
    assert json.loads(capsys.readouterr().out)["portfolios"][0]["valid"] is True


def test_a_rule_that_raises_is_reported_and_exits_3(monkeypatch):
    """The run completes (the finding is in the report), but the exit code says cim failed."""
    from typer.testing import CliRunner

    from cim_cli.checks import RULES
    from cim_cli.cli import app

    monkeypatch.setattr(RULES["schema"], "check", lambda portfolio, programme: iter([1 / 0]))
    r = CliRunner().invoke(app, ["validate", str(EXAMPLES / "ready-ada"), "--format", "json"])
    assert r.exit_code == 3
    (portfolio,) = json.loads(r.stdout)["portfolios"]
    assert [f["rule"] for f in portfolio["findings"]] == ["internal-error"]
    assert "cim: internal error on 1 portfolio (see the internal-error findings); please report this at" in r.stderr
    r = CliRunner().invoke(app, ["batch", str(EXAMPLES), "--format", "csv", "-j", "1"])
    assert r.exit_code == 3 and "internal error on 4 portfolios" in r.stderr
