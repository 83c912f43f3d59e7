"""``cim certify``: issue the credential and its certificate for a portfolio that has presented.

Refuses unless the portfolio's derived stage is ``presented`` (every approval
valid over unchanged files) and the signing key is in the trust list with the
``issuer`` role today. Everything is built and rendered in memory first; then
``credentials/<uuid>.json``, ``.html`` and ``.pdf`` are each written
atomically and exclusively (:mod:`cim_cli.atomic`): nothing is ever
overwritten, and no half-written file is seen.
"""

from __future__ import annotations

import datetime
import hashlib
import os
from dataclasses import dataclass
from typing import Any, Callable

CREDENTIALS_DIR = "credentials"
MAX_CREDENTIAL_FILES = 50


class CertifyError(Exception):
    """Why a portfolio cannot be certified (a sentence saying what to do)."""


@dataclass(frozen=True)
class Issued:
    """What ``cim certify`` wrote."""

    credential: dict[str, Any]
    json_path: str
    html_path: str
    pdf_path: str
    sha256: str
    token: str


def _credentials_folder(root: str) -> str:
    folder = os.path.join(root, CREDENTIALS_DIR)
    if os.path.islink(folder) or (os.path.exists(folder) and not os.path.isdir(folder)):
        raise CertifyError(f"{folder} is not a plain folder; remove it and run cim certify again")
    os.makedirs(folder, exist_ok=True)
    return folder


def certify(root: str, programme: Any, key: Any, trust: Any, *, now: datetime.datetime | None = None, progress: Callable[[str], None] | None = None) -> Issued:
    """Issue the credential for the portfolio at ``root``; raises CertifyError.

    ``key`` is a loaded SigningKey (cim_cli.trust.keys), ``trust`` the TrustList;
    ``progress`` is told each step (rendering the PDF takes seconds).
    """
    progress = progress or (lambda message: None)
    from cim_cli.atomic import write_bytes
    from cim_cli.engine import validate_path
    from cim_cli.load.portfolio import load_portfolio
    from cim_cli.trust import certificate, credential, token as tokens

    now = now or datetime.datetime.now(datetime.timezone.utc)
    reason = trust.check(key.did, "issuer", now)
    if reason is not None:
        raise CertifyError(f"the key {key.did} may not issue certificates: it is {reason}" if reason.startswith("not in") else f"the key {key.did} may not issue certificates: it {reason}")
    portfolio = load_portfolio(root)
    result = validate_path(root, programme)
    if result.stage == "certified":
        raise CertifyError("this portfolio is already certified; to issue again, revoke the existing credential in the trust list first")
    if result.stage != "presented":
        raise CertifyError(f"the portfolio is at stage '{result.stage}'; cim certify needs 'presented' (every approval valid over unchanged files, and the presentation recorded)")
    progress("signing the credential")
    facts = credential.certificate_facts(result, portfolio, programme, key.did)
    try:
        issued = credential.issue_credential(facts, key.private, issued=now)
    except credential.CredentialError as exc:
        raise CertifyError(str(exc)) from None
    data = credential.credential_bytes(issued)
    stem = credential.credential_file_stem(issued["id"])
    token = tokens.make_token(tokens.claims_for(issued, data), key.private)
    site = getattr(programme, "site_url", None)
    html = certificate.render_html(certificate.certificate_context(issued, data, token, site, embedded=False, json_name=f"{stem}.json"))
    progress("rendering the certificate")
    pdf_html = certificate.render_html(certificate.certificate_context(issued, data, token, site, embedded=True))
    try:
        pdf = certificate.render_pdf(pdf_html, data)
    except certificate.CertificateError as exc:
        raise CertifyError(f"the certificate PDF cannot be rendered: {exc}") from None
    folder = _credentials_folder(root)
    paths = [os.path.join(folder, f"{stem}{ext}") for ext in (".json", ".html", ".pdf")]
    written: list[str] = []
    try:
        for path, content in zip(paths, (data, html.encode("utf-8"), pdf)):
            write_bytes(path, content, exclusive=True)
            written.append(path)
    except OSError as exc:
        for path in written:
            os.unlink(path)
        raise CertifyError(f"{folder}: cannot write the credential ({exc.strerror or exc})") from None
    return Issued(issued, paths[0], paths[1], paths[2], hashlib.sha256(data).hexdigest(), token)


def credential_files(source: Any) -> list[str]:
    """The ``credentials/*.json`` files of a portfolio, relative to it (regular files only, at most 50, sorted).

    ``source`` is the :class:`cim_cli.load.source.Source` the portfolio was
    read from (:func:`cim_cli.trust.source_of`): at ``--rev``, the committed
    credentials.
    """
    from cim_cli.load.source import FILE, FOLDER
    from cim_cli.model import OK

    if source.kind(CREDENTIALS_DIR) != FOLDER:
        return []
    listing = source.list_folder(CREDENTIALS_DIR)
    if listing.status != OK:
        return []
    names = [n for n in listing.names if n.endswith(".json") and not n.startswith(".")]
    rels = [f"{CREDENTIALS_DIR}/{n}" for n in names[:MAX_CREDENTIAL_FILES]]
    return [rel for rel in rels if source.kind(rel) == FILE]


@dataclass(frozen=True)
class CredentialVerdict:
    """One file of ``credentials/`` judged for this portfolio: why it does not count, or None."""

    file: str  # relative to the portfolio, e.g. credentials/<uuid>.json
    problem: str | None


_VERDICTS: dict[tuple, tuple[CredentialVerdict, ...]] = {}


def credential_verdicts(portfolio: Any, trust: Any, now: datetime.datetime | None = None) -> tuple[CredentialVerdict, ...]:
    """Every ``credentials/*.json`` of the portfolio judged against ``trust`` (a TrustList).

    A credential counts when every check of
    :func:`cim_cli.trust.credential_verify.credential_checks` passes (proof,
    trusted issuer key with the issuer role, dates, not revoked) and it names
    this student: their name and email (salted hash) as student.yaml gives
    them. Remembered per file state and trust list, so the stage and the rule
    verify each credential once.
    """
    from cim_cli.trust import source_of

    source = source_of(portfolio)
    files = credential_files(source)
    if not files or trust is None:
        return ()
    student = portfolio.student_data
    email, name = student.get("email"), student.get("name")
    contents = [(rel, _read_credential(source, rel)) for rel in files]
    # Remembered by content: the same bytes judged by the same list on the same day give the same verdict.
    states = tuple((rel, hashlib.sha256(data).hexdigest() if isinstance(data, bytes) else data) for rel, data in contents)
    key = (states, trust.sha256, email, name, (now or datetime.datetime.now(datetime.timezone.utc)).date())
    if key in _VERDICTS:
        return _VERDICTS[key]
    verdicts = tuple(_judge(rel, data, trust, email, name, now) for rel, data in contents)
    if len(_VERDICTS) > 256:
        _VERDICTS.clear()
    _VERDICTS[key] = verdicts
    return verdicts


def _read_credential(source: Any, rel: str) -> bytes | str:
    """The bytes of a credential file, or why it cannot be read."""
    from cim_cli.load import files as safe
    from cim_cli.model import OK
    from cim_cli.trust.credential_verify import MAX_CREDENTIAL_BYTES

    found = source.resolve(rel)
    if found.status != OK:
        return found.reason or "cannot be read"
    try:
        return source.read_bytes(found, MAX_CREDENTIAL_BYTES)
    except safe.ReadError as exc:
        return exc.message


def _judge(rel: str, data: bytes | str, trust: Any, email: Any, name: Any, now: datetime.datetime | None) -> CredentialVerdict:
    from cim_cli.trust.credential import email_matches, student_name
    from cim_cli.trust.credential_verify import credential_checks, parse_credential_bytes
    from cim_cli.trust.verify import Unreadable

    if isinstance(data, str):
        return CredentialVerdict(rel, data)
    try:
        credential = parse_credential_bytes(data)
    except Unreadable as exc:
        return CredentialVerdict(rel, f"is {exc}")
    failed = [c for c in credential_checks(credential, trust, now) if not c.passed]
    if failed:
        return CredentialVerdict(rel, "; ".join(f"{c.name}: {c.detail}" for c in failed[:3]))
    if not isinstance(name, str) or student_name(credential) != name.strip() or not isinstance(email, str) or not email_matches(credential, email):
        return CredentialVerdict(rel, "was issued to someone else (its name or email is not this student's)")
    return CredentialVerdict(rel, None)


def valid_credential_for(portfolio: Any, trust: Any, now: datetime.datetime | None = None) -> str | None:
    """The portfolio-relative path of a credential that counts for this student (see :func:`credential_verdicts`), or None."""
    for verdict in credential_verdicts(portfolio, trust, now):
        if verdict.problem is None:
            return verdict.file
    return None


def trust_for_portfolio(programme: Any, explicit_trust: Any = None) -> tuple[Any, str | None]:
    """The trust list that judges a portfolio's credentials, or (None, why not)."""
    if explicit_trust is not None:
        return explicit_trust, None
    from cim_cli.trust.trustlist import TrustListError, trust_list_for

    try:
        trust = trust_list_for(programme)
    except TrustListError as exc:
        return None, f"the trust list cannot be used: {exc.problems[0].message if exc.problems else exc}"
    if trust is None:
        return None, "no trust list: the programme file names none (trust: trust.yaml)"
    return trust, None


def portfolio_certified(portfolio: Any, programme: Any, explicit_trust: Any = None) -> bool:
    """Whether ``credentials/`` holds a credential that counts for this portfolio's student.

    Judged by ``explicit_trust`` (``--trust FILE``) or the programme's trust
    list; with neither, or an unusable one, nothing is certified.
    """
    from cim_cli.trust import source_of

    if not credential_files(source_of(portfolio)):
        return False
    trust, _ = trust_for_portfolio(programme, explicit_trust)
    return valid_credential_for(portfolio, trust) is not None
