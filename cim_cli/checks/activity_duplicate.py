"""An activity record repeats another one.

Each activity is recorded once: a copy of a record under another name would
count the same activity twice. Records are compared by their content (what
the YAML says, not how it is written: comments, order and spacing do not
matter), leaving out the ``reflection`` line. Reported on each copy after the
first. Delete the copy, or, if it is a different activity, record what was
different about it (its dates, title and evidence).
"""

from __future__ import annotations

from typing import Any, Hashable

from cim_cli.findings import Problem

ID = "activity-duplicate"
SEVERITY = "error"
_IGNORED = frozenset({"reflection"})


def _frozen(value: Any) -> Hashable:
    """A hashable, order-insensitive form of parsed YAML (no str()/repr(): numbers may be huge)."""
    if isinstance(value, dict):
        return frozenset((key, _frozen(item)) for key, item in value.items())
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    try:
        hash(value)
    except TypeError:
        return id(value)  # nothing else in YAML data; never equal to another record's
    return (type(value).__name__, value)


def check(portfolio, programme):
    seen: dict[Hashable, str] = {}
    for activity in portfolio.activities:
        data = activity.record.data
        if not isinstance(data, dict) or not data:
            continue
        key = _frozen({k: v for k, v in data.items() if k not in _IGNORED})
        first = seen.setdefault(key, activity.file)
        if first != activity.file:
            yield Problem(activity.file, 1, 1, f"this record repeats {first}; delete the copy, or record what was different about this activity")
