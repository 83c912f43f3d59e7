"""Programme statistics (``cim stats``): figures for the office, and numbers fit to publish.

The API, in the order data flows::

    stats = collect(results, programme, as_of=date)   # PortfolioResults -> CohortStats (exact)
    public = suppress(stats)                           # -> PublicStats (small cells hidden)
    to_json(stats_or_public, out)                      # also to_csv, to_table, to_html
    html_fragment(public, level=2)                     # <section>s for a page (with CSS)

``results`` are what :func:`cim_cli.batch.run` yields; :func:`run_cohort`
does discovery and the parallel run as ``cim batch`` does and collects them.
"""

from __future__ import annotations

from cim_cli.stats.collect import CohortStats, Collector, collect
from cim_cli.stats.html import CSS, html_fragment, to_html
from cim_cli.stats.model import Settings
from cim_cli.stats.privacy import PublicStats, suppress
from cim_cli.stats.render import to_csv, to_dict, to_json, to_table

FIGURE_IDS = ("stage-funnel", "home-abroad", "categories", "countries", "durations", "credits", "trend", "backlog", "data-quality")
# --by DIMENSION: the figures broken down by it.
BY = {
    "year": ("home-abroad", "trend"),
    "study-programme": ("home-abroad",),
    "category": ("categories",),
    "country": ("countries",),
}
RENDERERS = {"json": to_json, "csv": to_csv, "table": to_table, "html": to_html}


def select(stats, by: str | None) -> list:
    """The figures of ``stats`` that ``--by`` asks for (all when None); tables filtered for study-programme/year."""
    figures = list(stats.figures)
    if by is None:
        return figures
    wanted = BY[by]
    out = []
    for f in figures:
        if f.id not in wanted:
            continue
        if f.id == "home-abroad":
            keep = "home-abroad-by-year" if by == "year" else "home-abroad-by-programme"
            f = type(f)(f.number, f.id, f.title, f.about, f.over, [t for t in f.tables if t.id == keep], f.notes)
        out.append(f)
    return out


__all__ = [
    "BY",
    "CSS",
    "FIGURE_IDS",
    "RENDERERS",
    "CohortStats",
    "Collector",
    "PublicStats",
    "Settings",
    "collect",
    "html_fragment",
    "select",
    "suppress",
    "to_csv",
    "to_dict",
    "to_html",
    "to_json",
    "to_table",
]
