"""`cim programme`: write, check and show the programme file."""

from __future__ import annotations

import os
from typing import Optional

import typer

from cim_cli.cli.common import EXIT_FINDINGS, EXIT_OK, NAMED, TextOrJson, fail, load_programme_or_exit, programme_option, say

programme_app = typer.Typer(help="The programme file: what your institution decides (activities, report, catalogue).", no_args_is_help=True)


@programme_app.command("init")
def init(path: str = typer.Argument("programme.yaml", click_type=NAMED, metavar="[FILE]", help="Where to write the file, or a folder for programme.yaml in it (default: programme.yaml).", show_default=False)) -> None:
    """Write the handbook's defaults to a programme file to edit (never over an existing file)."""
    from cim_cli.atomic import write_text
    from cim_cli.programme import dump_default

    if os.path.isdir(path):
        path = os.path.join(path, "programme.yaml")
    try:
        write_text(path, dump_default(), exclusive=True)
    except FileExistsError:
        raise fail(f"{path} already exists; it was left as it is", EXIT_FINDINGS) from None
    except OSError as exc:
        raise fail(f"cannot write {path}: {exc.strerror}") from None
    say(f"Wrote {path}. Edit it, then check it with: cim programme check {path}")


@programme_app.command("check")
def check(path: str = typer.Argument(..., click_type=NAMED, metavar="FILE", help="The programme file to check.")) -> None:
    """Validate a programme file; errors carry line numbers. Exit 0 valid, 1 invalid, 2 unreadable."""
    from cim_cli.programme import check_programme_file

    if not os.path.exists(path):
        raise fail(f"{path}: no such file")
    _, problems = check_programme_file(path)
    for p in problems:
        where = path + (f":{p.line}:{p.column}" if p.line else "")
        typer.echo(f"{where}: error [{p.rule}] {p.message}")
    if problems:
        raise typer.Exit(EXIT_FINDINGS)
    say(f"{path}: valid")
    raise typer.Exit(EXIT_OK)


@programme_app.command("show")
def show(
    portfolio: Optional[str] = typer.Argument(None, click_type=NAMED, metavar="[PORTFOLIO]", help="The portfolio whose programme to show, or a folder of a cohort (default: where you are).", show_default=False),
    programme: Optional[str] = programme_option(),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="text for people, json for programs."),
) -> None:
    """Show the programme in force: requirements, report rules and the activity catalogue."""
    from cim_cli.programme import BUILTIN

    prog = load_programme_or_exit(programme, _programme_start(portfolio), is_portfolio=None)
    if fmt == TextOrJson.json:
        import json

        typer.echo(json.dumps({"source": prog.source, **prog.data}, indent=2, ensure_ascii=False))
        return
    req, rep = prog.requirements, prog.report
    lines = [
        f"{prog.title}  ({'the handbook defaults' if prog.source == BUILTIN else 'from ' + prog.source})",
        f"Activities: at least {req['min_activities']} (home {req['min_home']}+, abroad {req['min_abroad']}+); reflections of {req['min_reflection_words']}+ words",
        *_formal_line(req),
        f"Report: {rep['min_words']}-{rep['max_words']} words; headings: {rep['summary_heading']}",
        *[f"  - {q}" for q in rep["questions"]],
        "Catalogue (category ids):",
    ]
    for entry in prog.data["catalogue"]:
        need = entry.get("min_engagements", 1)
        lines.append(f"  {entry['id']:<22} {entry['title']}" + (f" (needs {need} engagements)" if need > 1 else ""))
    typer.echo("\n".join(lines))


def _formal_line(req: dict) -> list[str]:
    rule = req.get("formal_reflection") or {}
    if not rule.get("categories"):
        return []
    return [f"Part of a course (curriculum: formal): {', '.join(rule['categories'])} need reflections of {rule['min_words']}+ words"]


def _programme_start(portfolio: str | None) -> str:
    """Where the programme file is looked for: the enclosing portfolio, never a folder inside it.

    (A programme.yaml inside a portfolio is the student's, not the programme's.)
    Outside any portfolio, the folder itself: an administrator at a cohort root.
    """
    from cim_cli.load.portfolio import find_portfolio

    start = portfolio or "."
    if not os.path.isdir(start):
        raise fail(f"{start}: no such folder; give a portfolio or a cohort folder")
    return find_portfolio(start) or start


def register(app: typer.Typer) -> None:
    app.add_typer(programme_app, name="programme")
