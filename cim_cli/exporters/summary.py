"""The summary of activities as one plain dict, shared by every export format.

Built once from the loaded portfolio, the engine's result and the programme,
so json, markdown, csv and html say the same thing. Values are JSON types
only (str, int, float, bool, None, list, dict). Student text is kept as
written; each renderer escapes it for its own format.
"""

from __future__ import annotations

import math
import re
from typing import Any

from cim_cli.findings import ActivitySummary, PortfolioResult
from cim_cli.model import OK, Activity, Portfolio
from cim_cli.programme import Programme

# Bump when a key is renamed or removed (adding keys keeps the version).
# 2: home and abroad are counted once, over counting activities ("home" and
# "abroad" at the top); totals no longer count recorded activities by location.
FORMAT_VERSION = 2

STUDENT_KEYS: tuple[str, ...] = ("student_id", "name", "email", "study_programme", "registered")

# C0 and C1 control characters except tab and newline: they have no place in
# a document a person reads and can drive a terminal (ESC) when printed.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _text(value: Any) -> str | None:
    """A scalar the student wrote, as text; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (str, int)):
        return str(value)
    return None


def _number(value: Any) -> int | float | None:
    """A finite, non-boolean number, else None (YAML allows .nan and .inf; JSON does not)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _activity(activity: Activity, summary: ActivitySummary | None, programme: Programme) -> dict:
    data = activity.data
    category = summary.category if summary else _text(data.get("category"))
    entry = programme.catalogue.get(category) if category else None
    reflection_words = summary.reflection_words if summary else None
    if summary is None and activity.reflection and activity.reflection.analysis:
        reflection_words = activity.reflection.analysis.words
    return {
        "slug": activity.slug,
        "file": activity.file,
        "title": summary.title if summary else _text(data.get("title")),
        "category": category,
        "category_title": entry.get("title") if entry else None,
        "location": summary.location if summary else _text(data.get("location")),
        "country": summary.country if summary else _text(data.get("country")),
        "host": _text(data.get("host")),
        "start": summary.start if summary else _text(data.get("start")),
        "end": summary.end if summary else _text(data.get("end")),
        "engagements": summary.engagements if summary else 1,
        "credits": _number(data.get("credits")),
        "counts": summary.counts if summary else False,
        "lacks": list(summary.lacks) if summary else ["it was not checked"],
        "evidence": [
            {
                "path": e.ref.path,
                "kind": e.kind,
                "description": e.description,
                "exists": e.ref.status == OK,
            }
            for e in activity.evidence
        ],
        "reflection": activity.reflection_ref.path if activity.reflection_ref else None,
        "reflection_words": reflection_words,
    }


def summary_dict(portfolio: Portfolio, result: PortfolioResult, programme: Programme) -> dict:
    """The summary of activities of one portfolio, as plain data.

    Totals are over every recorded activity (``counting`` says how many of
    them count); ``evidence_files`` counts listed files and
    ``evidence_missing`` those not found in the portfolio.
    """
    student = portfolio.student_data
    who = {key: _text(student.get(key)) for key in STUDENT_KEYS}
    # The engine's reading of id and name is authoritative (reporters use it).
    who["student_id"] = result.student_id
    who["name"] = result.name
    by_file = {s.file: s for s in result.activities}
    activities = [_activity(a, by_file.get(a.file), programme) for a in portfolio.activities]
    req = programme.requirements
    credits = [a["credits"] for a in activities if a["credits"] is not None]
    evidence = [e for a in activities for e in a["evidence"]]
    return {
        "format_version": FORMAT_VERSION,
        "path": result.path,
        "programme": programme.title,
        "student": who,
        "stage": result.stage,
        "counting_activities": result.counting_activities,
        "required_activities": result.required_activities,
        "home": {"counting": result.counting_home, "required": req["min_home"]},
        "abroad": {"counting": result.counting_abroad, "required": req["min_abroad"]},
        "activities": activities,
        "totals": {
            "activities": len(activities),
            "counting": sum(1 for a in activities if a["counts"]),
            "evidence_files": len(evidence),
            "evidence_missing": sum(1 for e in evidence if not e["exists"]),
            "credits": _total(credits),
            "reflection_words": sum(a["reflection_words"] or 0 for a in activities),
        },
        "report_words": result.report_words,
        "findings": {
            "total": len(result.findings),
            "errors": result.errors,
            "warnings": result.warnings,
            "items": [f.as_dict() for f in result.findings],
        },
        "next_step": result.next_step,
        # The file that judged the portfolio (``programme`` above is its title).
        "programme_file": result.programme.as_dict(),
    }


def _total(values: list[int | float]) -> int | float:
    total = sum(values)
    # Float sums drift (0.1 + 0.2); credits come in halves and tenths at most.
    return round(total, 4) if isinstance(total, float) else total


def fmt_number(value: int | float | None) -> str:
    """A count or credit total for people: ``30``, ``7.5``, ``37.5``; "" for None."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def plain(value: str | None) -> str:
    """Student text for a document: control characters removed, None as ""."""
    return "" if value is None else _CONTROL.sub("", value)


def judged_by(summary: dict) -> str:
    """``Judged by programme.yaml (SHA-256 …).`` for documents people read.

    The file's name only: a full local path has no place in a published page
    (the JSON and CSV exports carry the whole path).
    """
    ref = summary["programme_file"]
    if ref["sha256"] is None:
        return "Judged by the handbook's defaults (no programme file)."
    import os

    return f"Judged by the programme file {plain(os.path.basename(ref['path']))} (SHA-256 {ref['sha256']})."


def count(n: int, noun: str) -> str:
    """``1 warning``, ``2 warnings``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def findings_text(findings: dict) -> str:
    """``15 (14 errors, 1 warning)``."""
    return f"{findings['total']} ({count(findings['errors'], 'error')}, {count(findings['warnings'], 'warning')})"


def dates(activity: dict) -> str:
    """``start – end``, or the start alone."""
    start, end = activity["start"] or "", activity["end"] or ""
    if start and end and end != start:
        return f"{start} – {end}"
    return start or end


def where(activity: dict) -> str:
    """``abroad (DE)``, ``home``, or ""."""
    text = activity["location"] or ""
    if activity["country"]:
        text = f"{text} ({activity['country']})" if text else activity["country"]
    return text
