"""A text file is not UTF-8.

Records, reflections, the diary and the report must be saved as UTF-8 (with or
without a byte-order mark). Files saved as Latin-1, Windows-1252 or UTF-16
are reported at the first byte that is not UTF-8; in most editors choose
"Save with encoding" -> UTF-8.
"""

from cim_cli.checks._common import load_problems

ID = "encoding"
SEVERITY = "error"


def check(portfolio, programme):
    yield from load_problems(portfolio, ID)
