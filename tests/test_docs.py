"""The docs tell the truth: every ```console block runs and prints what it shows; every command is documented."""

from __future__ import annotations

import os
import re
import shlex

import pytest
from typer.testing import CliRunner

from conftest import REPO
from cim_cli.cli import app

# The front door, the examples' README and every guide in docs/.
DOCS = [REPO / "README.md", REPO / "example-portfolios" / "README.md", *sorted((REPO / "docs").glob("*.md"))]
_BLOCK = re.compile(r"^```console\n\$ (cim [^\n]*)\n(.*?)^```$", re.M | re.S)


def console_blocks():
    for doc in DOCS:
        if doc.exists():
            for m in _BLOCK.finditer(doc.read_text(encoding="utf-8")):
                yield pytest.param(m.group(1), m.group(2), id=f"{doc.parent.name}/{doc.name}: {m.group(1)}")


@pytest.mark.parametrize("command, expected", list(console_blocks()))
def test_console_block(command, expected, monkeypatch):
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("NO_COLOR", "1")
    result = CliRunner().invoke(app, shlex.split(command)[1:])
    assert result.stdout == expected


def _commands(group=None, prefix=()):
    import typer.main

    click_group = group or typer.main.get_command(app)
    for name, command in sorted(click_group.commands.items()):
        if hasattr(command, "commands"):
            yield from _commands(command, prefix + (name,))
        else:
            yield prefix + (name,)


@pytest.mark.parametrize("command", [" ".join(c) for c in _commands()])
def test_every_command_has_help_and_is_documented(command):
    result = CliRunner().invoke(app, command.split() + ["--help"])
    assert result.exit_code == 0 and "Usage" in result.stdout
    docs = "\n".join(doc.read_text(encoding="utf-8") for doc in DOCS if doc.exists())
    assert f"cim {command}" in docs, f"neither README.md nor docs/ shows `cim {command}`"


def test_every_command_is_in_the_lazy_command_map():
    """main() registers only the module of the command run: the map must know every command."""
    from cim_cli.cli import COMMANDS

    assert {c[0] for c in _commands()} == set(COMMANDS)


def test_main_runs_a_command_with_only_its_module(capsys):
    from cim_cli.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["rules", "--format", "json"])
    assert exit_info.value.code == 0
    assert '"id": "yaml-syntax"' in capsys.readouterr().out
