"""YAML that cim writes reads back exactly, in YAML 1.2 (cim) and 1.1 (PyYAML) alike;
edits of a student's record keep everything they wrote."""

from __future__ import annotations

import datetime
import difflib

import pytest
import yaml

from cim_cli.authoring import AuthoringError, Refused
from cim_cli.authoring.yamledit import append_to_list, dump_mapping, needs_quotes, quote, split_prelude
from cim_cli.load.yamlsafe import parse_yaml

HOSTILE = [
    "NO", "no", "Yes", "on", "OFF", "y", "n", "true", "null", "~", "", " ", "  lead", "trail ",
    "1:30", "12:30:00", "0123", "0o17", "0x1F", "1_000", "1e3", "+1", "-1", ".5", ".inf", ".NaN", "7.5",
    "2025-03-01", "2025-3-1", "2001-12-14t21:59:43.10-05:00",
    "a: b", "a #b", "#x", "a:", "- x", "-", "? x", ":x", "[x]", "{x}", "x, y", "'q'", '"q"', "!tag", "&a", "*a",
    "|", ">", "%x", "@x", "`x", "<<", "=", "a\\b", 'say "hi"', "tab\there", "line\nbreak", "cr\rlf",
    "nel\x85x", "ls\u2028x", "bom\ufeffx", "bell\x07", "esc\x1b[31m", "zw\u200bj", "é café", "日本語の題", "emoji 😀",
    "Spanish language café", "3-day course", "C++ & Rust: a workshop # 2",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_dump_mapping_round_trips_hostile_strings(value):
    record = {"title": value, "host": value, "start": "2025-03-01"}
    text = dump_mapping(record.items(), header=["yaml-language-server: $schema=x"])
    doc = parse_yaml(text, "x.yaml")
    assert doc.problems == ()
    assert doc.data == record
    # A YAML 1.1 reader (PyYAML, many editors) reads the same strings too.
    assert yaml.safe_load(text)["title"] == value


def test_quote_escapes_invisible_characters():
    assert quote('a"b\\c\n\x85\u2028\U0001F600') == '"a\\"b\\\\c\\n\\x85\\u2028\U0001F600"'


def test_dates_and_numbers_are_plain():
    text = dump_mapping([("start", "2025-03-01"), ("credits", 7.5), ("engagements", 3), ("credit_bearing", True), ("title", "2025-03-01")])
    assert "start: 2025-03-01\n" in text
    assert "credits: 7.5\n" in text and "engagements: 3\n" in text and "credit_bearing: true\n" in text
    assert 'title: "2025-03-01"\n' in text  # a title that looks like a date is quoted


def test_plain_where_safe():
    for value in ("Spanish language café", "3-day course", "evidence/x/cert.pdf", "0a1bb3515ac71c54"):
        assert not needs_quotes(value), value


# -- append_to_list: round-trip edits --------------------------------------------------------

ITEM = {"path": "evidence/x/NO.pdf", "kind": "photo", "description": "yes: no # x", "sha256": "0" * 64, "added": datetime.date(2025, 3, 1)}

STUDENT_WRITTEN = """\
# yaml-language-server: $schema=../../schemas/activity.schema.json
# My own notes about this record.
---
title: 'Exchange in Berlin'   # single quotes kept
category: exchange-studies
location: abroad
country: NO          # Norway, a string in YAML 1.2
x-supervisor: "Dr. Who"
host: >
  Charité, a folded
  scalar

start: 2024-02-01
evidence:
- path: evidence/x/first.pdf   # the first one
  kind: certificate
# trailing comment, kept
"""


def only_added_lines(before: str, after: str) -> list[str]:
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    assert not [d for d in diff if d.startswith("- ")], "\n".join(diff)
    return [d[2:] for d in diff if d.startswith("+ ")]


def test_append_keeps_comments_order_quoting_and_indentation():
    after = append_to_list(STUDENT_WRITTEN, "evidence", [ITEM, dict(ITEM, path="evidence/x/b.png")], file="a.yaml")
    added = only_added_lines(STUDENT_WRITTEN, after)
    assert added[0] == "- path: evidence/x/NO.pdf"  # the student's list indentation (dash at column 0)
    assert '  description: "yes: no # x"' in added
    assert "  added: 2025-03-01" in added
    assert len(added) == 10
    data = parse_yaml(after, "a.yaml").data
    assert data["country"] == "NO" and data["x-supervisor"] == "Dr. Who"
    assert [e["path"] for e in data["evidence"]] == ["evidence/x/first.pdf", "evidence/x/NO.pdf", "evidence/x/b.png"]


def test_append_creates_the_list_in_cims_style_and_keeps_crlf():
    text = "# c\r\ntitle: x\r\nstart: 2024-01-01  # when\r\n"
    after = append_to_list(text, "evidence", [ITEM], file="a.yaml")
    assert after.startswith(text)
    assert "\r\nevidence:\r\n  - path: evidence/x/NO.pdf\r\n" in after
    assert "\n" not in after.replace("\r\n", "")


def test_append_to_an_empty_flow_list_and_a_four_space_list():
    after = append_to_list("title: x\nevidence: []\n", "evidence", [ITEM], file="a.yaml")
    assert parse_yaml(after, "a").data["evidence"][0]["path"] == "evidence/x/NO.pdf"
    four = "title: x\nevidence:\n    -   path: a\n        kind: photo\n"
    after = append_to_list(four, "evidence", [ITEM], file="a.yaml")
    assert only_added_lines(four, after)[0] == "    -   path: evidence/x/NO.pdf"


def test_one_date_object_for_many_entries_is_not_an_alias():
    day = datetime.date(2025, 3, 1)
    after = append_to_list("title: x\n", "evidence", [dict(ITEM, added=day), dict(ITEM, path="b", added=day)], file="a.yaml")
    assert "&" not in after and "*" not in after
    assert parse_yaml(after, "a").problems == ()


@pytest.mark.parametrize(
    "text, words",
    [
        ("title: x\ntitle: y\n", "duplicate key"),
        ("title: &t x\nhost: *t\n", "anchors"),
        ("title: [x\n", "syntax"),
    ],
)
def test_append_refuses_records_with_yaml_errors(text, words):
    with pytest.raises(Refused) as info:
        append_to_list(text, "evidence", [ITEM], file="a.yaml")
    assert "YAML errors" in info.value.message
    assert any(words in d for d in info.value.details)


def test_append_refuses_a_non_list_and_a_non_mapping():
    with pytest.raises(Refused, match="should be a list"):
        append_to_list("evidence: a file\n", "evidence", [ITEM], file="a.yaml")
    with pytest.raises(Refused, match="key: value"):
        append_to_list("- a\n- b\n", "evidence", [ITEM], file="a.yaml")


def test_a_mismatch_on_read_back_is_an_error(monkeypatch):
    import cim_cli.authoring.yamledit as ye

    monkeypatch.setattr(ye, "_ruamel_append", lambda body, key, items: body.replace("title: x", "title: y"))
    with pytest.raises(AuthoringError, match="reads back"):
        append_to_list("title: x\n", "evidence", [ITEM], file="a.yaml")


def test_split_prelude():
    assert split_prelude("# a\n%YAML 1.2\n---\nx: 1\n") == ("# a\n%YAML 1.2\n---\n", "x: 1\n")
    assert split_prelude("# a\nx: 1\n---\n") == ("", "# a\nx: 1\n---\n")
