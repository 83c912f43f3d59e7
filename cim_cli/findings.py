"""Findings: what checks report, and the per-portfolio result reporters consume.

A check yields :class:`Problem` values (where and what); the engine stamps each
with the check's rule id and severity to make a :class:`Finding`. Reporters
and exporters are pure functions of :class:`PortfolioResult`.
"""

from __future__ import annotations

from typing import Literal

from cim_cli.record import Record

_set = object.__setattr__  # how a frozen Record sets its fields in __init__


# The two kinds of finding. An error says a file is broken (invalid YAML, a
# schema violation, an unsafe path, a missing or tampered file): fix it before
# committing; the pre-commit hook and CI fail on errors. A warning says the
# portfolio is not ready yet (a reflection or draft report too short, a heading
# still missing, too few engagements): commit drafts freely, and ask for
# readiness with ``--require STAGE``.
Severity = Literal["error", "warning"]
SEVERITIES: tuple[str, ...] = ("error", "warning")

# Ordered stages of a portfolio; comparisons use the position in this tuple.
# The first three are derived from the portfolio's files (cim_cli.engine); the
# rest from signed records that staff made over unchanged files (cim_cli.trust).
STAGES: tuple[str, ...] = (
    "registered",
    "collecting",
    "ready-for-review",
    "activities-approved",
    "report-submitted",
    "report-approved",
    "presented",
    "certified",
)

# The rule id of a finding that cim itself failed on a portfolio (a bug, a
# hang, a crash of a native parser): reported, never fatal to a run.
INTERNAL_ERROR = "internal-error"
INTERNAL_ERROR_DOC = """cim itself failed on this portfolio; the rest of the run went on.

A rule raised an exception, checking the portfolio took longer than the
timeout, or the checking process crashed. This is a bug in cim, not in the
portfolio: please report it to the cim developers, with the portfolio if you
can share it."""


class Problem(Record):
    """Something a check found: a location in the portfolio and a message.

    ``file`` is relative to the portfolio root and ``/``-separated; ``line``
    and ``column`` are 1-based or None when unknown. ``severity`` overrides
    the rule's default when set.
    """

    file: str
    line: int | None
    column: int | None
    message: str
    severity: Severity | None

    __slots__ = ('file', 'line', 'column', 'message', 'severity')

    def __init__(
        self,
        file: str,
        line: int | None,
        column: int | None,
        message: str,
        severity: Severity | None = None,
    ) -> None:
        _set(self, 'file', file)
        _set(self, 'line', line)
        _set(self, 'column', column)
        _set(self, 'message', message)
        _set(self, 'severity', severity)


class Finding(Record):
    """A problem stamped with the rule that found it and its severity."""

    rule: str
    severity: Severity
    file: str
    line: int | None
    column: int | None
    message: str

    __slots__ = ('rule', 'severity', 'file', 'line', 'column', 'message')

    def __init__(
        self,
        rule: str,
        severity: Severity,
        file: str,
        line: int | None,
        column: int | None,
        message: str,
    ) -> None:
        _set(self, 'rule', rule)
        _set(self, 'severity', severity)
        _set(self, 'file', file)
        _set(self, 'line', line)
        _set(self, 'column', column)
        _set(self, 'message', message)

    def sort_key(self) -> tuple:
        return (self.file, self.line or 0, self.column or 0, self.rule, self.message)

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


class ActivitySummary(Record):
    """What the engine concluded about one activity."""

    slug: str
    file: str
    title: str | None
    category: str | None
    location: str | None
    country: str | None
    start: str | None
    end: str | None
    engagements: int
    evidence_files: int
    reflection_words: int | None
    counts: bool
    # Why the activity does not count yet, in words a student understands.
    lacks: tuple[str, ...]
    # Why its record cannot be read at all (a YAML syntax error, not UTF-8),
    # with "file:line:" in front; then nothing else is said about the activity.
    broken: str | None
    # ECTS credits the record claims (None when absent or not a finite number >= 0).
    credits: float | None

    __slots__ = ('slug', 'file', 'title', 'category', 'location', 'country', 'start', 'end', 'engagements', 'evidence_files', 'reflection_words', 'counts', 'lacks', 'broken', 'credits')

    def __init__(
        self,
        slug: str,
        file: str,
        title: str | None,
        category: str | None,
        location: str | None,
        country: str | None,
        start: str | None,
        end: str | None,
        engagements: int,
        evidence_files: int,
        reflection_words: int | None,
        counts: bool,
        lacks: tuple[str, ...] = (),
        broken: str | None = None,
        credits: float | None = None,
    ) -> None:
        _set(self, 'slug', slug)
        _set(self, 'file', file)
        _set(self, 'title', title)
        _set(self, 'category', category)
        _set(self, 'location', location)
        _set(self, 'country', country)
        _set(self, 'start', start)
        _set(self, 'end', end)
        _set(self, 'engagements', engagements)
        _set(self, 'evidence_files', evidence_files)
        _set(self, 'reflection_words', reflection_words)
        _set(self, 'counts', counts)
        _set(self, 'lacks', lacks)
        _set(self, 'broken', broken)
        _set(self, 'credits', credits)


class ProgrammeRef(Record):
    """Which programme file judged a portfolio: its path and the SHA-256 of its bytes.

    ``path`` is ``"built-in"`` and ``sha256`` None for the handbook's defaults.
    """

    path: str
    sha256: str | None

    __slots__ = ('path', 'sha256')

    def __init__(
        self,
        path: str,
        sha256: str | None,
    ) -> None:
        _set(self, 'path', path)
        _set(self, 'sha256', sha256)

    def as_dict(self) -> dict:
        return {"path": self.path, "sha256": self.sha256}


BUILTIN_PROGRAMME = ProgrammeRef("built-in", None)


class PortfolioResult(Record):
    """Everything reporters need about one checked portfolio."""

    path: str
    student_id: str | None
    name: str | None
    stage: str
    counting_activities: int
    required_activities: int
    counting_home: int
    counting_abroad: int
    report_words: int | None
    findings: tuple[Finding, ...]
    activities: tuple[ActivitySummary, ...]
    # Report headings the programme requires that the report lacks.
    missing_headings: tuple[str, ...]
    next_step: str
    extra: dict
    # The programme file that judged this portfolio.
    programme: ProgrammeRef
    # From student.yaml, as written (None when absent or not text); for cim stats.
    study_programme: str | None
    registered: str | None
    # Stage -> ISO date (YYYY-MM-DD) the portfolio reached it, for the stages
    # whose date a signed record carries (approvals); cim stats derives the
    # earlier ones from the activities' dates when a stage is missing here.
    stage_dates: dict
    # Missing headings the report has a near miss for: (required, line of the
    # report's heading that is close to it).
    close_headings: tuple[tuple[str, int], ...]

    __slots__ = ('path', 'student_id', 'name', 'stage', 'counting_activities', 'required_activities', 'counting_home', 'counting_abroad', 'report_words', 'findings', 'activities', 'missing_headings', 'next_step', 'extra', 'programme', 'study_programme', 'registered', 'stage_dates', 'close_headings')

    def __init__(
        self,
        path: str,
        student_id: str | None,
        name: str | None,
        stage: str,
        counting_activities: int,
        required_activities: int,
        counting_home: int,
        counting_abroad: int,
        report_words: int | None,
        findings: tuple[Finding, ...],
        activities: tuple[ActivitySummary, ...] = (),
        missing_headings: tuple[str, ...] = (),
        next_step: str = "",
        extra: dict | None = None,
        programme: ProgrammeRef = BUILTIN_PROGRAMME,
        study_programme: str | None = None,
        registered: str | None = None,
        stage_dates: dict | None = None,
        close_headings: tuple[tuple[str, int], ...] = (),
    ) -> None:
        _set(self, 'path', path)
        _set(self, 'student_id', student_id)
        _set(self, 'name', name)
        _set(self, 'stage', stage)
        _set(self, 'counting_activities', counting_activities)
        _set(self, 'required_activities', required_activities)
        _set(self, 'counting_home', counting_home)
        _set(self, 'counting_abroad', counting_abroad)
        _set(self, 'report_words', report_words)
        _set(self, 'findings', findings)
        _set(self, 'activities', activities)
        _set(self, 'missing_headings', missing_headings)
        _set(self, 'next_step', next_step)
        _set(self, 'extra', {} if extra is None else extra)
        _set(self, 'programme', programme)
        _set(self, 'study_programme', study_programme)
        _set(self, 'registered', registered)
        _set(self, 'stage_dates', {} if stage_dates is None else stage_dates)
        _set(self, 'close_headings', close_headings)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def valid(self) -> bool:
        return self.errors == 0

    def as_dict(self) -> dict:
        """The JSON shape of one portfolio (contract of `cim validate --format json`)."""
        shape = {
            "path": self.path,
            "student_id": self.student_id,
            "valid": self.valid,
            "stage": self.stage,
            "counting_activities": self.counting_activities,
            "required_activities": self.required_activities,
            "report_words": self.report_words,
            "findings": [f.as_dict() for f in self.findings],
            "programme": self.programme.as_dict(),
        }
        if "trust" in self.extra:
            # A portfolio with signed records says which trust list judged them, and lists them.
            shape["trust"] = self.extra["trust"]
            shape["approvals"] = self.extra.get("approvals", [])
        return shape


def stage_reached(stage: str, required: str) -> bool:
    """True when ``stage`` is ``required`` or later."""
    return STAGES.index(stage) >= STAGES.index(required)
