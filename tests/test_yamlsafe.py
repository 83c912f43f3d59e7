"""Safe YAML: YAML 1.2 scalars, positions, duplicates, aliases, depth, reader errors."""

from __future__ import annotations

import math

import pytest

from cim_cli.load.yamlsafe import MAX_DEPTH, parse_yaml, resolve_plain


@pytest.mark.parametrize(
    "text, expected",
    [
        ("NO", "NO"),  # YAML 1.1 would say False: Norway stays Norway
        ("no", "no"),
        ("yes", "yes"),
        ("on", "on"),
        ("Off", "Off"),
        ("true", True),
        ("False", False),
        ("1:30", "1:30"),  # YAML 1.1 sexagesimal 90
        ("2024-01-02", "2024-01-02"),  # stays a string; checked as a date by the schema
        ("0123", 123),
        ("0o17", 15),
        ("0x1F", 31),
        ("7.5", 7.5),
        ("1e3", 1000.0),
        ("~", None),
        ("null", None),
        ("", None),
        ("1_000", "1_000"),  # YAML 1.1 int, 1.2 string
        ("+12", 12),
        ("SE", "SE"),
    ],
)
def test_plain_scalars_follow_yaml_1_2_core(text, expected):
    assert resolve_plain(text) == expected
    assert type(resolve_plain(text)) is type(expected)


def test_special_floats():
    assert resolve_plain(".inf") == math.inf
    assert resolve_plain("-.Inf") == -math.inf
    assert math.isnan(resolve_plain(".NaN"))


def test_quoted_scalars_stay_strings():
    doc = parse_yaml("a: 'true'\nb: \"12\"\nc: !!str 5\nd: !!int '7'\n", "f.yaml")
    assert doc.data == {"a": "true", "b": "12", "c": "5", "d": 7}
    assert doc.problems == ()


def test_positions_of_values_and_keys():
    text = "title: x\nevidence:\n  - path: a.pdf\n    kind: photo\n  - path: b.pdf\n"
    doc = parse_yaml(text, "f.yaml")
    assert doc.source.locate(("title",)) == (1, 8)
    assert doc.source.locate(("evidence", 1, "path")) == (5, 11)
    assert doc.source.locate(("evidence", 0, "kind"), key=True) == (4, 5)
    # A path that does not exist falls back to its nearest ancestor.
    assert doc.source.locate(("evidence", 0, "missing")) == (3, 5)


def test_duplicate_key_is_reported_at_the_duplicate_and_first_value_kept():
    doc = parse_yaml("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n", "f.yaml")
    found = [(p.rule, p.line, p.column) for p in doc.problems]
    assert found == [("yaml-duplicate-key", 4, 3), ("yaml-duplicate-key", 5, 1)]
    assert doc.data == {"a": 1, "b": {"c": 1}}


def test_aliases_and_anchors_are_refused_without_expansion():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    doc = parse_yaml(bomb, "bomb.yaml")
    assert doc.data is None
    rules = {p.rule for p in doc.problems}
    assert rules == {"yaml-alias"}
    assert doc.problems[0].line == 1
    assert len(doc.problems) <= 3  # reported a few times, not once per alias


@pytest.mark.parametrize("opener", ["[", "{a: ", "- "])
def test_deep_nesting_is_capped_before_any_recursion(opener):
    text = opener * 40_000  # 30,000 brackets segfault libyaml's composer
    doc = parse_yaml(text, "deep.yaml")
    assert doc.data is None
    assert doc.problems[0].rule == "yaml-syntax"
    assert "nesting" in doc.problems[0].message  # ours at MAX_DEPTH, or libyaml's own limit


def test_nesting_within_the_cap_is_fine():
    text = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert parse_yaml(text, "f.yaml").problems == ()


@pytest.mark.parametrize(
    "text, line",
    [
        ("a: b: c\n", 1),
        ("a: 1\n\tb: 2\n", 2),
        ("title: 'unclosed\nx: 1\n", 3),
        ("a: 1\n---\nb: 2\n", 2),
        ("a: \x07\n", 1),
        ("a: x\nb: !!python/object:os.system ls\n", 2),
    ],
)
def test_syntax_errors_are_values_with_lines(text, line):
    doc = parse_yaml(text, "f.yaml")
    assert doc.data is None
    assert doc.problems[0].rule == "yaml-syntax"
    assert doc.problems[0].line == line


def test_reader_error_after_multibyte_text_has_the_right_line():
    doc = parse_yaml("a: Ålesund Ω\nb: ok\nc: \x01\n", "f.yaml")
    assert (doc.problems[0].line, doc.problems[0].column) == (3, 4)


def test_complex_keys_are_refused():
    doc = parse_yaml("? [a, b]\n: 1\n", "f.yaml")
    assert doc.problems[0].rule == "yaml-syntax"


def test_empty_document_is_none_without_problems():
    doc = parse_yaml("# only a comment\n", "f.yaml")
    assert doc.data is None and doc.problems == ()


@pytest.mark.parametrize("text", ["a: &x k\n*x : 1\n", "? *x\n: 1\n", "{*x : 1}\n", "[*x]\n"])
def test_alias_in_any_position_is_a_finding(text):
    doc = parse_yaml(text, "f.yaml")
    assert doc.data is None
    assert "yaml-alias" in {p.rule for p in doc.problems} or "yaml-syntax" in {p.rule for p in doc.problems}


def test_token_fuzz_never_raises():
    import random

    tokens = ["a", "b", ":", " ", "  ", "\n", "- ", "&x ", "*x", "&y ", "*y", "? ", "[", "]", "{", "}", ",", "'", '"',
              "!!str ", "!!int ", "!x ", "!!map ", "#c", "---\n", "...\n", "|\n", ">\n", "1", "2024-01-01", "NO", "~", "\t"]
    rng = random.Random(5)
    for _ in range(3000):
        text = "".join(rng.choice(tokens) for _ in range(rng.randint(1, 40)))
        doc = parse_yaml(text, "f.yaml")  # must never raise
        assert doc.data is None or isinstance(doc.data, (dict, list, str, int, float, bool))
        assert all(p.rule in ("yaml-syntax", "yaml-alias", "yaml-duplicate-key") for p in doc.problems), text
