"""What commands share: the programme option, output streams, exit codes, errors."""

from __future__ import annotations

import os
import shlex
import sys
from contextlib import ExitStack, contextmanager
from enum import Enum
from typing import Iterator, Optional, TextIO

import typer
import typer._click.types

from cim_cli.findings import STAGES

# 0 clean; 1 findings; 2 usage, configuration or I/O error; 3 cim itself failed
# (a bug: never 1, which CI reads as "this portfolio has findings").
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

PROGRAMME_HELP = "Programme file (default: the first programme.yaml above the portfolio's folder, never one inside a portfolio; else the handbook's defaults)."


class Format(str, Enum):
    """Output formats of validate and batch: one reporter each (cim_cli/reporters)."""

    text = "text"
    json = "json"
    table = "table"
    csv = "csv"
    junit = "junit"
    sarif = "sarif"
    github = "github"

    @property
    def whole(self) -> bool:
        """A document a tool parses: on stdout, complete or absent (see :func:`output`)."""
        return self.value in ("json", "csv", "junit", "sarif")


class Delimiter(str, Enum):
    """CSV field separators cim writes."""

    comma = ","
    semicolon = ";"


DELIMITER_HELP = "CSV field separator: ';' is what Excel set to Swedish, German and most other European locales opens without an import wizard."


def delimiter_option() -> typer.models.OptionInfo:
    """The ``--delimiter`` option of every command that can write CSV."""
    return typer.Option(Delimiter.comma, "--delimiter", help=DELIMITER_HELP)


class TextOrJson(str, Enum):
    """The formats of the commands that show one thing: for people, or as data."""

    text = "text"
    json = "json"


def output_option(help_text: str = "Write the output to FILE (atomically) instead of stdout.") -> typer.models.OptionInfo:
    """The ``--output/-o FILE`` option."""
    return typer.Option(None, "--output", "-o", metavar="FILE", help=help_text)


class _NamedText(typer._click.types.StringParamType):
    """A string argument whose help shows only its metavar (PORTFOLIO), not also "<str>"."""

    def get_metavar(self, param, ctx=None) -> str:  # noqa: ARG002 - click's signature
        return ""


# click_type= of every string argument: one metavar style in help.
NAMED = _NamedText()


def check_stage(value: Optional[str]) -> Optional[str]:
    """Typer callback: a stage name or None."""
    if value is not None and value not in STAGES:
        raise typer.BadParameter(f"choose one of: {', '.join(STAGES)}")
    return value


def programme_option() -> typer.models.OptionInfo:
    """The ``--programme`` option every command that reads a portfolio takes."""
    return typer.Option(None, "--programme", "-p", metavar="FILE", help=PROGRAMME_HELP)


def use_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, never with NO_COLOR set."""
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def say(message: str) -> None:
    """A message for people: stderr, never stdout."""
    typer.echo(message, err=True)


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print an error for people and return the Exit to raise."""
    say(f"cim: {message}")
    return typer.Exit(code)


def internal_failures(count: int) -> int:
    """Exit code and one line on stderr when cim failed on ``count`` portfolios (internal-error findings).

    A bug in cim is exit 3, never 1 (which CI reads as "this portfolio has
    findings"); the report itself is complete, with the finding on each.
    """
    from cim_cli.cli import ISSUES_URL

    say(f"cim: internal error on {count} portfolio{'' if count == 1 else 's'} (see the internal-error findings); please report this at {ISSUES_URL} with the command you ran")
    return EXIT_INTERNAL


def has_internal_error(result) -> bool:
    """True when cim itself failed on this portfolio (a rule raised, a timeout, a crash)."""
    from cim_cli.findings import INTERNAL_ERROR

    return any(f.rule == INTERNAL_ERROR for f in result.findings)


def programme_error(exc) -> typer.Exit:
    """Print why a programme file cannot be used (each problem at its line); return Exit(2)."""
    from cim_cli.textsafe import visible

    say(f"cim: the programme file {visible(exc.path)} cannot be used:")
    for p in exc.problems:
        where = f"{exc.path}:{p.line}:{p.column}" if p.line else exc.path
        say(f"  {visible(where)}: {visible(p.message)}")
    return typer.Exit(EXIT_USAGE)


def load_programme_or_exit(explicit: str | None, portfolio: str | None, *, is_portfolio: bool | None = True):
    """The programme that judges ``portfolio``; a broken or unsafe programme file is a configuration error (exit 2).

    ``is_portfolio=None``: ``portfolio`` may be any folder (see :func:`cim_cli.programme.discover`).
    """
    from cim_cli.programme import ProgrammeError, resolve_programme

    try:
        return resolve_programme(explicit, portfolio, is_portfolio=is_portfolio)
    except ProgrammeError as exc:
        raise programme_error(exc) from None


def programme_resolver_or_exit(explicit: str | None):
    """A :class:`~cim_cli.programme.ProgrammeResolver` for a run of several portfolios (exit 2 for a broken --programme)."""
    from cim_cli.programme import ProgrammeError, ProgrammeResolver

    try:
        return ProgrammeResolver(explicit)
    except ProgrammeError as exc:
        raise programme_error(exc) from None


def portfolio_argument(path: str | None, *, option: str = "") -> str:
    """The portfolio a command works on, spelled as the person can type it from here.

    None means "the portfolio I am in": the current folder or the nearest
    folder above it that holds student.yaml, so every command works from
    ``reflections/`` as well as from the top. A named folder inside a
    portfolio means that portfolio. A folder that is a portfolio is returned
    as given. Otherwise exit 2 with a hint that cannot do harm: never
    ``cim init`` on a folder inside a portfolio or on a cohort of them.
    ``option`` is how the command is given a portfolio ("--portfolio" on
    the commands that write; "" for the reading commands' argument).
    """
    from cim_cli.load.portfolio import STUDENT_FILE, find_portfolio, is_portfolio, portfolios_below

    how = f"{option} PORTFOLIO" if option else "PORTFOLIO"
    start = "." if path is None else path
    if not os.path.isdir(start):
        raise fail(f"{start}: no such folder; give a portfolio folder as {how}, or run cim inside your portfolio's folder")
    if path is not None and is_portfolio(path):
        return path
    found = find_portfolio(start)
    if found is not None:
        try:
            return os.path.relpath(found)
        except ValueError:  # another drive (Windows)
            return found
    cohort = portfolios_below(start)
    if cohort:
        example = shlex.quote(os.path.join(start, cohort[0]) if path is not None else cohort[0])
        raise fail(
            f"{start} is not a portfolio but holds {len(cohort)}; name one ({how.replace('PORTFOLIO', example)}) "
            f"or check them all with: cim batch {shlex.quote(start)}"
        )
    raise fail(
        f"{start} is not a portfolio, nor inside one (no {STUDENT_FILE} there or in a folder above); "
        f"go to your portfolio's folder or name it as {how} (a new portfolio is made with: cim init FOLDER)"
    )


def _completion_root(ctx: typer.Context) -> str | None:
    from cim_cli.load.portfolio import find_portfolio

    given = ctx.params.get("portfolio") if ctx is not None else None
    return find_portfolio(given or ".")


def complete_slug(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion: the slugs of the portfolio's activities."""
    from cim_cli.authoring.locate import activity_records

    root = _completion_root(ctx)
    return [slug for slug in activity_records(root) if slug.startswith(incomplete)] if root else []


def complete_category(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Shell completion: the category ids of the programme's catalogue, with their titles."""
    from cim_cli.programme import ProgrammeError, resolve_programme

    try:
        prog = resolve_programme(ctx.params.get("programme") if ctx is not None else None, _completion_root(ctx))
    except (ProgrammeError, OSError):
        return []
    return [(cid, str(entry.get("title", ""))) for cid, entry in prog.catalogue.items() if cid.startswith(incomplete)]


def typed_portfolio(path: str) -> str:
    """How to name the portfolio at ``path`` in a suggested command: nothing when it is the one here."""
    from cim_cli.load.portfolio import find_portfolio

    here = find_portfolio(".")
    try:
        if here is not None and os.path.samefile(here, path):
            return ""
    except OSError:
        pass
    return " " + shlex.quote(path)


def _is_special(path: str) -> bool:
    """True for an existing path that is not a regular file (device, FIFO, socket)."""
    import stat

    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def safe_stdout() -> None:
    """Make stdout hold any name: bytes of names that are not UTF-8 are written as U+FFFD.

    The one place the policy of :mod:`cim_cli.textsafe` meets stdout; called
    by :func:`main` and :func:`output` (tests call commands without main).
    """
    from cim_cli.textsafe import OUTPUT_ERRORS

    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors=OUTPUT_ERRORS)
        except (ValueError, OSError):  # a stream that cannot change: write as it is
            pass


@contextmanager
def output(path: str | None, *, whole: bool = False) -> Iterator[TextIO]:
    """stdout, or a file written atomically when ``-o FILE`` is given.

    ``whole``: a structured document (JSON, SARIF, JUnit, CSV) that must
    reach stdout complete or not at all. It is written to a spooled temporary
    file (memory while small, disk beyond 8 MiB, so a cohort's report does not
    fill memory) and copied to stdout only when the block ends normally; if
    cim fails meanwhile, stdout holds nothing a tool could take for a report.
    Text for people streams as it comes. ``-o`` files are always atomic.
    """
    from cim_cli.textsafe import OUTPUT_ERRORS

    if path in (None, "-"):
        safe_stdout()
        if not whole:
            yield sys.stdout
            sys.stdout.flush()
            return
        import tempfile

        with tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", encoding="utf-8", newline="", errors=OUTPUT_ERRORS) as spool:
            yield spool
            spool.seek(0)
            while chunk := spool.read(1 << 16):
                sys.stdout.write(chunk)
        sys.stdout.flush()
        return
    from cim_cli.atomic import atomic_writer

    with ExitStack() as stack:
        try:
            if _is_special(path):
                # /dev/null, a FIFO, a terminal: write to it; replacing it with a
                # regular file (what an atomic write does) would break the system.
                fh = stack.enter_context(open(path, "w", encoding="utf-8", newline="", errors=OUTPUT_ERRORS))
            else:
                fh = stack.enter_context(atomic_writer(path, errors=OUTPUT_ERRORS))
        except OSError as exc:  # only opening: errors of the command itself pass through
            raise fail(f"{path}: cannot be written ({exc.strerror})") from None
        yield fh
