"""Finding things in a portfolio: the portfolio itself, an activity by slug, safe folders."""

from __future__ import annotations

import difflib
import os

from cim_cli.authoring import BadValue, Refused
from cim_cli.load.portfolio import ACTIVITIES_DIR, STUDENT_FILE, find_portfolio, is_portfolio  # noqa: F401 (find_portfolio: used from here)

_RECORD_SUFFIXES = (".yaml", ".yml")


def not_a_portfolio_message(start: str) -> str:
    """What to say when no portfolio is found from ``start``."""
    return (
        f"no portfolio here: neither {start} nor a folder above it holds {STUDENT_FILE}; "
        "go to your portfolio folder, or name it with --portfolio PORTFOLIO (a new one is made with: cim init FOLDER)"
    )


def activity_records(root: str) -> dict[str, str]:
    """slug -> record path relative to the portfolio, for every activity record."""
    found: dict[str, str] = {}
    try:
        names = sorted(os.listdir(os.path.join(root, ACTIVITIES_DIR)))
    except OSError:
        return found
    for name in names:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and not name.startswith(".") and "." + ext.lower() in _RECORD_SUFFIXES:
            found.setdefault(stem, f"{ACTIVITIES_DIR}/{name}")
    return found


def activity_record(root: str, slug: str) -> str:
    """The record of activity ``slug`` (relative path); BadValue naming the known slugs if none."""
    records = activity_records(root)
    if slug in records:
        return records[slug]
    if not records:
        raise BadValue(f"there is no activity '{slug}': the portfolio has no activities yet; record one with: cim activity add")
    guess = difflib.get_close_matches(slug, list(records), n=1)
    hint = f"did you mean '{guess[0]}'? " if guess else ""
    raise BadValue(f"there is no activity '{slug}'; {hint}the activities are: {', '.join(records)}")


def safe_folder(root: str, rel: str, *, create: bool = True) -> str:
    """The folder ``rel`` inside the portfolio (created if missing and ``create``); Refused if it leads outside.

    A folder that is a symbolic link out of the portfolio, or a file where a
    folder should be, is refused rather than followed or replaced.
    """
    real_root = os.path.realpath(root)
    target = os.path.join(real_root, rel)
    real = os.path.realpath(target)
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        raise Refused(f"{rel}/ leads outside the portfolio (a symbolic link); cim will not write there")
    if os.path.lexists(target) and not os.path.isdir(target):
        raise Refused(f"{rel} should be a folder, but it is a file; move it away first")
    if create:
        os.makedirs(real, exist_ok=True)
    return real
