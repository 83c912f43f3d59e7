"""A reflection on an activity is shorter than the programme asks.

Students reflect after each activity; the activity counts only when its
reflection has at least ``requirements.min_reflection_words`` words (50 by
default). Headings, HTML comments and code do not count as words.
"""

from cim_cli.findings import Problem

ID = "reflection-words"
SEVERITY = "warning"


def check(portfolio, programme):
    need = programme.requirements["min_reflection_words"]
    for activity in portfolio.activities:
        doc = activity.reflection
        if doc is None or doc.analysis is None:
            continue
        if programme.needs_extra_reflection(activity.data.get("category"), activity.data.get("curriculum")):
            continue  # formal-reflection asks for more and says why
        words = doc.analysis.words
        if words < need:
            yield Problem(doc.file, 1, 1, f"the reflection has {words} words; write at least {need} for '{activity.slug}' to count")
