"""Slugs: the ASCII kebab-case names of activities (``activities/<slug>.yaml``).

A slug comes from the title, transliterated to ASCII with anyascii (a
maintained table for every script: ``Köln`` -> ``koln``, ``Москва`` ->
``moskva``, ``東京の学会`` -> ``dong-jing-no-xue-hui``); syllables of scripts
written without spaces (Han, Hangul, kana) are kept apart by hyphens so the
slug stays readable. Everything else that is not a letter or digit becomes a
hyphen; a title with nothing left falls back to ``activity``.

Why ASCII rather than Unicode letters in file names: a student types the slug
in ``cim evidence add SLUG FILE`` on any keyboard, macOS stores file names
decomposed (NFD) while git and Linux compare bytes, and git shows non-ASCII
names as octal escapes by default; ASCII slugs avoid all three.

A slug is unique in the portfolio: no activity record,
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

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def transliterate(title: str) -> str:
    """ASCII spelling of ``title``, one character at a time.

    anyascii spells a Han or Hangul character as a capitalised syllable
    (``東`` -> ``Dong``); such syllables get a space between them.
    """
    from anyascii import anyascii

    parts: list[str] = []
    for ch in unicodedata.normalize("NFC", title):
        if ch.isascii():
            parts.append(ch)
            continue
        spelled = anyascii(ch)
        syllable = spelled[:1].isupper() and ch.isalpha() and not unicodedata.name(ch, "").startswith(("LATIN", "GREEK", "CYRILLIC"))
        parts.append(f" {spelled} " if syllable else spelled)
    return "".join(parts)


def slugify(title: str, *, max_length: int = MAX_SLUG, fallback: str = FALLBACK) -> str:
    """ASCII kebab-case of ``title``, at most ``max_length`` characters, never empty."""
    text = transliterate(title).lower()
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
