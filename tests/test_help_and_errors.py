"""Issue 8: one metavar style, choices for every --format, commands grouped by who uses them,
usage errors in cim's one error style, and shell completion."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import typer.main
from typer.testing import CliRunner

from conftest import EXAMPLES, REPO
from cim_cli.cli import COMMANDS, PANEL_OF, PANELS, app

runner = CliRunner()

# Every value a command takes is named in one style: what it is, in capitals.
METAVARS = {
    "PORTFOLIO", "[PORTFOLIO]", "[PORTFOLIO]...", "FILE", "[FILE]", "FILE...", "SLUG", "DIR", "[DIR]", "ROOT...",
    "STAGE", "DATE", "REV", "N", "SECONDS", "TEXT", "ID", "EMAIL", "CATEGORY", "KIND", "NUMBER", "CC",
    "<home|abroad>", "<formal|informal>",
}


def _leaf_commands(group=None, path=("cim",)):
    group = group or typer.main.get_command(app)
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _leaf_commands(command, path + (name,))
        else:
            yield " ".join(path + (name,)), command


def _value_params():
    for path, command in _leaf_commands():
        for param in command.params:
            if not getattr(param, "is_flag", False):
                yield path, param


@pytest.mark.parametrize("path, param", list(_value_params()), ids=lambda v: v if isinstance(v, str) else v.name)
def test_every_value_has_a_metavar_in_the_one_style_or_lists_its_choices(path, param):
    if param.name == "fmt":
        assert type(param.type).__name__ == "TyperChoice", f"{path} --format must list its choices"
    elif type(param.type).__name__ != "TyperChoice":
        assert param.metavar in METAVARS, f"{path} {param.opts}: metavar {param.metavar!r}"


def test_help_shows_no_type_names():
    for path, _ in _leaf_commands():
        out = runner.invoke(app, path.split()[1:] + ["--help"], env={"NO_COLOR": "1", "COLUMNS": "200"}).stdout
        assert "Usage: " + path in out
        for type_name in ("<str>", "<int>", "<float>", "INTEGER", "FLOAT"):
            assert type_name not in out, f"{path} --help shows {type_name}"


def test_options_that_did_nothing_are_gone():
    for args in (["evidence", "add", "x", "f", "--programme", "p.yaml"], ["diary", "add", "--programme", "p.yaml"], ["log", "--programme", "p.yaml"]):
        r = runner.invoke(app, args)
        assert r.exit_code == 2 and "no such option: --programme" in r.stderr


def test_commands_are_grouped_by_who_uses_them():
    assert set(COMMANDS) <= set(PANEL_OF), "every command belongs to a panel in cim_cli/cli/__init__.py"
    out = runner.invoke(app, ["--help"], env={"NO_COLOR": "1", "COLUMNS": "100"}).stdout
    shown = [panel for panel, commands in PANELS.items() if commands]
    positions = [out.index(panel) for panel in shown]
    assert positions == sorted(positions)
    students = out[out.index(shown[0]) : out.index(shown[1])]
    assert "init" in students and "status" in students and "batch" not in students


@pytest.mark.parametrize(
    "args, expected",
    [
        (["validate", "--bogus"], "cim: no such option: --bogus; see: cim validate --help\n"),
        (["validate", "--formt", "json"], "cim: no such option: --formt; did you mean --format?\n"),
        (["validat"], "cim: no such command 'validat'; did you mean 'validate'?\n"),
        (["evidence", "add"], "cim: missing argument 'SLUG'; see: cim evidence add --help\n"),
        (["status", "-f", "xml"], "cim: invalid value for '--format' / '-f': 'xml' is not one of 'text', 'json'; see: cim status --help\n"),
    ],
)
def test_usage_errors_are_one_line_in_cims_style_and_exit_2(args, expected):
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    assert r.stderr == expected and r.stdout == ""


def test_usage_errors_from_the_console_script_too():
    # main(), as the `cim` command runs it, with rich installed: no box.
    r = subprocess.run([sys.executable, "-m", "cim_cli", "validate", "--bogus"], capture_output=True, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert r.returncode == 2
    assert r.stderr == "cim: no such option: --bogus; see: cim validate --help\n"


# -- completion ------------------------------------------------------------------------------


def _complete(cwd, words: str, cword: int) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "_CIM_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    r = subprocess.run([sys.executable, "-m", "cim_cli"], capture_output=True, text=True, cwd=cwd, env=env)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


def test_activity_slugs_and_categories_complete(tmp_path):
    root = tmp_path / "ada"
    shutil.copytree(EXAMPLES / "ready-ada", root)
    assert _complete(root / "reflections", "cim evidence add ", 3) == ["exchange-berlin", "kyoto-global-health-conference", "spanish-language-cafe"]
    assert _complete(root, "cim diary add --activity sp", 4) == ["spanish-language-cafe"]
    assert _complete(root, "cim activity add --category lang", 4) == ["language-cafe"]


def test_show_and_install_completion(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "HOME": str(tmp_path), "SHELL": "/bin/bash"}
    shown = subprocess.run([sys.executable, "-m", "cim_cli", "--show-completion", "bash"], capture_output=True, text=True, env=env)
    assert shown.returncode == 0 and "_CIM_COMPLETE=complete_bash" in shown.stdout
    installed = subprocess.run([sys.executable, "-m", "cim_cli", "--install-completion", "bash"], capture_output=True, text=True, env=env)
    assert installed.returncode == 0, installed.stderr
    assert "_CIM_COMPLETE" in "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
