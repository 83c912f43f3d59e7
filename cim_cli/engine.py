"""The engine: runs every rule over a portfolio, stamps findings, computes the stage.

One portfolio in, one :class:`PortfolioResult` out. A rule that raises is a
bug in cim, not in the portfolio; it is still reported as a finding (rule
``internal-error``) so that one bad rule cannot take a run down.
"""

from __future__ import annotations

from typing import Iterable

from cim_cli.checks import RULES
from cim_cli.findings import INTERNAL_ERROR, ActivitySummary, Finding, PortfolioResult, stage_reached
from cim_cli.load.report import HeadingMatch, match_headings, report_words
from cim_cli.model import OK, Activity, Portfolio
from cim_cli.programme import Programme
from cim_cli.trust import has_approvals

_REFERENCE_RULES = frozenset({"file-missing", "path-unsafe"})
# Rules about staff's signed records (approvals, credentials): a bad record
# loses its own stage, it does not send the portfolio back to collecting.
_SIGNED_RECORD_RULES = ("approval-", "credential-")


def run_checks(portfolio: Portfolio, programme: Programme) -> list[Finding]:
    """All findings for a portfolio, sorted by file, line, column and rule."""
    findings: list[Finding] = []
    for rule_id, module in RULES.items():
        try:
            for p in module.check(portfolio, programme):
                findings.append(Finding(rule_id, p.severity or module.SEVERITY, p.file, p.line, p.column, p.message))
        except Exception as exc:  # noqa: BLE001 - a rule's bug must not end the run
            findings.append(Finding(INTERNAL_ERROR, "error", "", None, None, f"rule {rule_id} failed ({type(exc).__name__}: {exc}); please report this to the cim developers"))
    findings.sort(key=Finding.sort_key)
    return findings


def summarise_activity(activity: Activity, programme: Programme, error_files: set[str]) -> ActivitySummary:
    """Whether an activity counts, and what it lacks if not."""
    if activity.record.data is None:
        # A record that cannot be read says nothing about its evidence or its
        # reflection: report why it is broken, and nothing else.
        return _broken_activity(activity)
    data = activity.data
    lacks: list[str] = []
    if activity.file in error_files:
        lacks.append(f"a record without errors ({activity.file})")
    evidence_ok = sum(1 for e in activity.evidence if e.ref.status == OK)
    if evidence_ok == 0:
        lacks.append("evidence (a certificate, signed programme or photo)")
    need_words = programme.reflection_words_needed(data.get("category"), data.get("curriculum"))
    words = activity.reflection.analysis.words if activity.reflection and activity.reflection.analysis else None
    if words is None:
        lacks.append(f"a reflection ({activity.reflection_ref.path if activity.reflection_ref else 'reflections/' + activity.slug + '.md'})")
    elif words < need_words and programme.needs_extra_reflection(data.get("category"), data.get("curriculum")):
        lacks.append(f"{need_words - words} more words of reflection because it is part of your course ({words} of {need_words})")
    elif words < need_words:
        lacks.append(f"a longer reflection ({words} of {need_words} words)")
    category = data.get("category") if isinstance(data.get("category"), str) else None
    engagements = data.get("engagements", 1)
    engagements = engagements if isinstance(engagements, int) and not isinstance(engagements, bool) else 1
    need_engagements = programme.min_engagements(category) if category else 1
    if engagements < need_engagements:
        lacks.append(f"more engagements ({engagements} of {need_engagements})")

    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) else None

    credits = data.get("credits")
    # bool is an int; .inf/.nan are floats: neither is a number of credits.
    if isinstance(credits, bool) or not isinstance(credits, (int, float)) or not 0 <= credits < 1e6:
        credits = None

    return ActivitySummary(
        slug=activity.slug,
        file=activity.file,
        title=text("title"),
        category=category,
        location=text("location"),
        country=text("country"),
        start=text("start"),
        end=text("end"),
        engagements=engagements,
        evidence_files=evidence_ok,
        reflection_words=words,
        counts=not lacks,
        lacks=tuple(lacks),
        credits=None if credits is None else float(credits),
    )


def _broken_activity(activity: Activity) -> ActivitySummary:
    first = activity.record.problems[0] if activity.record.problems else None
    where = activity.file + (f":{first.line}" if first and first.line else "")
    why = f"{where}: {first.message if first else 'the record cannot be read'}"
    return ActivitySummary(
        slug=activity.slug,
        file=activity.file,
        title=None,
        category=None,
        location=None,
        country=None,
        start=None,
        end=None,
        engagements=0,
        evidence_files=0,
        reflection_words=None,
        counts=False,
        lacks=(f"a record cim can read ({why})",),
        broken=why,
    )


def home_and_abroad(counting: Iterable[ActivitySummary]) -> tuple[int, int]:
    """How many of the counting activities are at home, and how many abroad."""
    locations = [a.location for a in counting]
    return locations.count("home"), locations.count("abroad")


def compute_stage(counting: list[ActivitySummary], programme: Programme, errors: int = 0) -> str:
    """registered (nothing counts), collecting (below the threshold, or a file is broken), ready-for-review.

    A portfolio with errors is never ready for review, so the administrator's
    inbox (``cim batch --stage ready-for-review``) holds only what can be reviewed.
    """
    if not counting:
        return "registered"
    req = programme.requirements
    home, abroad = home_and_abroad(counting)
    if not errors and len(counting) >= req["min_activities"] and home >= req["min_home"] and abroad >= req["min_abroad"]:
        return "ready-for-review"
    return "collecting"


def next_step(stage: str, activities: list[ActivitySummary], missing_headings_: list[str], report_words_: int | None, errors: int, programme: Programme, headings: HeadingMatch | None = None) -> str:
    """One sentence: what the student should do next."""
    req = programme.requirements
    if errors:
        return "Fix the errors that cim validate lists, then check again."
    pending = [a for a in activities if not a.counts]
    if not stage_reached(stage, "ready-for-review"):
        counting = [a for a in activities if a.counts]
        home, abroad = home_and_abroad(counting)
        if pending:
            a = pending[0]
            return f"Complete '{a.slug}': it still needs {a.lacks[0]}."
        if abroad < req["min_abroad"]:
            return f"Add an activity abroad: the programme asks for {req['min_abroad']} (you have {abroad})."
        if home < req["min_home"]:
            return f"Add an activity at home: the programme asks for {req['min_home']} (you have {home})."
        missing = req["min_activities"] - len(counting)
        return f"Record {missing} more activit{'y' if missing == 1 else 'ies'} with cim activity add."
    if report_words_ is None and stage == "activities-approved":
        return "Your activities are approved: write your report (cim report init)."
    if report_words_ is None:
        return "Ask the certificate administrator to approve your activities, then write your report (cim report init)."
    if missing_headings_:
        near = headings.close_to(missing_headings_[0]) if headings else None
        if near is not None:
            return f"Change the heading at line {near.line} of report.md to '{missing_headings_[0]}'."
        return f"Add the missing heading '{missing_headings_[0]}' to report.md."
    low, high = programme.report["min_words"], programme.report["max_words"]
    if not low <= report_words_ <= high:
        return f"Bring report.md to {low}-{high} words (now {report_words_})."
    return "Your portfolio is ready for review: notify the certificate administrator."


def check_portfolio(portfolio: Portfolio, programme: Programme, path: str | None = None) -> PortfolioResult:
    """Check one loaded portfolio against a programme."""
    findings = run_checks(portfolio, programme)
    # Errors of a record itself; a missing evidence file or reflection is judged
    # by what exists (at least one evidence file, a long enough reflection).
    error_files = {f.file for f in findings if f.severity == "error" and f.rule not in _REFERENCE_RULES}
    summaries = [summarise_activity(a, programme, error_files) for a in portfolio.activities]
    counting = [s for s in summaries if s.counts]
    errors = sum(1 for f in findings if f.severity == "error")
    stage = compute_stage(counting, programme, errors)
    analysis = portfolio.report.analysis if portfolio.report else None
    words = report_words(analysis, programme) if analysis else None
    headings = match_headings(analysis, programme) if analysis else None
    missing = list(headings.missing) if headings else []
    student = portfolio.student_data
    home, abroad = home_and_abroad(counting)
    extra: dict = {}
    if has_approvals(portfolio):
        # Only now: the trust list, cryptography and the hashing of files.
        from cim_cli.trust import stage as trust_stage

        # Signed stages rest on the activities: a draft report's errors, or a
        # stray file in approvals/, do not undo an approval (they are still
        # errors, and report-submitted still needs a report without them).
        unrelated = sum(1 for f in findings if f.severity == "error" and f.file != "report.md" and not f.rule.startswith(_SIGNED_RECORD_RULES))
        signed = trust_stage.derive_stage(portfolio, programme, findings, compute_stage(counting, programme, unrelated))
        if stage_reached(signed, "activities-approved"):
            stage = signed
        evaluation = trust_stage.evaluate(portfolio, programme)
        step = trust_stage.next_step(stage, evaluation) or next_step(stage, summaries, missing, words, errors, programme, headings)
        extra = {
            "approvals": evaluation.summary(),
            "trust": {"source": evaluation.trust_source, "sha256": evaluation.trust_sha256, "problem": evaluation.trust_problem},
        }
    else:
        step = next_step(stage, summaries, missing, words, errors, programme, headings)

    def text(key: str) -> str | None:
        value = student.get(key)
        return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None

    return PortfolioResult(
        path=path if path is not None else portfolio.root,
        student_id=text("student_id"),
        name=text("name"),
        stage=stage,
        counting_activities=len(counting),
        required_activities=programme.requirements["min_activities"],
        counting_home=home,
        counting_abroad=abroad,
        report_words=words,
        findings=tuple(findings),
        activities=tuple(summaries),
        missing_headings=tuple(missing),
        close_headings=tuple((wanted, heading.line) for wanted, heading in headings.close) if headings else (),
        next_step=step,
        programme=programme.ref,
        extra=extra,
        study_programme=text("study_programme"),
        registered=text("registered"),
    )


def validate_path(path: str, programme: Programme) -> PortfolioResult:
    """Load and check the portfolio folder at ``path``."""
    from cim_cli.load.portfolio import load_portfolio

    return check_portfolio(load_portfolio(path), programme, path)

