"""Markdown export: the summary as a document a person reads (or pastes into report.md).

Student text is escaped so that it reads as written wherever the document is
rendered (GitHub, Python-Markdown, a CommonMark viewer): markdown punctuation
is backslash-escaped, ``<``, ``>`` and entity-like ``&`` become entities (a
name like ``<b>Eve</b>`` or ``*x*`` shows as typed, not as markup), and line
breaks become spaces; in table cells ``|`` is escaped too, so a cell cannot
end its row.
"""

from __future__ import annotations

import re
from typing import TextIO

from cim_cli.exporters.summary import dates, findings_text, fmt_number, judged_by, plain, where
from cim_cli.model import Portfolio

# Characters that CommonMark and Python-Markdown both let a backslash escape
# and that would otherwise start markup. Python-Markdown cannot escape ``<``
# with a backslash, so HTML goes through entities instead.
_SPECIAL = re.compile(r"([\\`*_\[\]#!])")
_HTML = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_HTML_SPECIAL = re.compile(r"[<>]|&(?=#?\w+;)")
_BREAK = re.compile(r"\s*[\r\n]+\s*")


def text(value: str | None) -> str:
    """Student text for running markdown or a table cell: one line, markup escaped."""
    value = _BREAK.sub(" ", plain(value)).strip()
    value = _SPECIAL.sub(r"\\\1", value)
    return _HTML_SPECIAL.sub(lambda m: _HTML[m.group(0)[0]], value)


def cell(value: str | None) -> str:
    """Student text for a table cell: also ``|`` escaped, so it cannot end the cell.

    (Only inside tables: elsewhere Python-Markdown would show the backslash.)
    """
    return text(value).replace("|", "\\|")


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _required(block: dict) -> str:
    return f"{block['counting']}" + (f" of {block['required']}" if block["required"] else "")


def render(summary: dict, portfolio: Portfolio, out: TextIO) -> None:
    """Write the summary as a markdown document."""
    s = summary
    st = s["student"]
    lines: list[str] = []
    add = lines.append
    name = text(st["name"]) or "(no name)"
    add(f"# Summary of activities: {name}")
    add("")
    add(text(s["programme"]))
    add("")
    add(f"- **Student:** {name}" + (f" ({text(st['student_id'])})" if st["student_id"] else ""))
    add(f"- **Email:** {text(st['email'])}")
    add(f"- **Study programme:** {text(st['study_programme'])}")
    add(f"- **Registered:** {text(st['registered'])}")
    add(f"- **Stage:** {s['stage']}")
    add(
        f"- **Counting activities:** {s['counting_activities']} of {s['required_activities']}"
        f" (home {_required(s['home'])}, abroad {_required(s['abroad'])})"
    )
    add("")

    add("## Activities")
    add("")
    if s["activities"]:
        add("| Activity | Category | Where | Host | Dates | Engagements | Credits | Evidence | Reflection words | Counts | Still needs |")
        add("|---|---|---|---|---|---:|---:|---:|---:|---|---|")
        for a in s["activities"]:
            title = cell(a["title"]) or cell(a["slug"])
            evidence = len(a["evidence"])
            missing = sum(1 for e in a["evidence"] if not e["exists"])
            cells = [
                f"{title} ({cell(a['slug'])})" if a["title"] else title,
                cell(a["category_title"] or a["category"]),
                cell(where(a)),
                cell(a["host"]),
                cell(dates(a)),
                str(a["engagements"]),
                fmt_number(a["credits"]),
                f"{evidence} ({missing} not found)" if missing else str(evidence),
                fmt_number(a["reflection_words"]) or "none",
                _yes(a["counts"]),
                "; ".join(cell(x) for x in a["lacks"]),
            ]
            add("| " + " | ".join(c or " " for c in cells) + " |")
        add("")
        add("### Evidence")
        add("")
        for a in s["activities"]:
            add(f"- **{text(a['title']) or text(a['slug'])}**")
            if not a["evidence"]:
                add("  - none listed")
            for e in a["evidence"]:
                label = text(e["path"])
                extra = ", ".join(text(x) for x in (e["kind"], e["description"]) if x)
                add(f"  - {label}" + (f": {extra}" if extra else "") + ("" if e["exists"] else " (not found)"))
            if a["reflection"]:
                words = a["reflection_words"]
                state = f"{words} words" if words is not None else "not found"
                add(f"  - reflection {text(a['reflection'])}: {state}")
        add("")
    else:
        add("No activities recorded yet.")
        add("")

    t = s["totals"]
    add("## Totals")
    add("")
    add(f"- **Activities recorded:** {t['activities']}, of which {t['counting']} count")
    add(f"- **Evidence files:** {t['evidence_files']}" + (f" ({t['evidence_missing']} not found)" if t["evidence_missing"] else ""))
    add(f"- **Credits:** {fmt_number(t['credits'])}")
    add(f"- **Reflection words:** {t['reflection_words']}")
    add(f"- **Report words:** {'not started' if s['report_words'] is None else s['report_words']}")
    add("")

    f = s["findings"]
    add("## Stage")
    add("")
    add(f"**{s['stage']}**: {s['counting_activities']} of {s['required_activities']} activities count.")
    add("")
    add(f"Findings: {findings_text(f)}.")
    add("")
    add(text(judged_by(s)))
    if s["next_step"]:
        add("")
        add(f"Next step: {text(s['next_step'])}")
    out.write("\n".join(lines) + "\n")
