"""The ``cim`` command: a thin typer layer over the library.

Commands parse options, call the engine, pick a reporter and set the exit
code; no logic lives here. Each group of commands is a module with
``register(app)``. Exit codes: 0 clean, 1 findings, 2 usage/configuration/I-O.

``cim validate`` must start fast, so :func:`main` registers only the module
that holds the command being run (building every command's options costs
tens of milliseconds); ``cim``, ``cim --help`` and anything unknown get them
all. ``app`` (all commands) is built on first use, for tests and tools.
"""

from __future__ import annotations

import importlib
import sys
from typing import Sequence

import typer

from cim_cli import __version__

# Modules in this package that add commands, in the order help lists them.
COMMAND_MODULES = ("check", "authoring", "batch", "stats_cmd", "programme_cmd", "site_cmd")
# Top-level command name -> the module that registers it.
COMMANDS = {
    "validate": "check",
    "status": "check",
    "export": "check",
    "rules": "check",
    "init": "authoring",
    "activity": "authoring",
    "evidence": "authoring",
    "diary": "authoring",
    "report": "authoring",
    "log": "authoring",
    "batch": "batch",
    "stats": "stats_cmd",
    "programme": "programme_cmd",
    "site": "site_cmd",
}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cim {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """Certificate of International Merits: build, check and review student portfolios."""


def make_app(modules: Sequence[str] = COMMAND_MODULES) -> typer.Typer:
    """A typer app with the commands of ``modules``."""
    application = typer.Typer(
        name="cim",
        help="Certificate of International Merits: build, check and review student portfolios.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    application.callback()(_root)
    for name in modules:
        importlib.import_module(f"cim_cli.cli.{name}").register(application)
    return application


def __getattr__(name: str) -> typer.Typer:
    # PEP 562: the full app is built when first asked for (tests, docs).
    if name == "app":
        globals()["app"] = built = make_app()
        return built
    raise AttributeError(name)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``cim`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in args if not a.startswith("-")), None)
    if "--version" in args[:1]:
        modules: Sequence[str] = ()
    elif first in COMMANDS:
        modules = [COMMANDS[first]]
    else:
        modules = COMMAND_MODULES  # help, or an unknown command: typer lists them all
    make_app(modules)(args=args, prog_name="cim")
