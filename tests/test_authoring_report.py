"""cim report init: the programme's headings, counting activities, never destroying a report."""

from __future__ import annotations

import json

from authoring_support import cim, fill_reflection, new_portfolio, snapshot
from cim_cli.programme import HANDBOOK_QUESTIONS


def findings(root):
    return json.loads(cim("validate", root, "--format", "json").stdout)["portfolios"][0]["findings"]


def test_template_has_every_required_heading_and_no_counted_words(tmp_path):
    root = new_portfolio(tmp_path)
    r = cim("report", "init", "--portfolio", root)
    assert r.exit_code == 0, r.stderr
    assert "Wrote" in r.stderr and "500-1000 words" in r.stderr
    text = (root / "report.md").read_text()
    assert text.startswith("# Certificate of International Merits: final report\n")
    assert "\n## Summary of activities\n" in text
    for question in HANDBOOK_QUESTIONS:
        assert f"\n## {question}\n" in text
    found = findings(root)
    assert [f for f in found if f["rule"] == "report-headings"] == []
    words = [f for f in found if f["rule"] == "report-words"]
    assert len(words) == 1 and "has 0 words" in words[0]["message"]  # the guidance is in comments


def test_counting_activities_are_listed(tmp_path):
    root = new_portfolio(tmp_path)
    for title in ("Poster in Kyoto", "Not done yet"):
        cim("activity", "add", "--portfolio", root, "--title", title, "--category", "conference", "--location", "abroad", "--country", "JP", "--start", "2024-09-12", "--end", "2024-09-14")
    (root / "proof.pdf").write_bytes(b"p")
    assert cim("evidence", "add", "--portfolio", root, "poster-in-kyoto", root / "proof.pdf").exit_code == 0
    fill_reflection(root / "reflections" / "poster-in-kyoto.md")
    r = cim("report", "init", "--portfolio", root)
    assert r.exit_code == 0
    assert "1 of 3 activities count so far" in r.stderr
    text = (root / "report.md").read_text()
    assert "- Poster in Kyoto (Conference or workshop; abroad (JP); 2024-09-12 to 2024-09-14)\n" in text
    assert "- Not done yet" not in text
    assert "do not count yet: not-done-yet" in text
    assert [f for f in findings(root) if f["rule"] == "report-structure" and "Summary" in f["message"]] == []


def test_refuses_an_existing_report(tmp_path):
    root = new_portfolio(tmp_path)
    (root / "report.md").write_text("My own words.\n")
    before = snapshot(root)
    r = cim("report", "init", "--portfolio", root)
    assert r.exit_code == 1
    assert "exists already" in r.stderr and "--force" in r.stderr
    assert snapshot(root) == before


def test_force_keeps_the_old_report(tmp_path):
    root = new_portfolio(tmp_path)
    (root / "report.md").write_text("My own words.\n")
    r = cim("report", "init", "--portfolio", root, "--force")
    assert r.exit_code == 0, r.stderr
    (backup,) = [p for p in root.iterdir() if p.name.startswith("report.md.bak-")]
    assert backup.read_text() == "My own words.\n"
    assert backup.name in r.stderr
    assert (root / "report.md").read_text().startswith("# Certificate")
    r = cim("report", "init", "--portfolio", root, "--force")
    assert r.exit_code == 0
    assert len([p for p in root.iterdir() if p.name.startswith("report.md.bak-")]) == 2  # a second backup, never over the first


def test_a_programme_changes_the_headings(tmp_path):
    root = new_portfolio(tmp_path)
    (tmp_path / "programme.yaml").write_text(
        "title: Global Merits\nreport:\n  summary_heading: What I did\n  questions:\n    - What did you learn?\n"
    )
    assert cim("report", "init", "--portfolio", root).exit_code == 0
    text = (root / "report.md").read_text()
    assert text.startswith("# Global Merits: final report\n")
    assert "\n## What I did\n" in text and "\n## What did you learn?\n" in text
    assert HANDBOOK_QUESTIONS[0] not in text
    assert [f for f in findings(root) if f["rule"] == "report-headings"] == []
