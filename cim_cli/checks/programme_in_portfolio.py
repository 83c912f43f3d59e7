"""A programme.yaml inside the portfolio: it is not used, and a copy that differs is an error.

Whoever is judged never sets the rules. cim looks for the programme file
above the portfolio (from its parent folder up) or takes the one named with
``--programme``; a ``programme.yaml`` inside a portfolio folder is never
used. One kept there that is byte for byte the file that judges the
portfolio is fine (a programme's template repository ships a copy); any
other is reported, so that nobody believes a changed copy lowers the
requirements. Remove the file from the portfolio. Working alone, with no
programme file above your portfolio, check against the programme's real
rules with ``cim validate . --programme PATH/TO/programme.yaml``.
"""

from cim_cli.findings import Problem

ID = "programme-in-portfolio"
SEVERITY = "error"


def check(portfolio, programme):
    local = portfolio.local_programme
    if local is None:
        return
    if local.sha256 is None:
        yield Problem(local.file, None, None, f"{local.file} {local.reason}; a programme file inside a portfolio is never used: remove it")
        return
    if programme.sha256 is not None and local.sha256 == programme.sha256:
        return  # an exact copy of the programme's own file (a template repository)
    judge = "the handbook's defaults" if programme.sha256 is None else f"{programme.source} (sha256 {programme.sha256[:12]})"
    yield Problem(
        local.file,
        1,
        1,
        f"{local.file} inside the portfolio is not used and differs from the file that judges it ({judge}); remove it",
    )
