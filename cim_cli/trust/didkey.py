"""did:key for Ed25519 public keys (W3C CCG did:key, multibase base58btc).

``did:key:z6Mk…`` is ``z`` + base58btc(0xed 0x01 + the 32-byte public key).
Pure functions over bytes; ``cryptography`` is imported only where a key
object is asked for.
"""

from __future__ import annotations

import base58

# The multicodec prefixes (unsigned varints) of an Ed25519 public and secret key.
ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"
DID_KEY = "did:key:"


class DidKeyError(ValueError):
    """A did:key or multibase value that is not an Ed25519 key."""


def multibase_encode(data: bytes) -> str:
    """Multibase base58btc: ``z`` + base58 (bitcoin alphabet)."""
    return "z" + base58.b58encode(data).decode("ascii")


def multibase_decode(value: str) -> bytes:
    """The bytes of a multibase base58btc value (``z…``); DidKeyError otherwise."""
    if not isinstance(value, str) or not value.startswith("z") or len(value) > 200:
        raise DidKeyError("not a multibase base58btc value (it should start with 'z')")
    try:
        return base58.b58decode(value[1:])
    except ValueError as exc:
        raise DidKeyError(f"not base58btc ({exc})") from None


def public_key_multibase(public_key: bytes) -> str:
    """``z6Mk…``: the multibase form of a raw 32-byte Ed25519 public key."""
    if len(public_key) != 32:
        raise DidKeyError("an Ed25519 public key has 32 bytes")
    return multibase_encode(ED25519_PUB + public_key)


def public_key_from_multibase(value: str) -> bytes:
    """The raw 32-byte Ed25519 public key of a ``z6Mk…`` value."""
    data = multibase_decode(value)
    if len(data) != 34 or not data.startswith(ED25519_PUB):
        raise DidKeyError("not an Ed25519 public key (multicodec 0xed01, 32 bytes)")
    return data[2:]


def did_from_public_key(public_key: bytes) -> str:
    """``did:key:z6Mk…`` of a raw Ed25519 public key."""
    return DID_KEY + public_key_multibase(public_key)


def public_key_from_did(did: str) -> bytes:
    """The raw Ed25519 public key of ``did:key:z6Mk…`` (a ``#fragment`` is allowed and ignored)."""
    if not isinstance(did, str) or not did.startswith(DID_KEY):
        raise DidKeyError("not a did:key identifier")
    return public_key_from_multibase(did[len(DID_KEY):].split("#", 1)[0])


def verification_method(did: str) -> str:
    """The verification method id of a did:key: ``did:key:z6Mk…#z6Mk…``."""
    base = did.split("#", 1)[0]
    return f"{base}#{base[len(DID_KEY):]}"


def seed_from_multibase(value: str) -> bytes:
    """The 32-byte Ed25519 seed of a multibase secret key (``0x8026`` + seed, optionally + public key)."""
    data = multibase_decode(value)
    if not data.startswith(ED25519_PRIV) or len(data) not in (34, 66):
        raise DidKeyError("not an Ed25519 secret key (multicodec 0x8026)")
    return data[2:34]
