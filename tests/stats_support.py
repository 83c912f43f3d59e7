"""Hand-built cohorts for the cim stats tests: PortfolioResults without files on disk."""

from __future__ import annotations

from cim_cli.findings import ActivitySummary, Finding, PortfolioResult


def activity(category: str = "language-cafe", location: str = "home", country: str | None = None, start: str | None = "2024-10-01", end: str | None = None, *, counts: bool = True, credits: float | None = None, file: str | None = None) -> ActivitySummary:
    slug = f"{category}-{start}-{country}"
    return ActivitySummary(
        slug=slug,
        file=file or f"activities/{slug}.yaml",
        title="An activity",
        category=category,
        location=location,
        country=country,
        start=start,
        end=end,
        engagements=3,
        evidence_files=1,
        reflection_words=80,
        counts=counts,
        credits=credits,
    )


def abroad(country: str = "DE", start: str = "2024-10-01", end: str | None = "2024-12-20", category: str = "exchange-studies", **kw) -> ActivitySummary:
    return activity(category, "abroad", country, start, end, **kw)


def student(sid: str, stage: str = "collecting", activities=(), *, registered: str | None = "2024-09-15", programme: str | None = "Medicine", findings=(), stage_dates=None, unchecked: bool = False) -> PortfolioResult:
    return PortfolioResult(
        path=f"cohort/{sid}",
        student_id=sid,
        name=f"Student {sid}",
        stage=stage,
        counting_activities=sum(1 for a in activities if a.counts),
        required_activities=3,
        counting_home=sum(1 for a in activities if a.counts and a.location == "home"),
        counting_abroad=sum(1 for a in activities if a.counts and a.location == "abroad"),
        report_words=None,
        findings=tuple(Finding(*f) for f in findings),
        activities=tuple(activities),
        extra={"unchecked": True} if unchecked else {},
        study_programme=programme,
        registered=registered,
        stage_dates=dict(stage_dates or {}),
    )
