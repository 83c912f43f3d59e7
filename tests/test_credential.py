"""The Open Badges 3.0 credential: built from facts, signed, schema-valid, every term defined."""

from __future__ import annotations

import copy
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cim_cli.programme import Programme, _merge, DEFAULT, default_programme
from cim_cli.trust import credential as cr
from cim_cli.trust import dataintegrity as di
from cim_cli.trust import didkey, jsonld

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
DID = didkey.did_from_public_key(KEY.public_key().public_bytes_raw())


def facts(**over) -> cr.CertificateFacts:
    programme = default_programme()
    base = dict(
        programme_title=programme.title,
        criteria=cr.criteria_narrative(programme),
        issuer_did=DID,
        issuer_name="Example University",
        student_name="Åsa Öberg",
        student_email="Asa.Oberg@Example.edu ",
        activities=(
            cr.ActivityFact("Exchange semester in Kyoto", "Exchange studies", "abroad", "Japan"),
            cr.ActivityFact("Language café", "Language café", "home"),
        ),
        report_sha256="ab" * 32,
        description="Awarded to students who reflect on international activities.",
    )
    base.update(over)
    return cr.CertificateFacts(**base)


def test_issued_credential_is_signed_schema_valid_and_fully_defined():
    cred = cr.issue_credential(facts(), KEY)
    assert cred["@context"] == [jsonld.VC_V2, jsonld.OB_V3]
    assert cred["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert cred["id"].startswith("urn:uuid:")
    assert cred["credentialSubject"]["achievement"]["achievementType"] == "Certificate"
    assert cred["issuer"] == {"id": DID, "type": ["Profile"], "name": "Example University"}
    assert cr.schema_problems(cred) == []
    assert di.verify_proof(cred) is None
    assert jsonld.undefined_terms({k: v for k, v in cred.items() if k != "proof"}) == []
    proof = cred["proof"][0]
    assert proof["verificationMethod"] == didkey.verification_method(DID)
    assert proof["created"] == cred["validFrom"]


def test_student_identified_by_salted_email_hash_and_name():
    cred = cr.issue_credential(facts(), KEY, salt="pepper")
    email_id = cred["credentialSubject"]["identifier"][0]
    assert email_id == {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "identityHash": "sha256$" + hashlib.sha256(b"asa.oberg@example.edupepper").hexdigest(),
        "salt": "pepper",
    }
    assert "asa.oberg" not in cr.credential_bytes(cred).decode().lower()
    assert cr.student_name(cred) == "Åsa Öberg"
    assert cr.email_matches(cred, "asa.oberg@example.edu")
    assert not cr.email_matches(cred, "someone@example.edu")


def test_ob_identity_hash_example_from_the_specification():
    # The OB 3.0 IdentityHash definition: 'a@example.com' salted with 'Kosher'.
    assert cr.email_identity_hash("a@example.com", "Kosher") == "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"


def test_salts_differ_between_credentials():
    a, b = cr.build_credential(facts()), cr.build_credential(facts())
    assert a["credentialSubject"]["identifier"][0]["salt"] != b["credentialSubject"]["identifier"][0]["salt"]
    assert a["id"] != b["id"]


def test_evidence_lists_activities_and_report_digest():
    cred = cr.build_credential(facts())
    ev = cred["evidence"]
    assert ev[0] == {"type": ["Evidence"], "name": "Exchange semester in Kyoto", "genre": "Exchange studies", "description": "Abroad, Japan"}
    assert ev[1]["description"] == "At home"
    assert "ab" * 32 in ev[2]["description"] and ev[2]["name"] == cr.REPORT_EVIDENCE_NAME


def test_criteria_narrative_states_the_programmes_rules():
    data = _merge(DEFAULT, {"requirements": {"min_activities": 5, "min_abroad": 2, "min_home": 1}, "report": {"min_words": 800, "max_words": 1200, "questions": ["Why?", "What next?"]}})
    text = cr.criteria_narrative(Programme(data, "programme.yaml"))
    for piece in ("at least 5 international activities", "at least 2 abroad", "at least 1 at home", "800 to 1200 words", "(1) Why?", "(2) What next?", "at least 50 words"):
        assert piece in text, piece


def test_refuses_a_key_that_is_not_the_issuers():
    other = Ed25519PrivateKey.from_private_bytes(bytes(32))
    with pytest.raises(cr.CredentialError, match="not the issuer"):
        cr.issue_credential(facts(), other)


def test_hostile_student_text_stays_data():
    name = "<script>alert(1)</script>\u202e\x00 \"quoted\" " + "x" * 5000
    cred = cr.issue_credential(facts(student_name=name, activities=(cr.ActivityFact("{{ 7*7 }} @context", "@id", "abroad", "\n"),)), KEY)
    assert di.verify_proof(cred) is None and cr.student_name(cred) == name


def test_schema_problems_name_the_field():
    cred = cr.issue_credential(facts(), KEY)
    broken = copy.deepcopy(cred)
    del broken["credentialSubject"]["achievement"]["criteria"]
    broken["credentialSubject"]["identifier"][0]["hashed"] = "yes"
    problems = cr.schema_problems(broken)
    assert any("criteria" in p for p in problems) and any("identifier/0/hashed" in p for p in problems)


def test_credential_file_stem():
    assert cr.credential_file_stem("urn:uuid:0e081a69-1aa1-5d27-a59a-7984e939ec90") == "0e081a69-1aa1-5d27-a59a-7984e939ec90"
    with pytest.raises(cr.CredentialError):
        cr.credential_file_stem("https://example.com/../../etc/passwd")
