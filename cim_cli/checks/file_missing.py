"""A file named in the portfolio does not exist.

Reported for evidence listed in an activity record, the activity's reflection
(``reflection:``, by default ``reflections/<slug>.md``) and images in the
report. Paths are relative to the portfolio folder and case-sensitive. Images
in the report must be files in the portfolio, not web addresses.
"""

from cim_cli.checks._common import all_refs, load_problems
from cim_cli.findings import Problem
from cim_cli.model import MISSING

ID = "file-missing"
SEVERITY = "error"

_WHAT = {"evidence": "evidence file", "reflection": "reflection", "image": "image"}


def check(portfolio, programme):
    yield from load_problems(portfolio, ID)
    for ref in all_refs(portfolio):
        if ref.status == MISSING:
            hint = " (write it, or run cim activity add to create a template)" if ref.what == "reflection" else ""
            yield Problem(ref.referrer, ref.line, ref.column, f"{_WHAT[ref.what]} '{ref.path}' {ref.reason}{hint}")
