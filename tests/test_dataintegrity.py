"""eddsa-rdfc-2022 Data Integrity proofs against the W3C vc-di-eddsa and 1EdTech Open Badges vectors, byte for byte."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cim_cli.trust import dataintegrity as di
from cim_cli.trust import didkey

VECTORS = Path(__file__).resolve().parent / "vectors"
W3C = VECTORS / "w3c-vc-di-eddsa"
RDFC = W3C / "eddsa-rdfc-2022"
OB = VECTORS / "openbadges"


def _json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _w3c_key() -> Ed25519PrivateKey:
    seed = didkey.seed_from_multibase(_json(W3C / "keyPair.json")["privateKeyMultibase"])
    return Ed25519PrivateKey.from_private_bytes(seed)


def _w3c_options() -> dict:
    return {k: v for k, v in _json(RDFC / "proofConfigDataInt.json").items() if k != "@context"}


def _ob_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(_json(OB / "expected.json")["seed_hex"]))


# --- W3C vc-di-eddsa, eddsa-rdfc-2022 -------------------------------------------------------

def test_w3c_canonical_document_byte_for_byte():
    data = di.hash_data(_json(W3C / "unsigned.json"), _w3c_options())
    assert data.canonical_document == (RDFC / "canonDocDataInt.txt").read_text(encoding="utf-8")


def test_w3c_canonical_proof_config_byte_for_byte():
    data = di.hash_data(_json(W3C / "unsigned.json"), _w3c_options())
    assert data.canonical_proof_config == (RDFC / "proofCanonDataInt.txt").read_text(encoding="utf-8")


def test_w3c_proof_config_carries_the_documents_context():
    config = _json(RDFC / "proofConfigDataInt.json")
    assert config["@context"] == _json(W3C / "unsigned.json")["@context"]


def test_w3c_signature_and_signed_credential_byte_for_byte():
    signed = di.add_proof(_json(W3C / "unsigned.json"), _w3c_key(), _w3c_options())
    assert signed["proof"]["proofValue"] == (RDFC / "sigBTC58DataInt.txt").read_text().strip()
    assert signed == _json(RDFC / "signedDataInt.json")
    expected_text = (RDFC / "signedDataInt.json").read_text(encoding="utf-8")
    assert json.dumps(signed, indent=2, ensure_ascii=False) == expected_text.rstrip("\n")


def test_w3c_key_pair_is_the_verification_methods_key():
    public = _w3c_key().public_key().public_bytes_raw()
    assert didkey.public_key_multibase(public) == _json(W3C / "keyPair.json")["publicKeyMultibase"]
    assert di.verification_method_key(_w3c_options()["verificationMethod"]) == public


def test_w3c_signed_credential_verifies():
    assert di.verify_proof(_json(RDFC / "signedDataInt.json")) is None


# --- 1EdTech Open Badges 3.0 linked-data proof example ---------------------------------------

def test_ob_canonical_texts_and_hashes():
    expected = _json(OB / "expected.json")
    data = di.hash_data(_json(OB / "unsigned-credential.json"), _json(OB / "proof-config.json"))
    assert data.canonical_document == (OB / "ob-document-canon.txt").read_text(encoding="utf-8")
    assert data.canonical_proof_config == (OB / "ob-proof-canon.txt").read_text(encoding="utf-8")
    assert data.document_hash.hex() == expected["document_canon_sha256"]
    assert data.proof_config_hash.hex() == expected["proof_canon_sha256"]
    assert hashlib.sha256(data.canonical_document.encode()).hexdigest() == expected["document_canon_sha256"]


def test_ob_proof_value_from_the_seed():
    expected = _json(OB / "expected.json")
    key = _ob_key()
    assert didkey.public_key_multibase(key.public_key().public_bytes_raw()) == expected["public_key_multibase"]
    signed = di.add_proof(_json(OB / "unsigned-credential.json"), key, _json(OB / "proof-config.json"))
    assert signed["proof"]["proofValue"] == expected["proofValue"]


def test_ob_signed_example_verifies_with_its_key_but_its_https_method_is_not_resolved():
    expected = _json(OB / "expected.json")
    signed = _json(OB / "unsigned-credential.json")
    signed["proof"] = {**_json(OB / "proof-config.json"), "proofValue": expected["proofValue"]}
    public = didkey.public_key_from_multibase(expected["public_key_multibase"])
    assert di.verify_proof(signed, public_key=public) is None
    reason = di.verify_proof(signed)
    assert reason is not None and "cannot be resolved offline" in reason


# --- tampering ---------------------------------------------------------------------------------

def _paths(node, prefix=()):
    """Every leaf path of a JSON value."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))
    else:
        yield prefix


def _set(doc, path, value):
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _tampered(value):
    if isinstance(value, str):
        return value[:-1] + ("X" if not value.endswith("X") else "Y")
    return "changed"


SIGNED = _json(RDFC / "signedDataInt.json")


@pytest.mark.parametrize("path", [p for p in _paths(SIGNED) if p[:1] != ("@context",)], ids=lambda p: "/".join(map(str, p)))
def test_every_tampered_field_is_rejected(path):
    doc = copy.deepcopy(SIGNED)
    node = doc
    for key in path:
        node = node[key]
    _set(doc, path, _tampered(node))
    assert di.verify_proof(doc) is not None


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.pop("name"),
        lambda d: d["credentialSubject"].pop("alumniOf"),
        lambda d: d["type"].reverse() or d["type"].pop(),
        lambda d: d["proof"].pop("created"),
        lambda d: d.__setitem__("@context", d["@context"][:1]),
        lambda d: d.__setitem__("validUntil", "2024-01-01T00:00:00Z"),
        lambda d: d.__setitem__("proof", []),
        lambda d: d.__setitem__("proof", [d["proof"], {**d["proof"], "proofValue": "z3"}]),
        lambda d: d["proof"].__setitem__("proofValue", d["proof"]["proofValue"][:-4]),
        lambda d: d["proof"].__setitem__("proofValue", "u" + d["proof"]["proofValue"][1:]),
        lambda d: d["proof"].__setitem__("proofPurpose", "authentication"),
        lambda d: d["proof"].__setitem__("cryptosuite", "eddsa-jcs-2022"),
        lambda d: d["proof"].__setitem__("verificationMethod", "did:web:example.com#key-1"),
        lambda d: d["proof"].__setitem__("@context", ["https://www.w3.org/ns/credentials/examples/v2"]),
    ],
)
def test_structural_tampering_is_rejected(edit):
    doc = copy.deepcopy(SIGNED)
    edit(doc)
    assert di.verify_proof(doc) is not None


def test_a_proof_set_of_one_is_the_same_proof():
    doc = copy.deepcopy(SIGNED)
    doc["proof"] = [doc["proof"]]
    assert di.verify_proof(doc) is None


def test_did_web_is_named_as_unresolvable_offline():
    doc = copy.deepcopy(SIGNED)
    doc["proof"]["verificationMethod"] = "did:web:university.example#key-1"
    assert "did:web" in di.verify_proof(doc) and "offline" in di.verify_proof(doc)


def test_another_keys_signature_is_rejected():
    other = Ed25519PrivateKey.from_private_bytes(bytes(32))
    doc = di.add_proof(_json(W3C / "unsigned.json"), other, _w3c_options())
    assert "signature does not match" in di.verify_proof(doc)


def test_fragment_naming_another_key_is_refused():
    vm = _w3c_options()["verificationMethod"]
    did = vm.split("#")[0]
    with pytest.raises(di.ProofError, match="fragment"):
        di.verification_method_key(did + "#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")


def test_refuses_to_sign_an_undefined_term():
    doc = _json(OB / "unsigned-credential.json")
    doc["credentialSubject"]["honours"] = "summa cum laude"
    with pytest.raises(di.ProofError, match="honours"):
        di.add_proof(doc, _ob_key(), _json(OB / "proof-config.json"))


def test_refuses_other_suites_and_a_second_proof():
    with pytest.raises(di.ProofError, match="cryptosuite"):
        di.add_proof(_json(W3C / "unsigned.json"), _w3c_key(), {**_w3c_options(), "cryptosuite": "eddsa-jcs-2022"})
    with pytest.raises(di.ProofError, match="already"):
        di.add_proof(SIGNED, _w3c_key(), _w3c_options())


@pytest.mark.parametrize("bad", [None, [], "text", {"proof": "x"}, {"proof": {}}, {"@context": 5, "proof": SIGNED["proof"]}])
def test_garbage_is_a_reason_not_a_crash(bad):
    assert isinstance(di.verify_proof(bad), str)
