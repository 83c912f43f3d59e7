"""The Open Badges 3.0 credential a certified student receives.

An ``OpenBadgeCredential`` (contexts VC 2.0 and OB 3.0.3) whose Achievement is
the programme's certificate (``achievementType: "Certificate"``), issued by the
programme's issuer ``did:key``, about a student identified by a salted SHA-256
hash of their email (an IdentityObject, so the credential does not publish the
address) and by their name, with evidence listing the approved activities and
the digest of the approved report. It is signed with an ``eddsa-rdfc-2022``
DataIntegrityProof (:mod:`cim_cli.trust.dataintegrity`) and checked against
1EdTech's JSON Schema before it is written.

Building is pure: :func:`certificate_facts` gathers what the credential says
from a checked portfolio, :func:`build_credential` turns facts into JSON,
:func:`issue_credential` signs and validates.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable

from cim_cli.trust import didkey
from cim_cli.trust.jsonld import OB_V3, VC_V2

CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]
SCHEMA_FILE = "achievementcredential.schema.json"
REPORT_EVIDENCE_NAME = "Reflective report"


class CredentialError(ValueError):
    """A credential that cim cannot issue (what is wrong is the message)."""


@dataclass(frozen=True)
class ActivityFact:
    """One approved activity as the credential lists it."""

    title: str
    category: str  # the catalogue's title of the category
    location: str  # "home" or "abroad" (or what the record says)
    country: str | None = None


@dataclass(frozen=True)
class CertificateFacts:
    """Everything the credential states, gathered from the programme and the portfolio."""

    programme_title: str
    criteria: str
    issuer_did: str
    issuer_name: str
    student_name: str
    student_email: str
    activities: tuple[ActivityFact, ...]
    report_sha256: str | None
    institution: str | None = None
    description: str = field(default="")


def utc_timestamp(when: datetime | None = None) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` (XML Schema dateTime in UTC, whole seconds)."""
    when = (when or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def email_identity_hash(email: str, salt: str) -> str:
    """OB 3.0 IdentityHash of an email: ``sha256$`` + hex SHA-256(address + salt).

    The address is stripped and lower-cased first, so that an employer who
    types it differently still finds the same hash.
    """
    normalised = email.strip().lower()
    return "sha256$" + hashlib.sha256((normalised + salt).encode("utf-8")).hexdigest()


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def criteria_narrative(programme: Any) -> str:
    """The programme's rules in a paragraph: what a holder of the certificate has done."""
    req = programme.requirements
    rep = programme.report
    parts = [
        f"Completed at least {_count(req['min_activities'], 'international activity', 'international activities')}"
    ]
    where = []
    if req.get("min_abroad"):
        where.append(f"at least {req['min_abroad']} abroad")
    if req.get("min_home"):
        where.append(f"at least {req['min_home']} at home")
    if where:
        parts[0] += f" ({' and '.join(where)})"
    parts[0] += (
        f", each documented with evidence and a written reflection of at least {req['min_reflection_words']} words, "
        "and approved by the certificate administrator."
    )
    questions = rep.get("questions") or []
    report = f"Wrote a reflective report of {rep['min_words']} to {rep['max_words']} words"
    if questions:
        report += " answering: " + " ".join(f"({i}) {q}" for i, q in enumerate(questions, 1))
    report += (" " if report.endswith("?") else ". ") + "The report was approved by academic staff."
    parts.append(report)
    parts.append("Presented the experience at a certificate ceremony or poster session.")
    return " ".join(parts)


def certificate_facts(result: Any, portfolio: Any, programme: Any, issuer_did: str, issuer_name: str | None = None) -> CertificateFacts:
    """What the credential states about a checked portfolio (``result`` from the engine).

    The activities listed are the counting ones: certifying requires the
    activities approval to be valid over unchanged files, so they are the
    approved ones.
    """
    student = portfolio.student_data
    name, email = student.get("name"), student.get("email")
    if not isinstance(name, str) or not name.strip():
        raise CredentialError("student.yaml has no name to put on the certificate")
    if not isinstance(email, str) or "@" not in email:
        raise CredentialError("student.yaml has no email address to identify the student by")
    catalogue = programme.catalogue
    activities = tuple(
        ActivityFact(
            title=a.title or a.slug,
            category=catalogue.get(a.category or "", {}).get("title", a.category or "activity"),
            location=a.location or "",
            country=a.country,
        )
        for a in result.activities
        if a.counts
    )
    report_digest = None
    if portfolio.report is not None and portfolio.report.text is not None:
        report_digest = file_sha256(portfolio, portfolio.report.file)
    title = programme.title
    institution = programme.data.get("institution")
    return CertificateFacts(
        programme_title=title,
        criteria=criteria_narrative(programme),
        issuer_did=issuer_did,
        issuer_name=issuer_name or (institution or title),
        student_name=name.strip(),
        student_email=email,
        activities=activities,
        report_sha256=report_digest,
        institution=institution if isinstance(institution, str) else None,
        description=f"Awarded by {institution or title} to students who combine international activities "
        "with reflection on what they learnt from them.",
    )


def file_sha256(portfolio: Any, rel: str) -> str | None:
    """The SHA-256 of a portfolio file as the approvals record it (text as git stores it), read where the portfolio was read from."""
    from cim_cli.trust import source_of

    return source_of(portfolio).text_digest(rel)


def achievement_id(issuer_did: str, title: str) -> str:
    """A stable id for the programme's Achievement: the same issuer and title give the same id."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"cim:achievement:{issuer_did}:{title}"))


def country_name(code: str) -> str:
    """``Germany (DE)`` for an ISO 3166 alpha-2 code, anything else as written."""
    from cim_cli.countries import is_code, name

    return f"{name(code)} ({code})" if isinstance(code, str) and is_code(code) else code


def _location_text(activity: ActivityFact) -> str:
    where = {"home": "At home", "abroad": "Abroad"}.get(activity.location, activity.location or "")
    if activity.country:
        country = country_name(activity.country)
        return f"{where}, {country}" if where else country
    return where


def build_credential(facts: CertificateFacts, *, credential_id: str | None = None, salt: str | None = None, issued: datetime | None = None) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential for ``facts`` (JSON-ready dict)."""
    credential_id = credential_id or f"urn:uuid:{uuid.uuid4()}"
    salt = salt if salt is not None else secrets.token_hex(16)
    valid_from = utc_timestamp(issued)
    evidence: list[dict[str, Any]] = []
    for activity in facts.activities:
        item: dict[str, Any] = {"type": ["Evidence"], "name": activity.title, "genre": activity.category}
        where = _location_text(activity)
        if where:
            item["description"] = where
        evidence.append(item)
    if facts.report_sha256:
        evidence.append(
            {
                "type": ["Evidence"],
                "name": REPORT_EVIDENCE_NAME,
                "genre": "Report",
                "description": f"report.md as approved by academic staff, SHA-256 {facts.report_sha256}",
            }
        )
    issuer: dict[str, Any] = {"id": facts.issuer_did, "type": ["Profile"], "name": facts.issuer_name}
    credential: dict[str, Any] = {
        "@context": [VC_V2, OB_V3],
        "id": credential_id,
        "type": list(CREDENTIAL_TYPE),
        "name": facts.programme_title,
        "issuer": issuer,
        "validFrom": valid_from,
        "awardedDate": valid_from,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "identityHash": email_identity_hash(facts.student_email, salt),
                    "salt": salt,
                },
                {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": facts.student_name},
            ],
            "achievement": {
                "id": achievement_id(facts.issuer_did, facts.programme_title),
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": facts.programme_title,
                "description": facts.description or facts.programme_title,
                "criteria": {"narrative": facts.criteria},
            },
        },
    }
    if evidence:
        credential["evidence"] = evidence
    return credential


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft201909Validator

    text = resources.files("cim_cli.schemas").joinpath("openbadges").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    return Draft201909Validator(json.loads(text))


def schema_problems(credential: Any) -> list[str]:
    """What 1EdTech's JSON Schema rejects in ``credential``: one sentence each, empty when valid."""
    if isinstance(credential, dict) and isinstance(credential.get("proof"), dict):
        # The schema wants a list; one proof object is the same proof (the proof check judges it).
        credential = {**credential, "proof": [credential["proof"]]}
    problems = []
    for error in sorted(_validator().iter_errors(credential), key=lambda e: list(map(str, e.absolute_path))):
        where = "/".join(str(p) for p in error.absolute_path) or "(the credential)"
        problems.append(f"{where}: {error.message[:300]}")
    return problems


def issue_credential(facts: CertificateFacts, private_key: Any, **options: Any) -> dict[str, Any]:
    """The signed credential: built, refused if any term is undefined, signed, schema-checked.

    ``private_key`` (a ``cryptography`` Ed25519PrivateKey) must be the key of
    ``facts.issuer_did``. Raises CredentialError.
    """
    from cim_cli.trust.dataintegrity import ProofError, add_proof, proof_options

    public = private_key.public_key().public_bytes_raw()
    if didkey.did_from_public_key(public) != facts.issuer_did:
        raise CredentialError("the signing key is not the issuer's key")
    credential = build_credential(facts, **options)
    try:
        signed = add_proof(credential, private_key, proof_options(didkey.verification_method(facts.issuer_did), credential["validFrom"]))
    except ProofError as exc:
        raise CredentialError(str(exc)) from None
    # Open Badges 3.0 (and its schema) writes the proof as a list: a proof set of one.
    signed["proof"] = [signed["proof"]]
    problems = schema_problems(signed)
    if problems:
        raise CredentialError("the credential does not match the Open Badges 3.0 schema: " + "; ".join(problems))
    return signed


def credential_bytes(credential: dict[str, Any]) -> bytes:
    """The bytes of ``credentials/<id>.json``: indented UTF-8 JSON with a final newline."""
    return (json.dumps(credential, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def credential_file_stem(credential_id: str) -> str:
    """The file name (without extension) for a credential id: the UUID of ``urn:uuid:…``."""
    if credential_id.startswith("urn:uuid:"):
        return credential_id[len("urn:uuid:"):]
    raise CredentialError("cim names credential files after urn:uuid ids only")


def student_name(credential: Any) -> str | None:
    """The name in the credential's ``identityType: name`` IdentityObject, if any."""
    subject = credential.get("credentialSubject") if isinstance(credential, dict) else None
    ids = subject.get("identifier") if isinstance(subject, dict) else None
    for item in ids if isinstance(ids, list) else []:
        if isinstance(item, dict) and item.get("identityType") == "name" and item.get("hashed") is False:
            value = item.get("identityHash")
            return value if isinstance(value, str) else None
    return None


def email_matches(credential: Any, email: str) -> bool:
    """Whether ``email`` is the address hashed into the credential's subject."""
    subject = credential.get("credentialSubject") if isinstance(credential, dict) else None
    ids = subject.get("identifier") if isinstance(subject, dict) else None
    for item in ids if isinstance(ids, list) else []:
        if isinstance(item, dict) and item.get("identityType") == "emailAddress" and item.get("hashed") is True:
            salt = item.get("salt") or ""
            if isinstance(salt, str) and item.get("identityHash") == email_identity_hash(email, salt):
                return True
    return False


def issuer_id(credential: Any) -> str | None:
    """The issuer's id: ``issuer`` itself when a string, else ``issuer.id``."""
    issuer = credential.get("issuer") if isinstance(credential, dict) else None
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, dict) and isinstance(issuer.get("id"), str):
        return issuer["id"]
    return None


def achievement_name(credential: Any) -> str | None:
    """The name of the credential's Achievement."""
    try:
        name = credential["credentialSubject"]["achievement"]["name"]
    except (KeyError, TypeError):
        return None
    return name if isinstance(name, str) else None


def activities_of(credential: Any) -> Iterable[dict[str, Any]]:
    """The evidence entries of a credential (dicts only)."""
    evidence = credential.get("evidence") if isinstance(credential, dict) else None
    return [e for e in evidence if isinstance(e, dict)] if isinstance(evidence, list) else []
