"""An evidence file no longer matches the digest recorded for it.

``cim evidence add`` records each file's SHA-256 next to its path. When the
file changes afterwards, the recorded digest no longer matches: this is how
an edited or swapped certificate shows. Put the original file back; if the
new file is the right one, remove its entry from the record and add it again
with ``cim evidence add SLUG FILE`` so that a new digest is recorded.
"""

from cim_cli.findings import Problem

ID = "evidence-digest"
SEVERITY = "error"


def check(portfolio, programme):
    for activity in portfolio.activities:
        for evidence in activity.evidence:
            recorded, actual = evidence.sha256, evidence.actual_sha256
            if recorded is None or actual is None or recorded.lower() == actual:
                continue
            line, column = activity.record.source.locate(("evidence", evidence.index, "sha256"))
            yield Problem(
                activity.file,
                line,
                column,
                f"'{evidence.ref.path}' has changed since it was recorded (its SHA-256 is now {actual[:12]}…); put the original back, or remove the entry and add the file again with: cim evidence add {activity.slug} FILE",
            )
