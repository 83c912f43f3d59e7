"""Diary entries (``cim diary add``): ``diary/YYYY-MM-DD.md``, never replacing one.

A second entry on the same day is ``YYYY-MM-DD-2.md`` and so on; the name is
claimed with an exclusive write, so two entries written at once cannot take
the same file.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from urllib.parse import quote

from cim_cli.atomic import write_text
from cim_cli.authoring import BadValue
from cim_cli.authoring.locate import activity_record, safe_folder
from cim_cli.authoring.mdtext import escape_markdown
from cim_cli.load.portfolio import DIARY_DIR

MAX_DIARY_CHARS = 1_000_000


@dataclass
class DiaryEntry:
    """A written entry: its path relative to the portfolio, and its date."""

    path: str
    date: str


def entry_text(date: str, text: str, activity: tuple[str, str, str] | None = None) -> str:
    """The entry: a heading with the date, a link to the activity when given, then the text.

    ``activity`` is (slug, title, record path relative to the portfolio).
    """
    parts = [f"# {date}", ""]
    if activity is not None:
        slug, title, record = activity
        parts += [f"Activity: [{escape_markdown(title or slug)}](../{quote(record)})", ""]
    parts.append(text.strip("\n").rstrip())
    return "\n".join(parts) + "\n"


def activity_link(root: str, slug: str) -> tuple[str, str, str]:
    """(slug, title, record path) of an existing activity; BadValue naming the activities if none."""
    from cim_cli.load import files
    from cim_cli.load.yamlsafe import parse_yaml

    record = activity_record(root, slug)
    title = slug
    try:
        doc = parse_yaml(files.read_text(os.path.join(root, record), files.MAX_YAML_BYTES), record)
        if isinstance(doc.data, dict) and isinstance(doc.data.get("title"), str) and doc.data["title"].strip():
            title = " ".join(doc.data["title"].split())
    except files.ReadError:
        pass  # the link still works; the title is a nicety
    return slug, title, record


def add_entry(root: str, text: str, *, activity: str | None = None, date: str | None = None) -> DiaryEntry:
    """Write a diary entry; BadValue for empty text, a bad date or an unknown activity."""
    from cim_cli.validation import is_date

    if not text.strip():
        raise BadValue("the diary entry is empty; nothing was written")
    if len(text) > MAX_DIARY_CHARS:
        raise BadValue(f"the diary entry is longer than {MAX_DIARY_CHARS:,} characters")
    if "\x00" in text:
        raise BadValue("the diary entry contains a NUL character; is it a text file?")
    day = date or datetime.date.today().isoformat()
    if not is_date(day):
        raise BadValue(f"--date: {day!r} is not a date; write it as YYYY-MM-DD")
    link = activity_link(root, activity) if activity else None
    body = entry_text(day, text, link)
    folder = safe_folder(root, DIARY_DIR)
    n = 1
    while True:
        name = f"{day}.md" if n == 1 else f"{day}-{n}.md"
        try:
            write_text(os.path.join(folder, name), body, exclusive=True)
        except FileExistsError:
            n += 1
            continue
        return DiaryEntry(f"{DIARY_DIR}/{name}", day)
