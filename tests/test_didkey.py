"""did:key and multibase against the public vectors in ../shared/vectors (W3C CCG did:key, W3C vc-di-eddsa)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cim_cli.trust import didkey

VECTORS = Path(__file__).resolve().parent / "vectors"  # copies of ../shared/vectors (see its README)


def _raw_public(seed: bytes) -> bytes:
    key = Ed25519PrivateKey.from_private_bytes(seed)
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _did_vectors():
    data = json.loads((VECTORS / "did-key" / "ed25519-x25519.json").read_text())
    return [pytest.param(did, entry["seed"], id=did[-8:]) for did, entry in data.items()]


@pytest.mark.parametrize("did, seed", _did_vectors())
def test_did_key_vectors(did, seed):
    public = _raw_public(bytes.fromhex(seed))
    assert didkey.did_from_public_key(public) == did
    assert didkey.public_key_from_did(did) == public
    assert didkey.public_key_from_did(didkey.verification_method(did)) == public


def test_w3c_key_pair_seed_and_public_key():
    pair = json.loads((VECTORS / "w3c-vc-di-eddsa" / "keyPair.json").read_text())
    seed = didkey.seed_from_multibase(pair["privateKeyMultibase"])
    assert didkey.public_key_multibase(_raw_public(seed)) == pair["publicKeyMultibase"]


@pytest.mark.parametrize("bad", ["", "did:web:example.edu", "did:key:", "did:key:abc", "did:key:z0OIl", "did:key:z" + "1" * 300, "did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW"])
def test_not_an_ed25519_did_key(bad):
    with pytest.raises(didkey.DidKeyError):
        didkey.public_key_from_did(bad)
