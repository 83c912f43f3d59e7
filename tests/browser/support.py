"""Keys, a trust list and verification codes for the browser tests, made with ``cryptography``.

The code format is the one agreed with the credential helper (cim_cli/trust/token.py):
``"cimv1." + b64url(payload) + "." + b64url(sig)``, payload = compact JSON with sorted
keys of id, name, title, issued, issuer, sha256; sig = Ed25519 over the ASCII bytes of
``"cimv1." + b64url(payload)``. It is written out here from the agreement, not imported,
so the page is tested against the format rather than against one implementation.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cim_cli.trust.didkey import did_from_public_key


def _key(seed_byte: int) -> Ed25519PrivateKey:
    # Fixed seeds: the same keys, tokens and screenshots on every run.
    return Ed25519PrivateKey.from_private_bytes(bytes([seed_byte]) * 32)


def did_of(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return did_from_public_key(raw)


ISSUER = _key(1)  # the certificate administrator: role issuer, in force from 2025
APPROVER = _key(2)  # academic staff: approves reports, may not issue certificates
RETIRED = _key(3)  # an issuer whose key expired at the end of 2025
STOLEN = _key(4)  # an issuer whose key was revoked on 2026-03-01
STRANGER = _key(5)  # in no trust list

# The credential helper's fixed vector (tests/vectors/cimv1-token.json on branch credential, made by
# cim_cli/trust/token.py from RFC 8032's test 1 key): the page and the Python code must agree on it.
VECTOR_DID = "did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw"
VECTOR_TOKEN = (
    "cimv1.eyJpZCI6InVybjp1dWlkOjNmMmI4YzFlLTZkNGEtNGI3ZS05YTUxLTBjMmQ3ZThmOWExMCIsImlzc3VlZCI6IjIwMjYtMTItMDFUMTA6MD"
    "A6MDBaIiwiaXNzdWVyIjoiZGlkOmtleTp6Nk1rdHd1cGRtTFhWVnFUekN3NGk0NnI0dUd5b3NHWFJuUjNYak40WnE3b01Nc3ciLCJuYW1lIjoiw4VzYS"
    "DDlmJlcmctw5HDusOxZXoiLCJzaGEyNTYiOiI1ZjFjMGE5ZThiN2Q2YzViNGEzOTI4MTcwNmY1ZTRkM2MyYjFhMDlmOGU3ZDZjNWI0YTM5MjgxNzA2MT"
    "UyNDNmIiwidGl0bGUiOiJDZXJ0aWZpY2F0ZSBvZiBJbnRlcm5hdGlvbmFsIE1lcml0cyJ9.kXbBFhvMETCanf3NU7d1qIkSsPrN3mPIhAd2nTPfPDy9PtB"
    "G6pddJTICuZFzIaOyr_D0Ez4fW3D6sUKR1EPWBw"
)

REVOKED_ID = "urn:uuid:00000000-0000-4000-8000-00000000dead"
CREDENTIAL_FILE = b'{"example": "the issued credential file"}\n'

TRUST_LIST = f"""\
# The programme's trust list: who may sign what, and when.
keys:
  - id: {did_of(ISSUER)}
    name: Certificate Administrator
    email: cim@example.edu
    roles: [issuer, report]
    valid_from: 2025-01-01
  - id: {did_of(APPROVER)}
    name: Academic Staff Member
    roles: [activities, report, presentation]
  - id: {did_of(RETIRED)}
    name: Former Administrator
    roles: [issuer]
    valid_from: 2024-01-01
    valid_until: 2025-12-31
  - id: {did_of(STOLEN)}
    name: Deputy Administrator
    roles: [issuer]
    revoked: 2026-03-01
  - id: {VECTOR_DID}
    name: Vector Issuer
    roles: [issuer]
revoked_credentials:
  - id: {REVOKED_ID}
    date: 2026-05-01
    reason: issued in error
"""


def write_programme_with_trust_list(folder: Path) -> Path:
    """A programme file naming ``trust.yaml`` beside it; returns the programme file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "trust.yaml").write_text(TRUST_LIST, encoding="utf-8")
    programme = folder / "programme.yaml"
    programme.write_text("institution: Example University\ntrust: trust.yaml\n", encoding="utf-8")
    return programme


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def payload(**overrides: str) -> dict:
    base = {
        "id": "urn:uuid:6f1c2a4e-0b7d-4c57-9a43-1d2f3e4a5b6c",
        "name": "Ada Lovelace",
        "title": "Certificate of International Merits",
        "issued": "2026-06-15T10:00:00Z",
        "issuer": did_of(ISSUER),
        "sha256": hashlib.sha256(CREDENTIAL_FILE).hexdigest(),
    }
    base.update(overrides)
    return base


def token(data: dict, key: Ed25519PrivateKey = ISSUER) -> str:
    """A verification code over ``data`` signed with ``key``."""
    signed = "cimv1." + b64url(json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    return signed + "." + b64url(key.sign(signed.encode("ascii")))
