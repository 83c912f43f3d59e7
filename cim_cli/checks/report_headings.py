"""A heading the programme requires is missing from the final report.

The report is an essay whose headings are the programme's reflective questions
plus the summary of activities (``report.questions``,
``report.summary_heading``). Each must appear as a heading of any level.
Headings are compared ignoring case, extra spaces, trailing punctuation and
the kind of quote marks, so ``## how can the experience be applied in
different cross-cultural situations`` matches. One finding per missing heading.
"""

from __future__ import annotations

from cim_cli.findings import Problem
from cim_cli.load.report import match_headings

ID = "report-headings"
SEVERITY = "warning"  # not ready yet: a draft report can be committed


def check(portfolio, programme):
    report = portfolio.report
    if report is None or report.analysis is None:
        return
    match = match_headings(report.analysis, programme)
    for heading in match.missing:
        near = match.close_to(heading)
        if near is not None:
            yield Problem(report.file, near.line, 1, f"your heading '{near.text}' is close to '{heading}'; change it to match exactly")
        else:
            yield Problem(report.file, None, None, f"add the heading '{heading}' (any level, e.g. '## {heading}')")
