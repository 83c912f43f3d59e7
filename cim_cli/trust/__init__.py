"""The trust chain: keys, the staff trust list, signed approvals, credentials, verification.

A layer of its own: the engine asks it for the stages beyond
``ready-for-review``; the CLI only calls it. Nothing here trusts anything
found inside a portfolio: keys and the trust list come from the programme's
side (see :mod:`cim_cli.programme`).
"""

import os

APPROVALS_DIR = "approvals"


def has_approvals(root: str) -> bool:
    """True when the portfolio at ``root`` has an approvals/ folder: the only case that loads the trust chain.

    Kept here, free of imports, so that checking a portfolio without
    approvals costs one ``stat`` and no import of the trust layer.
    """
    return os.path.isdir(os.path.join(root, APPROVALS_DIR))
