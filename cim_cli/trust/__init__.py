"""The trust chain: keys, the staff trust list, signed approvals, credentials, verification.

A layer of its own: the engine asks it for the stages beyond
``ready-for-review``; the CLI only calls it. Nothing here trusts anything
found inside a portfolio: keys and the trust list come from the programme's
side (see :mod:`cim_cli.programme`).

Every read of a portfolio's files goes through the source the loader used
(:func:`source_of`): a folder on disk, or a git tree at ``--rev`` (then the
committed approvals and credentials are judged, never the work tree).
"""

from __future__ import annotations

import os
from typing import Any

APPROVALS_DIR = "approvals"


def source_of(portfolio: Any) -> Any:
    """The :class:`cim_cli.load.source.Source` that ``portfolio`` was read from (its folder when none is recorded)."""
    if portfolio.files is not None:
        return portfolio.files
    from cim_cli.load.source import DiskSource

    return DiskSource(portfolio.root)


def has_approvals(portfolio: Any) -> bool:
    """True when the portfolio (a loaded Portfolio, or a folder's path) has an approvals/ folder: the only case that loads the trust chain.

    Kept here, free of imports, so that checking a portfolio without
    approvals costs one ``stat`` (or one lookup in a git tree) and no import
    of the trust layer.
    """
    if isinstance(portfolio, str):
        return os.path.isdir(os.path.join(portfolio, APPROVALS_DIR))
    if portfolio.files is not None:
        return portfolio.files.is_folder(APPROVALS_DIR)
    return os.path.isdir(os.path.join(portfolio.root, APPROVALS_DIR))
