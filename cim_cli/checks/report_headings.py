"""A heading the programme requires is missing from the final report.

The report is an essay whose headings are the programme's reflective questions
plus the summary of activities (``report.questions``,
``report.summary_heading``). Each must appear as a heading of any level.
Headings are compared ignoring case, extra spaces, trailing punctuation and
the kind of quote marks, so ``## how can the experience be applied in
different cross-cultural situations`` matches. One finding per missing heading.
"""

from __future__ import annotations

import re
import unicodedata

from cim_cli.findings import Problem

ID = "report-headings"
SEVERITY = "warning"  # not ready yet: a draft report can be committed

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"', "\u2033": '"'})
_SPACE = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s.?!:;,\u2026\u061f\u3002\uff1f\uff01]+$")


def normalise(text: str) -> str:
    """Fold a heading for comparison: case, whitespace, quotes, trailing punctuation."""
    text = unicodedata.normalize("NFC", text).translate(_QUOTES)
    text = _TRAILING.sub("", _SPACE.sub(" ", text).strip())
    return text.casefold()


def required_headings(programme) -> list[str]:
    return [programme.report["summary_heading"], *programme.report["questions"]]


def report_words(analysis, programme) -> int:
    """Words of the report as the programme counts them."""
    extra = analysis.heading_words if programme.report.get("count_headings") else 0
    return analysis.words + extra


def missing_headings(analysis, programme) -> list[str]:
    present = {normalise(h.text) for h in analysis.headings}
    return [h for h in required_headings(programme) if normalise(h) not in present]


def check(portfolio, programme):
    report = portfolio.report
    if report is None or report.analysis is None:
        return
    for heading in missing_headings(report.analysis, programme):
        yield Problem(report.file, None, None, f"add the heading '{heading}' (any level, e.g. '## {heading}')")
