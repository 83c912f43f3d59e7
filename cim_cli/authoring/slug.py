"""Slugs: the ASCII kebab-case names of activities (``activities/<slug>.yaml``).

A slug comes from the title: accents are transliterated (NFKD, then the
combining marks dropped), a few letters NFKD leaves alone are spelled out
(``ß`` -> ``ss``), everything else that is not a letter or digit becomes a
hyphen. Titles with nothing left (all CJK, all emoji) fall back to
``activity``. A slug is unique in the portfolio: no activity record,
reflection or evidence folder of that name exists (compared ignoring case, as
macOS and Windows file systems do), else ``-2``, ``-3`` ... is appended.
"""

from __future__ import annotations

import os
import re
import unicodedata

from cim_cli.load.portfolio import ACTIVITIES_DIR, EVIDENCE_DIR, REFLECTIONS_DIR

MAX_SLUG = 60
FALLBACK = "activity"

# Letters that NFKD does not decompose into ASCII plus a combining mark.
_SPELLED = str.maketrans({"ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O",
                          "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D", "ı": "i"})
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def slugify(title: str, *, max_length: int = MAX_SLUG, fallback: str = FALLBACK) -> str:
    """ASCII kebab-case of ``title``, at most ``max_length`` characters, never empty."""
    text = unicodedata.normalize("NFKD", title.translate(_SPELLED))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = _NOT_ALNUM.sub("-", text).strip("-")
    return _shorten(text, max_length) or fallback


def _shorten(slug: str, limit: int) -> str:
    """Cut at a word boundary when one is near the limit, else at the limit."""
    if len(slug) <= limit:
        return slug
    cut = slug[: limit + 1]
    boundary = cut.rfind("-")
    if boundary >= limit // 2:
        return cut[:boundary].strip("-")
    return slug[:limit].strip("-")


def used_names(root: str) -> set[str]:
    """Lower-cased names already taken: activity records, reflections, evidence folders."""
    taken: set[str] = set()
    for folder, suffixes in ((ACTIVITIES_DIR, (".yaml", ".yml")), (REFLECTIONS_DIR, (".md",)), (EVIDENCE_DIR, None)):
        try:
            names = os.listdir(os.path.join(root, folder))
        except OSError:
            continue
        for name in names:
            if suffixes is None:
                taken.add(name.lower())
                continue
            stem, dot, ext = name.rpartition(".")
            if dot and "." + ext.lower() in suffixes:
                taken.add(stem.lower())
    return taken


def unique_slug(root: str, title: str) -> str:
    """A slug for ``title`` that no file or folder of the portfolio uses yet."""
    base = slugify(title)
    taken = used_names(root)
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = _shorten(base, MAX_SLUG - len(suffix)) + suffix
        if candidate not in taken:
            return candidate
        n += 1
