"""Findings: what checks report, and the per-portfolio result reporters consume.

A check yields :class:`Problem` values (where and what); the engine stamps each
with the check's rule id and severity to make a :class:`Finding`. Reporters
and exporters are pure functions of :class:`PortfolioResult`.
"""

from __future__ import annotations

from typing import Literal

from cim_cli.record import Record



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

    _defaults = {'severity': None}


class Finding(Record):
    """A problem stamped with the rule that found it and its severity."""

    rule: str
    severity: Severity
    file: str
    line: int | None
    column: int | None
    message: str

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

    _defaults = {'lacks': (), 'broken': None, 'credits': None}


class ProgrammeRef(Record):
    """Which programme file judged a portfolio: its path and the SHA-256 of its bytes.

    ``path`` is ``"built-in"`` and ``sha256`` None for the handbook's defaults.
    """

    path: str
    sha256: str | None

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

    _defaults = {'activities': (), 'missing_headings': (), 'next_step': "", 'programme': BUILTIN_PROGRAMME, 'study_programme': None, 'registered': None, 'close_headings': ()}
    _factories = {'extra': dict, 'stage_dates': dict}

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
