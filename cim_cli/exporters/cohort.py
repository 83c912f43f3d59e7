"""Cohort export: one summary file per portfolio and an index page, into a folder.

``cim export ROOT... --format html|markdown|json -o DIR`` runs batch's
parallel, crash-isolated run (:func:`cim_cli.batch.run`); each worker writes
its portfolio's page itself, atomically (:func:`write_page`), so pages are
never held in the parent and memory stays flat. A portfolio whose check or
export crashes, hangs or fails becomes an index entry saying so; the others
export. The index (``index.html``, ``index.md`` or ``index.json``) lists
every portfolio grouped by stage, in the programme's order of stages and by
path within a stage, with links to the pages. The HTML index filters by stage
with CSS ``:target`` (a link per stage; no script, so its CSP stays
``script-src 'none'``); a browser without ``:has()`` shows every group, and
the links still jump to theirs.

Nothing the user wrote is overwritten: DIR must be new, empty, or hold a
previous cohort export (a marker file, :data:`MARKER`, lists the files cim
wrote there). Only files the marker lists (or, with ``--force``, any file
this export writes) are replaced; files of the previous export that this one
does not write again are removed; nothing else in DIR is touched.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Sequence

from cim_cli.findings import STAGES, PortfolioResult

MARKER = ".cim-export.json"
FORMATS = {"html": ".html", "markdown": ".md", "json": ".json"}
INDEX = {"html": "index.html", "markdown": "index.md", "json": "index.json"}
INDEX_VERSION = 1
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 120


class CohortExportError(Exception):
    """The export cannot start (the folder, the format); the message says what to do (exit 2)."""


def is_cohort_request(paths: Sequence[str]) -> bool:
    """Several paths, or one folder that holds portfolios without being one (a cohort root)."""
    from cim_cli.load.portfolio import is_portfolio

    return len(paths) > 1 or (os.path.isdir(paths[0]) and not is_portfolio(paths[0]))


# -- the folder ----------------------------------------------------------------------

def _read_marker(folder: str) -> set[str] | None:
    """The files a previous cohort export wrote in ``folder``, or None when it holds no (valid) marker."""
    path = os.path.join(folder, MARKER)
    if os.path.islink(path) or not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    names = data.get("files") if isinstance(data, dict) and data.get("cim_export") == INDEX_VERSION else None
    if not isinstance(names, list):
        return None
    return {n for n in names if isinstance(n, str) and n == os.path.basename(n) and n not in ("", ".", "..")}


def prepare_folder(folder: str, force: bool) -> set[str]:
    """Make sure the export may write into ``folder`` (created if new); the files of its previous export."""
    if os.path.lexists(folder) and not os.path.isdir(folder):
        raise CohortExportError(f"{folder} is not a folder; give -o a folder for a cohort export")
    os.makedirs(folder, exist_ok=True)
    previous = _read_marker(folder)
    entries = [n for n in os.listdir(folder) if n != MARKER]
    if entries and previous is None and not force:
        raise CohortExportError(
            f"{folder} is not empty and holds no earlier cim export; give a new or empty folder, "
            "or --force to write into it (files of the same names are replaced, others are left alone)"
        )
    return previous or set()


def page_names(displays: Sequence[str], roots: Sequence[str], fmt: str) -> dict[str, str]:
    """A file name per portfolio path: its path below the roots, made safe and unique."""
    ext = FORMATS[fmt]
    base = os.path.commonpath([os.path.abspath(r) for r in roots]) if roots else ""
    taken = {INDEX[fmt].lower(), MARKER.lower()}
    names: dict[str, str] = {}
    for display in displays:
        rel = os.path.relpath(os.path.abspath(display), base) if base else display
        if rel in (".", "") or rel.startswith(".."):
            rel = os.path.basename(os.path.abspath(display)) or "portfolio"
        stem = _UNSAFE_CHARS.sub("-", rel.replace(os.sep, "--").encode("utf-8", "surrogateescape").decode("ascii", "replace"))
        stem = stem.strip("-.")[:MAX_NAME] or "portfolio"
        name, n = stem + ext, 1
        while name.lower() in taken:  # case-insensitive disks: never two pages on one file
            n += 1
            name = f"{stem}-{n}{ext}"
        taken.add(name.lower())
        names[display] = name
    return names


# -- in the worker ----------------------------------------------------------------------

def write_page(portfolio, result: PortfolioResult, programme, *, fmt: str, folder: str, names: dict[str, str]) -> PortfolioResult:
    """Write one portfolio's page atomically (run in the worker, after its check)."""
    from cim_cli.atomic import atomic_writer
    from cim_cli.exporters import export_portfolio

    name = names[result.path]
    with atomic_writer(os.path.join(folder, name)) as stream:
        export_portfolio(fmt, portfolio, result, programme, stream)
    result.extra["export_file"] = name
    return result


# -- the index ------------------------------------------------------------------------------

@dataclass
class Entry:
    """One portfolio in the index."""

    path: str
    file: str | None  # None when it could not be exported
    stage: str | None
    student_id: str | None
    name: str | None
    errors: int
    warnings: int
    message: str = ""  # why it was not exported


@dataclass
class CohortIndex:
    """What the index lists, collected as results stream in (a few small fields per portfolio)."""

    fmt: str
    programme: str = ""
    entries: list[Entry] = field(default_factory=list)

    def add(self, result: PortfolioResult) -> Entry:
        file = result.extra.get("export_file")
        message = "" if file else "; ".join(f.message for f in result.findings if f.rule == "internal-error") or "not exported"
        entry = Entry(result.path, file, None if not file else result.stage, result.student_id, result.name,
                      result.errors, result.warnings, message)
        self.entries.append(entry)
        return entry

    @property
    def failed(self) -> list[Entry]:
        return [e for e in self.entries if e.file is None]

    def groups(self) -> list[tuple[str, list[Entry]]]:
        """(stage, its entries by path) in the programme's order of stages; failures first."""
        from cim_cli.discovery import path_key

        by: dict[str, list[Entry]] = {}
        for e in self.entries:
            by.setdefault(e.stage or "not-exported", []).append(e)
        order = ["not-exported", *STAGES]
        return [(s, sorted(by[s], key=lambda e: path_key(e.path))) for s in order if s in by]

    def render(self, out) -> None:
        {"html": _index_html, "markdown": _index_markdown, "json": _index_json}[self.fmt](self, out)


def _label(e: Entry) -> str:
    from cim_cli.exporters.summary import plain

    name = plain(e.name) or "(no name)"
    return f"{name} ({plain(e.student_id)})" if e.student_id else name


def _index_json(index: CohortIndex, out) -> None:
    data = {
        "format_version": INDEX_VERSION,
        "programme": index.programme,
        "stages": {stage: len(entries) for stage, entries in index.groups()},
        "portfolios": [
            {"path": e.path, "file": e.file, "stage": e.stage, "student_id": e.student_id, "name": e.name,
             "errors": e.errors, "warnings": e.warnings, "exported": e.file is not None, "message": e.message or None}
            for _, entries in index.groups() for e in entries
        ],
    }
    out.write(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    out.write("\n")


def _index_markdown(index: CohortIndex, out) -> None:
    from cim_cli.exporters.markdown_ import cell, text

    groups = index.groups()
    w = out.write
    w(f"# Portfolios: {text(index.programme)}\n\n" if index.programme else "# Portfolios\n\n")
    w(f"{len(index.entries)} portfolios. By stage: " + ", ".join(f"[{s} ({len(es)})](#{s})" for s, es in groups) + "\n")
    for stage, entries in groups:
        w(f"\n## {stage}\n\n| portfolio | path | errors | warnings |\n|---|---|---:|---:|\n")
        for e in entries:
            link = f"[{cell(_label(e))}]({e.file})" if e.file else f"{cell(_label(e))}: {cell(e.message)}"
            w(f"| {link} | {cell(e.path)} | {e.errors} | {e.warnings} |\n")


INDEX_CSS = """
:root { color-scheme: light dark; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 70rem;
       margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; background: #fff; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.4rem; }
nav a { display: inline-block; padding: 0.2rem 0.7rem; border: 1px solid #8a8a8a; border-radius: 1rem; color: inherit; }
nav a:focus { outline: 3px solid #1a5fb4; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
td { overflow-wrap: anywhere; }
td.num, th.num { text-align: right; }
a { color: #0b57d0; }
.failed td { color: #b3261e; }
/* The stage filter: a link to #stage-X targets that group; the other groups hide. */
main:has(> section:target) > section:not(:target) { display: none; }
section:target > h2 { background: #e8eef8; }
@media (prefers-color-scheme: dark) {
  body { color: #e6e6e6; background: #161616; }
  a { color: #8ab4f8; }
  th, td { border-color: #444; }
  .failed td { color: #ff8a80; }
  section:target > h2 { background: #243049; }
}
@media print { nav { display: none; } main > section { display: block !important; } }
"""


def _index_html(index: CohortIndex, out) -> None:
    from html import escape

    from cim_cli import __version__
    from cim_cli.exporters.html import CSP
    from cim_cli.exporters.summary import plain
    from urllib.parse import quote

    def e(value: object) -> str:
        return escape(plain(None if value is None else str(value)), quote=True)

    groups = index.groups()
    title = f"Portfolios: {e(index.programme)}" if index.programme else "Portfolios"
    w = out.write
    w("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
    w(f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n')
    w('<meta name="referrer" content="no-referrer">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    w(f"<title>{title}</title>\n<style>{INDEX_CSS}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n")
    w(f"<p>{len(index.entries)} portfolios, one page each. Show one stage:</p>\n")
    w('<nav aria-label="Stages">\n<ul>\n<li><a href="#">all stages</a></li>\n')
    for stage, entries in groups:
        w(f'<li><a href="#stage-{stage}">{e(stage)} ({len(entries)})</a></li>\n')
    w("</ul>\n</nav>\n</header>\n<main>\n")
    for stage, entries in groups:
        w(f'<section id="stage-{stage}" aria-labelledby="h-{stage}">\n<h2 id="h-{stage}">{e(stage)} ({len(entries)})</h2>\n')
        w('<table>\n<thead><tr><th scope="col">Portfolio</th><th scope="col">Path</th>'
          '<th scope="col" class="num">Errors</th><th scope="col" class="num">Warnings</th></tr></thead>\n<tbody>\n')
        for x in entries:
            if x.file:
                w(f'<tr><td><a href="{escape(quote(x.file), quote=True)}">{e(_label(x))}</a></td>')
            else:
                w(f'<tr class="failed"><td>{e(_label(x))}: {e(x.message)}</td>')
            w(f'<td>{e(x.path)}</td><td class="num">{x.errors}</td><td class="num">{x.warnings}</td></tr>\n')
        w("</tbody>\n</table>\n</section>\n")
    w(f"</main>\n<footer><p>Exported by cim {e(__version__)}.</p></footer>\n</body>\n</html>\n")


def finish(folder: str, index: CohortIndex, previous: set[str]) -> None:
    """Write the index and the marker (atomically), and remove pages of the previous export not written again."""
    from cim_cli.atomic import atomic_writer

    written = {e.file for e in index.entries if e.file}
    with atomic_writer(os.path.join(folder, INDEX[index.fmt])) as stream:
        index.render(stream)
    for stale in sorted(previous - written - {INDEX[index.fmt]}):
        path = os.path.join(folder, stale)
        if os.path.isfile(path) and not os.path.islink(path):
            os.unlink(path)
    with atomic_writer(os.path.join(folder, MARKER)) as stream:
        json.dump({"cim_export": INDEX_VERSION, "format": index.fmt, "files": sorted(written | {INDEX[index.fmt]})}, stream, indent=1)
        stream.write("\n")


def check_targets(folder: str, names: dict[str, str], fmt: str, previous: set[str], force: bool) -> None:
    """Refuse to replace a file in ``folder`` that no earlier cim export wrote (unless ``force``)."""
    if force:
        return
    for name in [*names.values(), INDEX[fmt]]:
        if name not in previous and os.path.lexists(os.path.join(folder, name)):
            raise CohortExportError(f"{os.path.join(folder, name)} exists and was not written by cim; move it, or give --force")


__all__ = ["MARKER", "CohortExportError", "CohortIndex", "check_targets", "finish", "is_cohort_request", "page_names", "prepare_folder", "write_page"]
