"""The ``cim`` command: a thin typer layer over the library.

Commands parse options, call the engine, pick a reporter and set the exit
code; no logic lives here. Each group of commands is a module with
``register(app)``. Exit codes: 0 clean, 1 findings, 2 usage/configuration/I-O.
"""

from __future__ import annotations

import importlib

import typer

from cim_cli import __version__

# Modules in this package that add commands, in the order help lists them.
COMMAND_MODULES = ("check", "authoring", "batch", "programme_cmd")

app = typer.Typer(
    name="cim",
    help="Certificate of International Merits: build, check and review student portfolios.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """Certificate of International Merits: build, check and review student portfolios."""


for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"cim_cli.cli.{_name}")
    except ModuleNotFoundError as _exc:  # a command group not written yet
        if _exc.name != f"cim_cli.cli.{_name}":
            raise
        continue
    _module.register(app)


def main() -> None:
    """Entry point of the ``cim`` console script."""
    app()
