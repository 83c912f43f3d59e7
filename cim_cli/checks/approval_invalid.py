"""A signed approval in approvals/ does not count: it is forged, damaged or signed by a key without the right.

Each file under ``approvals/`` is checked (``cim verify PORTFOLIO`` lists
every check): a DSSE envelope over an in-toto Statement; a valid Ed25519
signature by the did:key it names; that key in the programme's trust list,
with the role for the stage (``activities``, ``report``, ``presentation``),
within its validity dates and not revoked when it signed; a signing time not
in the future; made for this portfolio's ``student_id``; and in the chain
(its number and stage as signed, and the SHA-256 of the approval before it),
so a replayed, reordered or copied approval fails. An approval that does not
count does not advance the stage. Files in approvals/ that cim approve did
not write are reported too. Without a trust list (no programme file naming
one) approvals cannot be checked: that is a warning; name the programme file
with ``--programme``.
"""

from cim_cli.trust import has_approvals

ID = "approval-invalid"
SEVERITY = "error"


def check(portfolio, programme):
    if not has_approvals(portfolio):
        return
    from cim_cli.trust.stage import evaluate

    yield from evaluate(portfolio, programme).problems(ID)
