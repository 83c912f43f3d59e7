"""Student text placed inside markdown that cim writes."""

from __future__ import annotations

_SPECIAL = set("\\`*_[]<>#|!")


def escape_markdown(text: str) -> str:
    """``text`` shown literally in markdown: a title with ``*`` or ``<`` stays a title, on one line."""
    text = " ".join(text.split())
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)
