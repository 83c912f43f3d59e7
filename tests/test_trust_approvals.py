"""Signed approvals and the stages they reach: the lifecycle, forgeries, tampering, line endings."""

from __future__ import annotations

import base64
import datetime
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from trust_support import forge, make_cohort, rewrite_payload
from cim_cli.trust import dsse
from cim_cli.trust.approvals import ApprovalError
from cim_cli.trust.digests import CHUNK, file_digest, git_text_digest_of_bytes

ACTIVITIES = "approvals/0001-activities.json"


@pytest.fixture
def cohort(tmp_path):
    return make_cohort(tmp_path)


def stale(result):
    return sorted((f.file, f.line, f.message.split(" ", 1)[0], f.message.split(" ")[2]) for f in result.findings if f.rule == "approval-stale")


def invalid(result):
    return [(f.file, f.severity, f.message) for f in result.findings if f.rule == "approval-invalid"]


# -- DSSE ----------------------------------------------------------------------

def _shared_vectors_readme() -> Path | None:
    for folder in Path(__file__).resolve().parents:
        candidate = folder / "shared" / "vectors" / "README.md"
        if candidate.is_file():
            return candidate
    return None


def test_pae_reproduces_the_dsse_specification_vector():
    """secure-systems-lab/dsse protocol.md (copied in ../shared/vectors/README.md)."""
    readme = _shared_vectors_readme()
    if readme is not None:  # the vector as published, when the shared folder is at hand
        assert "`DSSEv1 29 http://example.com/HelloWorld 11 hello world`" in readme.read_text(encoding="utf-8")
    assert dsse.pae("http://example.com/HelloWorld", b"hello world") == b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    assert dsse.pae("", b"") == b"DSSEv1 0  0 "
    # Lengths count bytes, not characters.
    assert dsse.pae("t", "é".encode()) == b"DSSEv1 1 t 2 \xc3\xa9"


def test_envelope_signs_exact_bytes(tmp_path):
    from cim_cli.trust import keys

    key, _ = keys.create_key_file(str(tmp_path / "k.pem"), None)
    envelope = dsse.sign(dsse.IN_TOTO, b'{"a":1}', key)
    parsed = dsse.parse(envelope.to_json().encode())
    assert parsed == envelope
    assert dsse.verify(parsed, parsed.signatures[0], key.public_bytes)
    other = dsse.Envelope(dsse.IN_TOTO, b'{"a":2}', parsed.signatures)
    assert not dsse.verify(other, other.signatures[0], key.public_bytes)
    retyped = dsse.Envelope("application/json", parsed.payload, parsed.signatures)
    assert not dsse.verify(retyped, retyped.signatures[0], key.public_bytes)


@pytest.mark.parametrize("data", [b"", b"[]", b"{}", b'{"payloadType": "x", "payload": "%%%", "signatures": [{"sig": "AA=="}]}',
                                  b'{"payloadType": "x", "payload": "", "signatures": []}', b"\xff", b"[" * 100000])
def test_malformed_envelopes_are_errors_not_crashes(data):
    with pytest.raises(dsse.EnvelopeError):
        dsse.parse(data)


# -- digests: the bytes git stores ------------------------------------------------

def test_crlf_and_lf_text_hash_alike_binary_does_not():
    assert git_text_digest_of_bytes(b"a\r\nb\r\n") == git_text_digest_of_bytes(b"a\nb\n")
    assert git_text_digest_of_bytes(b"a\r\nb\n") == git_text_digest_of_bytes(b"a\nb\n")
    # A NUL or a lone CR makes a file binary for git: hashed as is.
    assert git_text_digest_of_bytes(b"\x00a\r\n") != git_text_digest_of_bytes(b"\x00a\n")
    assert git_text_digest_of_bytes(b"a\rb\r\n") != git_text_digest_of_bytes(b"a\rb\n")
    assert git_text_digest_of_bytes(b"a\nb") != git_text_digest_of_bytes(b"a\nc")


def test_a_crlf_split_across_read_chunks_is_still_one_line_ending(tmp_path):
    body = b"x" * (CHUNK - 1)
    (tmp_path / "crlf.txt").write_bytes(body + b"\r\n" + body + b"\r\n")
    (tmp_path / "lf.txt").write_bytes(body + b"\n" + body + b"\n")
    assert file_digest(str(tmp_path / "crlf.txt")) == file_digest(str(tmp_path / "lf.txt"))
    (tmp_path / "lone.txt").write_bytes(body + b"\r")
    import hashlib

    assert file_digest(str(tmp_path / "lone.txt")) == hashlib.sha256(body + b"\r").hexdigest()


CASES = {
    "crlf.md": b"# Title\r\n\r\nSome text\r\n",
    "mixed.yaml": b"a: 1\r\nb: 2\nc: 3\r\n",
    "lf.md": b"plain\nfile\n",
    "lone-cr.txt": b"one\rtwo\r\n",
    "nul.bin": b"PNG\x00\r\n\x1a\r\n",
    "controls.bin": bytes(range(1, 8)) * 50 + b"\r\n",
    "ctrl-z.txt": b"text\r\nend\x1a",
    "latin1.txt": "café\r\n".encode("latin-1"),
    "empty.txt": b"",
    "pdf.pdf": b"%PDF-1.4\r\n%\xe2\xe3\xcf\xd3\r\n1 0 obj\r\n<<>>\r\nendobj\r\n",
}


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_digest_equals_the_blob_git_stores_with_autocrlf(tmp_path):
    """What `git add` stores with core.autocrlf=true is what cim hashes, for text and binary files."""
    import hashlib

    for name, data in CASES.items():
        (tmp_path / name).write_bytes(data)
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    git = ["git", "-C", str(tmp_path), "-c", "core.autocrlf=true", "-c", "core.safecrlf=false"]
    subprocess.run(git[:3] + ["init", "-q"], check=True, env=env)
    subprocess.run(git + ["add", "--", *CASES], check=True, env=env)
    for name in CASES:
        blob = subprocess.run(git + ["cat-file", "blob", f":{name}"], check=True, env=env, capture_output=True).stdout
        assert file_digest(str(tmp_path / name)) == hashlib.sha256(blob).hexdigest(), name


def test_symlinks_are_hashed_as_links_fifos_refused(tmp_path):
    import hashlib

    from cim_cli.trust.digests import DigestError

    os.symlink("target.pdf", tmp_path / "link")
    assert file_digest(str(tmp_path / "link")) == hashlib.sha256(b"target.pdf").hexdigest()
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(DigestError):
        file_digest(str(tmp_path / "fifo"))


# -- the lifecycle -----------------------------------------------------------------

def test_lifecycle_through_every_stage(cohort):
    assert cohort.result().stage == "ready-for-review"
    rel, stage = cohort.approve("activities", comment="All three count.")
    assert (rel, stage) == (ACTIVITIES, "report-submitted")  # the report already passes every rule
    rel, stage = cohort.approve("report")
    assert (rel, stage) == ("approvals/0002-report.json", "report-approved")
    rel, stage = cohort.approve("presentation", kind="poster", date="2024-05-20")
    assert (rel, stage) == ("approvals/0003-presentation.json", "presented")
    result = cohort.result()
    assert result.stage == "presented" and result.errors == 0 and result.warnings == 0
    assert [a["status"] for a in result.extra["approvals"]] == ["valid"] * 3
    assert result.extra["trust"]["source"] == str(cohort.folder / "trust.yaml")
    # The file is a DSSE envelope over an in-toto Statement listing each file's digest.
    envelope = json.loads((cohort.ada / ACTIVITIES).read_text())
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    assert envelope["signatures"][0]["keyid"] == cohort.staff["staff"].verification_method
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    names = [s["name"] for s in statement["subject"]]
    assert "student.yaml" in names and "activities/exchange-berlin.yaml" in names
    assert "evidence/exchange-berlin/transcript.pdf" in names and "report.md" not in names
    assert statement["predicate"]["student_id"] == "ada-2023-0142"
    assert statement["predicate"]["comment"] == "All three count."
    assert statement["predicate"]["previous"] is None
    import hashlib

    assert statement["predicate"]["programme"]["sha256"] == hashlib.sha256((cohort.folder / "programme.yaml").read_bytes()).hexdigest()
    report = json.loads(base64.b64decode(json.loads((cohort.ada / "approvals/0002-report.json").read_text())["payload"]))
    assert [s["name"] for s in report["subject"]] == ["evidence/report/poster-session.png", "report.md"]
    assert report["predicate"]["previous"] == {"name": ACTIVITIES, "sha256": hashlib.sha256((cohort.ada / ACTIVITIES).read_bytes()).hexdigest()}
    presentation = json.loads(base64.b64decode(json.loads((cohort.ada / "approvals/0003-presentation.json").read_text())["payload"]))
    assert presentation["predicate"]["presentation"] == {"date": "2024-05-20", "kind": "poster"}


def test_report_submitted_needs_a_report_that_passes(cohort):
    assert cohort.approve("activities")[1] == "report-submitted"
    # The student rewrites the report; a draft with errors does not undo the activities approval.
    (cohort.ada / "report.md").write_text("# Too short\n\nA few words.\n")
    result = cohort.result()
    with pytest.raises(ApprovalError, match="at the stage 'activities-approved'; a 'report' approval needs it at 'report-submitted'"):
        cohort.approve("report")
    assert result.stage == "activities-approved" and any(f.rule == "report-words" for f in result.findings)
    (cohort.ada / "report.md").unlink()
    assert cohort.result().next_step == "Your activities are approved: write your report (cim report init)."


def test_revise_records_feedback_and_does_not_advance(cohort):
    rel, stage = cohort.approve("activities", decision="revise", comment="Add the dates of the café sessions.")
    assert stage == "ready-for-review"
    result = cohort.result()
    assert result.extra["approvals"][0]["decision"] == "revise"
    assert "Add the dates of the café sessions." in result.next_step
    # Approving afterwards advances; the feedback no longer blocks.
    assert cohort.approve("activities")[1] == "report-submitted"
    # A later revise withdraws the approval: the latest valid record of a stage decides.
    assert cohort.approve("activities", decision="revise", comment="Sorry, one more thing.")[1] == "ready-for-review"


def test_approve_refuses_out_of_order_and_incomplete_records(cohort):
    with pytest.raises(ApprovalError, match="needs it at 'report-submitted'"):
        cohort.approve("report")
    with pytest.raises(ApprovalError, match="needs it at 'report-approved'"):
        cohort.approve("presentation", kind="ceremony")
    with pytest.raises(ApprovalError, match="needs --comment"):
        cohort.approve("activities", decision="revise")
    cohort.approve("activities")
    cohort.approve("report")
    with pytest.raises(ApprovalError, match="--kind ceremony or --kind poster"):
        cohort.approve("presentation")
    with pytest.raises(ApprovalError, match="in the future"):
        cohort.approve("presentation", kind="poster", date="2999-01-01")
    with pytest.raises(ApprovalError, match="not a date"):
        cohort.approve("presentation", kind="poster", date="20240520")
    assert sorted(os.listdir(cohort.ada / "approvals")) == ["0001-activities.json", "0002-report.json"]


def test_approve_refuses_a_portfolio_with_errors(cohort):
    (cohort.ada / "diary" / "2024-02-04.md").write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(ApprovalError, match="error"):
        cohort.approve("activities")
    assert not (cohort.ada / "approvals").exists()


def test_approve_refuses_keys_that_may_not_sign(cohort):
    cohort.key("outsider", trusted=False)
    cohort.key("reporter", roles=["report"])
    cohort.key("retired", valid_until="2020-12-31")
    with pytest.raises(ApprovalError, match="not in your trust list"):
        cohort.approve("activities", key="outsider")
    with pytest.raises(ApprovalError, match="lacks the role 'activities'"):
        cohort.approve("activities", key="reporter")
    with pytest.raises(ApprovalError, match="expired on 2020-12-31"):
        cohort.approve("activities", key="retired")
    assert not (cohort.ada / "approvals").exists()


def test_an_existing_approval_file_is_never_overwritten(cohort):
    from cim_cli.trust.approvals import build_statement, write_approval

    cohort.approve("activities")
    before = (cohort.ada / ACTIVITIES).read_bytes()
    statement = build_statement(str(cohort.ada), "activities", decision="approved", comment="", approver_name="x",
                                approver_id=cohort.staff["staff"].did, student_id="ada-2023-0142", sequence=1, previous=None,
                                programme=None, when=datetime.datetime.now(datetime.timezone.utc), date="2024-01-01", kind=None)
    with pytest.raises(ApprovalError, match="appeared while"):
        write_approval(str(cohort.ada), statement, cohort.staff["staff"], ACTIVITIES)
    assert (cohort.ada / ACTIVITIES).read_bytes() == before


# -- forgeries: each one does not count -------------------------------------------------

def assert_forgery_fails(cohort, check_name: str):
    result = cohort.result()
    assert result.stage == "collecting"  # an error, and no approval that counts
    found = invalid(result)
    assert found and found[0][1] == "error" and f"{check_name}:" in found[0][2], found
    return found


def test_a_key_not_in_the_trust_list(cohort):
    forge(cohort.ada, "activities", cohort.key("mallory", trusted=False))
    found = assert_forgery_fails(cohort, "key trusted")
    assert "is not in your trust list" in found[0][2] and cohort.staff["mallory"].did in found[0][2]


def test_a_key_with_the_wrong_role(cohort):
    forge(cohort.ada, "activities", cohort.key("reporter", roles=["report", "issuer"]))
    assert "lacks the role 'activities'" in assert_forgery_fails(cohort, "role")[0][2]


def test_a_revoked_key(cohort):
    forge(cohort.ada, "activities", cohort.key("revoked", revoked="2021-01-01"))
    assert "revoked on 2021-01-01" in assert_forgery_fails(cohort, "revocation")[0][2]


def test_an_expired_key(cohort):
    forge(cohort.ada, "activities", cohort.key("old", valid_until="2021-01-01"))
    assert "expired on 2021-01-01" in assert_forgery_fails(cohort, "validity dates")[0][2]


def test_a_key_signing_before_its_validity(cohort):
    forge(cohort.ada, "activities", cohort.key("future", valid_from="2099-01-01"))
    assert "not valid before 2099-01-01" in assert_forgery_fails(cohort, "validity dates")[0][2]


def test_a_signing_time_in_the_future(cohort):
    forge(cohort.ada, "activities", cohort.staff["staff"], when=datetime.datetime(2098, 1, 1, tzinfo=datetime.timezone.utc))
    assert_forgery_fails(cohort, "time")


def test_a_signature_over_other_content(cohort):
    cohort.approve("activities", decision="revise", comment="Fix the dates.")
    path = cohort.ada / ACTIVITIES
    rewrite_payload(path, lambda s: s["predicate"].update(decision="approved"))
    assert "no valid signature" in assert_forgery_fails(cohort, "signature")[0][2]


def test_a_signature_by_a_trusted_key_on_an_envelope_naming_another(cohort):
    """The keyid says staff, the predicate says staff, but mallory signed: fails."""
    mallory = cohort.key("mallory", trusted=False)
    path = forge(cohort.ada, "activities", mallory)
    rewrite_payload(path, lambda s: s["predicate"]["approver"].update(id=cohort.staff["staff"].did))
    assert_forgery_fails(cohort, "signature")


def test_an_approval_copied_from_another_students_portfolio(cohort):
    bob = cohort.add_portfolio("bob", "bob-2023-0007")
    cohort.approve("activities", root=bob)
    (cohort.ada / "approvals").mkdir()
    shutil.copy(bob / ACTIVITIES, cohort.ada / ACTIVITIES)
    found = assert_forgery_fails(cohort, "student")
    assert "made for student 'bob-2023-0007', but this portfolio is 'ada-2023-0142'" in found[0][2]


def test_a_replayed_approval(cohort):
    cohort.approve("activities", decision="revise", comment="Not yet.")
    cohort.approve("activities")
    # Copy the old 'revise' to the end: as if it were the latest word on the activities.
    shutil.copy(cohort.ada / ACTIVITIES, cohort.ada / "approvals/0003-activities.json")
    result = cohort.result()
    assert result.stage == "report-submitted"  # the replay does not count, the genuine approval does
    found = invalid(result)
    assert len(found) == 1 and found[0][0] == "approvals/0003-activities.json" and "chain:" in found[0][2]


def test_reordered_approvals(cohort):
    cohort.approve("activities")
    cohort.approve("activities", decision="revise", comment="Wait: the café needs dates.")
    folder = cohort.ada / "approvals"
    # Swap the two: the approval now looks like the latest word.
    os.rename(folder / "0001-activities.json", folder / "tmp")
    os.rename(folder / "0002-activities.json", folder / "0001-activities.json")
    os.rename(folder / "tmp", folder / "0002-activities.json")
    result = cohort.result()
    assert result.stage == "collecting"
    assert {f[0] for f in invalid(result)} == {"approvals/0001-activities.json", "approvals/0002-activities.json"}


def test_an_earlier_approval_changed_breaks_the_chain_after_it(cohort):
    cohort.approve("activities")
    cohort.approve("report")
    first = cohort.ada / ACTIVITIES
    first.write_text(first.read_text() + " ")
    result = cohort.result()
    assert result.stage == "report-submitted"  # the report approval no longer follows the chain
    assert [f[0] for f in invalid(result)] == ["approvals/0002-report.json"]


def test_a_removed_earlier_approval_breaks_the_chain(cohort):
    cohort.approve("activities", decision="revise", comment="Dates, please.")
    cohort.approve("activities")
    (cohort.ada / ACTIVITIES).unlink()
    assert cohort.result().stage == "collecting"


def test_files_in_approvals_that_are_not_approvals(cohort):
    cohort.approve("activities")
    (cohort.ada / "approvals" / "notes.txt").write_text("hi")
    (cohort.ada / "approvals" / ".gitkeep").write_text("")
    os.mkfifo(cohort.ada / "approvals" / "0002-report.json")
    found = invalid(cohort.result())
    assert sorted(f[0] for f in found) == ["approvals/0002-report.json", "approvals/notes.txt"]


@pytest.mark.parametrize("content", [b"", b"garbage", b"{}", b'{"payloadType": "application/vnd.in-toto+json", "payload": "e30=", "signatures": [{"keyid": "", "sig": ""}]}'])
def test_damaged_approval_files_are_findings(cohort, content):
    (cohort.ada / "approvals").mkdir()
    (cohort.ada / ACTIVITIES).write_bytes(content)
    assert_forgery_fails(cohort, "envelope")


def test_a_trust_list_inside_the_portfolio_is_never_used(cohort):
    """The student lists their own key in a trust.yaml and a programme.yaml inside their portfolio."""
    mallory = cohort.key("mallory", trusted=False)
    from cim_cli.trust.keys import trust_entry

    (cohort.ada / "trust.yaml").write_text("keys:\n" + trust_entry(mallory.did, "Me", None, ["activities", "report", "presentation"]))
    forge(cohort.ada, "activities", mallory)
    # The cohort's programme names the cohort's trust list: the student's is ignored.
    assert_forgery_fails(cohort, "key trusted")
    # A programme file inside the portfolio that names the portfolio's trust list: refused.
    (cohort.ada / "programme.yaml").write_text("trust: trust.yaml\n")
    from cim_cli.engine import validate_path
    from cim_cli.programme import load_programme

    result = validate_path(str(cohort.ada), load_programme(str(cohort.ada / "programme.yaml")))
    assert result.stage == "ready-for-review"
    assert "inside the portfolio" in invalid(result)[0][2]
    # And a cohort programme pointing into a portfolio for its trust list: refused as well.
    (cohort.ada / "programme.yaml").unlink()
    (cohort.folder / "programme.yaml").write_text("trust: ada/trust.yaml\n")
    result = cohort.result()
    assert result.stage == "ready-for-review" and "inside the portfolio" in invalid(result)[0][2]


def test_without_a_trust_list_approvals_cannot_count(cohort):
    cohort.approve("activities")
    from conftest import result_of

    result = result_of(cohort.ada)  # the built-in programme names no trust list
    assert result.stage == "ready-for-review"
    assert invalid(result)[0][1] == "warning" and "cannot be checked" in invalid(result)[0][2]


# -- tampering with approved files: stage demoted, one finding per file ----------------------

@pytest.mark.parametrize("change, expected", [
    (lambda p: (p / "student.yaml").write_text((p / "student.yaml").read_text() + "# edited\n"), [("student.yaml", "modified")]),
    (lambda p: (p / "activities/spanish-language-cafe.yaml").write_text((p / "activities/spanish-language-cafe.yaml").read_text().replace("engagements: 8", "engagements: 9")), [("activities/spanish-language-cafe.yaml", "modified")]),
    (lambda p: (p / "reflections/exchange-berlin.md").write_text((p / "reflections/exchange-berlin.md").read_text() + "\nMore.\n"), [("reflections/exchange-berlin.md", "modified")]),
    (lambda p: (p / "evidence/exchange-berlin/ward-team.png").unlink(), [("evidence/exchange-berlin/ward-team.png", "deleted")]),
    (lambda p: (p / "evidence/exchange-berlin/extra.pdf").write_bytes(b"%PDF-1.4 new"), [("evidence/exchange-berlin/extra.pdf", "added")]),
    (lambda p: os.rename(p / "evidence/exchange-berlin/transcript.pdf", p / "evidence/exchange-berlin/transcript2.pdf"),
     [("evidence/exchange-berlin/transcript.pdf", "deleted"), ("evidence/exchange-berlin/transcript2.pdf", "added")]),
])
def test_each_changed_approved_file_is_named_and_the_stage_drops(cohort, change, expected):
    cohort.approve("activities")
    cohort.approve("report")
    assert cohort.result().stage == "report-approved"
    change(cohort.ada)
    result = cohort.result()
    assert result.stage in ("ready-for-review", "collecting")
    found = [(f.file, f.line, f.message) for f in result.findings if f.rule == "approval-stale"]
    assert [(file, line) for file, line, _ in found] == [(ACTIVITIES, 1)] * len(expected)
    for (name, how), (_, _, message) in zip(expected, found):
        assert message.startswith(f"{name} was {how} after staff approved the activities")


def test_report_tampering_demotes_to_report_submitted(cohort):
    cohort.approve("activities")
    cohort.approve("report")
    cohort.approve("presentation", kind="ceremony")
    report = cohort.ada / "report.md"
    original = report.read_bytes()
    report.write_bytes(original.replace(b"Berlin", b"Paris", 1))
    assert report.read_bytes() != original
    result = cohort.result()
    assert result.stage == "report-submitted"
    assert [(f.file, f.message.split(" ")[0]) for f in result.findings if f.rule == "approval-stale"] == [("approvals/0002-report.json", "report.md")]
    # The report's image lies under evidence/, but only the report shows it: the report approval covers it.
    (cohort.ada / "evidence/report/poster-session.png").write_bytes(b"\x89PNG other")
    report.write_bytes(original)
    result = cohort.result()
    assert result.stage == "report-submitted"
    assert [(f.file, f.message.split(" ")[0]) for f in result.findings if f.rule == "approval-stale"] == [
        ("approvals/0002-report.json", "evidence/report/poster-session.png")]


def test_a_photo_added_for_the_report_after_the_activities_approval_does_not_demote_them(cohort):
    cohort.approve("activities")
    (cohort.ada / "evidence/report/second.png").write_bytes(b"\x89PNG second")
    report = cohort.ada / "report.md"
    report.write_text(report.read_text() + "\n![Our team](evidence/report/second.png)\n")
    result = cohort.result()
    assert result.stage == "report-submitted", [f.message for f in result.findings]
    # The same file added as an activity's evidence would belong to the activities.
    cafe = cohort.ada / "activities/spanish-language-cafe.yaml"
    cafe.write_text(cafe.read_text() + "  - path: evidence/report/second.png\n    kind: photo\n")
    result = cohort.result()
    assert result.stage == "ready-for-review"
    assert sorted(f.message.split(" was ")[0] + " " + f.message.split(" ")[2] for f in result.findings if f.rule == "approval-stale") == [
        "activities/spanish-language-cafe.yaml modified", "evidence/report/second.png added"]


def test_restoring_the_file_restores_the_stage(cohort):
    cohort.approve("activities")
    path = cohort.ada / "student.yaml"
    original = path.read_bytes()
    path.write_bytes(original + b"# x\n")
    assert cohort.result().stage == "ready-for-review"
    assert "changed after staff approved" in cohort.result().next_step
    path.write_bytes(original)
    assert cohort.result().stage == "report-submitted"


def test_a_new_approval_after_changes_supersedes_the_stale_one(cohort):
    cohort.approve("activities")
    (cohort.ada / "evidence/exchange-berlin/extra.pdf").write_bytes(b"%PDF-1.4 new")
    assert cohort.result().stage == "ready-for-review"
    cohort.approve("activities")
    result = cohort.result()
    assert result.stage == "report-submitted" and not [f for f in result.findings if f.rule == "approval-stale"]


def test_a_crlf_checkout_keeps_the_approval_valid(cohort):
    """Approved over LF files; a Windows checkout (core.autocrlf=true) turns every text file to CRLF."""
    cohort.approve("activities")
    cohort.approve("report")
    converted = 0
    for path in cohort.ada.rglob("*"):
        if path.is_file() and path.suffix in (".md", ".yaml") and "approvals" not in path.parts:
            data = path.read_bytes()
            path.write_bytes(data.replace(b"\n", b"\r\n"))
            converted += 1
    assert converted >= 7
    result = cohort.result()
    assert result.stage == "report-approved", [f.message for f in result.findings]
    # A real change in the CRLF file is still seen.
    cafe = cohort.ada / "activities/spanish-language-cafe.yaml"
    cafe.write_bytes(cafe.read_bytes().replace(b"engagements: 8", b"engagements: 9"))
    assert cohort.result().stage == "ready-for-review"


def test_plain_validate_never_imports_cryptography():
    """Start-up stays fast: no approvals folder, no trust list, no cryptography."""
    code = (
        "import sys\nfrom cim_cli.cli import main\n"
        "try:\n    main(['validate', 'example-portfolios/ready-ada'])\nexcept SystemExit:\n    pass\n"
        "print('cryptography' in sys.modules, 'cim_cli.trust.trustlist' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.stdout.strip().splitlines()[-1] == "False False"


def test_status_shows_approvals_and_feedback(cohort):
    from typer.testing import CliRunner

    from cim_cli.cli import app

    cohort.approve("activities", comment="Well documented [/x] \x1b[2J")
    cohort.approve("report", decision="revise", comment="Say more about Kyoto.")
    args = ["status", "--programme", str(cohort.folder / "programme.yaml"), str(cohort.ada)]
    out = CliRunner().invoke(app, args).stdout
    assert "Stage: report-submitted" in out
    assert "✓ activities: approved by staff" in out and '"Well documented [/x] \\x1b[2J"' in out
    assert "! report: changes asked by staff" in out and '"Say more about Kyoto."' in out
    assert 'Next: Staff asked for changes to your report: "Say more about Kyoto."' in out
    data = json.loads(CliRunner().invoke(app, args + ["--format", "json"]).stdout)
    assert [(a["stage"], a["decision"], a["status"]) for a in data["approvals"]] == [("activities", "approved", "valid"), ("report", "revise", "valid")]
    assert data["trust"]["source"] == str(cohort.folder / "trust.yaml") and len(data["trust"]["sha256"]) == 64
    # Once the report is approved, the request for changes is history.
    cohort.approve("report")
    out = CliRunner().invoke(app, args).stdout
    assert "· report: changes asked by staff" in out and "— superseded" in out and "✓ report: approved by staff" in out
    assert "Stage: report-approved" in out


def test_symbolic_links_in_scope_are_refused_and_never_followed_out(cohort, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.pdf").write_bytes(b"%PDF outside")
    os.symlink(outside / "x.pdf", cohort.ada / "evidence" / "link.pdf")
    with pytest.raises(ApprovalError, match="evidence/link.pdf is a symbolic link"):
        cohort.approve("activities")
    os.unlink(cohort.ada / "evidence" / "link.pdf")
    cohort.approve("activities")
    # Afterwards the evidence folder is swapped for a link to a copy outside: the files count as changed.
    shutil.copytree(cohort.ada / "evidence", outside / "evidence")
    shutil.rmtree(cohort.ada / "evidence")
    os.symlink(outside / "evidence", cohort.ada / "evidence")
    result = cohort.result()
    assert result.stage != "report-submitted"
    assert any("evidence" in f.message for f in result.findings if f.rule == "approval-stale")


def test_an_approvals_folder_that_is_a_link_is_refused(cohort, tmp_path):
    cohort.approve("activities")
    shutil.move(str(cohort.ada / "approvals"), str(tmp_path / "elsewhere"))
    os.symlink(tmp_path / "elsewhere", cohort.ada / "approvals")
    result = cohort.result()
    assert result.stage == "collecting"
    assert invalid(result)[0][0] == "approvals" and "symbolic link" in invalid(result)[0][2]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_rev_checks_the_committed_approvals(cohort):
    """validate --rev reads the portfolio from git: committed (LF) blobs keep the approval valid."""
    from typer.testing import CliRunner

    from cim_cli.cli import app

    cohort.approve("activities")
    genv = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "S", "GIT_AUTHOR_EMAIL": "s@x", "GIT_COMMITTER_NAME": "S", "GIT_COMMITTER_EMAIL": "s@x"}
    for cmd in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "approved"]):
        subprocess.run(["git", "-C", str(cohort.ada), *cmd], check=True, env=genv)
    (cohort.ada / "student.yaml").write_text("# edited in the work tree only\n" + (cohort.ada / "student.yaml").read_text())
    args = ["validate", "--programme", str(cohort.folder / "programme.yaml"), "--format", "json", "--require", "activities-approved"]
    assert CliRunner().invoke(app, args + [str(cohort.ada)]).exit_code == 1  # the work tree is demoted
    result = CliRunner().invoke(app, args + ["--rev", "HEAD", str(cohort.ada)])
    assert result.exit_code == 0, result.stdout


WEIRD = [None, 0, -1, 10**30, 1.5, True, "", "x" * 5000, [], {}, [1, 2], {"a": 1}, "\x1b[2J", "\udcff"]


@pytest.mark.parametrize("field", ["stage", "decision", "comment", "approver", "time", "date", "student_id", "sequence", "previous", "presentation"])
def test_any_value_in_any_predicate_field_is_a_finding_not_a_crash(cohort, field):
    cohort.approve("activities")
    path = cohort.ada / ACTIVITIES
    original = path.read_bytes()
    for value in WEIRD:
        path.write_bytes(original)
        rewrite_payload(path, lambda s: s["predicate"].__setitem__(field, value))
        result = cohort.result()
        assert result.stage == "collecting"
        assert invalid(result), (field, value)
        assert not [f for f in result.findings if f.rule == "internal-error"]


@pytest.mark.parametrize("change", [
    lambda s: s.__setitem__("subject", [{"name": "../../etc/passwd", "digest": {"sha256": "0" * 64}}]),
    lambda s: s.__setitem__("subject", [{"name": "/etc/passwd", "digest": {"sha256": "0" * 64}}]),
    lambda s: s.__setitem__("subject", [{"name": "a", "digest": {"sha256": "z"}}]),
    lambda s: s.__setitem__("subject", "student.yaml"),
    lambda s: s.__setitem__("subject", []),
    lambda s: s.__setitem__("predicate", []),
    lambda s: s.__setitem__("_type", "https://in-toto.io/Statement/v0.1"),
    lambda s: s.__setitem__("predicateType", "https://slsa.dev/provenance/v1"),
    lambda s: s["subject"].append(dict(s["subject"][0])),
])
def test_malformed_statements_are_findings(cohort, change):
    cohort.approve("activities")
    rewrite_payload(cohort.ada / ACTIVITIES, change)
    result = cohort.result()
    assert result.stage == "collecting" and invalid(result)
    assert not [f for f in result.findings if f.rule == "internal-error"]


def test_random_byte_flips_never_crash(cohort):
    import random

    cohort.approve("activities")
    path = cohort.ada / ACTIVITIES
    original = path.read_bytes()
    rng = random.Random(7)
    for _ in range(60):
        data = bytearray(original)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data))
        result = cohort.result()
        assert not [f for f in result.findings if f.rule == "internal-error"]
        try:
            same = dsse.parse(bytes(data)) == dsse.parse(original)
        except dsse.EnvelopeError:
            same = False
        # Only a flip that leaves the signed content as it was (JSON whitespace, say) may still count.
        assert result.stage == ("report-submitted" if same else "collecting"), bytes(data)


def test_an_image_dropped_from_the_report_is_not_added_to_the_activities(cohort):
    """The activities approval records which evidence/ files it left to the report."""
    cohort.approve("activities")
    cohort.approve("report")
    report = cohort.ada / "report.md"
    text = report.read_text()
    assert "poster-session.png" in text
    report.write_text("\n".join(line for line in text.splitlines() if "poster-session.png" not in line) + "\n")
    result = cohort.result()
    assert result.stage == "report-submitted"
    assert [(f.file, f.message.split(" ")[0]) for f in result.findings if f.rule == "approval-stale"] == [("approvals/0002-report.json", "report.md")]
    statement = json.loads(base64.b64decode(json.loads((cohort.ada / ACTIVITIES).read_text())["payload"]))
    assert statement["predicate"]["left_to_report"] == ["evidence/report/poster-session.png"]
