"""Verifying credentials and certificate PDFs: named checks; every tampered field fails; other tools' vectors."""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cim_cli.programme import default_programme
from cim_cli.trust import credential as cr
from cim_cli.trust import credential_verify as cv
from cim_cli.trust import dataintegrity as di
from cim_cli.trust import didkey
from cim_cli.trust.trustlist import parse_trust_list

VECTORS = Path(__file__).resolve().parent / "vectors"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
DID = didkey.did_from_public_key(KEY.public_key().public_bytes_raw())
ISSUED_AT = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.timezone.utc)
NOW = datetime.datetime(2026, 12, 2, tzinfo=datetime.timezone.utc)


def trust(did: str = DID, extra: str = "", roles: str = "[issuer]"):
    return parse_trust_list(f"keys:\n  - id: {did}\n    name: Registrar\n    roles: {roles}\n{extra}".encode(), "/programme/trust.yaml")


def issue() -> dict:
    programme = default_programme()
    facts = cr.CertificateFacts(
        programme_title=programme.title, criteria=cr.criteria_narrative(programme), issuer_did=DID, issuer_name="Example University",
        student_name="Åsa Öberg", student_email="asa@example.edu",
        activities=(cr.ActivityFact("Exchange semester in Kyoto", "Exchange studies", "abroad", "Japan"), cr.ActivityFact("Language café", "Language café", "home")),
        report_sha256="ab" * 32,
    )
    return cr.issue_credential(facts, KEY, issued=ISSUED_AT)


ISSUED = issue()


def checks(credential, t=None, now=NOW):
    return {c.name: c for c in cv.credential_checks(credential, trust() if t is None else t, now)}


def failed(credential, t=None, now=NOW):
    return {name: c.detail for name, c in checks(credential, t, now).items() if not c.passed}


def test_issued_credential_passes_every_check():
    result = checks(ISSUED)
    assert list(result) == ["contexts", "signed fields", "proof", "issuer key", "schema", "issuer trusted", "validity dates", "revocation"]
    assert all(c.passed for c in result.values()), result


def _leaves(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, prefix + (i,))
    else:
        yield prefix, node


def _changed(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, str):
        if value.endswith("Z") and "T" in value:
            return value[:-3] + "9Z"  # still a date and time, one that was not signed
        return value[:-1] + ("X" if not value.endswith("X") else "Y")
    return "changed"


LEAVES = [p for p, _ in _leaves(ISSUED) if p[:1] != ("@context",)]


@pytest.mark.parametrize("path", LEAVES, ids=lambda p: "/".join(map(str, p)))
def test_tampering_any_field_fails(path):
    doc = copy.deepcopy(ISSUED)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = _changed(node[path[-1]])
    assert failed(doc), f"tampering {path} went unnoticed"


@pytest.mark.parametrize(
    "edit, check",
    [
        (lambda d: d.__setitem__("honours", "summa cum laude"), "signed fields"),
        (lambda d: d["credentialSubject"].__setitem__("grade", "A"), "signed fields"),
        (lambda d: d.__setitem__("description", "Also awarded a prize"), "proof"),
        (lambda d: d.__setitem__("validUntil", "2099-01-01T00:00:00Z"), "proof"),
        (lambda d: d["evidence"].pop(0), "proof"),
        (lambda d: d["evidence"].append({"type": ["Evidence"], "name": "Nobel prize"}), "proof"),
        (lambda d: d.__setitem__("@context", [d["@context"][0], "https://evil.example/ob.json"]), "contexts"),
        (lambda d: d.__setitem__("@context", d["@context"][::-1]), "contexts"),
        (lambda d: d["@context"].append({"name": "https://evil.example/name"}), "contexts"),
        (lambda d: d.pop("proof"), "proof"),
        (lambda d: d["credentialSubject"]["identifier"].pop(1), "proof"),
    ],
)
def test_structural_tampering_names_the_check(edit, check):
    doc = copy.deepcopy(ISSUED)
    edit(doc)
    assert check in failed(doc), failed(doc)


def test_reordering_a_list_is_not_a_change():
    # JSON-LD lists of nodes are sets: the same statements, the same signature.
    doc = copy.deepcopy(ISSUED)
    doc["evidence"].reverse()
    assert not failed(doc)


def test_resigned_by_another_key_claiming_the_issuer():
    other = Ed25519PrivateKey.from_private_bytes(bytes(32))
    doc = {k: v for k, v in copy.deepcopy(ISSUED).items() if k != "proof"}
    doc["credentialSubject"]["identifier"][1]["identityHash"] = "Mallory"
    proof = di.proof_options(didkey.verification_method(didkey.did_from_public_key(other.public_key().public_bytes_raw())), ISSUED["validFrom"])
    forged = di.add_proof(doc, other, proof)
    bad = failed(forged)
    assert "issuer key" in bad and "proof" not in bad
    # ... and with the issuer changed to the forger's key, the trust list catches it.
    doc["issuer"]["id"] = didkey.did_from_public_key(other.public_key().public_bytes_raw())
    forged = di.add_proof(doc, other, proof)
    bad = failed(forged)
    assert list(bad) == ["issuer trusted"] and "not in your trust list" in bad["issuer trusted"] and doc["issuer"]["id"] in bad["issuer trusted"]


def test_trust_list_outcomes():
    assert "not in your trust list: " + DID in failed(ISSUED, trust(did="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"))["issuer trusted"]
    assert "lacks the role 'issuer'" in failed(ISSUED, trust(roles="[report]"))["issuer trusted"]
    assert "revoked" in failed(ISSUED, trust(extra="    revoked: 2026-01-01\n"))["issuer trusted"]
    assert "expired" in failed(ISSUED, trust(extra="    valid_until: 2026-06-30\n"))["issuer trusted"]
    listed = trust(extra=f"revoked_credentials:\n  - id: {ISSUED['id']}\n    date: 2026-12-01\n    reason: issued in error\n")
    assert failed(ISSUED, listed) == {"revocation": "revoked on 2026-12-01 (issued in error)"}
    no_trust = {c.name: c for c in cv.credential_checks(ISSUED, None, NOW, "no trust list: no programme file was found")}
    assert not no_trust["issuer trusted"].passed and "no programme file" in no_trust["issuer trusted"].detail
    assert not no_trust["revocation"].passed


def test_validity_dates():
    assert "not valid before" in failed(ISSUED, now=ISSUED_AT - datetime.timedelta(days=1))["validity dates"]
    unsigned = {k: v for k, v in ISSUED.items() if k != "proof"}
    unsigned["validUntil"] = "2026-12-01T00:00:00Z"
    # Re-signed with a validUntil: the proof holds, the date does not.
    signed = di.add_proof(unsigned, KEY, di.proof_options(didkey.verification_method(DID), ISSUED["validFrom"]))
    assert failed(signed) == {"validity dates": "expired on 2026-12-01T00:00:00Z"}


def test_w3c_signed_vector_from_another_implementation():
    doc = json.loads((VECTORS / "w3c-vc-di-eddsa" / "eddsa-rdfc-2022" / "signedDataInt.json").read_text())
    result = checks(doc)
    assert result["proof"].passed and result["contexts"].passed and result["signed fields"].passed
    # Its issuer is an https URL: that it controls the did:key cannot be shown offline.
    assert not result["issuer key"].passed and not result["issuer trusted"].passed
    assert "schema" not in result  # not an Open Badges credential


def test_1edtech_signed_example():
    expected = json.loads((VECTORS / "openbadges" / "expected.json").read_text())
    doc = json.loads((VECTORS / "openbadges" / "unsigned-credential.json").read_text())
    doc["proof"] = [{**json.loads((VECTORS / "openbadges" / "proof-config.json").read_text()), "proofValue": expected["proofValue"]}]
    result = checks(doc)
    assert result["schema"].passed and result["contexts"].passed and result["signed fields"].passed
    assert not result["proof"].passed and "cannot be resolved offline" in result["proof"].detail
    assert di.verify_proof(doc, public_key=didkey.public_key_from_multibase(expected["public_key_multibase"])) is None


def test_ob_credential_by_another_issuer_with_did_key_verifies_fully():
    # The 1EdTech example as another tool would issue it with a did:key issuer: valid when trusted.
    seed = bytes.fromhex(json.loads((VECTORS / "openbadges" / "expected.json").read_text())["seed_hex"])
    key = Ed25519PrivateKey.from_private_bytes(seed)
    did = didkey.did_from_public_key(key.public_key().public_bytes_raw())
    doc = json.loads((VECTORS / "openbadges" / "unsigned-credential.json").read_text())
    doc["issuer"]["id"] = did
    signed = di.add_proof(doc, key, di.proof_options(didkey.verification_method(did), "2010-01-01T19:23:24Z"))
    assert not failed(signed, trust(did=did))
    assert list(failed(signed)) == ["issuer trusted"]


def test_did_web_issuer_is_explained_not_a_crash():
    doc = copy.deepcopy(ISSUED)
    doc["issuer"]["id"] = "did:web:university.example"
    doc["proof"][0]["verificationMethod"] = "did:web:university.example#key-1"
    bad = failed(doc)
    assert "did:web" in bad["proof"] and "offline" in bad["proof"]
    assert "did:web" in bad["issuer trusted"]


@pytest.mark.parametrize("data", [b"", b"\xff\xfe", b"[1,2", b"{" * 100000 + b"}" * 100000])
def test_unreadable_bytes(data):
    with pytest.raises(cv.Unreadable):
        cv.verify_credential_bytes(data, "x.json", trust())


@pytest.mark.parametrize("value", [[], 5, "text", None, {"@context": 7}, {"@context": ["https://www.w3.org/ns/credentials/v2"], "proof": {"type": 5}, "issuer": ["x"], "validFrom": 12}])
def test_json_that_is_not_a_credential_fails_checks_without_crashing(value):
    result = cv.verify_credential_bytes(json.dumps(value).encode(), "x.json", trust())
    assert not result.valid


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    from cim_cli.trust import certificate as cert
    from cim_cli.trust import token as tk

    folder = tmp_path_factory.mktemp("pdf")
    made = {}
    for label, credential in (("own", ISSUED), ("other", issue())):
        data = cr.credential_bytes(credential)
        html = cert.render_html(cert.certificate_context(credential, data, tk.make_token(tk.claims_for(credential, data), KEY), None, embedded=True))
        made[label] = (html, data)
    own_html, own_data = made["own"]
    other_html, other_data = made["other"]
    tampered = copy.deepcopy(ISSUED)
    tampered["credentialSubject"]["identifier"][1]["identityHash"] = "Mallory"
    files = {
        "good.pdf": cert.render_pdf(own_html, own_data),
        # The page of one credential with another (valid) credential attached.
        "swapped.pdf": cert.render_pdf(own_html, other_data),
        # The printed name changed, the attachment left alone.
        "renamed.pdf": cert.render_pdf(own_html.replace("Åsa Öberg", "Mallory Forger"), own_data),
        "tampered.pdf": cert.render_pdf(own_html, cr.credential_bytes(tampered)),
        "bare.pdf": __import__("weasyprint").HTML(string="<p>x</p>").write_pdf(),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / "truncated.pdf").write_bytes(files["good.pdf"][:3000])
    return folder


def test_pdf_certificate_verifies(pdfs):
    result = cv.verify_file(str(pdfs / "good.pdf"), trust(), now=NOW)
    assert result.valid and result.kind == "certificate"
    assert [c.name for c in result.checks][0] == "attachment" and [c.name for c in result.checks][-1] == "certificate text"
    assert result.info["sha256"] == __import__("hashlib").sha256(cr.credential_bytes(ISSUED)).hexdigest()


@pytest.mark.parametrize("name, check", [("swapped.pdf", "certificate text"), ("renamed.pdf", "certificate text"), ("tampered.pdf", "proof"), ("bare.pdf", "attachment")])
def test_tampered_pdfs_fail(pdfs, name, check):
    result = cv.verify_file(str(pdfs / name), trust(), now=NOW)
    assert not result.valid and check in [c.name for c in result.failed()]


def test_truncated_pdf_is_unreadable(pdfs):
    with pytest.raises(cv.Unreadable):
        cv.verify_file(str(pdfs / "truncated.pdf"), trust(), now=NOW)


HOSTILE_VALUES = [None, [], {}, 1e308, True, "", "@id", {"@id": 5}, {"@type": 5}, {"@value": {}}, {"@list": 5}, {"@context": {"x": "http://e/x"}, "x": 1},
                  {"@graph": [1]}, {"@reverse": {"a": 1}}, [[[[1]]]], {"@value": "x", "@type": "@json"}, {"@included": 1}, {"@nest": 1}]


def test_hostile_values_anywhere_fail_checks_never_crash():
    import random

    paths = [p for p in _all_paths(ISSUED) if p]
    rng = random.Random(20261202)
    for path, value in rng.sample([(p, v) for p in paths for v in HOSTILE_VALUES], 150):
        doc = copy.deepcopy(ISSUED)
        node = doc
        for key in path[:-1]:
            node = node[key]
        if node[path[-1]] == value:
            continue
        node[path[-1]] = copy.deepcopy(value)
        assert failed(doc), (path, value)


def _all_paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _all_paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _all_paths(v, prefix + (i,))


def test_a_key_given_twice_is_unreadable():
    text = cr.credential_bytes(ISSUED).decode().replace('"validFrom":', '"validFrom": "2020-01-01T00:00:00Z", "validFrom":', 1)
    with pytest.raises(cv.Unreadable, match="appears twice"):
        cv.verify_credential_bytes(text.encode(), "x.json", trust())
