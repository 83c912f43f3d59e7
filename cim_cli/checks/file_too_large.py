"""A record or text file is larger than cim reads.

YAML records and markdown files are capped at 256 KiB each: far more than
any record or report needs. Larger files are not read; move long material
into evidence files.
"""

from cim_cli.checks._common import load_problems

ID = "file-too-large"
SEVERITY = "error"


def check(portfolio, programme):
    yield from load_problems(portfolio, ID)
