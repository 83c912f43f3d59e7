"""An activity has fewer engagements than its category requires.

Some activities need continuous or multiple engagements: several guest
lectures, or regular sessions of a language café, make one merit. The
catalogue sets ``min_engagements`` per category; record the number with
``engagements:`` in the activity.
"""

from cim_cli.findings import Problem

ID = "engagements"
SEVERITY = "warning"


def check(portfolio, programme):
    for activity in portfolio.activities:
        category = activity.data.get("category")
        need = programme.min_engagements(category) if isinstance(category, str) else 1
        have = activity.data.get("engagements", 1)
        if not isinstance(have, int) or isinstance(have, bool) or need <= 1:
            continue
        if have < need:
            line, col = activity.record.source.locate(("engagements",))
            yield Problem(activity.file, line, col, f"'{category}' needs {need} engagements to count; this record has {have} (set engagements: when you have attended more)")
