"""JSON export: the summary dict as it is (the contract of ``cim export --format json``)."""

from __future__ import annotations

import json
from typing import TextIO

from cim_cli.model import Portfolio


def render(summary: dict, portfolio: Portfolio, out: TextIO) -> None:
    """Write ``summary`` as indented UTF-8 JSON (non-ASCII names stay readable)."""
    out.write(json.dumps(summary, indent=2, ensure_ascii=False))
    out.write("\n")
