"""DSSE envelopes (secure-systems-lab/dsse, protocol v1): sign and verify exact bytes.

The signature covers ``PAE(type, body)`` = ``"DSSEv1" SP len(type) SP type SP
len(body) SP body`` (lengths in ASCII decimal bytes), so the payload is
signed as the bytes it is, never a re-serialisation, and its type cannot be
swapped. The envelope is JSON: ``payloadType``, ``payload`` (base64) and
``signatures`` (``keyid``, ``sig`` base64). Ed25519 only; the ``keyid`` is the
signer's did:key verification method, from which the public key is read.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

IN_TOTO = "application/vnd.in-toto+json"


class EnvelopeError(ValueError):
    """Bytes that are not a DSSE envelope; the message says what is wrong."""


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE's pre-authentication encoding of ``payload_type`` and ``payload``."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


@dataclass(frozen=True)
class Signature:
    keyid: str
    sig: bytes


@dataclass(frozen=True)
class Envelope:
    payload_type: str
    payload: bytes
    signatures: tuple[Signature, ...]

    def to_json(self) -> str:
        """The envelope as the JSON text written to a file (one trailing newline)."""
        body = {
            "payloadType": self.payload_type,
            "payload": base64.b64encode(self.payload).decode("ascii"),
            "signatures": [{"keyid": s.keyid, "sig": base64.b64encode(s.sig).decode("ascii")} for s in self.signatures],
        }
        return json.dumps(body, indent=2) + "\n"


def sign(payload_type: str, payload: bytes, key) -> Envelope:
    """An envelope with one signature by ``key`` (a :class:`cim_cli.trust.keys.SigningKey`)."""
    return Envelope(payload_type, payload, (Signature(key.verification_method, key.sign(pae(payload_type, payload))),))


def _b64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise EnvelopeError(f"{what} is not a base64 string")
    # DSSE accepts standard and URL-safe base64, padded or not; nothing else.
    text = value.replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise EnvelopeError(f"{what} is not valid base64") from None


def parse(data: bytes) -> Envelope:
    """Parse envelope JSON; raises EnvelopeError."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise EnvelopeError(f"not JSON ({type(exc).__name__})") from None
    if not isinstance(doc, dict):
        raise EnvelopeError("not a DSSE envelope (a JSON object with payloadType, payload, signatures)")
    payload_type = doc.get("payloadType")
    if not isinstance(payload_type, str):
        raise EnvelopeError("payloadType is missing")
    payload = _b64(doc.get("payload"), "payload")
    raw = doc.get("signatures")
    if not isinstance(raw, list) or not raw:
        raise EnvelopeError("the envelope has no signatures")
    signatures = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("keyid", ""), str):
            raise EnvelopeError("a signature entry is malformed")
        signatures.append(Signature(item.get("keyid", ""), _b64(item.get("sig"), "sig")))
    return Envelope(payload_type, payload, tuple(signatures))


def verify(envelope: Envelope, signature: Signature, public_key: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature by ``public_key`` over the envelope's PAE."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature.sig, pae(envelope.payload_type, envelope.payload))
    except (InvalidSignature, ValueError):
        return False
    return True
