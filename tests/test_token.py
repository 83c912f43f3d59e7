"""The cimv1 verification token: make, parse, verify against a trust list; a fixed vector for the website."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from cim_cli.trust import didkey
from cim_cli.trust import token as tk
from cim_cli.trust.trustlist import parse_trust_list

VECTOR = Path(__file__).resolve().parent / "vectors" / "cimv1-token.json"
KEY = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(json.loads(VECTOR.read_text())["seed_hex"]))
DID = didkey.did_from_public_key(KEY.public_key().public_bytes_raw())


def trust(extra: str = "", roles: str = "[issuer]") -> object:
    text = f"keys:\n  - id: {DID}\n    name: Registrar\n    roles: {roles}\n{extra}"
    return parse_trust_list(text.encode(), "trust.yaml")


def claims(**over) -> dict:
    base = dict(json.loads(VECTOR.read_text())["claims"])
    base.update(over)
    return base


def test_fixed_vector_byte_for_byte():
    # The vector the website's verify page tests against: same key, claims -> same token.
    vector = json.loads(VECTOR.read_text())
    assert vector["issuer_did"] == DID == vector["claims"]["issuer"]
    assert tk.payload_bytes(vector["claims"]).decode("utf-8") == vector["payload_json"]
    assert tk.make_token(vector["claims"], KEY) == vector["token"]


def test_format_independently_of_the_module():
    token = tk.make_token(claims(), KEY)
    prefix, payload, sig = token.split(".")
    assert prefix == "cimv1" and "=" not in payload + sig
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    decoded = base64.urlsafe_b64decode(pad(payload))
    assert decoded == json.dumps(claims(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert list(json.loads(decoded)) == sorted(claims())
    Ed25519PublicKey.from_public_bytes(didkey.public_key_from_did(DID)).verify(base64.urlsafe_b64decode(pad(sig)), f"cimv1.{payload}".encode("ascii"))


def test_valid_and_url_form():
    token = tk.make_token(claims(), KEY)
    assert tk.verify_token(token, trust()) == tk.TokenResult("valid", None, claims())
    assert tk.verify_token(f"https://cim.example.edu/verify.html#{token}", trust()).status == "valid"


def test_not_in_trust_list_names_the_did():
    token = tk.make_token(claims(), KEY)
    other = parse_trust_list(b"keys: []\n", "trust.yaml")
    result = tk.verify_token(token, other)
    assert result.status == "invalid" and "not in your trust list" in result.reason and DID in result.reason


def test_wrong_role_expired_and_revoked_key():
    token = tk.make_token(claims(), KEY)
    assert "lacks the role 'issuer'" in tk.verify_token(token, trust(roles="[report]")).reason
    assert "expired" in tk.verify_token(token, trust("    valid_until: 2026-01-01\n")).reason
    assert "revoked" in tk.verify_token(token, trust("    revoked: 2026-06-01\n")).reason


def test_revoked_credential():
    token = tk.make_token(claims(), KEY)
    listed = trust(f"revoked_credentials:\n  - id: {claims()['id']}\n    date: 2026-12-24\n    reason: issued in error\n")
    result = tk.verify_token(token, listed)
    assert result.status == "revoked" and "2026-12-24" in result.reason and "issued in error" in result.reason


@pytest.mark.parametrize("field", tk.FIELDS)
def test_every_altered_claim_is_invalid(field):
    token = tk.make_token(claims(), KEY)
    prefix, payload, sig = token.split(".")
    altered = claims(**{field: claims()[field][:-1] + ("0" if not claims()[field].endswith("0") else "1")})
    forged = f"{prefix}.{tk.b64url(tk.payload_bytes(altered))}.{sig}"
    result = tk.verify_token(forged, trust())
    assert result.status == "invalid"


def test_signature_by_another_key_claiming_the_issuer():
    other = Ed25519PrivateKey.from_private_bytes(bytes(32))
    signed_part = f"cimv1.{tk.b64url(tk.payload_bytes(claims()))}"
    forged = f"{signed_part}.{tk.b64url(other.sign(signed_part.encode()))}"
    assert "signature does not match" in tk.verify_token(forged, trust()).reason


@pytest.mark.parametrize(
    "bad",
    ["", "cimv1", "cimv1..", "cimv2.e30.AA", "cimv1.e30.AA", "cimv1.!!!.AA", "cimv1.e30=.AA", "x" * 10000, "cimv1." + tk.b64url(b"\xff\xfe") + "." + tk.b64url(bytes(64)),
     "cimv1." + tk.b64url(b'{"id":1}') + "." + tk.b64url(bytes(64)), None, "\udcff", "cimv1.a.b.c"],
)
def test_malformed_tokens_are_invalid_not_crashes(bad):
    result = tk.verify_token(bad, trust())
    assert result.status == "invalid" and result.reason


def test_make_refuses_a_key_that_is_not_the_issuer_and_extra_fields():
    with pytest.raises(tk.TokenError):
        tk.make_token(claims(issuer="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"), KEY)
    with pytest.raises(tk.TokenError):
        tk.make_token({**claims(), "grade": "A"}, KEY)
