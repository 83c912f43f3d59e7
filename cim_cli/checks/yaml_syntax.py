"""A YAML file cannot be read: fix the syntax at the given line.

Common causes: a tab used for indentation, a missing space after ':', an
unclosed quote or bracket, text that contains ': ' without quotes (write
``title: "Lecture: global health"``), nesting deeper than 64 levels, more
than one document in a file, or an unsupported ``!!tag``. A record with a
syntax error is not read at all, so its activity cannot count.
"""

from cim_cli.checks._common import load_problems

ID = "yaml-syntax"
SEVERITY = "error"


def check(portfolio, programme):
    yield from load_problems(portfolio, ID)
