"""Staff keys (cim_cli.trust.keys) and the trust list (cim_cli.trust.trustlist)."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest

from cim_cli.trust import didkey, keys, trustlist
from cim_cli.trust.trustlist import TrustListError, load_trust_list

PASS = b"correct horse battery"


def test_encrypted_key_round_trip(tmp_path):
    path = str(tmp_path / "key.pem")
    made, warnings = keys.create_key_file(path, PASS)
    assert warnings == []
    pem = Path(path).read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert os.stat(path).st_mode & 0o777 == 0o600
    loaded, _ = keys.load_key(path, PASS)
    assert loaded.did == made.did and loaded.did.startswith("did:key:z6Mk")
    assert didkey.public_key_from_did(loaded.did) == loaded.public_bytes
    signature = loaded.sign(b"data")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    Ed25519PublicKey.from_public_bytes(loaded.public_bytes).verify(signature, b"data")
    assert loaded.verification_method == f"{made.did}#{made.did[len('did:key:'):]}"


def test_wrong_passphrase_is_refused(tmp_path):
    path = str(tmp_path / "key.pem")
    keys.create_key_file(path, PASS)
    with pytest.raises(keys.KeyFileError, match="wrong passphrase"):
        keys.load_key(path, b"not the passphrase")


def test_passphrase_from_environment(tmp_path, monkeypatch):
    path = str(tmp_path / "key.pem")
    made, _ = keys.create_key_file(path, PASS)
    monkeypatch.setenv(keys.PASSPHRASE_ENV, PASS.decode())
    loaded, _ = keys.load_key(path)  # no passphrase given: the environment supplies it
    assert loaded.did == made.did


def test_no_passphrase_source_is_a_clear_error(tmp_path, monkeypatch):
    path = str(tmp_path / "key.pem")
    keys.create_key_file(path, PASS)
    monkeypatch.delenv(keys.PASSPHRASE_ENV, raising=False)
    with pytest.raises(keys.KeyFileError, match="CIM_KEY_PASSPHRASE"):
        keys.load_key(path)  # pytest's stdin is not a terminal


def test_prompt_asks_twice_for_a_new_passphrase(monkeypatch):
    monkeypatch.delenv(keys.PASSPHRASE_ENV, raising=False)
    answers = iter(["long enough 1", "long enough 2"])
    with pytest.raises(keys.KeyFileError, match="differ"):
        keys.passphrase_from_environment_or_prompt(confirm=True, prompt=lambda _: next(answers))
    assert keys.passphrase_from_environment_or_prompt(confirm=True, prompt=lambda _: "long enough") == b"long enough"
    with pytest.raises(keys.KeyFileError, match="at least"):
        keys.passphrase_from_environment_or_prompt(confirm=True, prompt=lambda _: "short")


def test_unencrypted_key_loads_without_passphrase(tmp_path, monkeypatch):
    monkeypatch.delenv(keys.PASSPHRASE_ENV, raising=False)
    path = str(tmp_path / "key.pem")
    made, _ = keys.create_key_file(path, None)
    assert Path(path).read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert keys.load_key(path)[0].did == made.did


def test_existing_file_is_never_overwritten(tmp_path):
    path = tmp_path / "key.pem"
    path.write_text("mine")
    with pytest.raises(keys.KeyFileError, match="already exists"):
        keys.create_key_file(str(path), None)
    assert path.read_text() == "mine"


def test_key_inside_a_portfolio_is_refused(tmp_path):
    (tmp_path / "p" / "evidence").mkdir(parents=True)
    (tmp_path / "p" / "student.yaml").write_text("student_id: s1\n")
    with pytest.raises(keys.KeyFileError, match="inside the portfolio"):
        keys.create_key_file(str(tmp_path / "p" / "evidence" / "key.pem"), None)
    assert not (tmp_path / "p" / "evidence" / "key.pem").exists()
    # A key made elsewhere and moved into a portfolio is refused when used.
    keys.create_key_file(str(tmp_path / "key.pem"), None)
    os.replace(tmp_path / "key.pem", tmp_path / "p" / "key.pem")
    with pytest.raises(keys.KeyFileError, match="inside the portfolio"):
        keys.load_key(str(tmp_path / "p" / "key.pem"))


def test_key_inside_a_git_work_tree_warns(tmp_path):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    _, warnings = keys.create_key_file(str(tmp_path / "repo" / "key.pem"), None)
    assert len(warnings) == 1 and "git work tree" in warnings[0]


@pytest.mark.parametrize("content, message", [
    (b"not a key at all", "not a PEM private key"),
    (b"", "not a PEM private key"),
])
def test_garbage_key_files(tmp_path, content, message):
    path = tmp_path / "key.pem"
    path.write_bytes(content)
    with pytest.raises(keys.KeyFileError, match=message):
        keys.load_key(str(path))


def test_non_ed25519_key_is_refused(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "key.pem").write_bytes(pem)
    with pytest.raises(keys.KeyFileError, match="not an Ed25519 key"):
        keys.load_key(str(tmp_path / "key.pem"))


def test_fifo_key_file_does_not_hang(tmp_path):
    os.mkfifo(tmp_path / "key.pem")
    with pytest.raises(keys.KeyFileError, match="not a regular file"):
        keys.load_key(str(tmp_path / "key.pem"))


def test_trust_entry_is_valid_trust_list_yaml(tmp_path):
    made, _ = keys.create_key_file(str(tmp_path / "key.pem"), None)
    entry = keys.trust_entry(made.did, 'Dr "Ada": Example', "ada@uni.example", ["activities", "report"])
    (tmp_path / "trust.yaml").write_text("keys:\n" + entry)
    trusted = load_trust_list(str(tmp_path / "trust.yaml")).key(made.did)
    assert trusted.name == 'Dr "Ada": Example' and trusted.roles == ("activities", "report")
    assert trusted.email == "ada@uni.example"


# -- the trust list ---------------------------------------------------------

DID_A = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"  # W3C did:key vector
DID_B = "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG"

TRUST = f"""\
keys:
  - id: {DID_A}
    name: Dr Ada Example
    email: ada@uni.example
    roles: [activities, report]
    valid_from: 2026-01-01
    valid_until: 2027-12-31
  - id: {DID_B}
    name: Prof Bea
    roles: [issuer]
    revoked: 2026-06-01
revoked_credentials:
  - id: urn:uuid:0f0e
    date: 2026-07-01
    reason: issued in error
"""


def at(day: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day + "T12:00:00+00:00")


def test_trust_list_loads_and_judges(tmp_path):
    (tmp_path / "trust.yaml").write_text(TRUST)
    tl = load_trust_list(str(tmp_path / "trust.yaml"))
    import hashlib

    assert tl.source == str(tmp_path / "trust.yaml")
    assert tl.sha256 == hashlib.sha256(TRUST.encode()).hexdigest()
    a = tl.key(DID_A)
    assert a.name == "Dr Ada Example" and a.line == 2
    assert tl.key(DID_A + "#z6Mk") is a
    assert a.check("activities", at("2026-03-01")) is None
    assert a.check("issuer", at("2026-03-01")) == "lacks the role 'issuer'"
    assert a.check("activities", at("2025-12-31")) == "not valid before 2026-01-01"
    assert a.check("activities", at("2027-12-31")) is None  # the last day is valid
    assert a.check("activities", at("2028-01-01")) == "expired on 2027-12-31"
    b = tl.key(DID_B)
    assert b.check("issuer", at("2026-05-31")) is None
    assert b.check("issuer", at("2026-06-01")) == "revoked on 2026-06-01"
    assert tl.key("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK") is None
    assert tl.check("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "report", at("2026-03-01")) == "not in your trust list"
    revoked = tl.credential_revoked("urn:uuid:0f0e")
    assert revoked.date == datetime.date(2026, 7, 1) and revoked.reason == "issued in error"
    assert tl.credential_revoked("urn:uuid:other") is None


def test_aware_times_are_judged_in_utc(tmp_path):
    (tmp_path / "trust.yaml").write_text(TRUST)
    b = load_trust_list(str(tmp_path / "trust.yaml")).key(DID_B)
    # 23:30 on 31 May in New York is 1 June in UTC: revoked.
    when = datetime.datetime(2026, 5, 31, 23, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=-4)))
    assert b.check("issuer", when) == "revoked on 2026-06-01"


@pytest.mark.parametrize("text, line, fragment", [
    ("keys:\n  - id: did:key:xyz\n    name: A\n    roles: [report]\n", 2, "id"),
    (f"keys:\n  - id: {DID_A}\n    name: A\n    roles: []\n", 4, "roles"),
    (f"keys:\n  - id: {DID_A}\n    name: A\n    roles: [admin]\n", 4, "roles"),
    (f"keys:\n  - id: {DID_A}\n    roles: [report]\n", 2, "name"),
    (f"keys:\n  - id: {DID_A}\n    name: A\n    roles: [report]\n    valid_until: 2026-02-30\n", 5, "valid_until"),
    (f"keys:\n  - id: {DID_A}\n    name: A\n    roles: [report]\n  - id: {DID_A}\n    name: B\n    roles: [report]\n", 5, "twice"),
    (f"keys:\n  - id: {DID_A}\n    name: A\n    roles: [report]\n    valid_from: 2027-01-01\n    valid_until: 2026-01-01\n", 6, "before valid_from"),
    (f"keys:\n  - id: {DID_A}\n    name: A\n    roles: [report]\n    colour: blue\n", 5, "colour"),
    ("keys:\n  - id: a\n    id: b\n", 3, "id"),
    ("- just\n- a list\n", 1, "keys"),
    ("keys: [\n", 2, ""),
])
def test_bad_trust_lists_name_file_and_line(tmp_path, text, line, fragment):
    (tmp_path / "trust.yaml").write_text(text)
    with pytest.raises(TrustListError) as info:
        load_trust_list(str(tmp_path / "trust.yaml"))
    problems = info.value.problems
    assert any(p.line == line and fragment in p.message for p in problems), problems
    assert f"trust.yaml:{line}:" in str(info.value)


def test_trust_list_inside_a_portfolio_is_refused(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "student.yaml").write_text("student_id: s1\n")
    (tmp_path / "p" / "trust.yaml").write_text(TRUST)
    with pytest.raises(TrustListError, match="inside the portfolio"):
        load_trust_list(str(tmp_path / "p" / "trust.yaml"))


def _programme(folder: Path, trust: str):
    from cim_cli.programme import load_programme

    (folder / "programme.yaml").write_text(f"trust: {trust}\n")
    return load_programme(str(folder / "programme.yaml"))


def test_trust_list_for_follows_the_programme_file(tmp_path):
    (tmp_path / "trust.yaml").write_text(TRUST)
    programme = _programme(tmp_path, "trust.yaml")
    assert programme.trust == "trust.yaml"
    tl = trustlist.trust_list_for(programme)
    assert tl is not None and tl.key(DID_A).name == "Dr Ada Example"
    from cim_cli.programme import default_programme

    assert trustlist.trust_list_for(default_programme()) is None


@pytest.mark.parametrize("name", ["../trust.yaml", "/etc/passwd", "C:/trust.yaml", "link.yaml", "missing.yaml"])
def test_unsafe_or_missing_trust_paths_are_refused(tmp_path, name):
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    (tmp_path / "trust.yaml").write_text(TRUST)
    os.symlink(tmp_path / "trust.yaml", cohort / "link.yaml")
    programme = _programme(cohort, name)
    with pytest.raises(TrustListError):
        trustlist.trust_list_for(programme)


def test_programme_naming_a_trust_list_inside_a_portfolio_is_refused(tmp_path):
    (tmp_path / "ada").mkdir()
    (tmp_path / "ada" / "student.yaml").write_text("student_id: s1\n")
    (tmp_path / "ada" / "trust.yaml").write_text(TRUST)
    programme = _programme(tmp_path, "ada/trust.yaml")
    with pytest.raises(TrustListError, match="inside the portfolio"):
        trustlist.trust_list_for(programme)


def test_programme_schema_checks_trust_key(tmp_path):
    from cim_cli.programme import check_programme_file

    (tmp_path / "programme.yaml").write_text("trust: 3\n")
    _, problems = check_programme_file(str(tmp_path / "programme.yaml"))
    assert [(p.line, p.rule) for p in problems] == [(1, "schema")]
