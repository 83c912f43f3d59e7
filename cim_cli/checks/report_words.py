"""The final report is shorter or longer than the programme allows.

The handbook asks for 500-1000 words (``report.min_words``,
``report.max_words``). Words are those a reader reads: paragraphs, lists,
quotes, tables and link text. Headings (unless ``report.count_headings``),
front matter, HTML comments, code, image references and link targets do not
count. ``cross-cultural`` is one word; each CJK ideograph is one word.
"""

from cim_cli.findings import Problem
from cim_cli.load.report import report_words

ID = "report-words"
SEVERITY = "warning"  # not ready yet: a draft report can be committed


def check(portfolio, programme):
    report = portfolio.report
    if report is None or report.analysis is None:
        return
    words = report_words(report.analysis, programme)
    low, high = programme.report["min_words"], programme.report["max_words"]
    if words < low:
        yield Problem(report.file, None, None, f"the report has {words} words; it needs {low}-{high} (write {low - words} more)")
    elif words > high:
        yield Problem(report.file, None, None, f"the report has {words} words; it needs {low}-{high} (cut {words - high})")
