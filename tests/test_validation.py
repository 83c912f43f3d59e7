"""Schema validation: the fast compiled check agrees with jsonschema; messages and formats."""

from __future__ import annotations

import copy
import random

import pytest

from cim_cli.model import SourceMap
from cim_cli.validation import is_date, is_valid, schema_problems, validator

ACTIVITY = {
    "title": "Language café",
    "category": "language-cafe",
    "location": "abroad",
    "country": "SE",
    "start": "2024-10-01",
    "end": "2024-12-01",
    "credit_bearing": False,
    "credits": 7.5,
    "curriculum": "formal",
    "engagements": 3,
    "evidence": [{"path": "evidence/a.pdf", "kind": "photo", "description": "x", "sha256": "a" * 64, "added": "2024-10-02"}],
    "reflection": "reflections/a.md",
    "x-note": {"anything": [1]},
}
STUDENT = {"student_id": "1", "name": "A", "email": "a@b.se", "study_programme": "M", "registered": "2024-01-01"}

# Values that are wrong (or right) in interesting ways for some field.
MUTATIONS = [
    None, True, False, 0, 1, -1, 1.0, 2.5, float("nan"), "", " ", "NO", "SE", "se", "2024-02-30", "2024-02-29",
    "20240101", "2024-01-01\n", "2024-01-01T00:00", "home", "abroad", "a@b", "a@b.c", "x@y.se", "@x.se",
    "photo", "other", "formal", "a" * 64, "A" * 64, [], [{}], [{"path": ""}], [{"path": "a", "kind": "x"}], {}, {"path": "a"},
]


def _mutants(base: dict, seed: int, n: int):
    rng = random.Random(seed)
    keys = list(base) + ["unknown", "x-extra", "evidence"]
    for _ in range(n):
        doc = copy.deepcopy(base)
        for _ in range(rng.randint(1, 3)):
            key = rng.choice(keys)
            if rng.random() < 0.2 and key in doc:
                del doc[key]
            elif key == "evidence" and isinstance(doc.get("evidence"), list) and doc["evidence"] and rng.random() < 0.5:
                item = doc["evidence"][0]
                sub = rng.choice(["path", "kind", "description", "sha256", "added", "bogus"])
                item[sub] = rng.choice(MUTATIONS)
            else:
                doc[key] = rng.choice(MUTATIONS)
        yield doc


@pytest.mark.parametrize("name, base", [("activity", ACTIVITY), ("student", STUDENT)])
def test_fast_check_agrees_with_jsonschema(name, base):
    agree = 0
    for doc in _mutants(base, 7, 1500):
        assert is_valid(name, doc) == validator(name).is_valid(doc), doc
        agree += 1
    assert agree == 1500


def test_fast_check_never_changes_the_data():
    doc = {k: v for k, v in ACTIVITY.items() if k != "engagements"}
    before = copy.deepcopy(doc)
    assert is_valid("activity", doc)
    assert doc == before  # no default filled in


@pytest.mark.parametrize("value, ok", [("2024-02-29", True), ("2023-02-29", False), ("20240101", False), ("2024-1-01", False), ("2024-01-01\n", False), (20240101, False)])
def test_is_date(value, ok):
    assert is_date(value) is ok


def test_messages_point_at_values():
    source = SourceMap({(): (1, 1), ("start",): (4, 8), ("evidence", 0, "kind"): (9, 11)}, {("titel",): (2, 1)})
    doc = {**ACTIVITY, "start": "2024-13-01", "titel": "x", "evidence": [{"path": "a", "kind": "poster"}]}
    problems = list(schema_problems("activity", doc, source))
    assert (2, 1, "unknown field 'titel'; did you mean 'title'?") in problems
    assert (4, 8, "start: '2024-13-01' is not a date; write it as YYYY-MM-DD") in problems
    assert any(line == 9 and "kind" in message and "certificate" in message for line, _, message in problems)


def test_programme_schema_agrees_too():
    from cim_cli.programme import DEFAULT

    base = copy.deepcopy(DEFAULT)
    rng = random.Random(11)
    for _ in range(800):
        doc = copy.deepcopy(base)
        section = rng.choice(["title", "requirements", "report", "catalogue", "reflection_questions", "bogus"])
        if section == "requirements":
            doc["requirements"][rng.choice(["min_activities", "min_abroad", "bogus"])] = rng.choice(MUTATIONS)
        elif section == "report":
            doc["report"][rng.choice(["min_words", "questions", "count_headings", "summary_heading"])] = rng.choice(MUTATIONS)
        elif section == "catalogue":
            doc["catalogue"][0][rng.choice(["id", "title", "location", "min_engagements", "bogus"])] = rng.choice(MUTATIONS + ["Bad Id", "ok-id", "ok-id\n"])
        else:
            doc[section] = rng.choice(MUTATIONS)
        assert is_valid("programme", doc) == validator("programme").is_valid(doc), doc


@pytest.mark.parametrize("name, doc", [
    ("activity", {**ACTIVITY, "evidence": [{"path": "a", "sha256": "a" * 64 + "\n"}]}),
    ("programme", {"catalogue": [{"id": "cafe\n", "title": "x"}]}),
])
def test_patterns_refuse_a_trailing_newline(name, doc):
    assert not is_valid(name, doc)
    assert not validator(name).is_valid(doc)
