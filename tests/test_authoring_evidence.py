"""cim evidence add: copies, hashes, no overwrite, and the student's YAML kept as written."""

from __future__ import annotations

import difflib
import hashlib
import os

import pytest

from authoring_support import cim, new_portfolio, snapshot
from cim_cli.load.yamlsafe import parse_yaml

SLUG = "spanish-language-cafe"


@pytest.fixture
def root(tmp_path):
    root = new_portfolio(tmp_path)
    r = cim("activity", "add", "--portfolio", root, "--title", "Spanish language café", "--category", "language-cafe",
            "--location", "home", "--start", "2024-10-05", "--engagements", "8")
    assert r.stdout.strip() == SLUG
    return root


def files(tmp_path, **contents: bytes):
    made = []
    for name, data in contents.items():
        p = tmp_path / name.replace("__", ".")
        p.write_bytes(data)
        made.append(str(p))
    return made


def evidence_of(root):
    return parse_yaml((root / "activities" / f"{SLUG}.yaml").read_text(), "a").data.get("evidence")


def test_copies_and_records_with_sha256(tmp_path, root):
    import datetime

    cert, photo = files(tmp_path, cert__pdf=b"%PDF certificate", photo__JPG=b"\xff\xd8 photo")
    r = cim("evidence", "add", "--portfolio", root, SLUG, cert, photo, "--description", "Signed: yes")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == ""
    assert f"to {os.path.relpath(root / 'evidence' / SLUG / 'cert.pdf')}" in r.stderr
    assert (root / "evidence" / SLUG / "cert.pdf").read_bytes() == b"%PDF certificate"
    today = datetime.date.today().isoformat()
    assert evidence_of(root) == [
        {"path": f"evidence/{SLUG}/cert.pdf", "kind": "other", "description": "Signed: yes", "sha256": hashlib.sha256(b"%PDF certificate").hexdigest(), "added": today},
        {"path": f"evidence/{SLUG}/photo.JPG", "kind": "photo", "description": "Signed: yes", "sha256": hashlib.sha256(b"\xff\xd8 photo").hexdigest(), "added": today},
    ]
    assert cim("validate", root, "--format", "json").exit_code == 0


def test_identical_file_is_recognised_not_copied_or_listed_twice(tmp_path, root):
    (cert,) = files(tmp_path, cert__pdf=b"same")
    assert cim("evidence", "add", "--portfolio", root, SLUG, cert).exit_code == 0
    before = snapshot(root)
    other = tmp_path / "renamed.pdf"
    other.write_bytes(b"same")
    r = cim("evidence", "add", "--portfolio", root, SLUG, cert, str(other))
    assert r.exit_code == 0
    assert "already recorded" in r.stderr
    assert snapshot(root) == before
    assert len(evidence_of(root)) == 1


def test_same_name_different_content_gets_a_new_name(tmp_path, root):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "cert.pdf").write_bytes(b"first")
    (tmp_path / "b" / "cert.pdf").write_bytes(b"second")
    assert cim("evidence", "add", "--portfolio", root, SLUG, tmp_path / "a" / "cert.pdf").exit_code == 0
    assert cim("evidence", "add", "--portfolio", root, SLUG, tmp_path / "b" / "cert.pdf", "--kind", "certificate").exit_code == 0
    assert (root / "evidence" / SLUG / "cert.pdf").read_bytes() == b"first"
    assert (root / "evidence" / SLUG / "cert-2.pdf").read_bytes() == b"second"
    assert [(e["path"], e["kind"]) for e in evidence_of(root)] == [(f"evidence/{SLUG}/cert.pdf", "other"), (f"evidence/{SLUG}/cert-2.pdf", "certificate")]


def test_a_file_already_in_the_folder_is_listed_without_copying(tmp_path, root):
    folder = root / "evidence" / SLUG
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(b"scan")
    (src,) = files(tmp_path, scan__pdf=b"scan")
    r = cim("evidence", "add", "--portfolio", root, SLUG, src)
    assert r.exit_code == 0
    assert "already there with the same content" in r.stderr
    assert sorted(os.listdir(folder)) == ["scan.pdf"]
    assert evidence_of(root)[0]["path"] == f"evidence/{SLUG}/scan.pdf"


@pytest.mark.parametrize(
    "name, stored",
    [("my photo: café.png", "my-photo-café.png"), ("..hidden", "hidden"), ("a\\b.pdf", "a-b.pdf"), ("CON.txt", "CON-file.txt"), ("-rf", "rf"), ("$(x);`y`.pdf", "x-y.pdf")],
)
def test_file_names_are_made_safe(tmp_path, root, name, stored):
    src = tmp_path / name
    src.write_bytes(b"x" + name.encode())
    assert cim("evidence", "add", "--portfolio", root, SLUG, src).exit_code == 0
    assert os.listdir(root / "evidence" / SLUG) == [stored]
    assert evidence_of(root)[0]["path"] == f"evidence/{SLUG}/{stored}"


def test_students_yaml_is_kept_as_written(tmp_path, root):
    record = root / "activities" / f"{SLUG}.yaml"
    handmade = """\
# My record, edited by hand.
title: "Spanish language café"   # double quotes, kept
category: language-cafe
location: home
x-teacher: 'Señora García'
start: 2024-10-05
engagements: 8   # eight evenings

# Evidence so far:
evidence:
    -   path: evidence/spanish-language-cafe/list.pdf
        kind: signed-programme   # signed by the organiser
"""
    record.write_text(handmade)
    (root / "evidence" / SLUG).mkdir()
    (root / "evidence" / SLUG / "list.pdf").write_bytes(b"list")
    (photo,) = files(tmp_path, evening__png=b"png")
    assert cim("evidence", "add", "--portfolio", root, SLUG, photo).exit_code == 0
    after = record.read_text()
    diff = list(difflib.ndiff(handmade.splitlines(), after.splitlines()))
    assert [d for d in diff if d.startswith("- ") or d.startswith("? ")] == []
    added = [d[2:] for d in diff if d.startswith("+ ")]
    assert added[0] == f"    -   path: evidence/{SLUG}/evening.png"
    assert added[1] == "        kind: photo"
    assert len(added) == 4


@pytest.mark.parametrize(
    "text, reason",
    [
        ("title: a\ntitle: b\ncategory: x\n", "duplicate key 'title'"),
        ("title: &t a\nhost: *t\n", "anchors"),
        ("title: [a\n", "YAML syntax error"),
        ("title: a\nevidence: a string\n", "should be a list"),
    ],
)
def test_refuses_a_record_with_yaml_errors(tmp_path, root, text, reason):
    record = root / "activities" / f"{SLUG}.yaml"
    record.write_text(text)
    (src,) = files(tmp_path, cert__pdf=b"c")
    before = snapshot(root)
    r = cim("evidence", "add", "--portfolio", root, SLUG, src)
    assert r.exit_code == 1
    assert reason in r.stderr
    assert snapshot(root) == before


def test_bad_sources_exit_2_and_copy_nothing(tmp_path, root, monkeypatch):
    import cim_cli.authoring.evidence as evidence

    good, big = files(tmp_path, good__pdf=b"ok", big__pdf=b"0123456789")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    before = snapshot(root)
    for args, words in (
        ([good, str(tmp_path / "missing.pdf")], "no such file"),
        ([good, str(tmp_path)], "is a folder"),
        ([good, str(fifo)], "not a regular file"),
        (["nope-slug", good], "there is no activity 'nope-slug'"),
        ([good, "--kind", "diploma"], "--kind must be one of certificate, signed-programme, photo, transcript, other"),
    ):
        if args[0] == "nope-slug":
            r = cim("evidence", "add", "--portfolio", root, *args)
        else:
            r = cim("evidence", "add", "--portfolio", root, SLUG, *args)
        assert r.exit_code == 2, (args, r.stderr)
        assert words in r.stderr
        assert snapshot(root) == before
    monkeypatch.setattr(evidence, "MAX_EVIDENCE_BYTES", 5)
    r = cim("evidence", "add", "--portfolio", root, SLUG, good, big)
    assert r.exit_code == 2 and "at most" in r.stderr
    assert snapshot(root) == before


def test_copies_are_removed_when_the_record_cannot_be_written(tmp_path, root, monkeypatch):
    import cim_cli.authoring.evidence as evidence

    def failing(path, text, **kw):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(evidence, "write_text", failing)
    a, b = files(tmp_path, a__pdf=b"a", b__png=b"b")
    before = snapshot(root)
    r = cim("evidence", "add", "--portfolio", root, SLUG, a, b)
    assert r.exit_code == 2
    assert "No space left on device" in r.stderr
    assert snapshot(root) == before  # no copy, no new folder, the record unchanged


def test_a_recorded_path_outside_the_portfolio_is_never_read(tmp_path, root):
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"same")
    record = root / "activities" / f"{SLUG}.yaml"
    digest = hashlib.sha256(b"same").hexdigest()
    record.write_text(record.read_text() + f"evidence:\n  - path: ../secret.pdf\n    sha256: {digest}\n")
    r = cim("evidence", "add", "--portfolio", root, SLUG, secret)
    assert r.exit_code == 0
    assert "Copied" in r.stderr  # not "already recorded as ../secret.pdf"
    assert (root / "evidence" / SLUG / "secret.pdf").read_bytes() == b"same"
