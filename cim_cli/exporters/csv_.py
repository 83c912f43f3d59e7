"""CSV export: one row per activity, the student's columns repeated on each.

Made for spreadsheets, like the CSV reporter: a UTF-8 byte order mark so Excel
reads ``Åsa Öberg`` right, ``\\r\\n`` row ends, and every cell of student text
defused against formula injection with the reporter's own
:func:`~cim_cli.reporters.csv_.safe_text` (one guard, one place to fix it).
Numbers, booleans and the stage come from cim and are written as they are.
A portfolio without activities gives the header alone.
"""

from __future__ import annotations

import csv
from typing import TextIO

from cim_cli.exporters.summary import fmt_number
from cim_cli.model import Portfolio
from cim_cli.reporters.csv_ import BOM, safe_text

HEADER: tuple[str, ...] = (
    "student_id",
    "name",
    "email",
    "study_programme",
    "registered",
    "programme",
    "stage",
    "slug",
    "title",
    "category",
    "category_title",
    "location",
    "country",
    "host",
    "start",
    "end",
    "engagements",
    "credits",
    "counts",
    "lacks",
    "evidence_files",
    "evidence_missing",
    "evidence",
    "reflection",
    "reflection_words",
    "programme_file",
    "programme_sha256",
)

# Several values in one cell (what an activity lacks, its evidence paths).
JOIN = "; "


def row(summary: dict, activity: dict) -> list[str]:
    """The cells of one activity, in :data:`HEADER` order."""
    student = summary["student"]
    evidence = activity["evidence"]
    return [
        safe_text(student["student_id"]),
        safe_text(student["name"]),
        safe_text(student["email"]),
        safe_text(student["study_programme"]),
        safe_text(student["registered"]),
        safe_text(summary["programme"]),
        summary["stage"],
        safe_text(activity["slug"]),
        safe_text(activity["title"]),
        safe_text(activity["category"]),
        safe_text(activity["category_title"]),
        safe_text(activity["location"]),
        safe_text(activity["country"]),
        safe_text(activity["host"]),
        safe_text(activity["start"]),
        safe_text(activity["end"]),
        str(activity["engagements"]),
        fmt_number(activity["credits"]),
        "true" if activity["counts"] else "false",
        safe_text(JOIN.join(activity["lacks"])),
        str(len(evidence)),
        str(sum(1 for e in evidence if not e["exists"])),
        safe_text(JOIN.join(e["path"] for e in evidence)),
        safe_text(activity["reflection"]),
        fmt_number(activity["reflection_words"]),
        safe_text(summary["programme_file"]["path"]),
        summary["programme_file"]["sha256"] or "",
    ]


def render(summary: dict, portfolio: Portfolio, out: TextIO, *, delimiter: str = ",") -> None:
    """Write the header and one row per activity."""
    out.write(BOM)
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    for activity in summary["activities"]:
        writer.writerow(row(summary, activity))
