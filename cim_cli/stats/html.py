"""The statistics as one self-contained HTML page, or as a fragment for the website.

:func:`to_html` writes a whole page: inline CSS, no script, no request
leaving the page (a Content-Security-Policy says so too), light and dark,
readable at 320 px (tables scroll inside their own box), and printable.
:func:`html_fragment` gives the same figures as ``<section>`` elements
for another page (``cim site``) to embed under its own heading, with
:data:`CSS` for its stylesheet.

Every chart is an inline SVG from :mod:`cim_cli.stats.svg` drawn from the
published cells of the table printed right after it. Labels come from
students (study programmes) or the programme file, so all text is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Iterable, TextIO

from cim_cli.stats import svg
from cim_cli.stats.model import Figure, Table
from cim_cli.stats.render import RULE, shown

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

# Styles of the figures (also for a page that embeds :func:`html_fragment`).
CSS = """
.cim-stats figure { margin: 1rem 0 2rem; }
.cim-stats .cim-chart { display: block; max-width: 44rem; margin: 0.5rem 0 1rem; }
.cim-stats .table-wrap { overflow-x: auto; max-width: 100%; }
.cim-stats .table-wrap:focus { outline: 2px solid currentColor; outline-offset: 2px; }
.cim-stats table { border-collapse: collapse; margin: 0.5rem 0; overflow-wrap: normal; word-break: normal; }
.cim-stats th[scope="col"] { min-width: 5.5em; }
.cim-stats th[scope="row"] { min-width: 8em; }
.cim-stats caption { text-align: left; font-weight: 600; padding: 0.3rem 0; }
.cim-stats th, .cim-stats td { border: 1px solid #767676; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
.cim-stats td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.cim-stats tr.total th, .cim-stats tr.total td { font-weight: 700; }
.cim-stats .note { font-size: 0.95rem; }
.cim-stats .hidden-cell { font-style: italic; }
"""

PAGE_CSS = """
:root { color-scheme: light dark; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 60rem;
       margin: 1.5rem auto; padding: 0 1rem; color: #1b1b1b; background: #fff; overflow-wrap: anywhere; }
h1, h2, h3 { line-height: 1.25; }
a { color: #0b57b0; }
.meta { color: #4a4a4a; }
nav ol { padding-left: 1.5rem; }
footer { margin-top: 3rem; color: #4a4a4a; font-size: 0.9rem; }
@media (prefers-color-scheme: dark) {
  body { color: #e6e6e6; background: #161616; }
  a { color: #8ab4f8; }
  .meta, footer { color: #b8b8b8; }
  .cim-stats th, .cim-stats td { border-color: #8a8a8a; }
}
@media print {
  body { max-width: none; margin: 0; color: #000; background: #fff; }
  nav { display: none; }
  .cim-stats figure, .cim-stats table { break-inside: avoid; }
  .cim-stats .table-wrap { overflow: visible; }
}
"""


def _e(text: object) -> str:
    """Text for HTML: control characters removed, escaped."""
    from cim_cli.exporters.summary import plain

    return escape(plain(None if text is None else str(text)), quote=True)


def _chart(table: Table, stats, chart_id: str) -> str:
    chart = table.chart
    if chart is None:
        return ""
    s = stats.settings
    if chart.rows is None:
        row_ids = [i for i, r in enumerate(table.rows) if not r.total]
    else:
        row_ids = list(chart.rows)
    desc_parts: list[str] = []
    if chart.kind == "funnel":
        steps = []
        for i in row_ids:
            cell = table.rows[i].cells[chart.columns[0]]
            value = None if cell.hidden else cell.value
            steps.append((table.rows[i].label, svg.Bar(value, shown(cell, s))))
            desc_parts.append(f"{table.rows[i].label} {shown(cell, s)}")
        desc = f"{table.columns[chart.columns[0]]}: " + "; ".join(desc_parts) + ". The same numbers are in the table below."
        return svg.funnel_chart(chart_id, chart.title, desc, steps)
    groups = []
    series = [table.columns[j] for j in chart.columns]
    for i in row_ids:
        row = table.rows[i]
        bars = tuple(svg.Bar(None if row.cells[j].hidden else row.cells[j].value, shown(row.cells[j], s)) for j in chart.columns)
        groups.append(svg.Group(row.label, bars))
        desc_parts.append(f"{row.label}: " + ", ".join(f"{name} {b.shown}" if len(series) > 1 else b.shown for name, b in zip(series, bars)))
    for label, cell in chart.extra:
        groups.append(svg.Group(label, (svg.Bar(None if cell.hidden else cell.value, shown(cell, s)),)))
        desc_parts.append(f"{label}: {shown(cell, s)}")
    desc = ("; ".join(desc_parts) or "No data") + ". The same numbers are in the table below."
    return svg.bar_chart(chart_id, chart.title, desc, groups, series if len(series) > 1 else None)


def _table(table: Table, stats, level: int) -> str:
    s = stats.settings
    out = [f'<div class="table-wrap" role="region" aria-label="{_e(table.title)} (table)" tabindex="0">', "<table>", f"<caption>{_e(table.title)}</caption>", "<thead><tr>"]
    out.append(f'<th scope="col">{_e(table.row_header)}</th>')
    out += [f'<th scope="col" class="num">{_e(c)}</th>' for c in table.columns]
    out.append("</tr></thead><tbody>")
    for row in table.rows:
        cells = []
        for c in row.cells:
            cls = "num hidden-cell" if c.hidden else "num"
            cells.append(f'<td class="{cls}">{_e(shown(c, s))}</td>')
        attrs = ' class="total"' if row.total else ""
        out.append(f'<tr{attrs}><th scope="row">{_e(row.label)}</th>{"".join(cells)}</tr>')
    out.append("</tbody></table></div>")
    if table.note:
        out.append(f'<p class="note">{_e(table.note)}</p>')
    return "\n".join(out)


def html_fragment(stats, *, level: int = 2, figures: Iterable[Figure] | None = None, id_prefix: str = "cim-stats") -> str:
    """The figures as HTML ``<section>`` elements under headings of ``level`` (tables at ``level + 1``).

    Self-contained apart from :data:`CSS`; ids start with ``id_prefix``.
    """
    h, h2 = min(level, 5), min(level + 1, 6)
    out = ['<div class="cim-stats">']
    for f in stats.figures if figures is None else figures:
        out.append(f'<section id="{_e(id_prefix)}-{_e(f.id)}" aria-labelledby="{_e(id_prefix)}-{_e(f.id)}-h">')
        out.append(f'<h{h} id="{_e(id_prefix)}-{_e(f.id)}-h">{f.number}. {_e(f.title)}</h{h}>')
        out.append(f"<p>{_e(f.about)} <em>Counted over: {_e(f.over)}.</em></p>")
        for t in f.tables:
            out.append("<figure>" if t.chart else "<div>")
            out.append(f"<h{h2}>{_e(t.title)}</h{h2}>")
            if t.chart:
                out.append(_chart(t, stats, f"{id_prefix}-{t.id}-chart"))
            out.append(_table(t, stats, h2))
            out.append("</figure>" if t.chart else "</div>")
        for note in f.notes:
            out.append(f'<p class="note">{_e(note)}</p>')
        out.append("</section>")
    out.append("</div>")
    return "\n".join(out)


def to_html(stats, out: TextIO, figures: Iterable[Figure] | None = None) -> None:
    """Write one self-contained HTML page with every figure, its chart and its table."""
    from cim_cli import __version__

    figures = list(stats.figures if figures is None else figures)
    s = stats.settings
    title = f"{stats.title}: statistics"
    out.write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
    out.write(f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n')
    out.write('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    out.write(f"<title>{_e(title)}</title>\n<style>{PAGE_CSS}{CSS}</style>\n</head>\n<body>\n<main>\n")
    out.write(f"<h1>{_e(title)}</h1>\n")
    if stats.public:
        what = (
            f"Public numbers: counts of 1 to {s.min_count - 1} students read &lt;{s.min_count}, and other numbers read "
            f"'hidden' where they would let someone work those out. Percentages need at least {s.min_percent_denominator} "
            f"students, medians at least {s.min_median_count} values."
        )
    else:
        what = f"Exact numbers from {stats.portfolios} portfolios, for the programme office only: publish them with cim stats --public."
    out.write(f'<p class="meta">As of {_e(stats.as_of.isoformat())}. {what}</p>\n')
    out.write('<nav aria-label="Figures"><ol>')
    out.write("".join(f'<li><a href="#cim-stats-{_e(f.id)}">{_e(f.title)}</a></li>' for f in figures))
    out.write("</ol></nav>\n")
    out.write(html_fragment(stats, level=2, figures=figures))
    out.write(f'\n</main>\n<footer><p>Made by cim {_e(__version__)} stats.')
    if stats.public:
        out.write(f" {_e(RULE)}")
    out.write("</p></footer>\n</body>\n</html>\n")
