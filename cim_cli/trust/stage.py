"""The stages beyond ready-for-review, derived from signed records (never stored).

The engine asks :func:`derive_stage` once a portfolio is ready for review and
has an ``approvals/`` folder. For each approval stage the *effective* record
is the latest valid one (a later ``revise`` withdraws an earlier
``approved``); a stage is reached when its effective record says
``approved`` and the files it covers are unchanged, and every stage before it
is reached:

* ``activities-approved``: the activities approval holds;
* ``report-submitted``: and report.md exists with no finding from any rule;
* ``report-approved``: and the report approval holds;
* ``presented``: and a presentation record (role ``presentation``) holds;
* ``certified``: and a valid credential for this student lies in ``credentials/`` (:mod:`cim_cli.trust.certify`).

Findings: ``approval-invalid`` for every record that fails a check other
than its digests (and for files in approvals/ that are not approvals);
``approval-stale`` for each file modified, deleted or added since the
effective ``approved`` record of a stage. The trust list is loaded, and
``cryptography`` imported, only for a portfolio that has approvals.
"""

from __future__ import annotations

import contextvars
import datetime
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator

from cim_cli.findings import Problem, stage_reached
from cim_cli.trust.approvals import REACHES, Approval, has_approvals, read_approvals, source_of
from cim_cli.trust.verification import Check, Verification

if TYPE_CHECKING:  # pragma: no cover
    from cim_cli.model import Portfolio
    from cim_cli.programme import Programme
    from cim_cli.trust.trustlist import TrustList

REPORT_FILE = "report.md"

# Set by commands given ``--trust FILE`` (cim verify, cim approve): that list judges instead of the programme's.
_EXPLICIT_TRUST: contextvars.ContextVar["TrustList | None"] = contextvars.ContextVar("cim_explicit_trust", default=None)


def explicit_trust_list() -> "TrustList | None":
    """The trust list given with ``--trust`` for this run, or None."""
    return _EXPLICIT_TRUST.get()


@contextmanager
def using_trust_list(trust: "TrustList | None") -> Iterator[None]:
    """Judge approvals with ``trust`` inside the block (``--trust FILE``)."""
    token = _EXPLICIT_TRUST.set(trust)
    try:
        yield
    finally:
        _EXPLICIT_TRUST.reset(token)


@dataclass
class Evaluation:
    """Every approval of one portfolio, verified, and what follows from them."""

    approvals: list[Approval] = field(default_factory=list)
    not_approvals: list[tuple[str, str]] = field(default_factory=list)
    trust_source: str | None = None
    trust_sha256: str | None = None
    trust_problem: str | None = None

    def effective(self, stage: str) -> Approval | None:
        """The latest valid record for an approval ``stage``, or None."""
        found = None
        for approval in self.approvals:
            if approval.stage == stage and approval.valid and approval.decision is not None:
                found = approval
        return found

    def holds(self, stage: str) -> bool:
        """The effective record of ``stage`` approves, over unchanged files."""
        record = self.effective(stage)
        return record is not None and record.decision == "approved" and record.current

    def feedback(self) -> list[Approval]:
        """Valid ``revise`` records that are the effective record of their stage: what staff asked for."""
        return [a for s in REACHES if (a := self.effective(s)) is not None and a.decision == "revise"]

    def problems(self, rule: str) -> list[Problem]:
        """The problems of ``approval-invalid`` or ``approval-stale``."""
        out: list[Problem] = []
        if rule == "approval-invalid":
            for rel, why in self.not_approvals:
                out.append(Problem(rel, None, None, f"{rel} {why}; remove it from approvals/"))
            for approval in self.approvals:
                failed = [c for c in approval.checks if not c.passed and c.name != "digests"]
                if not failed:
                    continue
                only_untrusted = self.trust_problem is not None and all(c.name == "key trusted" for c in failed)
                reasons = "; ".join(f"{c.name}: {c.detail}" for c in failed)
                if only_untrusted:
                    # Without a trust list nothing can be judged: say so, without calling the record forged.
                    out.append(Problem(approval.file, 1, None, f"{approval.file} cannot be checked ({self.trust_problem}); run with --programme naming the programme file that names the trust list", "warning"))
                else:
                    out.append(Problem(approval.file, 1, None, f"{approval.file} does not count ({reasons}); ask staff to approve again"))
        elif rule == "approval-stale":
            for stage in REACHES:
                record = self.effective(stage)
                if record is None or record.decision != "approved":
                    continue
                who = record.approver_name or record.approver_id
                for name, how in record.changes:
                    out.append(Problem(record.file, 1, None, f"{name} was {how} after {who} approved the {stage} ({record.file}); restore it or ask for a new approval"))
        return out

    def verifications(self) -> list[Verification]:
        """Each approval's checks, for ``cim verify``.

        Only the effective ``approved`` record of a stage must cover unchanged
        files: a ``revise`` record or one superseded by a later record of its
        stage was expected to see its files change, so its digests are
        reported, not failed.
        """
        binding = {id(a) for s in REACHES if (a := self.effective(s)) is not None and a.decision == "approved"}
        out = []
        for approval in self.approvals:
            verification = approval.verification()
            if approval.valid and id(approval) not in binding and approval.changes:
                why = "a request for changes" if approval.decision == "revise" else "superseded by a later record of its stage"
                checks = tuple(
                    Check("digests", True, f"{c.detail} — expected: {why}") if c.name == "digests" else c for c in verification.checks
                )
                verification = Verification(verification.subject, verification.kind, checks, (), verification.info)
            out.append(verification)
        return out

    def summary(self) -> list[dict]:
        """The records as data for status and JSON (file, stage, decision, approver, time, comment, status)."""
        rows = []
        effective = {id(a) for s in REACHES if (a := self.effective(s)) is not None}
        for a in self.approvals:
            status = "valid" if a.current else ("stale" if a.valid else "invalid")
            rows.append({
                "file": a.file, "stage": a.stage, "decision": a.decision, "approver": a.approver_name,
                "approver_id": a.approver_id, "time": a.time.isoformat() if a.time else None,
                "comment": a.comment, "status": status,
                # The latest valid record of its stage: the one that decides (older ones are history).
                "effective": id(a) in effective,
            })
        return rows


# One portfolio is evaluated once however many rules and the engine ask: the
# last few (portfolio, programme, trust) triples, held so their ids stay unique.
_RECENT: list[tuple[object, object, object, Evaluation]] = []
_RECENT_SIZE = 4


def evaluate(portfolio: "Portfolio", programme: "Programme") -> Evaluation:
    """Verify the approvals of ``portfolio`` against the trust list (explicit, or the programme's)."""
    explicit = _EXPLICIT_TRUST.get()
    for p, prog, trust, result in _RECENT:
        if p is portfolio and prog is programme and trust is explicit:
            return result
    result = _evaluate(portfolio, programme, explicit)
    _RECENT.append((portfolio, programme, explicit, result))
    del _RECENT[:-_RECENT_SIZE]
    return result


def _evaluate(portfolio: "Portfolio", programme: "Programme", explicit: "TrustList | None") -> Evaluation:
    if not has_approvals(portfolio):
        return Evaluation()
    from cim_cli.trust.trustlist import TrustListError, trust_list_for

    trust, problem = explicit, None
    if trust is None:
        try:
            trust = trust_list_for(programme)
        except TrustListError as exc:
            problem = f"the trust list cannot be used: {exc.problems[0].message if exc.problems else exc}"
        else:
            if trust is None:
                problem = "no trust list: the programme file names none (trust: trust.yaml)" if programme.source != "built-in" else "no trust list: no programme file was found"
    student_id = portfolio.student_data.get("student_id")
    approvals, bad = read_approvals(
        source_of(portfolio), student_id if isinstance(student_id, str) else None, trust,
        trust_problem=problem, portfolio=portfolio,
    )
    return Evaluation(approvals, bad, trust.source if trust else None, trust.sha256 if trust else None, problem)


def _certified(portfolio: "Portfolio", programme: "Programme", evaluation: Evaluation) -> bool:
    """A valid credential for this student in credentials/, judged by the same trust list."""
    from cim_cli.trust.certify import portfolio_certified

    return portfolio_certified(portfolio, programme, explicit_trust_list())


# The last stage: whether a valid credential was issued for this portfolio
# (cim_cli.trust.certify). A name of its own so tests can stand in for it.
CERTIFIED: Callable[["Portfolio", "Programme", Evaluation], bool] = _certified


def report_passes(findings) -> bool:
    """report.md passes every report rule: no finding on it at all (words, headings, structure, its images).

    Warnings count too: the report rules warn a student while drafting, and
    a report is submitted only when nothing is left to fix.
    """
    return not any(f.file == REPORT_FILE for f in findings)


def derive_stage(portfolio: "Portfolio", programme: "Programme", findings, base_stage: str) -> str:
    """The portfolio's stage given its signed records; ``base_stage`` is what its files alone reach."""
    if base_stage != "ready-for-review" or not has_approvals(portfolio):
        return base_stage
    evaluation = evaluate(portfolio, programme)
    stage = base_stage
    if not evaluation.holds("activities"):
        return stage
    stage = "activities-approved"
    if portfolio.report is None or not report_passes(findings):
        return stage
    stage = "report-submitted"
    if not evaluation.holds("report"):
        return stage
    stage = "report-approved"
    if not evaluation.holds("presentation"):
        return stage
    stage = "presented"
    if CERTIFIED(portfolio, programme, evaluation):
        stage = "certified"
    return stage


def next_step(stage: str, evaluation: Evaluation) -> str | None:
    """The student's next step at a stage beyond ready-for-review (None: the engine's own advice)."""
    stale = evaluation.problems("approval-stale")
    if stale and stage == "ready-for-review":
        return f"{len(stale)} file(s) changed after staff approved them: restore them or ask for a new approval (cim validate lists them)."
    for record in evaluation.feedback():
        if not stage_reached(stage, REACHES[record.stage]):
            from cim_cli.textsafe import visible

            return f"Staff asked for changes to your {record.stage}: \"{visible(record.comment)}\" — make them, then ask again."
    return {
        "activities-approved": None,  # the engine's report advice applies
        "report-submitted": "Ask academic staff to approve your report.",
        "report-approved": "Present your work at a ceremony or poster session.",
        "presented": "Ask the programme to issue your certificate.",
        "certified": "Your certificate has been issued.",
    }.get(stage)


def now_utc() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)
