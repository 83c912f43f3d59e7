"""The example portfolios are in the states their README describes."""

from __future__ import annotations

import pytest

from conftest import EXAMPLES, result_of

EXPECTED = {
    "ready-ada": ("ready-for-review", 3, set()),
    "collecting-ben": ("collecting", 1, {"evidence-missing", "engagements", "file-missing", "reflection-words"}),
    "report-problems-chen": ("collecting", 3, {"report-headings", "report-words", "report-structure", "file-missing"}),
    "record-problems-dana": (
        "registered",
        0,
        {"yaml-syntax", "yaml-duplicate-key", "schema", "category-unknown", "date-order", "path-unsafe", "file-missing", "evidence-missing"},
    ),
}


@pytest.mark.parametrize("name", EXPECTED)
def test_example_state(name):
    stage, counting, rules = EXPECTED[name]
    result = result_of(EXAMPLES / name)
    assert result.stage == stage
    assert result.counting_activities == counting
    assert {f.rule for f in result.findings} == rules


def test_ready_example_has_a_photo_in_its_report():
    result = result_of(EXAMPLES / "ready-ada")
    from cim_cli.load.portfolio import load_portfolio

    portfolio = load_portfolio(str(EXAMPLES / "ready-ada"))
    assert [ref.status for ref in portfolio.report_images] == ["ok"]
    assert 500 <= result.report_words <= 1000


def test_examples_readme_mentions_every_example():
    text = (EXAMPLES / "README.md").read_text()
    for name in EXPECTED:
        assert name in text
