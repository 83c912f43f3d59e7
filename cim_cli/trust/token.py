"""The verification token a certificate's QR code carries (format ``cimv1``).

``token = "cimv1." + b64url(payload) + "." + b64url(signature)`` where

- b64url is base64url without padding;
- payload is the UTF-8 bytes of compact JSON with sorted keys of
  ``{"id", "name", "title", "issued", "issuer", "sha256"}``: the credential id,
  the student's name, the achievement's name, ``validFrom``, the issuer's
  ``did:key``, and the hex SHA-256 of the credential ``.json`` file's bytes;
- signature is the issuer key's Ed25519 signature over the ASCII bytes of
  ``"cimv1." + b64url(payload)``.

The website's verify page implements the same format in the browser
(``verify.html#<token>``); keep the two in step. A token is small enough for a
QR code and says who holds which certificate; the credential file itself
(``cim verify``) carries the full proof.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cim_cli.trust import didkey

PREFIX = "cimv1"
FIELDS = ("id", "issued", "issuer", "name", "sha256", "title")
VALID, INVALID, REVOKED = "valid", "invalid", "revoked"
# A token longer than any QR code can carry is not one of ours.
MAX_TOKEN_CHARS = 4096
_B64URL = re.compile(r"[A-Za-z0-9_-]*\Z")
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")


class TokenError(ValueError):
    """A string that is not a well-formed cimv1 token."""


def b64url(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of :func:`b64url`; TokenError for anything else (padding included)."""
    if not _B64URL.match(text) or len(text) % 4 == 1:
        raise TokenError("not base64url without padding")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise TokenError("not base64url without padding") from None


def claims_for(credential: dict[str, Any], credential_file_bytes: bytes) -> dict[str, str]:
    """The token's claims for a credential and the exact bytes of its ``.json`` file."""
    from cim_cli.trust.credential import achievement_name, issuer_id, student_name

    claims = {
        "id": credential.get("id"),
        "name": student_name(credential),
        "title": achievement_name(credential),
        "issued": credential.get("validFrom"),
        "issuer": issuer_id(credential),
        "sha256": hashlib.sha256(credential_file_bytes).hexdigest(),
    }
    missing = [k for k, v in claims.items() if not isinstance(v, str)]
    if missing:
        raise TokenError(f"the credential lacks {', '.join(sorted(missing))} for a token")
    return claims  # type: ignore[return-value]


def payload_bytes(claims: dict[str, str]) -> bytes:
    """Compact JSON, keys sorted, UTF-8."""
    return json.dumps(claims, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def make_token(claims: dict[str, str], private_key: Any) -> str:
    """A signed token for ``claims`` (``private_key``: cryptography's Ed25519PrivateKey of ``claims['issuer']``)."""
    if sorted(claims) != sorted(FIELDS):
        raise TokenError(f"a token has exactly the fields {', '.join(FIELDS)}")
    public = private_key.public_key().public_bytes_raw()
    if didkey.did_from_public_key(public) != claims["issuer"]:
        raise TokenError("the signing key is not the issuer's key")
    signed_part = f"{PREFIX}.{b64url(payload_bytes(claims))}"
    return f"{signed_part}.{b64url(private_key.sign(signed_part.encode('ascii')))}"


@dataclass(frozen=True)
class ParsedToken:
    """A token split into its parts (the signature not yet checked)."""

    claims: dict[str, str]
    signed_part: bytes
    signature: bytes


def parse_token(token: str) -> ParsedToken:
    """Split and decode a token; TokenError says what is malformed. Accepts ``…/verify.html#<token>``."""
    if not isinstance(token, str):
        raise TokenError("a token is text")
    token = token.strip()
    if "#" in token:
        token = token.rsplit("#", 1)[1]
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenError("the token is too long")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise TokenError(f"not a {PREFIX} token (expected {PREFIX}.<payload>.<signature>)")
    payload, signature = b64url_decode(parts[1]), b64url_decode(parts[2])
    try:
        claims = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise TokenError("the token's payload is not JSON") from None
    if not isinstance(claims, dict) or sorted(claims) != sorted(FIELDS) or not all(isinstance(v, str) for v in claims.values()):
        raise TokenError(f"the token's payload must hold exactly the text fields {', '.join(FIELDS)}")
    if len(signature) != 64:
        raise TokenError("the token's signature is not 64 bytes")
    return ParsedToken(claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


@dataclass(frozen=True)
class TokenResult:
    """What verifying a token concluded: ``valid``, ``invalid`` (with the reason) or ``revoked``."""

    status: str
    reason: str | None
    claims: dict[str, str] | None


def _signature_problem(parsed: ParsedToken) -> str | None:
    """None when the token is signed by the key of the did:key it names as issuer; else why not."""
    claims = parsed.claims
    try:
        public = didkey.public_key_from_did(claims["issuer"])
    except didkey.DidKeyError:
        return f"the issuer {claims['issuer']!r} is not a did:key, so it cannot be checked offline"
    if "#" in claims["issuer"]:
        return "the issuer must be a did:key without a fragment"
    if not _HEX64.match(claims["sha256"]):
        return "the token's sha256 is not 64 lower-case hex digits"
    try:
        issued = datetime.fromisoformat(claims["issued"].replace("Z", "+00:00"))
    except ValueError:
        return "the token's issue date is not a date and time"
    if issued.tzinfo is None:
        return "the token's issue date has no time zone"
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public).verify(parsed.signature, parsed.signed_part)
    except (InvalidSignature, ValueError):
        return "the signature does not match: the token was altered or signed by another key"
    return None


def _trust_problem(claims: dict[str, str], trust: Any) -> str | None:
    issued = datetime.fromisoformat(claims["issued"].replace("Z", "+00:00"))
    reason = trust.check(claims["issuer"], "issuer", issued)
    if reason is None:
        return None
    return f"the issuer {claims['issuer']} is {reason}" if reason.startswith("not in") else f"the issuer's key {reason}"


def _revocation(claims: dict[str, str], trust: Any) -> str | None:
    revoked = trust.credential_revoked(claims["id"])
    if revoked is None:
        return None
    why = f": {revoked.reason}" if revoked.reason else ""
    return f"the credential was revoked on {revoked.date.isoformat()}{why}"


def verify_token(token: str, trust: Any) -> TokenResult:
    """Check a token's signature, its issuer against ``trust`` (a TrustList) and revocation.

    The issuer must be in the trust list with the ``issuer`` role on the day
    the token says it was issued. Never raises for bad input.
    """
    try:
        parsed = parse_token(token)
    except TokenError as exc:
        return TokenResult(INVALID, str(exc), None)
    problem = _signature_problem(parsed) or _trust_problem(parsed.claims, trust)
    if problem:
        return TokenResult(INVALID, problem, parsed.claims)
    revoked = _revocation(parsed.claims, trust)
    if revoked:
        return TokenResult(REVOKED, revoked, parsed.claims)
    return TokenResult(VALID, None, parsed.claims)


def token_checks(token: str, trust: Any, trust_problem: str | None = None) -> tuple[dict[str, str], list[Any]]:
    """``cim verify`` of a token: its claims and named checks (signature, issuer trusted, revocation).

    Raises TokenError for a string that is not a well-formed token. ``trust``
    may be None (then ``trust_problem`` says why the issuer cannot be judged).
    """
    from cim_cli.trust.verification import Check

    parsed = parse_token(token)
    claims = parsed.claims
    signature = _signature_problem(parsed)
    checks = [Check("signature", signature is None, signature or f"Ed25519 signature by {claims['issuer']}")]
    if signature is not None:
        return claims, checks
    if trust is None:
        checks.append(Check("issuer trusted", False, trust_problem or "no trust list: give --trust FILE"))
        checks.append(Check("revocation", False, "cannot be checked without a trust list"))
        return claims, checks
    untrusted = _trust_problem(claims, trust)
    entry = trust.key(claims["issuer"])
    checks.append(Check("issuer trusted", untrusted is None, untrusted or f"{entry.name} ({claims['issuer']})"))
    revoked = _revocation(claims, trust)
    checks.append(Check("revocation", revoked is None, revoked or "not revoked"))
    return claims, checks
