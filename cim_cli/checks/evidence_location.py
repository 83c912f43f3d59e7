"""Evidence is a file kept under ``evidence/``.

Evidence proves participation: a certificate, a signed programme, a photo.
It is a file of its own under the portfolio's ``evidence/`` folder, never one
of the portfolio's own records: not ``student.yaml``, an activity record, a
reflection, a diary entry or the report. A path is judged by where it really
leads, so a symbolic link inside ``evidence/`` that points at a record is
refused too. Add evidence with ``cim evidence add SLUG FILE``, which copies
the file into ``evidence/<slug>/``.
"""

from cim_cli.findings import Problem
from cim_cli.model import OK

ID = "evidence-location"
SEVERITY = "error"
EVIDENCE_FOLDER = "evidence/"


def check(portfolio, programme):
    for activity in portfolio.activities:
        for evidence in activity.evidence:
            ref = evidence.ref
            if ref.status != OK or ref.real is None or ref.real.startswith(EVIDENCE_FOLDER):
                continue
            leads = "" if ref.real == ref.path else f" (it leads to '{ref.real}')"
            yield Problem(
                ref.referrer,
                ref.line,
                ref.column,
                f"'{ref.path}'{leads} is not in evidence/; evidence is a certificate, signed programme or photo of its own: add one with: cim evidence add {activity.slug} FILE",
            )
