"""Verifying a credential (``.json``) or a certificate (``.pdf`` with the credential attached).

Each verification is a list of named checks (:mod:`cim_cli.trust.verification`):

- ``contexts``: every ``@context`` is one cim pins (VC 2.0 first); nothing is fetched;
- ``signed fields``: every field is defined by those contexts, so the proof covers it
  (canonicalisation silently drops an undefined one: an added field would go unnoticed);
- ``proof``: the ``eddsa-rdfc-2022`` DataIntegrityProof over the credential, with the
  key of its ``did:key`` verification method (a ``did:web`` or ``https:`` issuer cannot be
  resolved offline: the check fails and says so);
- ``issuer key``: the proof was made by the issuer's own key;
- ``schema``: 1EdTech's Open Badges 3.0 JSON Schema (for Open Badges credentials);
- ``issuer trusted``: the issuer is in the trust list with the ``issuer`` role on the day
  of issue (else "not in your trust list", with the did:key);
- ``validity dates``: ``validFrom`` is past and ``validUntil`` (if any) is not;
- ``revocation``: the trust list does not revoke the credential's id;
- for a PDF, ``attachment`` (the credential is attached) and ``certificate text`` (the
  page shows that credential's id and file SHA-256: the printed page itself is not
  signed, so it is compared with what is).

A file that cannot be read, or is not JSON/PDF at all, is *unreadable*
(:class:`Unreadable`), which ``cim verify`` reports with exit 2.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from typing import Any

from cim_cli.trust.verification import Check, Verification
from cim_cli.trust.verify import Unreadable

MAX_CREDENTIAL_BYTES = 1024 * 1024
MAX_PDF_BYTES = 32 * 1024 * 1024
OB_TYPES = ("OpenBadgeCredential", "AchievementCredential")


def _parse_time(value: Any) -> datetime.datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        when = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=datetime.timezone.utc)


def _proof_methods(credential: dict[str, Any]) -> list[str]:
    proof = credential.get("proof")
    proofs = proof if isinstance(proof, list) else [proof]
    return [p.get("verificationMethod") for p in proofs if isinstance(p, dict) and isinstance(p.get("verificationMethod"), str)]


def credential_checks(credential: Any, trust: Any, now: datetime.datetime | None = None, trust_problem: str | None = None) -> list[Check]:
    """Every check of a parsed credential; ``trust`` is a TrustList or None (then ``trust_problem`` says why)."""
    from cim_cli.trust.credential import issuer_id, schema_problems
    from cim_cli.trust.dataintegrity import verify_proof
    from cim_cli.trust.jsonld import VC_V2, CanonicalisationError, ContextError, context_urls, undefined_terms

    now = now or datetime.datetime.now(datetime.timezone.utc)
    if not isinstance(credential, dict):
        return [Check("credential", False, "the file holds JSON, but not a credential (an object)")]
    checks: list[Check] = []
    contexts_ok = False
    try:
        urls = context_urls(credential)
        if urls[:1] != [VC_V2]:
            checks.append(Check("contexts", False, f"the first @context must be {VC_V2}"))
        else:
            contexts_ok = True
            checks.append(Check("contexts", True, "pinned in cim: " + ", ".join(urls)))
    except ContextError as exc:
        checks.append(Check("contexts", False, str(exc)))
    unsecured = {k: v for k, v in credential.items() if k != "proof"}
    if contexts_ok:
        try:
            undefined = undefined_terms(unsecured)
        except (ContextError, CanonicalisationError) as exc:
            undefined = [str(exc)]
        checks.append(Check("signed fields", not undefined, "every field is covered by the signature" if not undefined else "not covered by the signature: " + "; ".join(undefined[:5])))
    reason = verify_proof(credential)
    checks.append(Check("proof", reason is None, "eddsa-rdfc-2022 signature valid" if reason is None else reason))

    issuer = issuer_id(credential)
    methods = _proof_methods(credential)
    own = bool(methods) and issuer is not None and all(m.split("#", 1)[0] == issuer for m in methods)
    if own:
        detail = f"signed with the issuer's key {issuer}"
    else:
        detail = f"the proof's key ({', '.join(m.split('#', 1)[0] for m in methods) or 'none'}) is not the issuer ({issuer})"
        if isinstance(issuer, str) and not issuer.startswith("did:key:"):
            detail += "; an issuer that is a web address or did:web cannot be resolved offline to show that it holds that key"
    checks.append(Check("issuer key", own, detail))

    types = credential.get("type")
    if isinstance(types, list) and any(t in OB_TYPES for t in types):
        problems = schema_problems(credential)
        checks.append(Check("schema", not problems, "Open Badges 3.0 JSON Schema" if not problems else "; ".join(problems[:5])))

    valid_from = _parse_time(credential.get("validFrom"))
    trust_check = _trust_check(trust, trust_problem, issuer, valid_from)
    checks.append(trust_check)

    until_raw = credential.get("validUntil")
    valid_until = _parse_time(until_raw)
    if valid_from is None:
        checks.append(Check("validity dates", False, "validFrom is missing or not a date and time"))
    elif valid_from > now:
        checks.append(Check("validity dates", False, f"not valid before {credential['validFrom']}"))
    elif until_raw is not None and valid_until is None:
        checks.append(Check("validity dates", False, "validUntil is not a date and time"))
    elif valid_until is not None and valid_until < now:
        checks.append(Check("validity dates", False, f"expired on {until_raw}"))
    else:
        checks.append(Check("validity dates", True, f"valid from {credential['validFrom']}" + (f" until {until_raw}" if until_raw else "")))

    if trust is None:
        checks.append(Check("revocation", False, "cannot be checked without a trust list"))
    else:
        revoked = trust.credential_revoked(credential.get("id"))
        if revoked is not None:
            why = f" ({revoked.reason})" if revoked.reason else ""
            checks.append(Check("revocation", False, f"revoked on {revoked.date.isoformat()}{why}"))
        else:
            checks.append(Check("revocation", True, "not revoked"))
    return checks


def _trust_check(trust: Any, trust_problem: str | None, issuer: str | None, issued: datetime.datetime | None) -> Check:
    if trust is None:
        return Check("issuer trusted", False, trust_problem or "no trust list: give --trust FILE or a programme file that names one")
    if issuer is None:
        return Check("issuer trusted", False, "the credential names no issuer")
    if not issuer.startswith("did:key:"):
        scheme = "did:web" if issuer.startswith("did:web:") else "not a did:key"
        return Check("issuer trusted", False, f"the issuer {issuer} is {scheme}; cim trusts did:key issuers listed in the trust list")
    reason = trust.check(issuer, "issuer", issued or datetime.datetime.now(datetime.timezone.utc))
    if reason is None:
        entry = trust.key(issuer)
        return Check("issuer trusted", True, f"{entry.name} ({issuer}), issuer in {os.path.basename(trust.source)}")
    if reason.startswith("not in"):
        return Check("issuer trusted", False, f"{reason}: {issuer}")
    return Check("issuer trusted", False, f"the issuer's key {issuer} {reason}")


def _summary(credential: Any, data: bytes) -> dict[str, Any]:
    from cim_cli.trust.credential import achievement_name, issuer_id, student_name

    if not isinstance(credential, dict):
        return {"sha256": hashlib.sha256(data).hexdigest()}
    return {
        "id": credential.get("id") if isinstance(credential.get("id"), str) else None,
        "name": student_name(credential),
        "title": achievement_name(credential) or (credential.get("name") if isinstance(credential.get("name"), str) else None),
        "issuer": issuer_id(credential),
        "issued": credential.get("validFrom") if isinstance(credential.get("validFrom"), str) else None,
        "sha256": hashlib.sha256(data).hexdigest(),
    }


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A key given twice is read by one program as the first value and by another as the last:
    # what a person is shown and what was signed could differ.
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def parse_credential_bytes(data: bytes) -> Any:
    """The JSON of a credential file; Unreadable when it is not UTF-8 JSON or repeats a key."""
    try:
        return json.loads(data.decode("utf-8-sig"), object_pairs_hook=_no_duplicates)
    except _DuplicateKey as exc:
        raise Unreadable(f"the key {str(exc)[:80]!r} appears twice in one object; a credential must be unambiguous") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Unreadable("not a JSON credential (not UTF-8 JSON)") from None


def _read(path: str, limit: int) -> bytes:
    from cim_cli.load import files

    try:
        return files.read_bytes(path, limit)
    except files.ReadError as exc:
        raise Unreadable(f"{exc.message}") from None


def verify_credential_bytes(data: bytes, subject: str, trust: Any, *, now: datetime.datetime | None = None, trust_problem: str | None = None) -> Verification:
    """Verify the bytes of a credential ``.json``; raises Unreadable."""
    credential = parse_credential_bytes(data)
    info = _summary(credential, data)
    if trust is not None:
        info["trust_list"] = {"path": trust.source, "sha256": trust.sha256}
    return Verification(subject, "credential", tuple(credential_checks(credential, trust, now, trust_problem)), (), info)


def verify_certificate_pdf(data: bytes, subject: str, trust: Any, *, now: datetime.datetime | None = None, trust_problem: str | None = None) -> Verification:
    """Verify a certificate PDF: its attached credential, and that the page shows that credential."""
    from cim_cli.trust.certificate import ATTACHMENT_NAME, CertificateError, extract_attachment

    if not data.startswith(b"%PDF-"):
        raise Unreadable("not a PDF")
    try:
        attached = extract_attachment(data)
    except CertificateError as exc:
        raise Unreadable(str(exc)) from None
    if attached is None:
        return Verification(subject, "certificate", (Check("attachment", False, f"the PDF has no {ATTACHMENT_NAME} attached: it is not a cim certificate, or the credential was removed"),), (), {})
    try:
        credential = parse_credential_bytes(attached)
    except Unreadable:
        return Verification(subject, "certificate", (Check("attachment", False, f"the attached {ATTACHMENT_NAME} is not JSON"),), (), {})
    checks = [Check("attachment", True, f"{ATTACHMENT_NAME} ({len(attached):,} bytes)")]
    checks += credential_checks(credential, trust, now, trust_problem)
    checks.append(_page_check(data, credential, attached))
    info = _summary(credential, attached)
    if trust is not None:
        info["trust_list"] = {"path": trust.source, "sha256": trust.sha256}
    return Verification(subject, "certificate", tuple(checks), (), info)


def _page_check(pdf: bytes, credential: Any, attached: bytes) -> Check:
    """The printed page names the attached credential (its id and file SHA-256) and its holder."""
    import io

    from pypdf import PdfReader

    from cim_cli.trust.credential import student_name

    try:
        reader = PdfReader(io.BytesIO(pdf), strict=False)
        text = "".join(page.extract_text() or "" for page in list(reader.pages)[:5])
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on damaged content streams
        return Check("certificate text", False, f"the page text cannot be read ({type(exc).__name__})")
    squeezed = "".join(text.split())
    wanted = {
        "credential id": str(credential.get("id", "")) if isinstance(credential, dict) else "",
        "credential SHA-256": hashlib.sha256(attached).hexdigest(),
        "holder's name": student_name(credential) or "",
    }
    missing = [what for what, value in wanted.items() if not value or "".join(value.split()) not in squeezed]
    if missing:
        return Check("certificate text", False, f"the printed certificate does not show the attached credential's {', '.join(missing)}: the page was altered or belongs to another credential")
    return Check("certificate text", True, "the page shows the attached credential's id, SHA-256 and holder")


def verify_file(path: str, trust: Any, *, now: datetime.datetime | None = None, trust_problem: str | None = None) -> Verification:
    """Verify a ``.json`` credential or a ``.pdf`` certificate at ``path``; raises Unreadable."""
    head = _read(path, MAX_PDF_BYTES)
    if head.startswith(b"%PDF-"):
        return verify_certificate_pdf(head, path, trust, now=now, trust_problem=trust_problem)
    if len(head) > MAX_CREDENTIAL_BYTES:
        raise Unreadable(f"is {len(head):,} bytes; a credential is at most {MAX_CREDENTIAL_BYTES:,}")
    return verify_credential_bytes(head, path, trust, now=now, trust_problem=trust_problem)


def trust_for_file(path: str, options: Any) -> tuple[Any, str | None]:
    """The trust list that judges a credential file, and why there is none.

    ``--trust FILE``, else the programme file's (``--programme``, or the one
    above the portfolio the file lies in). A programme file merely lying
    next to a credential someone sent you is never used: whoever hands over
    a certificate must not also hand over the list that trusts it.
    """
    from cim_cli.authoring.locate import find_portfolio
    from cim_cli.programme import ProgrammeError, load_programme, resolve_programme
    from cim_cli.trust.trustlist import TrustListError, trust_list_for
    from cim_cli.trust.verify import load_explicit_trust

    explicit = load_explicit_trust(options)
    if explicit is not None:
        return explicit, None
    portfolio = find_portfolio(os.path.dirname(os.path.abspath(path)))
    try:
        if options.programme:
            programme = load_programme(options.programme)
        elif portfolio is not None:
            programme = resolve_programme(None, portfolio)
        else:
            return None, "no trust list: give --trust FILE (the programme's trust.yaml) or --programme FILE"
    except ProgrammeError as exc:
        raise Unreadable(f"the programme file {exc.path} cannot be used") from None
    try:
        trust = trust_list_for(programme)
    except TrustListError as exc:
        raise Unreadable(exc.describe()) from None
    if trust is None:
        return None, "no trust list: the programme file names none (trust: trust.yaml); give --trust FILE"
    return trust, None


def verify_credential_path(path: str, options: Any) -> Verification:
    """``cim verify`` of a ``.json`` credential or ``.pdf`` certificate."""
    trust, problem = trust_for_file(path, options)
    return verify_file(path, trust, trust_problem=problem)
