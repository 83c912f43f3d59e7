"""GitHub Actions workflow commands: one annotation line per finding, streamed.

``::error file=PATH,line=L,col=C,title=cim RULE::MESSAGE`` (``::warning`` for
warnings; ``line``/``col`` only when known). Values are escaped as
``@actions/core`` does and the runner undoes: in the message ``%``, CR and LF
become ``%25``, ``%0D``, ``%0A``; in property values ``:`` and ``,`` also
become ``%3A`` and ``%2C``. So no student text can end the line and start a
command of its own (``::add-mask::``, ``::stop-commands::``...), nor split a
property.

The run ends with one plain line, ``cim: N portfolios, E errors, W warnings;
programme PATH (sha256 …)``:
the runner only acts on lines that start with ``::``; others are log output.
GitHub shows a limited number of annotations per step (10 errors and 10
warnings at the time of writing); the rest stay in the log, and the summary
gives the totals.
"""

from __future__ import annotations

import re
from typing import TextIO

from cim_cli.findings import Finding, PortfolioResult
from cim_cli.reporters import BaseReporter, ReportContext, finding_path, short_digest
from cim_cli.textsafe import visible


_LINE_BREAK = re.compile("(\r\n|\r|\n)")


def escape_data(text: str) -> str:
    """Text for a workflow command's message (and, with :func:`escape_property`, its properties).

    Control characters other than line breaks are made visible first
    (:func:`cim_cli.textsafe.visible`: no ANSI colour, OSC link or bell in the
    log); line breaks and ``%`` become the runner's own escapes, so the
    annotation keeps them and no line of the log can start a command.
    """
    parts = _LINE_BREAK.split(text)
    text = "".join(part if i % 2 else visible(part) for i, part in enumerate(parts))
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_path(path: str) -> str:
    """``path`` as GitHub matches it against the checkout: no leading ``./``."""
    while path.startswith("./") and len(path) > 2:
        path = path[2:]
    return path


def command(result: PortfolioResult, finding: Finding) -> str:
    """The workflow command line (without newline) for one finding."""
    name = "error" if finding.severity == "error" else "warning"
    path = annotation_path(finding_path(result, finding.file))
    props = [f"file={escape_property(path)}"]
    if finding.line is not None:
        props.append(f"line={finding.line}")
        if finding.column is not None:
            props.append(f"col={finding.column}")
    props.append(f"title={escape_property(f'cim {finding.rule}')}")
    return f"::{name} {','.join(props)}::{escape_data(finding.message)}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


class Reporter(BaseReporter):
    def __init__(self, out: TextIO, context: ReportContext) -> None:
        super().__init__(out, context)
        self._portfolios = 0
        self._errors = 0
        self._warnings = 0

    def add(self, result: PortfolioResult) -> None:
        self._portfolios += 1
        if self.context.single_programme is None:
            # A plain log line (never a command): which file judged this portfolio.
            self.out.write(f"cim: {escape_data(result.path)} judged by {escape_data(short_digest(result.programme))}\n")
        for finding in result.findings:
            if finding.severity == "error":
                self._errors += 1
            else:
                self._warnings += 1
            self.out.write(command(result, finding) + "\n")

    def end(self) -> None:
        single = self.context.single_programme
        judged = f"; programme {escape_data(short_digest(single))}" if single else "; programme per portfolio (above)"
        self.out.write(
            f"cim: {_plural(self._portfolios, 'portfolio')}, "
            f"{_plural(self._errors, 'error')}, {_plural(self._warnings, 'warning')}{judged}\n"
        )
