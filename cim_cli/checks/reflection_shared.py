"""Two activities share one reflection file.

The handbook asks for a reflection after each activity, so each activity
needs a reflection of its own. Reported on every activity after the first
that names the same file (symbolic links are followed, so a link to another
activity's reflection is the same file). Write ``reflections/<slug>.md`` for
the activity and point its ``reflection:`` there, or remove the line to use
that default.
"""

from cim_cli.findings import Problem
from cim_cli.model import OK

ID = "reflection-shared"
SEVERITY = "error"


def check(portfolio, programme):
    first_user: dict[str, str] = {}
    for activity in portfolio.activities:
        ref = activity.reflection_ref
        if ref is None or ref.status != OK or ref.real is None:
            continue
        owner = first_user.setdefault(ref.real, activity.slug)
        if owner != activity.slug:
            yield Problem(
                activity.file,
                ref.line or 1,
                ref.column or 1,
                f"reflection '{ref.path}' is already the reflection of '{owner}'; write one for this activity in reflections/{activity.slug}.md",
            )
