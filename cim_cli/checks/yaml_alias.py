"""YAML anchors (``&name``) and aliases (``*name``) are not allowed.

Aliases let a few hundred bytes expand into gigabytes ("billion laughs"), and
a record rarely needs them. cim refuses them before anything is expanded:
write the value out in full. The record is not read while it has any.
"""

from cim_cli.checks._common import load_problems

ID = "yaml-alias"
SEVERITY = "error"


def check(portfolio, programme):
    yield from load_problems(portfolio, ID)
