"""An interrupted write leaves the old file whole and no temporary file behind."""

from __future__ import annotations

import os

import pytest

from authoring_support import cim, new_portfolio, snapshot

SLUG = "spanish-language-cafe"


def temp_files(root):
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files if f.startswith(".cim-")]


@pytest.fixture
def root(tmp_path):
    root = new_portfolio(tmp_path)
    cim("activity", "add", "--portfolio", root, "--title", "Spanish language café", "--category", "language-cafe", "--location", "home", "--start", "2024-10-05")
    (tmp_path / "cert.pdf").write_bytes(b"certificate")
    return root


@pytest.mark.parametrize("where", ["replace", "fsync"])
def test_interrupted_record_update_keeps_the_old_record(tmp_path, root, monkeypatch, where):
    record = root / "activities" / f"{SLUG}.yaml"
    before = snapshot(root)
    old = record.read_bytes()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt  # ^C (or a crash) in the middle of the write

    monkeypatch.setattr(os, where, interrupted)
    r = cim("evidence", "add", "--portfolio", root, SLUG, tmp_path / "cert.pdf")
    monkeypatch.undo()
    assert r.exit_code != 0
    assert record.read_bytes() == old
    assert temp_files(root) == []
    assert snapshot(root) == before  # the copy made in this run was removed too


def test_interrupted_report_force_keeps_the_old_report(root, monkeypatch):
    report = root / "report.md"
    report.write_text("My own words, not to be lost.\n")

    def interrupted(*args, **kwargs):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", interrupted)
    r = cim("report", "init", "--portfolio", root, "--force")
    monkeypatch.undo()
    assert r.exit_code == 2
    assert "Input/output error" in r.stderr
    assert report.read_text() == "My own words, not to be lost.\n"
    assert temp_files(root) == []


def test_exclusive_writes_never_replace_a_file_that_appears(root, monkeypatch):
    """A reflection that appears between the slug check and the write is not replaced."""
    import cim_cli.authoring.activity as activity

    real = activity.unique_slug

    def racing(root_, title):
        slug = real(root_, title)
        (root / "reflections" / f"{slug}.md").write_text("written meanwhile")
        return slug

    monkeypatch.setattr(activity, "unique_slug", racing)
    r = cim("activity", "add", "--portfolio", root, "--title", "Berlin", "--category", "conference", "--location", "home", "--start", "2024-01-01")
    assert r.exit_code == 2
    assert (root / "reflections" / "berlin.md").read_text() == "written meanwhile"
    assert not (root / "activities" / "berlin.yaml").exists()
    assert temp_files(root) == []
