"""The final report is not structured as an essay with paragraphs under its headings.

Every required heading (the summary of activities and each reflective
question) needs at least one paragraph of text under it, and the report must
be more than headings. Images are welcome, but an image alone is not a
paragraph.
"""

from cim_cli.findings import Problem
from cim_cli.load.report import normalise_heading as normalise
from cim_cli.load.report import required_headings

ID = "report-structure"
SEVERITY = "warning"  # not ready yet: a draft report can be committed


def check(portfolio, programme):
    report = portfolio.report
    if report is None or report.analysis is None:
        return
    analysis = report.analysis
    required = {normalise(h) for h in required_headings(programme)}
    seen = set()
    for heading in analysis.headings:
        key = normalise(heading.text)
        if key in required and key not in seen:
            seen.add(key)
            if heading.paragraphs == 0:
                yield Problem(report.file, heading.line, 1, f"the section '{heading.text}' has no paragraph; write at least one under its heading")
    if not analysis.headings and analysis.preamble_paragraphs == 0:
        yield Problem(report.file, 1, 1, "the report is empty; run cim report init for a template")
