"""Signed staff approvals: one DSSE envelope per file under ``approvals/``, in a chain.

``cim approve`` writes ``approvals/NNNN-<stage>.json`` (numbered from 0001,
created exclusively: never overwritten). The file is a DSSE envelope
(:mod:`cim_cli.trust.dsse`) whose payload is an in-toto Statement v1::

    {"_type": "https://in-toto.io/Statement/v1",
     "subject": [{"name": "activities/x.yaml", "digest": {"sha256": "…"}}, …],
     "predicateType": "https://cim.invalid/approval/v1",
     "predicate": {"stage": "activities", "decision": "approved", "comment": "…",
                   "approver": {"name": "…", "id": "did:key:z6Mk…"},
                   "time": "2026-12-02T10:00:00Z", "date": "2026-12-02",
                   "student_id": "s1", "sequence": 1,
                   "previous": null | {"name": "approvals/0001-….json", "sha256": "…"},
                   "programme": {"name": "programme.yaml", "sha256": "…"} | null,
                   "digests": "git-text-auto",
                   "presentation": {"date": "…", "kind": "ceremony|poster"},  # presentation only
                   "left_to_report": ["evidence/report/photo.png"]  # activities only
                   }}

Scopes (what the subject lists): ``activities`` = student.yaml and every file
under activities/, reflections/ and evidence/ (except images that only the
report shows); ``report`` = report.md and the images it shows; ``presentation`` = student.yaml (the record itself is the
predicate). Digests are those of :mod:`cim_cli.trust.digests` (line endings
as git stores them).

Verifying an approval is a list of named checks (:mod:`.verification`):
``envelope``, ``signature``, ``key trusted``, ``role``, ``validity dates``,
``revocation``, ``time``, ``student``, ``chain``, ``digests``. Replays and
reorderings fail ``chain`` (each file states its own number and stage and the
SHA-256 of the file before it, line endings as git stores them); an approval copied from another portfolio
fails ``student`` (and ``digests``). A failed ``digests`` alone means the
files changed since: the approval is *stale*, not forged.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from cim_cli.trust import APPROVALS_DIR, dsse, has_approvals, source_of  # noqa: F401 - re-exported
from cim_cli.trust.digests import NORMALISATION, DigestError, git_text_digest_of_bytes
from cim_cli.trust.verification import Check, Verification

if TYPE_CHECKING:  # pragma: no cover
    from cim_cli.load.source import Source
    from cim_cli.model import Portfolio
    from cim_cli.programme import Programme
    from cim_cli.trust.keys import SigningKey
    from cim_cli.trust.trustlist import TrustList

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://cim.invalid/approval/v1"
STAGES = ("activities", "report", "presentation")
DECISIONS = ("approved", "revise")
KINDS = ("ceremony", "poster")
# The portfolio stage each approval reaches, and the stage it needs first.
REACHES = {"activities": "activities-approved", "report": "report-approved", "presentation": "presented"}
REQUIRES = {"activities": "ready-for-review", "report": "report-submitted", "presentation": "report-approved"}
ACTIVITY_FOLDERS = ("activities", "reflections", "evidence")
MAX_APPROVAL_BYTES = 8 * 1024 * 1024
MAX_COMMENT = 10_000
# A signed time this far ahead of the verifier's clock is refused (clocks differ a little).
CLOCK_SKEW = datetime.timedelta(hours=1)
CHECK_NAMES = ("envelope", "signature", "key trusted", "role", "validity dates", "revocation", "time", "student", "chain", "digests")

_NAME = re.compile(r"([0-9]{4,9})-(activities|report|presentation)\.json\Z")
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")


class ApprovalError(Exception):
    """An approval that cannot be made; the message says why and what to do."""


# -- scopes -------------------------------------------------------------------

def _normal(path: str) -> str:
    return posixpath.normpath(path.replace("\\", "/"))


def _source(where: "str | Source") -> "Source":
    """A portfolio folder's path (what cim approve writes to) or the source a portfolio was read from."""
    if isinstance(where, str):
        from cim_cli.load.source import DiskSource

        return DiskSource(where)
    return where


def scope_files(where: "str | Source", stage: str, portfolio: "Portfolio | None" = None) -> list[str]:
    """The portfolio-relative files an approval of ``stage`` covers, sorted.

    ``where`` is the portfolio's folder or the source it was read from
    (a git tree at ``--rev``).

    Activities: student.yaml and everything under activities/, reflections/
    and evidence/, except images that only the report shows (a photo added
    to evidence/ for the report, after the activities were approved, is the
    report's business). Report: report.md and the images it shows.
    """
    if stage == "presentation":
        return ["student.yaml"]
    if stage not in ("activities", "report"):
        raise ValueError(stage)
    source = _source(where)
    if portfolio is None:
        from cim_cli.load.portfolio import load_portfolio

        portfolio = load_portfolio(source)
    from cim_cli.model import OK

    report_images = {_normal(i.path) for i in portfolio.report_images if i.status == OK}
    if stage == "report":
        files = {"report.md"} if source.kind("report.md") else set()
        return sorted(files | report_images)
    files = {"student.yaml"} if source.kind("student.yaml") else set()
    for folder in ACTIVITY_FOLDERS:
        files.update(source.walk(folder))
    return sorted(files - report_only_images(portfolio))


def report_only_images(portfolio: "Portfolio") -> set[str]:
    """Files the report shows that no activity names as evidence."""
    from cim_cli.model import OK

    report_images = {_normal(i.path) for i in portfolio.report_images if i.status == OK}
    evidence = {_normal(e.ref.path) for a in portfolio.activities for e in a.evidence}
    return report_images - evidence


def digests_of(where: "str | Source", names: Iterable[str]) -> dict[str, str | None]:
    """name -> digest, None for a file that does not exist; DigestError for one that cannot be read."""
    source = _source(where)
    return {name: source.text_digest(name) for name in names}


def chain_digest(data: bytes) -> str:
    """The SHA-256 by which the next approval names an approval file: of the file as git stores it.

    cim writes approvals with LF line endings, so for them this is the
    SHA-256 of the bytes; a checkout with CRLF (``core.autocrlf``) then
    leaves the chain intact, as it leaves the approved files' digests.
    """
    return git_text_digest_of_bytes(data)


# -- reading approval files ------------------------------------------------------

@dataclass(frozen=True)
class Approval:
    """One approval file, read and verified."""

    file: str  # approvals/0001-activities.json
    sha256: str  # of the file as git stores it (git-text-auto): what the next approval chains to
    sequence: int | None = None
    stage: str | None = None
    decision: str | None = None
    comment: str = ""
    approver_name: str = ""
    approver_id: str = ""
    time: datetime.datetime | None = None
    date: str | None = None
    student_id: str | None = None
    presentation: dict | None = None
    subjects: dict[str, str] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()
    # (file, "modified" | "deleted" | "added") since the approval was signed.
    changes: tuple[tuple[str, str], ...] = ()

    @property
    def valid(self) -> bool:
        """Every check but ``digests`` passed: a genuine record by a trusted key with the role."""
        return all(c.passed for c in self.checks if c.name != "digests")

    @property
    def current(self) -> bool:
        """Valid, and the files it covers are unchanged."""
        return self.valid and not self.changes

    def verification(self) -> Verification:
        info = {
            "stage": self.stage,
            "decision": self.decision,
            "approver": {"name": self.approver_name, "id": self.approver_id},
            "time": _iso(self.time) if self.time else None,
            "comment": self.comment,
        }
        if self.presentation:
            info["presentation"] = self.presentation
        return Verification(self.file, "approval", self.checks, (), info)


def _iso(when: datetime.datetime) -> str:
    return when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: object) -> datetime.datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        when = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def list_approval_files(where: "str | Source") -> tuple[list[tuple[int, str, str]], list[tuple[str, str]]]:
    """((sequence, stage, relative file) sorted by number, [(relative file, why it is not an approval)])."""
    from cim_cli.load.source import FILE, LINK
    from cim_cli.model import OK

    source = _source(where)
    good: list[tuple[int, str, str]] = []
    bad: list[tuple[str, str]] = []
    if source.kind(APPROVALS_DIR) == LINK:
        return [], [(APPROVALS_DIR, "is a symbolic link; approvals are files inside the portfolio")]
    listing = source.list_folder(APPROVALS_DIR)
    if listing.status != OK:
        return [], [(APPROVALS_DIR, f"cannot be read ({listing.reason or 'not a folder'})")]
    for name in listing.names:
        if name.startswith("."):
            continue
        rel = f"{APPROVALS_DIR}/{name}"
        match = _NAME.match(name)
        if not match:
            bad.append((rel, "is not an approval written by cim approve (approvals/NNNN-activities|report|presentation.json)"))
        elif source.kind(rel) != FILE:
            bad.append((rel, "is not a regular file"))
        else:
            good.append((int(match.group(1)), match.group(2), rel))
    good.sort()
    return good, bad


class _Reader:
    """Verifies the approval files of one portfolio, in order."""

    def __init__(self, source: "Source", student_id: str | None, trust: "TrustList | None", trust_problem: str | None, portfolio: "Portfolio | None", now: datetime.datetime):
        self.source = source
        self.student_id = student_id
        self.trust = trust
        self.trust_problem = trust_problem
        self.portfolio = portfolio
        self.now = now
        self._scopes: dict[str, list[str]] = {}
        self._digests: dict[str, str | None] = {}

    def scope(self, stage: str) -> list[str]:
        if stage not in self._scopes:
            self._scopes[stage] = scope_files(self.source, stage, self.portfolio)
        return self._scopes[stage]

    def digest(self, name: str) -> str | None:
        """Current digest of ``name``; None when missing; "" when unreadable (never equal to a digest)."""
        if name not in self._digests:
            try:
                self._digests[name] = self.source.text_digest(name)
            except DigestError:
                self._digests[name] = ""
        return self._digests[name]

    def read_all(self) -> tuple[list[Approval], list[tuple[str, str]]]:
        files, bad = list_approval_files(self.source)
        numbers = [n for n, _, _ in files]
        approvals: list[Approval] = []
        by_number: dict[int, Approval] = {}
        for sequence, stage, rel in files:
            duplicate = numbers.count(sequence) > 1
            before = by_number.get(sequence - 1) if numbers.count(sequence - 1) == 1 else None
            approval = self.read_one(rel, sequence, stage, before, duplicate, chain_ok_before=before is None or _passed(before, "chain"))
            approvals.append(approval)
            if not duplicate:
                by_number[sequence] = approval
        return approvals, bad

    def read_one(self, rel: str, sequence: int, stage: str, before: Approval | None, duplicate: bool, chain_ok_before: bool) -> Approval:
        from cim_cli.load import files
        from cim_cli.model import OK

        try:
            found = self.source.resolve(rel)
            if found.status != OK:
                raise files.ReadError("file-missing", found.reason or "cannot be read")
            data = self.source.read_bytes(found, MAX_APPROVAL_BYTES)
        except files.ReadError as exc:
            return Approval(rel, "", sequence, stage, checks=(Check("envelope", False, f"the file {exc.message}"),))
        sha = chain_digest(data)
        checks: list[Check] = []
        try:
            envelope = dsse.parse(data)
            statement = _statement(envelope)
        except dsse.EnvelopeError as exc:
            return Approval(rel, sha, sequence, stage, checks=(Check("envelope", False, str(exc)),))
        checks.append(Check("envelope", True, "DSSE envelope with an in-toto Statement v1"))
        pred = statement["predicate"]
        approver = pred.get("approver") if isinstance(pred.get("approver"), dict) else {}
        did = approver.get("id") if isinstance(approver.get("id"), str) else ""
        when = _parse_time(pred.get("time"))
        approval = dict(
            file=rel, sha256=sha, sequence=sequence, stage=stage,
            decision=pred.get("decision") if pred.get("decision") in DECISIONS else None,
            comment=pred.get("comment") if isinstance(pred.get("comment"), str) else "",
            approver_name=approver.get("name") if isinstance(approver.get("name"), str) else "",
            approver_id=did, time=when,
            date=pred.get("date") if isinstance(pred.get("date"), str) else None,
            student_id=pred.get("student_id") if isinstance(pred.get("student_id"), str) else None,
            presentation=pred.get("presentation") if isinstance(pred.get("presentation"), dict) else None,
            subjects={s["name"]: s["digest"]["sha256"] for s in statement["subject"]},
        )
        checks.append(self.signature(envelope, did))
        checks += self.key_checks(did, stage, when)
        checks.append(self.time(when))
        checks.append(self.student(approval["student_id"]))
        checks.append(self.chain(pred, sequence, stage, before, duplicate, chain_ok_before))
        digests, changes = self.digests(stage, approval["subjects"], pred.get("left_to_report"))
        checks.append(digests)
        return Approval(**approval, checks=tuple(checks), changes=tuple(changes))

    # -- the checks --------------------------------------------------------
    def signature(self, envelope: dsse.Envelope, did: str) -> Check:
        from cim_cli.trust import didkey

        try:
            public = didkey.public_key_from_did(did)
        except didkey.DidKeyError:
            return Check("signature", False, "the approver's id is not an Ed25519 did:key")
        for sig in envelope.signatures:
            if sig.keyid.split("#", 1)[0] == did and dsse.verify(envelope, sig, public):
                return Check("signature", True, f"Ed25519 signature by {did}")
        return Check("signature", False, f"no valid signature by {did} over this content (the file was altered, or signed by another key)")

    def key_checks(self, did: str, stage: str, when: datetime.datetime | None) -> list[Check]:
        if self.trust is None:
            why = self.trust_problem or "no trust list"
            return [Check("key trusted", False, f"cannot be checked: {why}")]
        entry = self.trust.key(did)
        if entry is None:
            return [Check("key trusted", False, f"{did or 'the signer'} is not in your trust list ({self.trust.source})")]
        checks = [Check("key trusted", True, f"{entry.name} ({self.trust.source})")]
        checks.append(Check("role", stage in entry.roles, f"has the role '{stage}'" if stage in entry.roles else f"{entry.name} lacks the role '{stage}'"))
        if when is None:
            checks.append(Check("validity dates", False, "the approval has no valid signing time"))
            return checks
        day = when.astimezone(datetime.timezone.utc).date()
        if entry.valid_until is not None and day > entry.valid_until:
            checks.append(Check("validity dates", False, f"signed {day}, but the key expired on {entry.valid_until}"))
        elif entry.valid_from is not None and day < entry.valid_from:
            checks.append(Check("validity dates", False, f"signed {day}, but the key is not valid before {entry.valid_from}"))
        else:
            checks.append(Check("validity dates", True, f"signed {day}, within the key's validity"))
        if entry.revoked is not None and day >= entry.revoked:
            checks.append(Check("revocation", False, f"signed {day}, but the key was revoked on {entry.revoked}"))
        else:
            checks.append(Check("revocation", True, "the key was not revoked when it signed"))
        return checks

    def time(self, when: datetime.datetime | None) -> Check:
        if when is None:
            return Check("time", False, "the signing time is missing or not an ISO 8601 time with a zone")
        if when > self.now + CLOCK_SKEW:
            return Check("time", False, f"signed at {_iso(when)}, which is in the future")
        return Check("time", True, _iso(when))

    def student(self, student_id: str | None) -> Check:
        if student_id is None or self.student_id is None or student_id != self.student_id:
            return Check("student", False, f"made for student '{student_id}', but this portfolio is '{self.student_id}'")
        return Check("student", True, f"made for student '{student_id}'")

    def chain(self, pred: dict, sequence: int, stage: str, before: Approval | None, duplicate: bool, chain_ok_before: bool) -> Check:
        if duplicate:
            return Check("chain", False, f"more than one approval is numbered {sequence:04d}")
        if pred.get("sequence") != sequence or isinstance(pred.get("sequence"), bool):
            return Check("chain", False, f"signed as number {pred.get('sequence')!r}, but the file is number {sequence} (moved or replayed)")
        if pred.get("stage") != stage:
            return Check("chain", False, f"signed for the stage {pred.get('stage')!r}, but the file name says '{stage}'")
        previous = pred.get("previous")
        if sequence == 1:
            if previous is not None:
                return Check("chain", False, "the first approval names a previous one")
            return Check("chain", True, "first approval")
        if before is None:
            return Check("chain", False, f"approval {sequence - 1:04d}, which this one follows, is missing or ambiguous")
        if not isinstance(previous, dict) or previous.get("name") != before.file or previous.get("sha256") != before.sha256:
            return Check("chain", False, f"does not follow {before.file} as it is now (replayed, reordered, or the earlier approval was changed)")
        if not chain_ok_before:
            return Check("chain", False, f"follows {before.file}, whose own chain is broken")
        return Check("chain", True, f"follows {before.file}")

    def digests(self, stage: str, subjects: dict[str, str], left_to_report: object = None) -> tuple[Check, list[tuple[str, str]]]:
        changes: list[tuple[str, str]] = []
        for name, digest in subjects.items():
            now = self.digest(name)
            if now is None:
                changes.append((name, "deleted"))
            elif now != digest:
                changes.append((name, "modified"))
        if stage != "presentation":
            # Images the activities approval left to the report when it was signed are not "added" later.
            left = set(left_to_report) if isinstance(left_to_report, list) else set()
            changes += [(name, "added") for name in self.scope(stage) if name not in subjects and name not in left]
        changes.sort()
        if changes:
            listed = ", ".join(f"{name} ({how})" for name, how in changes[:10])
            more = f" and {len(changes) - 10} more" if len(changes) > 10 else ""
            return Check("digests", False, f"changed since approved: {listed}{more}"), changes
        return Check("digests", True, f"{len(subjects)} file(s) unchanged"), changes


def _passed(approval: Approval, name: str) -> bool:
    return any(c.name == name and c.passed for c in approval.checks)


def _statement(envelope: dsse.Envelope) -> dict:
    """The in-toto Statement in an envelope, its shape checked; EnvelopeError otherwise."""
    from cim_cli.load.files import is_unsafe_spelling

    if envelope.payload_type != dsse.IN_TOTO:
        raise dsse.EnvelopeError(f"payloadType is {envelope.payload_type[:80]!r}, not {dsse.IN_TOTO}")
    try:
        statement = json.loads(envelope.payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise dsse.EnvelopeError("the payload is not JSON") from None
    if not isinstance(statement, dict) or statement.get("_type") != STATEMENT_TYPE:
        raise dsse.EnvelopeError("the payload is not an in-toto Statement v1")
    if statement.get("predicateType") != PREDICATE_TYPE:
        raise dsse.EnvelopeError(f"the predicate is not a cim approval ({PREDICATE_TYPE})")
    if not isinstance(statement.get("predicate"), dict):
        raise dsse.EnvelopeError("the Statement has no predicate")
    subjects = statement.get("subject")
    if not isinstance(subjects, list) or not subjects:
        raise dsse.EnvelopeError("the Statement lists no subject")
    seen = set()
    for s in subjects:
        ok = isinstance(s, dict) and isinstance(s.get("name"), str) and isinstance(s.get("digest"), dict)
        if not ok or not isinstance(s["digest"].get("sha256"), str) or not _HEX64.match(s["digest"]["sha256"]):
            raise dsse.EnvelopeError("a subject lacks a name or a SHA-256 digest")
        if is_unsafe_spelling(s["name"]) or s["name"] in seen:
            raise dsse.EnvelopeError(f"the subject name {s['name'][:80]!r} is not a portfolio path, or appears twice")
        seen.add(s["name"])
    return statement


def read_approvals(where: "str | Source", student_id: str | None, trust: "TrustList | None", *, trust_problem: str | None = None, portfolio: "Portfolio | None" = None, now: datetime.datetime | None = None) -> tuple[list[Approval], list[tuple[str, str]]]:
    """Read and verify every approval of the portfolio at ``where`` (its folder, or the source it was read from), in order.

    Returns the approvals and the entries of approvals/ that are not
    approval files (with why). ``trust`` None (with ``trust_problem`` saying
    why) fails every ``key trusted`` check.
    """
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return _Reader(_source(where), student_id, trust, trust_problem, portfolio, now).read_all()


# -- writing an approval -------------------------------------------------------------

def next_file(root: str, stage: str) -> tuple[int, str, dict | None]:
    """(sequence, relative file name, previous {name, sha256} or None) of the next approval."""
    files, _ = list_approval_files(root)
    if not files:
        return 1, f"{APPROVALS_DIR}/0001-{stage}.json", None
    sequence, _, last = files[-1]
    with open(os.path.join(root, *last.split("/")), "rb") as fh:
        previous = {"name": last, "sha256": chain_digest(fh.read())}
    return sequence + 1, f"{APPROVALS_DIR}/{sequence + 1:04d}-{stage}.json", previous


def build_statement(
    root: str, stage: str, *, decision: str, comment: str, approver_name: str, approver_id: str,
    student_id: str, sequence: int, previous: dict | None, programme: "Programme | None",
    when: datetime.datetime, date: str, kind: str | None, portfolio: "Portfolio | None" = None,
) -> dict:
    """The in-toto Statement of a new approval (the files in scope are hashed now)."""
    names = scope_files(root, stage, portfolio)
    if not names:
        raise ApprovalError(f"there is nothing to approve for '{stage}' in {root}")
    links = [n for n in names if os.path.islink(os.path.join(root, *n.split("/")))]
    if links:
        raise ApprovalError(f"{links[0]} is a symbolic link; approvals cover files, not links: replace it by the file it points to")
    try:
        digests = digests_of(root, names)
    except DigestError as exc:
        raise ApprovalError(f"{exc.filename} cannot be read ({exc.strerror}); fix it before approving") from None
    predicate: dict = {
        "stage": stage,
        "decision": decision,
        "comment": comment,
        "approver": {"name": approver_name, "id": approver_id},
        "time": _iso(when),
        "date": date,
        "student_id": student_id,
        "sequence": sequence,
        "previous": previous,
        "programme": _programme_ref(programme),
        "digests": NORMALISATION,
    }
    if stage == "presentation":
        predicate["presentation"] = {"date": date, "kind": kind}
    if stage == "activities":
        # Files under evidence/ that only the report shows: the report approval covers them.
        if portfolio is None:
            from cim_cli.load.portfolio import load_portfolio

            portfolio = load_portfolio(root)
        predicate["left_to_report"] = sorted(report_only_images(portfolio))
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": n, "digest": {"sha256": d}} for n, d in digests.items() if d is not None],
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate,
    }


def _programme_ref(programme: "Programme | None") -> dict | None:
    if programme is None or programme.path is None or programme.sha256 is None:
        return None
    return {"name": os.path.basename(programme.path), "sha256": programme.sha256}


def write_approval(root: str, statement: dict, key: "SigningKey", rel: str) -> str:
    """Sign ``statement`` and create ``rel`` under ``root`` exclusively; returns the path.

    Two approvals made at once cannot both take a number: the second finds
    the file created and fails (run it again: it then chains to the first).
    """
    from cim_cli.atomic import write_text

    payload = json.dumps(statement, indent=None, separators=(",", ":"), sort_keys=False, ensure_ascii=True).encode("ascii")
    envelope = dsse.sign(dsse.IN_TOTO, payload, key)
    path = os.path.join(root, *rel.split("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        write_text(path, envelope.to_json(), exclusive=True)
    except FileExistsError:
        raise ApprovalError(f"{rel} appeared while this approval was made (another approval at the same time?); run the command again") from None
    return path


def approve(
    root: str, stage: str, key: "SigningKey", programme: "Programme", trust: "TrustList", *,
    decision: str = "approved", comment: str = "", date: str | None = None, kind: str | None = None,
    now: datetime.datetime | None = None,
) -> tuple[str, str]:
    """Sign and write the next approval of the portfolio at ``root``; returns (relative file, stage now).

    Refuses (ApprovalError) unless the key may sign for ``stage`` in
    ``trust``, the portfolio has no errors and is exactly at the stage that
    comes before, and the record is complete (a comment for ``revise``, a
    kind for a presentation).
    """
    from cim_cli.engine import check_portfolio
    from cim_cli.findings import stage_reached
    from cim_cli.load.portfolio import load_portfolio
    from cim_cli.trust.stage import using_trust_list

    if stage not in STAGES:
        raise ApprovalError(f"unknown stage {stage!r}; choose one of {', '.join(STAGES)}")
    if decision not in DECISIONS:
        raise ApprovalError(f"unknown decision {decision!r}; choose approved or revise")
    now = now or datetime.datetime.now(datetime.timezone.utc)
    today = now.astimezone(datetime.timezone.utc).date()
    if date is None:
        date = today.isoformat()
    from cim_cli.validation import is_date

    if not is_date(date):
        raise ApprovalError(f"--date {date!r} is not a date written YYYY-MM-DD")
    if datetime.date.fromisoformat(date) > today:
        raise ApprovalError(f"--date {date} is in the future")
    if stage == "presentation" and kind not in KINDS:
        raise ApprovalError("a presentation record needs --kind ceremony or --kind poster")
    if stage != "presentation" and kind is not None:
        raise ApprovalError("--kind belongs to --stage presentation only")
    if decision == "revise" and not comment.strip():
        raise ApprovalError("a 'revise' decision needs --comment saying what the student should change")
    if len(comment) > MAX_COMMENT:
        raise ApprovalError(f"the comment has {len(comment):,} characters; keep it under {MAX_COMMENT:,}")
    why = trust.check(key.did, stage, now)
    if why is not None:
        raise ApprovalError(f"your key {key.did} may not sign '{stage}' approvals: {why} ({trust.source})")
    entry = trust.key(key.did)
    with using_trust_list(trust):
        portfolio = load_portfolio(root)
        result = check_portfolio(portfolio, programme, root)
    blocking = [f for f in result.findings if f.severity == "error"]
    if blocking:
        raise ApprovalError(f"{root} has {len(blocking)} error(s); they must be fixed first (cim validate {root})")
    needed = REQUIRES[stage]
    # 'revise' may also withdraw an approval given earlier; 'approved' only advances by one stage.
    at_stage = stage_reached(result.stage, needed) if decision == "revise" else result.stage == needed
    if not at_stage:
        raise ApprovalError(f"{root} is at the stage '{result.stage}'; a '{stage}' approval needs it at '{needed}'")
    student_id = portfolio.student_data.get("student_id")
    if not isinstance(student_id, str) or not student_id:
        raise ApprovalError(f"{root}/student.yaml has no student_id")
    sequence, rel, previous = next_file(root, stage)
    statement = build_statement(
        root, stage, decision=decision, comment=comment, approver_name=entry.name, approver_id=key.did,
        student_id=student_id, sequence=sequence, previous=previous, programme=programme,
        when=now, date=date, kind=kind, portfolio=portfolio,
    )
    write_approval(root, statement, key, rel)
    with using_trust_list(trust):
        after = check_portfolio(load_portfolio(root), programme, root)
    return rel, after.stage
