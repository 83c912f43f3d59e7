"""The ``cim`` command: a thin typer layer over the library.

Commands parse options, call the engine, pick a reporter and set the exit
code; no logic lives here. Each group of commands is a module with
``register(app)``. Exit codes (docs/ci.md#exit-codes): 0 clean; 1 findings;
2 usage, configuration or I/O error; 3 cim itself failed.

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
import typer.core
import typer.main

from cim_cli import __version__
from cim_cli.cli.common import EXIT_USAGE

# Modules in this package that add commands.
COMMAND_MODULES = ("check", "authoring", "batch", "stats_cmd", "programme_cmd", "trust_cmd", "credential_cmd")
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
    "keys": "trust_cmd",
    "approve": "trust_cmd",
    "verify": "trust_cmd",
    "certify": "credential_cmd",
}
# Who uses each command: `cim --help` lists the commands in these panels, in
# this order. A command missing here is listed under "Other commands".
PANELS = {
    "Students: build your portfolio": ("init", "activity", "evidence", "diary", "report", "status", "log"),
    "Checking, in CI and anywhere": ("validate", "rules", "verify"),
    "Certificate administrators": ("batch", "export"),
    "Academic staff": ("keys", "approve"),
    "Programme office": ("programme", "stats", "certify"),
}
PANEL_OF = {command: panel for panel, commands in PANELS.items() for command in commands}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cim {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """Certificate of International Merits: build, check and review student portfolios."""


class CimGroup(typer.core.TyperGroup):
    """The root command: click's usage errors in cim's one error style.

    ``cim: <what is wrong>; <what to do>`` on stderr and exit 2, instead of
    typer's Rich box (or click's three-line usage message).
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # type: ignore[override]
        from typer._click.exceptions import ClickException, NoArgsIsHelpError

        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as exc:
            exc.show()  # `cim`, `cim activity`: the help, as asked
            sys.exit(EXIT_USAGE)
        except ClickException as exc:
            typer.echo(f"cim: {_usage_message(exc)}", err=True)
            sys.exit(EXIT_USAGE)
        except typer.Abort:
            typer.echo("cim: stopped before an answer was given; nothing was written", err=True)
            sys.exit(EXIT_USAGE)
        sys.exit(code if isinstance(code, int) else 0)


def _usage_message(exc) -> str:
    """click's message on one line, then what to do: a suggestion, else where the help is."""
    from typer._click.exceptions import NoSuchOption

    if isinstance(exc, NoSuchOption):
        what, guesses = f"no such option: {exc.option_name}", list(exc.possibilities or ())
    else:
        what, _, guess = " ".join(exc.format_message().split()).partition(". Did you mean ")
        what, guesses = what.rstrip("."), [guess.rstrip("?")] if guess else []
        what = what[:1].lower() + what[1:] if what[1:2].islower() else what
    if guesses:
        return f"{what}; did you mean {' or '.join(guesses[:3])}?"
    ctx = getattr(exc, "ctx", None)
    return f"{what}; see: {ctx.command_path if ctx is not None else 'cim'} --help"


def _command_name(info) -> str:
    return info.name or typer.main.get_command_name(info.callback.__name__)


def make_app(modules: Sequence[str] = COMMAND_MODULES, only: str | None = None) -> typer.Typer:
    """A typer app with the commands of ``modules`` (of them, only the command ``only`` when given)."""
    application = typer.Typer(
        name="cim",
        cls=CimGroup,
        help="Certificate of International Merits: build, check and review student portfolios.",
        no_args_is_help=True,
        add_completion=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    application.callback()(_root)
    for name in modules:
        importlib.import_module(f"cim_cli.cli.{name}").register(application)
    infos = [*application.registered_commands, *application.registered_groups]
    if only is not None:
        # Building a command's options costs time at every start: build only the one run.
        application.registered_commands = [i for i in application.registered_commands if _command_name(i) == only]
        application.registered_groups = [i for i in application.registered_groups if i.name == only]
    order = list(PANEL_OF)
    for info in infos:
        name = _command_name(info) if hasattr(info, "callback") and not hasattr(info, "typer_instance") else info.name
        info.rich_help_panel = PANEL_OF.get(name, "Other commands")
    application.registered_commands.sort(key=lambda i: order.index(_command_name(i)) if _command_name(i) in order else len(order))
    application.registered_groups.sort(key=lambda i: order.index(i.name) if i.name in order else len(order))
    return application


def __getattr__(name: str) -> typer.Typer:
    # PEP 562: the full app is built when first asked for (tests, docs).
    if name == "app":
        globals()["app"] = built = make_app()
        return built
    raise AttributeError(name)


# Where to report a bug in cim (the project's issue tracker; same host as SARIF's informationUri).
ISSUES_URL = "https://cim.invalid/issues"


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``cim`` console script.

    An exception that escapes a command is a bug in cim: one line on stderr
    saying so, and exit code 3 (documented in docs/ci.md). Structured output
    on stdout is buffered by the commands (``output(whole=True)``), so a
    failure leaves no half document there.
    """
    from cim_cli.cli.common import EXIT_INTERNAL, safe_stdout

    safe_stdout()
    try:
        _run(argv)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - the last line of defence
        message = str(exc).splitlines()[0] if str(exc) else ""
        from cim_cli.textsafe import visible

        detail = visible(f"{type(exc).__name__}: {message}"[:300])
        sys.stderr.write(f"cim: internal error ({detail}); please report this at {ISSUES_URL} with the command you ran\n")
        sys.stderr.flush()
        raise SystemExit(EXIT_INTERNAL) from None


def _run(argv: Sequence[str] | None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in args if not a.startswith("-")), None)
    if "--version" in args[:1]:
        modules: Sequence[str] = ()
    elif first in COMMANDS:
        make_app([COMMANDS[first]], only=first)(args=args, prog_name="cim")
        return
    else:
        modules = COMMAND_MODULES  # help, completion, or an unknown command: typer lists them all
    make_app(modules)(args=args, prog_name="cim")
