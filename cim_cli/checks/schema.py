"""A record does not match its schema: a field is missing, unknown, or of the wrong kind.

``student.yaml`` needs student_id, name, email, study_programme and
registered (a date, YYYY-MM-DD). An activity record needs title, category,
location (home or abroad) and start; country (an ISO 3166-1 alpha-2 code such
as SE) when abroad. Dates are written YYYY-MM-DD. Unknown fields are errors so
that a misspelt field is not silently ignored; fields of your own may start
with ``x-``. The finding stands at the line of the offending value.
"""

from cim_cli.findings import Problem
from cim_cli.validation import schema_problems

ID = "schema"
SEVERITY = "error"


def _check_document(doc, name):
    if doc.problems and doc.data is None:
        return  # unreadable: another rule has reported it
    if not isinstance(doc.data, dict):
        yield Problem(doc.file, 1, 1, f"{doc.file} must be a set of 'key: value' lines, one field per line")
        return
    for line, col, message in schema_problems(name, doc.data, doc.source):
        yield Problem(doc.file, line, col, message)


def check(portfolio, programme):
    yield from _check_document(portfolio.student, "student")
    for activity in portfolio.activities:
        yield from _check_document(activity.record, "activity")
