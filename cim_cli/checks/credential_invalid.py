"""A credential in credentials/ does not count: forged, altered, revoked, or issued to someone else.

Each ``credentials/*.json`` is verified as ``cim verify`` would: its
``eddsa-rdfc-2022`` proof, every field covered by the signature, the issuer's
did:key in the programme's trust list with the ``issuer`` role, its dates, not
revoked, and issued to this student (their name and email as student.yaml
gives them). A credential that does not count does not make the portfolio
``certified``; the message names the first checks that failed. Without a
trust list, credentials cannot be checked: that is a warning.
"""

ID = "credential-invalid"
SEVERITY = "error"


def check(portfolio, programme):
    from cim_cli.trust import source_of

    # Read where the portfolio was read from (at --rev, the committed credentials): one stat when there are none.
    source = source_of(portfolio)
    if not source.is_folder("credentials"):
        return
    from cim_cli.findings import Problem
    from cim_cli.trust.certify import credential_files, credential_verdicts, trust_for_portfolio
    from cim_cli.trust.stage import explicit_trust_list

    if not credential_files(source):
        return
    trust, why_not = trust_for_portfolio(programme, explicit_trust_list())
    if trust is None:
        yield Problem("credentials", None, None, f"the credentials cannot be checked: {why_not}; name the programme file with --programme", "warning")
        return
    for verdict in credential_verdicts(portfolio, trust):
        if verdict.problem is not None:
            yield Problem(verdict.file, None, None, f"this credential does not count ({verdict.problem}); remove it, or ask the programme to issue a new one")
