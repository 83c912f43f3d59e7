"""Commands that check portfolios: validate, status, export, rules."""

from __future__ import annotations

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
    """0 clean; 1 errors, warnings with --strict, or a required stage not reached."""
    from cim_cli.findings import stage_reached

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
    from cim_cli.revision import RevisionError, sources

    if rev is None:
        portfolios = [portfolio_argument(path) for path in portfolios or [None]]
    elif not portfolios:
        portfolios = [portfolio_argument(None)]
    resolver = programme_resolver_or_exit(programme)
    try:
        progs = [resolver.for_portfolio(path) for path in portfolios]
    except ProgrammeError as exc:
        raise programme_error(exc) from None
    results = []
    try:
        # With --rev, each portfolio is read from a temporary copy of the commit; results keep its path.
        with sources(portfolios, rev) as pairs, output(out) as stream:
            context = run_context(__version__, progs, rule_infos(), color=use_colour(stream), csv_delimiter=delimiter.value)
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
    portfolio: Optional[str] = typer.Argument(None, click_type=NAMED, metavar="[PORTFOLIO]", help=PORTFOLIO_HELP, show_default=False),
    fmt: ExportFormat = typer.Option(..., "--format", "-f", help="The summary's format."),
    programme: Optional[str] = programme_option(),
    out: Optional[str] = output_option(),
    delimiter: Delimiter = delimiter_option(),
) -> None:
    """Export the summary of activities (student, activities, evidence, totals, stage)."""
    from cim_cli.exporters import export_portfolio
    from cim_cli.load.portfolio import load_portfolio
    from cim_cli.engine import check_portfolio

    portfolio = portfolio_argument(portfolio)
    prog = load_programme_or_exit(programme, portfolio)
    loaded = load_portfolio(portfolio)
    result = check_portfolio(loaded, prog, portfolio)
    with output(out) as stream:
        export_portfolio(fmt.value, loaded, result, prog, stream, delimiter=delimiter.value)
    raise typer.Exit(exit_code([result], strict=False, require=None))


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
