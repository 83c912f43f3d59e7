"""Per-rule tests: (portfolio files) -> expected [(rule, file, line)]."""

from __future__ import annotations

import hashlib
import os

import pytest

from conftest import STUDENT, WORDS_60, activity_yaml, complete_activity, findings_of, result_of
from cim_cli.checks import RULES

A = "activities/cafe.yaml"


def report(sections: dict[str, str], title: str = "# Report") -> str:
    return title + "\n\n" + "".join(f"## {h}\n\n{body}\n\n" for h, body in sections.items())


def full_report(words_per_section: int = 110, skip: str | None = None, empty: str | None = None) -> str:
    from cim_cli.programme import DEFAULT

    heads = [DEFAULT["report"]["summary_heading"], *DEFAULT["report"]["questions"]]
    return report({h: ("" if h == empty else " ".join(["reflect"] * words_per_section)) for h in heads if h != skip})


CASES = {
    "clean": ({**complete_activity("cafe")}, []),
    "duplicate key": (
        {**complete_activity("cafe"), A: activity_yaml("cafe") + "title: again\n"},
        [("yaml-duplicate-key", A, 9)],
    ),
    "alias": (
        {**complete_activity("cafe"), A: "x: &a 1\ny: *a\n"},
        [("yaml-alias", A, 1), ("yaml-alias", A, 2)],
    ),
    "syntax": (
        {**complete_activity("cafe"), A: "title: 'open\ncategory: x\n"},
        [("yaml-syntax", A, 3)],
    ),
    "latin-1 record": (
        {**complete_activity("cafe"), A: activity_yaml("cafe", host="K\u00f6ln").encode("latin-1")},
        [("encoding", A, 1)]  # the é of "café" in the title,
    ),
    "bom is fine": ({**complete_activity("cafe"), A: b"\xef\xbb\xbf" + activity_yaml("cafe").encode()}, []),
    "schema: missing title": (
        {**complete_activity("cafe"), A: activity_yaml("cafe", title=None)},
        [("schema", A, 1)],
    ),
    "schema: bad date at its line": (
        {**complete_activity("cafe"), A: activity_yaml("cafe", start="2024-13-01")},
        [("schema", A, 4)],
    ),
    "schema: date with trailing text": (
        {**complete_activity("cafe"), A: activity_yaml("cafe", start="'2024-01-01\\n'")},
        [("schema", A, 4)],
    ),
    "schema: abroad needs country": (
        {**complete_activity("cafe"), A: activity_yaml("cafe", category="conference", location="abroad")},
        [("schema", A, 1)],
    ),
    "schema: unknown field at its key": (
        {**complete_activity("cafe"), A: activity_yaml("cafe") + "titel: typo\n"},
        [("schema", A, 9)],
    ),
    "schema: NO is Norway": (
        {**complete_activity("cafe"), A: activity_yaml("cafe", category="conference", location="abroad", country="NO")},
        [],
    ),
    "schema: bad country": (
        {**complete_activity("cafe"), A: activity_yaml("cafe", category="conference", location="abroad", country="XX")},
        [("schema", A, 9)],
    ),
    "student schema": (
        {**complete_activity("cafe"), "student.yaml": STUDENT.replace("test@example.edu", "not-an-email")},
        [("schema", "student.yaml", 3)],
    ),
    "category unknown": (
        {**complete_activity("cafe"), A: activity_yaml("cafe", category="moot-court")},
        [("category-unknown", A, 2)],
    ),
    "end before start": (
        {**complete_activity("cafe"), A: activity_yaml("cafe", end="2024-09-01")},
        [("date-order", A, 9)],
    ),
    "evidence missing file": (
        {k: v for k, v in complete_activity("cafe").items() if not k.startswith("evidence/")},
        [("file-missing", A, 7)],
    ),
    "evidence path unsafe": (
        {**complete_activity("cafe"), A: activity_yaml("cafe", evidence="\n  - path: ../../etc/passwd")},
        [("path-unsafe", A, 7)],
    ),
    "no evidence listed": (
        {**complete_activity("cafe"), A: activity_yaml("cafe", evidence=None)},
        [("evidence-missing", A, 1)],
    ),
    "reflection missing": (
        {k: v for k, v in complete_activity("cafe").items() if not k.startswith("reflections/")},
        [("file-missing", A, None)],
    ),
    "reflection short": (
        {**complete_activity("cafe"), "reflections/cafe.md": "# R\n\ntoo short\n"},
        [("reflection-words", "reflections/cafe.md", 1)],
    ),
    "engagements": (
        {**complete_activity("cafe"), A: activity_yaml("cafe", engagements="1")},
        [("engagements", A, 5)],
    ),
    "report fine": ({**complete_activity("cafe"), "report.md": full_report()}, []),
    "report too short": ({**complete_activity("cafe"), "report.md": full_report(words_per_section=20)}, [("report-words", "report.md", None)]),
    "report too long": ({**complete_activity("cafe"), "report.md": full_report(words_per_section=300)}, [("report-words", "report.md", None)]),
    "report missing heading": (
        {**complete_activity("cafe"), "report.md": full_report(words_per_section=140, skip="Summary of activities")},
        [("report-headings", "report.md", None)],
    ),
    "report empty section": (
        {**complete_activity("cafe"), "report.md": full_report(words_per_section=140, empty="Summary of activities")},
        [("report-structure", "report.md", 3)],
    ),
    "report image missing": (
        {**complete_activity("cafe"), "report.md": full_report() + "![me](evidence/me.jpg)\n"},
        [("file-missing", "report.md", 23)],
    ),
    "evidence: the student record": (
        {**complete_activity("cafe"), A: activity_yaml("cafe", evidence="\n  - path: student.yaml")},
        [("evidence-location", A, 7)],
    ),
    "evidence: the activity's own record": (
        {**complete_activity("cafe"), A: activity_yaml("cafe", evidence="\n  - path: activities/cafe.yaml")},
        [("evidence-location", A, 7)],
    ),
    "evidence: digest matches": (
        {**complete_activity("cafe"), A: activity_yaml("cafe", evidence=f"\n  - path: evidence/cafe/proof.pdf\n    sha256: {hashlib.sha256(b'%PDF-1.4').hexdigest()}")},
        [],
    ),
    "evidence: digest does not match": (
        {**complete_activity("cafe"), A: activity_yaml("cafe", evidence=f"\n  - path: evidence/cafe/proof.pdf\n    sha256: {'a' * 64}")},
        [("evidence-digest", A, 8)],
    ),
    "reflection shared by two activities": (
        {
            **complete_activity("cafe"),
            **complete_activity("club", title="Club"),
            "activities/club.yaml": activity_yaml("club", title="Club", reflection="reflections/cafe.md"),
        },
        [("reflection-shared", "activities/club.yaml", 9)],
    ),
    "record copied under another name": (
        {**complete_activity("cafe"), **complete_activity("copy"), "activities/copy.yaml": "# a copy\n" + activity_yaml("cafe", reflection="reflections/copy.md")},
        [("activity-duplicate", "activities/copy.yaml", 1)],
    ),
    "virtual exchange in a course with a short reflection": (
        {**complete_activity("cafe", category="virtual-exchange", curriculum="formal", engagements=None)},
        [("formal-reflection", "reflections/cafe.md", 1)],
    ),
    "virtual exchange outside the curriculum": (
        {**complete_activity("cafe", category="virtual-exchange", curriculum="informal", engagements=None)},
        [],
    ),
    "report image remote": (
        {**complete_activity("cafe"), "report.md": full_report() + "![me](https://example.com/me.jpg)\n"},
        [("file-missing", "report.md", 23)],
    ),
    "approvals folder holding something else": (
        {**complete_activity("cafe"), "approvals/notes.txt": "approved!"},
        [("approval-invalid", "approvals/notes.txt", None)],
    ),
    "a credential and no trust list to check it": (
        {**complete_activity("cafe"), "credentials/mine.json": '{"id": "urn:uuid:x"}'},
        [("credential-invalid", "credentials", None)],
    ),
    # Judged by the built-in defaults: any programme.yaml inside differs (see test_programme_trust).
    "programme inside": (
        {**complete_activity("cafe"), "programme.yaml": "requirements:\n  min_activities: 1\n"},
        [("programme-in-portfolio", "programme.yaml", 1)],
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_rule_table(make_portfolio, name):
    files, expected = CASES[name]
    assert findings_of(make_portfolio(files)) == sorted(expected, key=lambda t: (t[1], t[2] or 0, t[0]))


def test_every_rule_is_documented_and_has_a_case():
    covered = {rule for _, expected in CASES.values() for rule, _, _ in expected}
    for rule_id, module in RULES.items():
        assert module.__doc__ and len(module.__doc__.strip()) > 40, rule_id
        assert module.SEVERITY in ("error", "warning")
    # file-too-large is covered in test_hostile, approval-stale (it needs keys) in test_trust_approvals; everything else here.
    assert set(RULES) - covered == {"file-too-large", "approval-stale"}


def test_report_headings_one_finding_per_missing_heading(make_portfolio):
    path = make_portfolio({**complete_activity("cafe"), "report.md": "# Report\n\n## Summary of activities\n\ntext\n"})
    rules = [r for r, _, _ in findings_of(path)]
    assert rules.count("report-headings") == 4


def test_heading_comparison_folds_case_quotes_space_and_punctuation(make_portfolio):
    from cim_cli.programme import DEFAULT

    heads = ["summary  OF activities:", *[q.upper().rstrip("?") + " ." for q in DEFAULT["report"]["questions"]]]
    text = "# R\n\n" + "".join(f"### {h}\n\n{' '.join(['w'] * 110)}\n\n" for h in heads)
    path = make_portfolio({**complete_activity("cafe"), "report.md": text})
    assert findings_of(path) == []


def test_report_words_message_gives_count_and_limits(make_portfolio):
    path = make_portfolio({**complete_activity("cafe"), "report.md": full_report(words_per_section=20)})
    (finding,) = [f for f in result_of(path).findings if f.rule == "report-words"]
    assert "100 words" in finding.message and "500-1000" in finding.message


def test_count_headings_setting(make_portfolio, tmp_path):
    from cim_cli.programme import load_programme

    prog_file = tmp_path / "prog.yaml"
    prog_file.write_text("report:\n  count_headings: true\n")
    path = make_portfolio({**complete_activity("cafe"), "report.md": full_report(words_per_section=20)})
    plain = result_of(path).report_words
    counted = result_of(path, load_programme(str(prog_file))).report_words
    assert plain == 100 and counted > plain


def test_symlinked_reflection_outside_is_unsafe(make_portfolio, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text("# x\n\n" + WORDS_60)
    files = {k: v for k, v in complete_activity("cafe").items() if not k.startswith("reflections/")}
    path = make_portfolio(files)
    (path / "reflections").mkdir()
    os.symlink(outside, path / "reflections" / "cafe.md")
    assert ("path-unsafe", A, None) in findings_of(path)
    assert result_of(path).counting_activities == 0


def test_evidence_symlink_inside_evidence_to_a_record(make_portfolio):
    path = make_portfolio(complete_activity("cafe"))
    os.symlink("../../student.yaml", path / "evidence" / "cafe" / "link.pdf")
    (path / A).write_text(activity_yaml("cafe", evidence="\n  - path: evidence/cafe/link.pdf"))
    found = result_of(path).findings
    assert [(f.rule, f.line) for f in found] == [("evidence-location", 7)]
    assert "leads to 'student.yaml'" in found[0].message
    assert result_of(path).counting_activities == 0


def test_tampered_evidence_does_not_count(make_portfolio):
    path = make_portfolio(complete_activity("cafe"))
    (path / A).write_text(activity_yaml("cafe", evidence=f"\n  - path: evidence/cafe/proof.pdf\n    sha256: {hashlib.sha256(b'%PDF-1.4').hexdigest()}"))
    assert result_of(path).counting_activities == 1
    (path / "evidence" / "cafe" / "proof.pdf").write_bytes(b"%PDF-1.4 edited")
    assert result_of(path).counting_activities == 0


def test_reflection_shared_through_a_symlink(make_portfolio):
    path = make_portfolio({**complete_activity("cafe"), **complete_activity("club", title="Club")})
    (path / "reflections" / "club.md").unlink()
    os.symlink("cafe.md", path / "reflections" / "club.md")
    assert ("reflection-shared", "activities/club.yaml", 1) in findings_of(path)


def test_duplicate_records_compare_content_not_spelling(make_portfolio):
    flow = "{title: Language café, category: language-cafe, location: home, start: 2024-10-01, engagements: 3, evidence: [{path: evidence/cafe/proof.pdf, kind: certificate}]}\n"
    path = make_portfolio({**complete_activity("cafe"), "activities/flow.yaml": flow, "reflections/flow.md": "# R\n\n" + WORDS_60})
    assert ("activity-duplicate", "activities/flow.yaml", 1) in findings_of(path)
    other = make_portfolio({**complete_activity("cafe"), "activities/later.yaml": activity_yaml("later", start="2024-11-01"), "evidence/later/proof.pdf": b"x", "reflections/later.md": "# R\n\n" + WORDS_60})
    assert not [f for f in findings_of(other) if f[0] == "activity-duplicate"]


def test_formal_activity_needs_more_words_in_status_and_the_setting_applies(make_portfolio, tmp_path):
    from cim_cli.programme import load_programme

    files = complete_activity("vx", category="virtual-exchange", curriculum="formal", engagements=None)
    path = make_portfolio(files)
    (summary,) = result_of(path).activities
    assert not summary.counts
    assert summary.lacks == ("90 more words of reflection because it is part of your course (60 of 150)",)
    off = tmp_path / "off.yaml"
    off.write_text("requirements:\n  formal_reflection:\n    categories: []\n")
    assert result_of(path, load_programme(str(off))).activities[0].counts
    (path / "reflections" / "vx.md").write_text("# R\n\n" + " ".join(["word"] * 150))
    assert result_of(path).activities[0].counts


def test_evidence_digest_allows_line_endings_git_converted(make_portfolio):
    """A text evidence file checked out with CRLF (core.autocrlf) is the file that was recorded."""
    lf = b"Attendance list\nsigned: yes\n"
    path = make_portfolio({**complete_activity("cafe"), "evidence/cafe/list.txt": lf.replace(b"\n", b"\r\n")})
    (path / A).write_text(activity_yaml("cafe", evidence=f"\n  - path: evidence/cafe/list.txt\n    sha256: {hashlib.sha256(lf).hexdigest()}"))
    assert [f for f in findings_of(path) if f[0] == "evidence-digest"] == []
    (path / "evidence" / "cafe" / "list.txt").write_bytes(b"Attendance list\r\nsigned: no\r\n")
    assert ("evidence-digest", A, 8) in findings_of(path)
