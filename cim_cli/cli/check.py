"""Commands that check portfolios: validate, status, export, rules."""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import List, Optional

import typer

from cim_cli.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    Delimiter,
    NAMED,
    Format,
    TextOrJson,
    check_stage,
    delimiter_option,
    fail,
    has_internal_error,
    internal_failures,
    load_programme_or_exit,
    output,
    output_option,
    portfolio_argument,
    programme_error,
    programme_option,
    programme_resolver_or_exit,
    typed_portfolio,
    use_colour,
)
from cim_cli.findings import STAGES

PORTFOLIO_HELP = "The portfolio folder, or any folder inside it (default: the portfolio you are in)."
PORTFOLIOS_HELP = "Portfolio folders, or folders inside them (default: the portfolio you are in)."


class ExportFormat(str, Enum):
    json = "json"
    markdown = "markdown"
    csv = "csv"
    html = "html"


def exit_code(results, *, strict: bool, require: Optional[str]) -> int:
    """0 clean; 1 errors, warnings with --strict, or a required stage not reached; 3 cim failed on a portfolio."""
    from cim_cli.findings import stage_reached

    failed = sum(1 for r in results if has_internal_error(r))
    if failed:
        return internal_failures(failed)
    for r in results:
        if r.errors or (strict and r.warnings) or (require and not stage_reached(r.stage, require)):
            return EXIT_FINDINGS
    return EXIT_OK


def validate(
    portfolios: Optional[List[str]] = typer.Argument(None, click_type=NAMED, metavar="[PORTFOLIO]...", help=PORTFOLIOS_HELP, show_default=False),
    programme: Optional[str] = programme_option(),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    require: Optional[str] = typer.Option(None, "--require", callback=check_stage, metavar="STAGE", help=f"Exit 1 unless every portfolio has reached STAGE ({', '.join(STAGES)})."),
    strict: bool = typer.Option(False, "--strict", help="Warnings fail the run too."),
    out: Optional[str] = output_option(),
    rev: Optional[str] = typer.Option(None, "--rev", metavar="REV", help="Check the portfolios as committed at git revision REV (the work tree is not touched)."),
    delimiter: Delimiter = delimiter_option(),
) -> None:
    """Check portfolios and report every finding with its file and line."""
    from cim_cli import __version__
    from cim_cli.checks import rule_infos
    from cim_cli.engine import check_portfolio
    from cim_cli.load.portfolio import load_portfolio
    from cim_cli.programme import ProgrammeError
    from cim_cli.reporters import make_reporter, run_context

    if rev is None:
        portfolios = [portfolio_argument(path) for path in portfolios or [None]]
    elif not portfolios:
        portfolios = [portfolio_argument(None)]
    # The git machinery (cim_cli.revision) is imported only for --rev: start-up matters here.
    revision_errors: tuple[type[Exception], ...] = ()
    if rev is None:
        from contextlib import nullcontext

        sourced = nullcontext([(path, path) for path in portfolios])
    else:
        from cim_cli.revision import RevisionError, sources

        sourced = sources(portfolios, rev)
        revision_errors = (RevisionError,)
    resolver = programme_resolver_or_exit(programme)
    try:
        progs = [resolver.for_portfolio(path) for path in portfolios]
    except ProgrammeError as exc:
        raise programme_error(exc) from None
    results = []
    try:
        # With --rev, each portfolio is read from a temporary copy of the commit; results keep its path.
        with sourced as pairs, output(out, whole=fmt.whole) as stream:
            context = run_context(__version__, progs, rule_infos(), color=use_colour(stream), csv_delimiter=delimiter.value)
            reporter = make_reporter(fmt.value, stream, context)
            for (path, load), prog in zip(pairs, progs):
                result = check_portfolio(load_portfolio(load), prog, path)
                reporter.add(result)
                results.append(result)
            reporter.end()
    except revision_errors as exc:
        raise fail(str(exc)) from None
    raise typer.Exit(exit_code(results, strict=strict, require=require))


def status(
    portfolio: Optional[str] = typer.Argument(None, click_type=NAMED, metavar="[PORTFOLIO]", help=PORTFOLIO_HELP, show_default=False),
    programme: Optional[str] = programme_option(),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="text for people, json for programs."),
) -> None:
    """A student's view: stage, what counts, what is missing, and the next step."""
    from cim_cli.engine import validate_path
    from cim_cli.status import render_status, status_dict

    portfolio = portfolio_argument(portfolio)
    prog = load_programme_or_exit(programme, portfolio)
    result = validate_path(portfolio, prog)
    if fmt == TextOrJson.json:
        import json

        typer.echo(json.dumps(status_dict(result, prog), indent=2, ensure_ascii=False))
    else:
        render_status(result, prog, sys.stdout, typed_path=typed_portfolio(portfolio))
    raise typer.Exit(exit_code([result], strict=False, require=None))


def export(
    paths: Optional[List[str]] = typer.Argument(None, click_type=NAMED, metavar="[PORTFOLIO]...", help="A portfolio folder (default: the portfolio you are in); or several, or a folder of portfolios (a cohort: needs -o DIR).", show_default=False),
    fmt: ExportFormat = typer.Option(..., "--format", "-f", help="The summary's format (a cohort: json, markdown or html)."),
    programme: Optional[str] = programme_option(),
    out: Optional[str] = output_option("Write to FILE (atomically) instead of stdout; for a cohort, the folder DIR to write the pages and index into."),
    delimiter: Delimiter = delimiter_option(),
    force: bool = typer.Option(False, "--force", help="Cohort: write into a folder that holds files cim did not write (same names are replaced)."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, metavar="N", help="Cohort: worker processes (as for cim batch)."),
) -> None:
    """Export the summary of activities (student, activities, evidence, totals, stage).

    Several portfolios, or a folder of them, export into -o DIR: one file per
    portfolio and an index page (index.html, index.md or index.json) listing
    them by stage.
    """
    from cim_cli.exporters.cohort import is_cohort_request

    if paths and is_cohort_request(paths):
        raise typer.Exit(_export_cohort(paths, fmt.value, programme, out, force, jobs))
    from cim_cli.engine import check_portfolio
    from cim_cli.exporters import export_portfolio
    from cim_cli.load.portfolio import load_portfolio

    portfolio = portfolio_argument(paths[0] if paths else None)
    prog = load_programme_or_exit(programme, portfolio)
    loaded = load_portfolio(portfolio)
    result = check_portfolio(loaded, prog, portfolio)
    # Every export is a document (even markdown and html): complete or absent.
    with output(out, whole=True) as stream:
        export_portfolio(fmt.value, loaded, result, prog, stream, delimiter=delimiter.value)
    raise typer.Exit(exit_code([result], strict=False, require=None))


def _export_cohort(roots: List[str], fmt: str, programme: Optional[str], out: Optional[str], force: bool, jobs: Optional[int]) -> int:
    """``cim export ROOT... -o DIR``: batch's run, each worker writing its page; then the index."""
    import functools

    from cim_cli import batch as lib
    from cim_cli.cli.common import say
    from cim_cli.exporters import cohort
    from cim_cli.programme import ProgrammeError
    from cim_cli.textsafe import visible

    if fmt not in cohort.FORMATS:
        raise fail(f"a cohort exports as html, markdown or json, not {fmt}; for one table of every portfolio use: cim batch --format csv")
    if out in (None, "-"):
        raise fail("a cohort export writes one file per portfolio: give the folder to write them into with -o DIR")
    for root in roots:
        if not os.path.isdir(root):
            raise fail(f"{root}: no such folder")
    try:
        previous = cohort.prepare_folder(out, force)
    except cohort.CohortExportError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"{out}: cannot be written ({exc.strerror})") from None
    displays = lib.discover(roots)
    names = cohort.page_names(displays, roots, fmt)
    try:
        cohort.check_targets(out, names, fmt, previous, force)
    except cohort.CohortExportError as exc:
        raise fail(str(exc)) from None
    resolver = programme_resolver_or_exit(programme)
    try:
        tasks = lib.plan([(p, p) for p in displays], resolver)
    except ProgrammeError as exc:
        raise programme_error(exc) from None
    index = cohort.CohortIndex(fmt, resolver.programmes[tasks[0].programme].title if tasks else "")
    write = functools.partial(cohort.write_page, fmt=fmt, folder=out, names=names)
    from cim_cli.cli.batch import _Progress

    progress = _Progress(len(tasks), sys.stderr.isatty())
    try:
        for result in lib.run(tasks, resolver.programmes, jobs=jobs or lib.default_jobs(len(tasks)), then=write):
            progress.advance()
            index.add(result)
    finally:
        progress.stop()
    cohort.finish(out, index, previous)
    failed = index.failed
    for entry in failed:
        say(f"cim: {visible(entry.path)} was not exported: {visible(entry.message)}")
    if sys.stderr.isatty():  # chatter only for a person watching
        say(f"cim: exported {len(index.entries) - len(failed)} of {len(index.entries)} portfolios to {out} ({cohort.INDEX[fmt]} lists them)")
    return EXIT_FINDINGS if failed else EXIT_OK


class RulesFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


RULES_MD_HEAD = """# Rules

What cim checks: every rule with its id, its severity and its documentation.
Errors mean a file is broken (CI and the pre-commit hook fail on them);
warnings mean the portfolio is not ready yet (they fail a run only with
`--strict`). This page is generated: `cim rules --format markdown > docs/rules.md`
(a test keeps it in sync with the rules).
"""


def rules(
    fmt: RulesFormat = typer.Option(RulesFormat.text, "--format", "-f", help="text for people, json for programs, markdown for docs/rules.md."),
) -> None:
    """List the rules with their documentation."""
    from cim_cli.checks import rule_infos

    infos = rule_infos()
    if fmt == RulesFormat.json:
        import json

        typer.echo(json.dumps([{"id": i.id, "severity": i.severity, "summary": i.summary, "doc": i.doc} for i in infos.values()], indent=2))
        return
    if fmt == RulesFormat.markdown:
        typer.echo(RULES_MD_HEAD)
        for info in infos.values():
            rest = "\n".join(info.doc.splitlines()[1:]).strip("\n")
            typer.echo(f"## {info.id}\n\n*{info.severity}*. {info.summary}\n" + (f"\n{rest}\n" if rest else ""))
        return
    for info in infos.values():
        body = "\n".join("    " + line if line.strip() else "" for line in info.doc.splitlines()[1:]).strip("\n")
        typer.echo(f"{info.id} ({info.severity})\n    {info.summary}\n{body}\n")


def register(app: typer.Typer) -> None:
    app.command()(validate)
    app.command()(status)
    app.command()(export)
    app.command()(rules)
