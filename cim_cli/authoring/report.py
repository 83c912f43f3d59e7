"""The final report's template (``cim report init``).

``report.md`` gets a level-1 title, then a level-2 heading for the summary of
activities (pre-filled with the activities that count) and one for each of
the programme's questions, so that ``cim validate`` finds every required
heading from the start. Guidance is in HTML comments, which do not count as
words. An existing report is never replaced silently: without ``force`` the
command refuses; with it, the old report is first kept as
``report.md.bak-<timestamp>``.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field

from cim_cli.atomic import write_bytes, write_text
from cim_cli.authoring import Refused
from cim_cli.authoring.mdtext import escape_markdown
from cim_cli.load.portfolio import REPORT_FILE


@dataclass
class ReportInit:
    """What :func:`init_report` did."""

    written: list[str]
    backup: str | None
    counting: int
    required: int
    not_counting: list[str] = field(default_factory=list)  # slugs


def _comment_safe(text: str) -> str:
    """Text that cannot end or break an HTML comment."""
    return " ".join(text.replace("--", "\u2013").replace(">", "\u203a").split())


def _activity_line(summary, programme) -> str:
    title = escape_markdown(summary.title or summary.slug)
    category = programme.catalogue.get(summary.category or "", {}).get("title", summary.category or "")
    where = "at home" if summary.location == "home" else f"abroad ({summary.country})" if summary.country else "abroad"
    when = summary.start or ""
    if summary.end and summary.end != summary.start:
        when += f" to {summary.end}"
    details = "; ".join(part for part in (escape_markdown(category), where, when) if part)
    return f"- {title} ({details})"


def template(programme, summaries) -> str:
    """The text of a new report.md for the activity summaries (``ActivitySummary``) given."""
    rep = programme.report
    counting = [s for s in summaries if s.counts]
    pending = [s for s in summaries if not s.counts]
    parts = [
        f"# {programme.title}: final report",
        "",
        "<!--",
        f"Your report is an essay of {rep['min_words']} to {rep['max_words']} words that answers the questions below.",
        "Keep every heading and write at least one paragraph under each. Text inside comment",
        "marks like these does not count as words; you can delete the comments when you are done.",
        "A photo from your evidence can be shown with: ![what it shows](evidence/SLUG/photo.jpg)",
        "See how many words count, and what is missing, with: cim status",
        "-->",
        "",
        f"## {rep['summary_heading']}",
        "",
        "<!-- The activities that count toward your certificate. Say in a sentence or two what each one was and what you did. -->",
        "",
    ]
    if counting:
        parts += [_activity_line(s, programme) for s in counting]
    else:
        parts.append("<!-- No activity counts yet: list your activities here once they do (cim status shows what each lacks). -->")
    if pending:
        names = ", ".join(_comment_safe(s.slug) for s in pending)
        parts += ["", f"<!-- Not listed because they do not count yet: {names}. -->"]
    for question in rep["questions"]:
        parts += [
            "",
            f"## {question}",
            "",
            "<!-- Answer in your own words, with examples from your activities. A few paragraphs are enough. -->",
        ]
    return "\n".join(parts) + "\n"


def backup_name(root: str, now: datetime.datetime) -> str:
    """A free ``report.md.bak-YYYYMMDD-HHMMSS`` name (with ``-2`` ... if taken)."""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    n = 1
    while True:
        name = f"{REPORT_FILE}.bak-{stamp}" + (f"-{n}" if n > 1 else "")
        if not os.path.lexists(os.path.join(root, name)):
            return name
        n += 1


def init_report(root: str, programme, *, force: bool = False, now: datetime.datetime | None = None) -> ReportInit:
    """Write report.md; Refused when one exists (unless ``force``, which keeps the old one as a backup)."""
    from cim_cli.engine import validate_path
    from cim_cli.load import files

    path = os.path.join(root, REPORT_FILE)
    exists = os.path.lexists(path)
    if exists and not force:
        raise Refused(f"{REPORT_FILE} exists already; nothing was changed. To start again from the template, "
                      f"use --force (your current report is kept as {REPORT_FILE}.bak-<date-time>)")
    if exists and (os.path.islink(path) or not os.path.isfile(path)):
        raise Refused(f"{REPORT_FILE} is not a regular file; move it away first")
    result = validate_path(root, programme)
    text = template(programme, result.activities)
    written = []
    backup = None
    if exists:
        try:
            old = files.read_bytes(path, files.MAX_TEXT_BYTES * 8)
        except files.ReadError as exc:
            raise Refused(f"{REPORT_FILE} {exc.message}; move it away first") from None
        backup = backup_name(root, now or datetime.datetime.now())
        write_bytes(os.path.join(root, backup), old, exclusive=True)
        written.append(backup)
        write_text(path, text)
    else:
        write_text(path, text, exclusive=True)
    written.append(REPORT_FILE)
    return ReportInit(written, backup, result.counting_activities, result.required_activities,
                      [s.slug for s in result.activities if not s.counts])
