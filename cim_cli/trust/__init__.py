"""The trust chain: keys, the staff trust list, signed approvals, credentials, verification.

A layer of its own: the engine asks it for the stages beyond
``ready-for-review``; the CLI only calls it. Nothing here trusts anything
found inside a portfolio: keys and the trust list come from the programme's
side (see :mod:`cim_cli.programme`).
"""
