"""`cim site`: the programme's website (init the office's pages, build the static site)."""

from __future__ import annotations

import os
from typing import List, Optional

import typer

from cim_cli.cli.common import EXIT_USAGE, NAMED, fail, load_programme_or_exit, programme_option, say

site_app = typer.Typer(help="The programme's website: the office's pages and the static site built from them.", no_args_is_help=True)


@site_app.command("init")
def init(folder: str = typer.Argument("pages", click_type=NAMED, metavar="[DIR]", show_default=False, help="Folder for the pages (default: pages).")) -> None:
    """Write the starter pages the office edits (home, contacts, statements); existing files are kept."""
    from cim_cli.site.errors import SiteError
    from cim_cli.site.starter import init_pages

    try:
        created, kept = init_pages(folder)
    except SiteError as exc:
        raise fail(str(exc)) from None
    for path in created:
        typer.echo(f"created {path}")
    for path in kept:
        typer.echo(f"kept {path} (it exists)")
    say(f"Edit the pages in {folder}, then build the site with: cim site build --pages {folder} -o site")


@site_app.command("build")
def build(
    out: str = typer.Option(..., "--output", "-o", metavar="DIR", help="Folder to write the site into."),
    pages: Optional[str] = typer.Option(None, "--pages", metavar="DIR", help="The office's markdown pages (cim site init); default: the starter text."),
    programme: Optional[str] = programme_option(),
    cohort: Optional[List[str]] = typer.Option(None, "--cohort", metavar="DIR", help="A folder of portfolios for the public statistics page (suppressed); repeatable."),
    force: bool = typer.Option(False, "--force", help="Write into a folder that is not empty and was not built by cim (its other files are kept)."),
) -> None:
    """Build the static website: pages, catalogue, portfolio guide, verify page (and statistics with --cohort)."""
    from cim_cli.site.build import build_site
    from cim_cli.site.errors import SiteError

    from cim_cli.programme import discover

    # The site belongs to the office: its programme file is the one named, else the
    # first programme.yaml above the pages folder (or the current folder).
    prog = load_programme_or_exit(programme or discover(pages or "."), None)
    statistics = None
    if cohort:
        for root in cohort:
            if not os.path.isdir(root):
                raise fail(f"{root}: no such folder")
        statistics = _statistics(cohort, prog)
    try:
        result = build_site(prog, out, pages_dir=pages, statistics=statistics, force=force)
    except SiteError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        raise fail(f"cannot write{where}: {exc.strerror or exc}", EXIT_USAGE) from None
    for note in result.notes:
        say(f"note: {note}")
    typer.echo(os.path.join(out, "index.html"))


def _statistics(roots: List[str], programme):
    """The statistics page's figures, read from the cohort when the page is built."""
    from cim_cli.site.statistics import public_statistics

    return lambda: public_statistics(roots, programme)


def register(app: typer.Typer) -> None:
    app.add_typer(site_app, name="site")
