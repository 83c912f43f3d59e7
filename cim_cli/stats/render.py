"""Text renderings of the statistics: JSON, CSV and a terminal table.

Each takes a :class:`~cim_cli.stats.collect.CohortStats` (exact, for the
office) or a :class:`~cim_cli.stats.privacy.PublicStats` (suppressed) and
only reads ``figures`` and the settings, so what is hidden is hidden in
every format. Hidden cells are marked, never left blank: JSON
``{"suppressed": true, "reason": ..., "shown": "<5"}``, CSV a ``shown``
column with the same text and a ``suppressed`` column with the reason.
"""

from __future__ import annotations

import json
from typing import Iterable, TextIO

from cim_cli.stats.model import FEW_VALUES, SECONDARY, SMALL, Cell, Figure, Settings

FORMAT_VERSION = 1

RULE = (
    "Counts of 1 to min_count-1 distinct students are shown as '<min_count' (0 stays 0); further cells are hidden "
    "('hidden') wherever the published totals would let someone work a hidden count out; countries and study "
    "programmes with fewer than min_count students are grouped as Other first; percentages only over at least "
    "min_percent_denominator, medians only over at least min_median_count values (else 'too few')."
)


def shown(cell: Cell, settings: Settings) -> str:
    """How a cell reads in a table: its number, ``<5``, ``hidden``, ``too few`` or ``-`` (no data)."""
    if cell.hidden == SMALL:
        return f"<{settings.min_count}"
    if cell.hidden == SECONDARY:
        return "hidden"
    if cell.hidden == FEW_VALUES:
        return "too few"
    if cell.value is None:
        return "-"
    if cell.kind == "percent":
        return f"{cell.value:.0f}%"
    if cell.kind == "median":
        v = float(cell.value)
        return f"{v:.0f}" if v.is_integer() else f"{v:.1f}"
    return f"{int(cell.value)}"


def cell_json(cell: Cell, settings: Settings):
    """A number, null (no data), or ``{"suppressed": true, "reason": ..., "shown": ...}``."""
    if cell.hidden:
        return {"suppressed": True, "reason": cell.hidden, "shown": shown(cell, settings)}
    if cell.value is None:
        return None
    if cell.kind == "count":
        return int(cell.value)
    return round(float(cell.value), 1)


def _meta(stats) -> dict:
    out = {
        "format": "cim-stats",
        "version": FORMAT_VERSION,
        "title": stats.title,
        "as_of": stats.as_of.isoformat(),
        "public": bool(stats.public),
        "settings": stats.settings.as_dict(),
    }
    if stats.public:
        out["privacy"] = {"rule": RULE, **stats.settings.as_dict()}
    else:
        out["portfolios"] = stats.portfolios
    return out


def to_dict(stats, figures: Iterable[Figure] | None = None) -> dict:
    """The JSON document as a dict (see :func:`to_json`)."""
    s = stats.settings
    out = _meta(stats)
    out["figures"] = [
        {
            "number": f.number,
            "id": f.id,
            "title": f.title,
            "about": f.about,
            "over": f.over,
            "tables": [
                {
                    "id": t.id,
                    "title": t.title,
                    "row_header": t.row_header,
                    "columns": list(t.columns),
                    "rows": [{"label": r.label, "total": r.total, "cells": [cell_json(c, s) for c in r.cells]} for r in t.rows],
                    "note": t.note,
                }
                for t in f.tables
            ],
        }
        for f in (stats.figures if figures is None else figures)
    ]
    return out


def to_json(stats, out: TextIO, figures: Iterable[Figure] | None = None) -> None:
    """Write the statistics as one JSON document."""
    json.dump(to_dict(stats, figures), out, indent=2, ensure_ascii=False)
    out.write("\n")


def to_csv(stats, out: TextIO, figures: Iterable[Figure] | None = None) -> None:
    """Write one CSV row per cell: figure, table, row, column, value, shown, suppressed.

    ``value`` is empty when the cell is hidden or has no data; ``shown`` is
    what a table shows; ``suppressed`` the reason or empty. The first rows
    (figure ``settings``) record the settings and whether the numbers are public.
    """
    import csv

    from cim_cli.reporters.csv_ import safe_text

    s = stats.settings
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["figure", "table", "row", "column", "value", "shown", "suppressed"])
    meta = {"public": "yes" if stats.public else "no", "as_of": stats.as_of.isoformat(), **s.as_dict()}
    for name, value in meta.items():
        w.writerow(["settings", "", name, "", value, value, ""])
    for f in stats.figures if figures is None else figures:
        for t in f.tables:
            for r in t.rows:
                for column, c in zip(t.columns, r.cells):
                    value = "" if c.hidden or c.value is None else cell_json(c, s)
                    w.writerow([f.id, t.id, safe_text(r.label), column, value, shown(c, s), c.hidden or ""])


def to_table(stats, out: TextIO, figures: Iterable[Figure] | None = None) -> None:
    """Write the figures as plain-text tables for a terminal (labels made visible by textsafe)."""
    from cim_cli.textsafe import visible

    s = stats.settings
    head = f"{stats.title}: statistics as of {stats.as_of.isoformat()}"
    head += f" (public: small counts suppressed, min_count {s.min_count})" if stats.public else f" ({stats.portfolios} portfolios; exact counts, not for publication)"
    out.write(head + "\n")
    for f in stats.figures if figures is None else figures:
        out.write(f"\n{f.number}. {f.title} ({f.over})\n")
        for t in f.tables:
            header = [t.row_header] + list(t.columns)
            body = [[visible(r.label)] + [shown(c, s) for c in r.cells] for r in t.rows]
            widths = [max(len(x) for x in col) for col in zip(header, *body)]
            widths[0] = min(widths[0], 52)
            out.write(f"\n  {t.title}\n")
            for i, line in enumerate([header] + body):
                label = line[0] if len(line[0]) <= widths[0] else line[0][: widths[0] - 1] + "…"
                cells = [label.ljust(widths[0])] + [x.rjust(w) for x, w in zip(line[1:], widths[1:])]
                out.write("  " + "  ".join(cells).rstrip() + "\n")
                if i == 0:
                    out.write("  " + "  ".join("-" * w for w in widths) + "\n")
            if t.note:
                out.write(f"  {t.note}\n")
