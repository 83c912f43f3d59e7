"""An activity that is part of a course needs a longer reflection.

The handbook: virtual exchange that is already part of a course module earns
certificate credit only with additional reflection. An activity recorded with
``curriculum: formal`` in one of the categories the programme names
(``requirements.formal_reflection.categories``, by default
``virtual-exchange``) counts only when its reflection has at least
``requirements.formal_reflection.min_words`` words (150 by default) instead
of the usual ``min_reflection_words``. Write more in the reflection about
what the activity gave you beyond the course.
"""

from cim_cli.findings import Problem

ID = "formal-reflection"
SEVERITY = "warning"


def check(portfolio, programme):
    for activity in portfolio.activities:
        doc = activity.reflection
        data = activity.data
        if doc is None or doc.analysis is None or not programme.needs_extra_reflection(data.get("category"), data.get("curriculum")):
            continue
        need = programme.reflection_words_needed(data.get("category"), data.get("curriculum"))
        words = doc.analysis.words
        if words < need:
            yield Problem(
                doc.file,
                1,
                1,
                f"'{activity.slug}' is part of your course (curriculum: formal), so its reflection needs {need} words; write {need - words} more about what it gave you beyond the course",
            )
