"""The website's public statistics: the cohort read as ``cim stats --public`` reads it, always suppressed.

The figures, their charts and tables come from :mod:`cim_cli.stats` (collect, then
:func:`cim_cli.stats.suppress`, then :func:`cim_cli.stats.html_fragment`); this module
only runs the cohort and picks the figures fit for the public. The review backlog and
the data-quality counts are for the office (``cim stats``), not for the website.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

PUBLIC_FIGURES = ("stage-funnel", "home-abroad", "categories", "countries", "durations", "credits", "trend")


@dataclass(frozen=True)
class PublicStatistics:
    """What the statistics page shows: the HTML of the figures, their CSS, and the rule applied."""

    html: str
    css: str
    as_of: str
    min_count: int
    min_percent_denominator: int
    min_median_count: int


def public_statistics(roots: Sequence[str], programme: Any, *, jobs: int | None = None) -> PublicStatistics:
    """Check every portfolio under ``roots`` with ``programme`` and return its suppressed figures."""
    from cim_cli import batch
    from cim_cli import stats as lib_stats
    from cim_cli.programme import BUILTIN

    explicit = None if programme.source == BUILTIN else programme.source
    with batch.cohort(list(roots)) as found:
        resolver = batch.ProgrammeResolver(explicit)
        tasks = batch.plan(found.portfolios, resolver)
        collector = lib_stats.Collector(programme)
        for result in batch.run(tasks, resolver.programmes, jobs=jobs or batch.default_jobs()):
            collector.add(result)
    public = lib_stats.suppress(collector.finish())
    figures = [f for f in public.figures if f.id in PUBLIC_FIGURES]
    return PublicStatistics(
        html=lib_stats.html_fragment(public, level=2, figures=figures),
        css=lib_stats.CSS,
        as_of=public.as_of.isoformat(),
        min_count=public.settings.min_count,
        min_percent_denominator=public.settings.min_percent_denominator,
        min_median_count=public.settings.min_median_count,
    )
