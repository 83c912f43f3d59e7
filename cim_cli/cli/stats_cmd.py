"""``cim stats``: figures over a cohort for the programme office (thin: see :mod:`cim_cli.stats`)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from enum import Enum
from typing import List, Optional

import typer

from cim_cli.cli import common
from cim_cli.cli.common import fail, load_programme_or_exit, output, programme_option, say

# The value type that keeps "<str>" out of --help, where this checkout has it (main does).
_NAMED = getattr(common, "NAMED", None)


class StatsFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


class By(str, Enum):
    year = "year"
    study_programme = "study-programme"
    category = "category"
    country = "country"


def _resolver(explicit: Optional[str]):
    """The programme of each portfolio, as cim batch finds it.

    ProgrammeResolver is moving from cim_cli.batch to cim_cli.programme on
    main (discovery gets its own home); take it from wherever this checkout
    has it. Once merged, the fallback can go.
    """
    try:
        from cim_cli.programme import ProgrammeResolver  # type: ignore[attr-defined]
    except ImportError:
        from cim_cli.batch import ProgrammeResolver
    return ProgrammeResolver(explicit)


def _day(value: Optional[str]) -> Optional[str]:
    if value is not None:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise typer.BadParameter("a date as YYYY-MM-DD") from None
    return value


def stats(
    roots: List[str] = typer.Argument(..., click_type=_NAMED, metavar="ROOT...", help="Folders to search for portfolios (as cim batch does)."),
    programme: Optional[str] = programme_option(),
    fmt: StatsFormat = typer.Option(StatsFormat.table, "--format", "-f", help="Output format."),
    out: Optional[str] = typer.Option(None, "--output", "-o", metavar="FILE", help="Write the output to FILE (atomically) instead of stdout."),
    by: Optional[By] = typer.Option(None, "--by", help="Only the figures broken down by this: year, study-programme, category or country."),
    public: bool = typer.Option(False, "--public", help="Numbers fit to publish: small counts suppressed (see docs/statistics.md)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", callback=_day, metavar="DATE", help="Count waiting times up to DATE, YYYY-MM-DD (default: today, UTC)."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, metavar="N", help="Worker processes (default: one per CPU)."),
    timeout: float = typer.Option(60.0, "--timeout", min=0.1, metavar="SECONDS", help="Stop checking a portfolio after SECONDS (it is then counted as not checked)."),
) -> None:
    """Statistics over every portfolio under ROOT...: stages, home and abroad, categories, countries, backlog.

    Exact counts for the office; --public hides small counts so the numbers can
    be published. Exit 0, or 2 for a usage or configuration error.
    """
    from cim_cli import batch as lib
    from cim_cli import stats as lib_stats
    from cim_cli.programme import ProgrammeError

    for root in roots:
        if not os.path.isdir(root):
            raise fail(f"{root}: no such folder")
    with lib.cohort(roots) as found:
        for note in found.notes:
            say(f"cim: {note}")
        if not found.portfolios:
            say(f"cim: no portfolios (folders with student.yaml) under {', '.join(roots)}")
        try:
            resolver = _resolver(programme)
            tasks = lib.plan(found.portfolios, resolver)
            first = resolver.programmes[tasks[0].programme if tasks else resolver.key_for(roots[0])]
        except ProgrammeError as exc:
            load_programme_or_exit(exc.path, None)  # prints its problems with lines; exits 2
            raise
        if len(resolver.programmes) > 1:
            say(f"cim: the portfolios have {len(resolver.programmes)} programme files; the figures use the catalogue and settings of {first.source}")
        collector = lib_stats.Collector(first, as_of=dt.date.fromisoformat(as_of) if as_of else None)
        # The same progress bar as cim batch, on stderr when it is a terminal
        # (transient: gone before the figures are written, all at the end).
        from cim_cli.cli.batch import _Progress

        progress = _Progress(len(tasks), hasattr(sys.stderr, "isatty") and sys.stderr.isatty())
        try:
            for result in lib.run(tasks, resolver.programmes, jobs=jobs or lib.default_jobs(), timeout=timeout):
                collector.add(result)
                progress.advance()
        finally:
            progress.stop()
    cohort = collector.finish()
    result = lib_stats.suppress(cohort) if public else cohort
    figures = lib_stats.select(result, by.value if by else None)
    with output(out) as stream:
        lib_stats.RENDERERS[fmt.value](result, stream, figures)


def register(app: typer.Typer) -> None:
    app.command()(stats)
