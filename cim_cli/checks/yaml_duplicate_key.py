"""The same key appears twice in one mapping of a YAML file.

YAML parsers usually keep the last value silently, so one of the two is lost
without anyone noticing. cim keeps the first and reports the duplicate at its
line: remove or rename one of them.
"""

from cim_cli.checks._common import load_problems

ID = "yaml-duplicate-key"
SEVERITY = "error"


def check(portfolio, programme):
    yield from load_problems(portfolio, ID)
