"""Required report headings: copied from Word or a PDF they match; almost right, cim says which one to change."""

from __future__ import annotations

import unicodedata

import pytest

from cim_cli.load.markdown import analyze
from cim_cli.load.report import match_headings, normalise_heading
from cim_cli.programme import DEFAULT, default_programme
from conftest import complete_activity, result_of

QUESTION = "How can the experience be applied in different cross-cultural situations?"
QUESTIONS = DEFAULT["report"]["questions"]
SUMMARY = DEFAULT["report"]["summary_heading"]


@pytest.mark.parametrize(
    "copied",
    [
        QUESTION.replace("cross-cultural", "cross\u2011cultural"),  # non-breaking hyphen (Word)
        QUESTION.replace("cross-cultural", "cross\u2010cultural"),  # Unicode hyphen
        QUESTION.replace("different", "dif\u00adferent"),  # soft hyphen (PDF)
        QUESTION.replace("different", "diff\u200berent"),  # zero-width space
        QUESTION.replace(" ", "\u00a0"),  # no-break spaces
        QUESTION.replace(" ", "  \t"),
        QUESTION.replace("different", "ﬀerent".join(["di", ""])),  # the "ff" ligature of a PDF (NFKC)
        QUESTION.upper(),
        QUESTION.rstrip("?"),
        QUESTION.rstrip("?") + " ？",  # full-width question mark
        QUESTION.rstrip("?") + "؟",
        QUESTION.rstrip("?") + "...",
        "\ufeff" + QUESTION,
    ],
)
def test_a_copied_question_matches(copied: str) -> None:
    assert normalise_heading(copied) == normalise_heading(QUESTION)


def test_unicode_normal_forms_and_quotes_match() -> None:
    heading = "What did you learn about the host country’s “culture”?"
    for variant in (unicodedata.normalize("NFD", heading), heading.replace("’", "'").replace("“", '"').replace("”", '"'), heading.replace("’", "`")):
        assert normalise_heading(variant) == normalise_heading(heading)
    assert normalise_heading("Café") == normalise_heading(unicodedata.normalize("NFD", "Café"))


def test_different_questions_do_not_match() -> None:
    assert normalise_heading(QUESTIONS[0]) != normalise_heading(QUESTIONS[1])
    assert normalise_heading("cross cultural") != normalise_heading("cross-cultural")


def test_normalising_a_long_heading_is_linear() -> None:
    # Once quadratic: a regex for trailing punctuation retried at every dot.
    assert normalise_heading("Notes" + " ." * 200_000 + " x") .endswith(". x")
    assert normalise_heading("Notes" + " ." * 200_000) == "notes"


def _report(headings: list[str], words: int = 110) -> str:
    body = " ".join(["reflect"] * words)
    return "# Report\n\n" + "".join(f"## {h}\n\n{body}\n\n" for h in headings)


def test_a_heading_close_to_a_missing_one_is_named_with_its_line() -> None:
    typo = QUESTIONS[0][:10] + QUESTIONS[0][11:]  # a letter left out
    headings = [SUMMARY, typo, *QUESTIONS[1:]]
    analysis = analyze(_report(headings))
    match = match_headings(analysis, default_programme())
    assert match.missing == (QUESTIONS[0],)
    near = match.close_to(QUESTIONS[0])
    assert near is not None and near.text == typo and near.line == 7


def test_a_different_heading_is_not_close() -> None:
    analysis = analyze(_report([SUMMARY, "My favourite food", *QUESTIONS[1:]]))
    match = match_headings(analysis, default_programme())
    assert match.missing == (QUESTIONS[0],) and match.close == ()


def test_one_heading_is_close_to_one_question_only() -> None:
    # Two questions missing, one heading near the first: the second is "add".
    typo = QUESTIONS[0][:-3]
    analysis = analyze(_report([SUMMARY, typo, *QUESTIONS[2:]]))
    match = match_headings(analysis, default_programme())
    assert match.missing == tuple(QUESTIONS[:2])
    assert [(wanted, h.text) for wanted, h in match.close] == [(QUESTIONS[0], typo)]


def test_findings_and_next_step_say_change_not_add(make_portfolio) -> None:
    typo = QUESTIONS[0][:10] + QUESTIONS[0][11:]  # a letter left out
    path = make_portfolio({**complete_activity("cafe"), "report.md": _report([SUMMARY, typo, *QUESTIONS[1:]])})
    result = result_of(path)
    (finding,) = [f for f in result.findings if f.rule == "report-headings"]
    assert (finding.file, finding.line, finding.column) == ("report.md", 7, 1)
    assert finding.message == f"your heading '{typo}' is close to '{QUESTIONS[0]}'; change it to match exactly"
    assert result.missing_headings == (QUESTIONS[0],)
    assert not any(f.rule == "report-structure" for f in result.findings)


def test_next_step_names_the_heading_to_change(make_portfolio) -> None:
    from cim_cli.engine import next_step
    from cim_cli.load.report import HeadingMatch

    analysis = analyze(_report([SUMMARY, QUESTIONS[0][:-4], *QUESTIONS[1:]]))
    match = match_headings(analysis, default_programme())
    step = next_step("ready-for-review", [], list(match.missing), 600, 0, default_programme(), match)
    assert step == f"Change the heading at line 7 of report.md to '{QUESTIONS[0]}'."
    step = next_step("ready-for-review", [], [QUESTIONS[0]], 600, 0, default_programme(), HeadingMatch((QUESTIONS[0],), ()))
    assert step == f"Add the missing heading '{QUESTIONS[0]}' to report.md."


def test_status_shows_a_near_miss_as_a_heading_to_change(make_portfolio) -> None:
    import io

    from cim_cli.status import render_status, status_dict

    typo = QUESTIONS[0][:10] + QUESTIONS[0][11:]
    path = make_portfolio({**complete_activity("cafe"), "report.md": _report([SUMMARY, typo, *QUESTIONS[1:]])})
    result = result_of(path)
    assert result.close_headings == ((QUESTIONS[0], 7),)
    out = io.StringIO()
    render_status(result, default_programme(), out)
    assert f"heading at line 7 is close to: {QUESTIONS[0]} (make it match)" in out.getvalue()
    assert "missing heading" not in out.getvalue()
    assert status_dict(result, default_programme())["report"]["close_headings"] == [{"heading": QUESTIONS[0], "line": 7}]
