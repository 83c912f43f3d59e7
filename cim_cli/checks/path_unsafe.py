"""A path leaves the portfolio or names something that is not a regular file.

Paths in records must be relative to the portfolio folder: no absolute paths
(``/home/...``, ``C:\\...``), no ``..``, and no symbolic links that lead
outside the portfolio. Folders, FIFOs and devices are never opened. Such
files are not read, so whatever depends on them does not count.
"""

from cim_cli.checks._common import all_refs, load_problems
from cim_cli.findings import Problem
from cim_cli.model import NOT_REGULAR, UNSAFE

ID = "path-unsafe"
SEVERITY = "error"


def check(portfolio, programme):
    yield from load_problems(portfolio, ID)
    for ref in all_refs(portfolio):
        if ref.status in (UNSAFE, NOT_REGULAR):
            yield Problem(ref.referrer, ref.line, ref.column, f"{ref.what} path '{ref.path}' {ref.reason}")
