"""The student's view of a portfolio (``cim status``): stage, counts, gaps, next step."""

from __future__ import annotations

from typing import TextIO

from cim_cli.findings import PortfolioResult
from cim_cli.programme import Programme


def status_dict(result: PortfolioResult, programme: Programme) -> dict:
    """The status as data (``cim status --format json``)."""
    req = programme.requirements
    return {
        "path": result.path,
        "student_id": result.student_id,
        "name": result.name,
        "stage": result.stage,
        "counting_activities": result.counting_activities,
        "required_activities": result.required_activities,
        "home": {"counting": result.counting_home, "required": req["min_home"]},
        "abroad": {"counting": result.counting_abroad, "required": req["min_abroad"]},
        "activities": [
            {"slug": a.slug, "title": a.title, "category": a.category, "location": a.location, "counts": a.counts, "lacks": list(a.lacks), "broken": a.broken}
            for a in result.activities
        ],
        "report": None
        if result.report_words is None
        else {
            "words": result.report_words,
            "min_words": programme.report["min_words"],
            "max_words": programme.report["max_words"],
            "missing_headings": list(result.missing_headings),
            "close_headings": [{"heading": h, "line": line} for h, line in result.close_headings],
        },
        "approvals": result.extra.get("approvals", []),
        "trust": result.extra.get("trust"),
        "errors": result.errors,
        "warnings": result.warnings,
        "next_step": result.next_step,
    }


def render_status(result: PortfolioResult, programme: Programme, out: TextIO, *, typed_path: str | None = None) -> None:
    """Print the status for a person, with rich (colour only on a terminal).

    ``typed_path`` is how the reader names the portfolio in a command (""
    when they are in it); default: `` `` + the result's path.
    """
    import os

    from rich.console import Console

    from cim_cli.textsafe import rich_safe as safe

    # Every value a student wrote (names, titles, countries, slugs in the next
    # step, paths) goes through rich_safe: controls made visible, markup escaped.
    console = Console(file=out, no_color="NO_COLOR" in os.environ, highlight=False, soft_wrap=True)
    req = programme.requirements
    who = f"{result.name or '?'} ({result.student_id or 'no student id'})"
    console.print(f"[bold]{safe(who)}[/bold] — {safe(programme.title)}")
    console.print(f"Stage: [bold]{result.stage}[/bold]")
    line = f"Counting activities: {result.counting_activities} of {result.required_activities}"
    line += f"  (home {result.counting_home}" + (f"/{req['min_home']}" if req["min_home"] else "")
    line += f", abroad {result.counting_abroad}" + (f"/{req['min_abroad']}" if req["min_abroad"] else "") + ")"
    console.print(line)
    if result.activities:
        # One line per activity, then what it still needs: reads well at any width.
        for a in result.activities:
            if a.broken:
                console.print(f"  [red]✗[/red] {safe(a.slug)}  [red]broken record[/red]")
                console.print(f"      {safe(a.broken)}")
                continue
            mark = "[green]✓[/green]" if a.counts else "[yellow]✗[/yellow]"
            where = (a.location or "?") + (f", {a.country}" if a.country else "")
            console.print(f"  {mark} {safe(a.title or a.slug)}  [dim]({safe(a.category or '?')}, {safe(where)})[/dim]")
            if a.lacks:
                console.print(f"      needs: {safe('; '.join(a.lacks))}")
    else:
        console.print("No activities yet. Record one with: cim activity add")
    if result.report_words is None:
        console.print("Report: not started (report.md)")
    else:
        rep = programme.report
        console.print(f"Report: {result.report_words} words (needs {rep['min_words']}-{rep['max_words']})")
        close = dict(result.close_headings)
        for heading in result.missing_headings:
            if heading in close:
                console.print(f"  heading at line {close[heading]} is close to: {safe(heading)} (make it match)")
                continue
            console.print(f"  missing heading: {safe(heading)}")
    approvals = result.extra.get("approvals") or []
    if approvals:
        console.print("Approvals:")
        for a in approvals:
            day = (a["time"] or "")[:10]
            who = safe(a["approver"] or a["approver_id"] or "?")
            if a["status"] == "invalid":
                console.print(f"  [red]✗[/red] {safe(a['file'])} does not count — details: cim verify {safe(result.path)}")
                continue
            mark = {"valid": "[green]✓[/green]", "stale": "[yellow]~[/yellow]"}[a["status"]]
            note = " — files changed since" if a["status"] == "stale" else ""
            decision = "changes asked" if a["decision"] == "revise" else a["decision"]
            if not a["effective"]:
                mark, note = "[dim]·[/dim]", " — superseded"  # history: a later record of its stage decides
            elif a["decision"] == "revise":
                mark, note = "[yellow]![/yellow]", ""
            console.print(f"  {mark} {a['stage']}: {decision} by {who} ({day}){note}")
            if a["comment"]:
                console.print(f"      \"{safe(a['comment'])}\"")
    if result.errors or result.warnings:
        console.print(f"Findings: {result.errors} error(s), {result.warnings} warning(s) — details: cim validate{safe(typed_path if typed_path is not None else ' ' + result.path)}")
    console.print(f"[bold]Next:[/bold] {safe(result.next_step)}")
