"""From checked portfolios to one small record per distinct student.

:func:`collect` reads :class:`~cim_cli.findings.PortfolioResult` values as
``cim batch`` produces them (streaming: only what the figures need is kept)
and returns a :class:`CohortStats`. The figures are built from it on demand
(:mod:`cim_cli.stats.figures`), exact for the office or suppressed for the
public (:func:`cim_cli.stats.privacy.suppress`).

Dates are written by students, so they are parsed strictly (``YYYY-MM-DD``
and a real day) and every one that is not becomes a data-quality count, not
an error.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Iterable

from cim_cli.findings import STAGES, PortfolioResult
from cim_cli.stats.model import Settings

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# Rules about a path a record names (cim_cli.engine): the record itself is fine.
REFERENCE_RULES = frozenset({"file-missing", "path-unsafe"})

# Data-quality problems: id -> (label, counted over).
QUALITY: dict[str, tuple[str, str]] = {
    "unchecked": ("Portfolios cim could not check (internal error)", "portfolios"),
    "duplicate-student": ("Portfolios sharing a student id (counted once)", "portfolios"),
    "student-errors": ("Registrations (student.yaml) with errors", "portfolios"),
    "no-registered": ("Students without a valid registration date", "students"),
    "no-study-programme": ("Students without a study programme", "students"),
    "broken-record": ("Activity records with errors (they do not count)", "activities"),
    "abroad-no-country": ("Activities abroad without a valid country code", "activities"),
    "end-before-start": ("Activities that end before they start", "activities"),
    "bad-date": ("Activities with a date that is not YYYY-MM-DD", "activities"),
    "unknown-category": ("Activities in a category not in the catalogue", "activities"),
}


def parse_day(text: object) -> dt.date | None:
    """A ``YYYY-MM-DD`` string as a date; None for anything else (never raises)."""
    if not isinstance(text, str) or not _ISO_DAY.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


# What each kind of signed approval reaches (cim_cli.trust.approvals.REACHES).
APPROVAL_REACHES = {"activities": "activities-approved", "report": "report-approved", "presentation": "presented"}


def approval_dates(records: object) -> dict[str, dt.date]:
    """Stage -> the day of the approval that decides it, from the engine's ``extra["approvals"]``.

    Only the effective, valid record that says ``approved`` counts (a later
    request for changes withdraws it). The day is the signed time's date
    (UTC). Anything malformed is passed over: dates are optional.
    """
    dates: dict[str, dt.date] = {}
    if not isinstance(records, list):
        return dates
    for record in records:
        if not isinstance(record, dict):
            continue
        reaches = APPROVAL_REACHES.get(record.get("stage"))  # type: ignore[arg-type]
        if reaches is None or not record.get("effective") or record.get("status") != "valid" or record.get("decision") != "approved":
            continue
        time = record.get("time")
        day = parse_day(time[:10]) if isinstance(time, str) else None
        if day is not None:
            dates[reaches] = day
    return dates


def academic_year(day: dt.date, start: tuple[int, int]) -> int:
    """The calendar year in which the academic year holding ``day`` starts."""
    return day.year if (day.month, day.day) >= start else day.year - 1


def academic_year_label(year: int, start: tuple[int, int]) -> str:
    """``2024/25`` (or ``2024`` when the academic year is the calendar year)."""
    if start == (1, 1):
        return str(year)
    return f"{year}/{(year + 1) % 100:02d}"


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    """One activity that counts, as the figures need it."""

    category: str | None
    abroad: bool
    country: str | None  # a two-letter upper-case code, or None
    start: dt.date | None
    end: dt.date | None  # None when absent or before start
    credits: float


@dataclass(frozen=True, slots=True)
class StudentRecord:
    """One distinct student: stage, registration, study programme, counting activities."""

    key: str
    stage: str
    registered: dt.date | None
    study_programme: str | None
    activities: tuple[ActivityRecord, ...]
    # Stage -> date reached, where known or derivable (see figures.stage_dates).
    stage_dates: dict[str, dt.date] = field(default_factory=dict)


@dataclass
class CohortStats:
    """What a cohort's figures are made of: one record per distinct student, and data-quality counts."""

    students: list[StudentRecord]
    quality: dict[str, int]  # QUALITY id -> count
    quality_students: dict[str, int]  # QUALITY id -> distinct students concerned
    portfolios: int  # results read (duplicates and unchecked included)
    settings: Settings
    as_of: dt.date
    title: str = "Certificate of International Merits"
    catalogue: dict[str, dict] = field(default_factory=dict)  # id -> {title, location}
    requirements: dict = field(default_factory=dict)
    public: bool = False

    @property
    def figures(self):
        """The exact figures (for the office); see :func:`cim_cli.stats.privacy.suppress` for the public."""
        from cim_cli.stats.figures import build_figures

        return build_figures(self, public=False)


def _clean_label(text: str | None) -> str | None:
    """A study programme as a label: control, bidi and surrogate characters dropped, whitespace collapsed.

    Cleaned here, once, so that every format (terminal, CSV, HTML, SVG) gets
    a label that can neither act on a reader nor fail to encode.
    """
    if text is None:
        return None
    from cim_cli.textsafe import _UNSAFE_WITH_TAB  # the one list of unsafe characters

    label = " ".join(_UNSAFE_WITH_TAB.sub(" ", text).split())
    return label[:200] or None


class Collector:
    """Accumulates results one at a time (:meth:`add`), then :meth:`finish`."""

    def __init__(self, programme=None, *, as_of: dt.date | None = None, settings: Settings | None = None) -> None:
        from cim_cli.programme import default_programme

        programme = programme or default_programme()
        self.programme = programme
        self.settings = settings or Settings.from_programme(programme)
        self.as_of = as_of or dt.datetime.now(dt.timezone.utc).date()
        self.catalogue = {c["id"]: {"title": c.get("title", c["id"]), "location": c.get("location", "any")} for c in programme.data.get("catalogue", [])}
        self.students: list[StudentRecord] = []
        self.seen: set[str] = set()
        self.quality: dict[str, int] = {k: 0 for k in QUALITY}
        self.quality_students: dict[str, set[str]] = {k: set() for k in QUALITY}
        self.portfolios = 0

    def _flag(self, problem: str, who: str, n: int = 1) -> None:
        self.quality[problem] += n
        self.quality_students[problem].add(who)

    def add(self, result: PortfolioResult) -> None:
        """Take one checked portfolio into account."""
        self.portfolios += 1
        who = result.student_id or f"path:{result.path}"
        if result.extra.get("unchecked"):
            self._flag("unchecked", who)
            return
        if result.student_id and who in self.seen:
            self._flag("duplicate-student", who)
            return
        self.seen.add(who)
        error_files = {f.file for f in result.findings if f.severity == "error"}
        # As the engine judges: a missing or unsafe evidence path is not a broken record.
        broken_files = {f.file for f in result.findings if f.severity == "error" and f.rule not in REFERENCE_RULES}
        if "student.yaml" in error_files:
            self._flag("student-errors", who)
        registered = parse_day(result.registered)
        if registered is None:
            self._flag("no-registered", who)
        programme = _clean_label(result.study_programme)
        if programme is None:
            self._flag("no-study-programme", who)
        activities: list[ActivityRecord] = []
        for a in result.activities:
            if a.file in broken_files:
                self._flag("broken-record", who)
            start, end = parse_day(a.start), parse_day(a.end)
            if (a.start is not None and start is None) or (a.end is not None and end is None):
                self._flag("bad-date", who)
            if start and end and end < start:
                self._flag("end-before-start", who)
                end = None
            country = a.country if isinstance(a.country, str) and re.fullmatch(r"[A-Z]{2}", a.country) else None
            abroad = a.location == "abroad"
            if abroad and country is None:
                self._flag("abroad-no-country", who)
            if a.category is not None and self.catalogue and a.category not in self.catalogue:
                self._flag("unknown-category", who)
            if not a.counts:
                continue
            activities.append(ActivityRecord(a.category, abroad, country if abroad else None, start, end, a.credits or 0.0))
        stage = result.stage if result.stage in STAGES else STAGES[0]
        dates = approval_dates(result.extra.get("approvals"))
        for name, text in (result.stage_dates or {}).items():
            day = parse_day(text)
            if name in STAGES and day is not None:
                dates[name] = day
        self.students.append(StudentRecord(who, stage, registered, programme, tuple(activities), dates))

    def finish(self) -> CohortStats:
        return CohortStats(
            students=self.students,
            quality=dict(self.quality),
            quality_students={k: len(v) for k, v in self.quality_students.items()},
            portfolios=self.portfolios,
            settings=self.settings,
            as_of=self.as_of,
            title=self.programme.data.get("title", "Certificate of International Merits"),
            catalogue=self.catalogue,
            requirements=dict(self.programme.data.get("requirements", {})),
        )


def collect(results: Iterable[PortfolioResult], programme=None, *, as_of: dt.date | None = None, settings: Settings | None = None) -> CohortStats:
    """The cohort's statistics from checked portfolios (``cim batch``'s results)."""
    collector = Collector(programme, as_of=as_of, settings=settings)
    for result in results:
        collector.add(result)
    return collector.finish()
