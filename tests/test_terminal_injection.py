"""No injection into terminals, logs and markup: student text is shown, never obeyed.

Hostile values in names, titles, countries, file names and the messages that
quote them: escape sequences (clear screen, window title, OSC 8 links),
bells, carriage returns, newlines that start a line with ``::`` (a GitHub
workflow command) and Rich markup. Every human output must show them inert.
"""

from __future__ import annotations

import io
import os
import re

import pytest
from typer.testing import CliRunner

from conftest import STUDENT, WORDS_60, write_tree
from cim_cli.cli import app

ESCAPES = "\x1b]8;;https://evil.example\x07link\x1b]8;;\x07\x1b]0;pwned\x07\x1b[2J\x9b31m"
HOSTILE = f"Ada{ESCAPES}\r\n::error::owned [/x] [bold]b[/bold]\x07"
RAW = ("\x1b", "\x07", "\r", "\x9b")


def cim(*args, input=None):
    return CliRunner().invoke(app, [str(a) for a in args], input=input)


def assert_inert(text: str, *, github: bool = False) -> None:
    for ch in RAW:
        assert ch not in text, repr(ch)
    for line in text.splitlines():
        if line.startswith("::"):
            assert github and re.match(r"::(error|warning) file=[^:]*::", line), line
        assert "::error::owned" not in line or not line.startswith("::error::owned")


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\x1b", "\\e").replace("\x07", "\\a").replace("\r", "\\r").replace("\n", "\\n").replace("\x9b", "\\x9b") + '"'


@pytest.fixture
def hostile(tmp_path):
    root = tmp_path / "cohort" / "p"
    bad_name = "caf\x1b[31m\x07e"  # a file name with an escape sequence and a bell
    files = {
        "student.yaml": STUDENT.replace("Test Student", quote(HOSTILE)).replace("s1", quote("s1" + ESCAPES)),
        f"activities/{bad_name}.yaml": (
            f"title: {quote(HOSTILE)}\ncategory: conference\nlocation: abroad\ncountry: \"[/x]\"\nstart: 2024-01-01\n"
            f"evidence:\n  - path: {quote('evidence/' + HOSTILE + '.pdf')}\n"
        ),
        f"reflections/{bad_name}.md": f"# {HOSTILE}\n\n{WORDS_60}\n",
        "report.md": f"# Report\n\n## {HOSTILE}\n\ntext\n",
    }
    write_tree(root, files)
    return root


@pytest.mark.parametrize("fmt", ["text", "table", "github"])
def test_validate_and_batch(hostile, fmt):
    r = cim("validate", hostile, "--format", fmt)
    assert r.exit_code == 1, r.output
    assert_inert(r.stdout, github=fmt == "github")
    assert "[/x]" in r.stdout or fmt == "table"
    r = cim("batch", hostile.parent, "--format", fmt, "-j", "1")
    assert r.exit_code == 1
    assert_inert(r.stdout + r.stderr, github=fmt == "github")


def test_validate_text_shows_the_escapes(hostile):
    out = cim("validate", hostile).stdout
    assert "\\x1b]0;pwned\\x07" in out and "\\r\\n::error::owned" in out


def test_colour_table_and_text(hostile):
    """With colour on (a terminal), the rich table and the painted text are inert too."""
    from cim_cli.checks import rule_infos
    from cim_cli.engine import validate_path
    from cim_cli.programme import default_programme
    from cim_cli.reporters import make_reporter, run_context

    result = validate_path(str(hostile), default_programme())
    for fmt in ("table", "text"):
        out = io.StringIO()
        reporter = make_reporter(fmt, out, run_context("1", [default_programme()], rule_infos(), color=True))
        reporter.add(result)
        reporter.end()
        text = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())  # our own colours only
        assert_inert(text)


def test_status_does_not_crash_or_obey(hostile):
    r = cim("status", hostile)
    assert r.exit_code == 1, r.output  # findings; a country of "[/x]" was a Rich MarkupError (a crash)
    assert_inert(r.stdout)
    assert "[/x]" in r.stdout and "\\x1b" in r.stdout
    assert "Next:" in r.stdout


def test_status_next_line_quotes_a_hostile_slug(tmp_path):
    slug = "x\x1b]0;t\x07[b]y"  # no "/" in a file name; [b] would be Rich markup
    root = write_tree(tmp_path / "p", {
        "student.yaml": STUDENT,
        f"activities/{slug}.yaml": "title: T\ncategory: conference\nlocation: home\nstart: 2024-01-01\n",
        f"reflections/{slug}.md": "# R\n\nshort\n",  # no error: the next step names the activity
    })
    r = cim("status", root)
    assert r.exit_code == 0, r.output
    next_line = [line for line in r.stdout.splitlines() if line.startswith("Next:")]
    assert next_line and "\\x1b]0;t\\x07[b]y" in next_line[0]
    assert_inert(r.stdout)


def test_authoring_messages(tmp_path):
    root = tmp_path / "p"
    r = cim("init", root, "--student-id", "s1", "--name", "Ada", "--email", "a@b.se", "--study-programme", "M", "--no-git")
    assert r.exit_code == 0
    src = tmp_path / "cert\x1b]0;pwned\x07.pdf"
    src.write_bytes(b"%PDF")
    r = cim("activity", "add", "--portfolio", root, "--title", "Talk", "--category", "conference", "--location", "home", "--start", "2024-01-01")
    assert r.exit_code == 0
    r = cim("evidence", "add", "--portfolio", root, "talk", src)
    assert r.exit_code == 0, r.output
    assert_inert(r.stderr)
    r = cim("activity", "add", "--portfolio", root, "--title", "T", "--category", HOSTILE, "--location", "home", "--start", "2024-01-01")
    assert r.exit_code == 2
    assert_inert(r.stdout + r.stderr)
    r = cim("evidence", "add", "--portfolio", root, HOSTILE, src)
    assert r.exit_code != 0
    assert_inert(r.stdout + r.stderr)


def test_github_reporter_escapes_properties_and_data():
    from cim_cli.findings import Finding, PortfolioResult
    from cim_cli.reporters.github import command

    result = PortfolioResult("c,o:h%rt\x1b", "s", "n", "collecting", 0, 3, 0, 0, None, ())
    finding = Finding("schema", "error", "a\nb.yaml", 1, 2, f"bad {HOSTILE}")
    line = command(result, finding)
    assert "\n" not in line and "\r" not in line
    assert line.startswith("::error file=c%2Co%3Ah%25rt\\x1b/a%0Ab.yaml,line=1,col=2,title=cim schema::")
    assert_inert(line, github=True)


def test_programme_errors_are_inert(tmp_path):
    (tmp_path / "programme.yaml").write_text(f"{quote(HOSTILE)}: 1\n")
    root = write_tree(tmp_path / "p", {"student.yaml": STUDENT})
    r = cim("validate", root)
    assert r.exit_code == 2
    assert_inert(r.stdout + r.stderr)
    r = cim("programme", "check", tmp_path / "programme.yaml")
    assert_inert(r.stdout + r.stderr)
