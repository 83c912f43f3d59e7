"""An activity has no evidence of participation yet.

The handbook asks for proof: a certificate of participation, a programme
signed by the instructor, or a photo that confirms participation. An activity
counts only with at least one evidence file. Add one with
``cim evidence add SLUG FILE``.
"""

from cim_cli.findings import Problem

ID = "evidence-missing"
SEVERITY = "warning"


def check(portfolio, programme):
    for activity in portfolio.activities:
        if not isinstance(activity.record.data, dict):
            continue  # unreadable or not a mapping: other rules say so
        if not activity.evidence:
            line, col = activity.record.source.locate(("evidence",))
            yield Problem(activity.file, line or 1, col or 1, f"no evidence listed; add a certificate, signed programme or photo with: cim evidence add {activity.slug} FILE")
