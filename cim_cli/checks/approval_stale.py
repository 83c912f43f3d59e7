"""A file changed after staff approved it: the approval no longer holds and the stage drops.

An approval signs the SHA-256 of every file in its scope (activities:
student.yaml, activities/, reflections/, evidence/ except images only the
report shows; report: report.md and its images). One finding names each file modified, deleted or added since the
approval, at the approval's file. Line endings do not count as a change: a
text file is hashed as git stores it (CRLF as LF). Restore the file as it was
(``git checkout <commit> -- FILE``), or ask staff to approve again.
"""

from cim_cli.trust import has_approvals

ID = "approval-stale"
SEVERITY = "warning"


def check(portfolio, programme):
    if not has_approvals(portfolio):
        return
    from cim_cli.trust.stage import evaluate

    yield from evaluate(portfolio, programme).problems(ID)
