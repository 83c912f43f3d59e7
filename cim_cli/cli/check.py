"""Commands that check portfolios: validate, status, export, rules."""

from __future__ import annotations

import sys
from enum import Enum
from typing import List, Optional

import typer

from cim_cli.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    Format,
    check_stage,
    fail,
    has_internal_error,
    internal_failures,
    load_programme_or_exit,
    output,
    programme_error,
    programme_option,
    programme_resolver_or_exit,
    require_portfolio,
    use_colour,
)
from cim_cli.findings import STAGES


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
    portfolios: List[str] = typer.Argument(..., metavar="PORTFOLIO...", help="Portfolio folders (each holds student.yaml)."),
    programme: Optional[str] = programme_option(),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    require: Optional[str] = typer.Option(None, "--require", callback=check_stage, metavar="STAGE", help=f"Exit 1 unless every portfolio has reached STAGE ({', '.join(STAGES)})."),
    strict: bool = typer.Option(False, "--strict", help="Warnings fail the run too."),
    out: Optional[str] = typer.Option(None, "--output", "-o", help="Write the output to FILE instead of stdout."),
    rev: Optional[str] = typer.Option(None, "--rev", metavar="REV", help="Check the portfolios as committed at git revision REV (the work tree is not touched)."),
) -> None:
    """Check portfolios and report every finding with its file and line."""
    from cim_cli import __version__
    from cim_cli.checks import rule_infos
    from cim_cli.engine import check_portfolio
    from cim_cli.load.portfolio import load_portfolio
    from cim_cli.programme import ProgrammeError
    from cim_cli.reporters import make_reporter, run_context
    from cim_cli.revision import RevisionError, sources

    if rev is None:
        for path in portfolios:
            require_portfolio(path)
    resolver = programme_resolver_or_exit(programme)
    try:
        progs = [resolver.for_portfolio(path) for path in portfolios]
    except ProgrammeError as exc:
        raise programme_error(exc) from None
    results = []
    try:
        # With --rev, each portfolio is read from a temporary copy of the commit; results keep its path.
        with sources(portfolios, rev) as pairs, output(out, whole=fmt.whole) as stream:
            context = run_context(__version__, progs, rule_infos(), color=use_colour(stream))
            reporter = make_reporter(fmt.value, stream, context)
            for (path, load), prog in zip(pairs, progs):
                result = check_portfolio(load_portfolio(load), prog, path)
                reporter.add(result)
                results.append(result)
            reporter.end()
    except RevisionError as exc:
        raise fail(str(exc)) from None
    raise typer.Exit(exit_code(results, strict=strict, require=require))


def status(
    portfolio: str = typer.Argument(".", help="Portfolio folder (default: the current folder)."),
    programme: Optional[str] = programme_option(),
    fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
) -> None:
    """A student's view: stage, what counts, what is missing, and the next step."""
    from cim_cli.engine import validate_path
    from cim_cli.status import render_status, status_dict

    require_portfolio(portfolio)
    prog = load_programme_or_exit(programme, portfolio)
    result = validate_path(portfolio, prog)
    if fmt == "json":
        import json

        typer.echo(json.dumps(status_dict(result, prog), indent=2, ensure_ascii=False))
    elif fmt == "text":
        render_status(result, prog, sys.stdout)
    else:
        raise fail(f"unknown format {fmt!r}; choose text or json")


def export(
    portfolio: str = typer.Argument(..., help="Portfolio folder."),
    fmt: ExportFormat = typer.Option(..., "--format", "-f", help="json, markdown, csv or html."),
    programme: Optional[str] = programme_option(),
    out: Optional[str] = typer.Option(None, "--output", "-o", help="Write to FILE (atomically) instead of stdout."),
) -> None:
    """Export the summary of activities (student, activities, evidence, totals, stage)."""
    from cim_cli.exporters import export_portfolio
    from cim_cli.load.portfolio import load_portfolio
    from cim_cli.engine import check_portfolio

    require_portfolio(portfolio)
    prog = load_programme_or_exit(programme, portfolio)
    loaded = load_portfolio(portfolio)
    result = check_portfolio(loaded, prog, portfolio)
    # Every export is a document (even markdown and html): complete or absent.
    with output(out, whole=True) as stream:
        export_portfolio(fmt.value, loaded, result, prog, stream)


def rules(
    fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
) -> None:
    """List the rules with their documentation."""
    from cim_cli.checks import rule_infos

    infos = rule_infos()
    if fmt == "json":
        import json

        typer.echo(json.dumps([{"id": i.id, "severity": i.severity, "summary": i.summary, "doc": i.doc} for i in infos.values()], indent=2))
        return
    for info in infos.values():
        body = "\n".join("    " + line if line.strip() else "" for line in info.doc.splitlines()[1:]).strip("\n")
        typer.echo(f"{info.id} ({info.severity})\n    {info.summary}\n{body}\n")


def register(app: typer.Typer) -> None:
    app.command()(validate)
    app.command()(status)
    app.command()(export)
    app.command()(rules)
