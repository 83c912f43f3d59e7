"""Reporters: pure functions of results, streamed.

A reporter is created with the stream it writes to and the run's context,
receives each :class:`~cim_cli.findings.PortfolioResult` in order with
``add``, and completes its document in ``end``. Each format lives in its own
module, imported only when chosen, so a run pays only for the format it uses.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Mapping, TextIO

from cim_cli.findings import PortfolioResult

# format name -> module in this package that defines ``Reporter``.
FORMATS: dict[str, str] = {
    "text": "text",
    "json": "json_",
    "table": "table",
    "csv": "csv_",
    "junit": "junit",
    "sarif": "sarif",
    "github": "github",
}


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What reporters may say about a rule (SARIF rule metadata, docs)."""

    id: str
    severity: str  # default severity
    summary: str  # first line of the rule's docstring
    doc: str  # the whole docstring


@dataclass(frozen=True, slots=True)
class ReportContext:
    """What a whole run shares: version, programme and rule metadata."""

    cim_version: str
    programme: str  # path of the programme file, or "built-in"
    programme_title: str
    rules: Mapping[str, RuleInfo] = field(default_factory=dict)
    # Whether the stream is a terminal that may show colour.
    color: bool = False
    # CSV field separator: ',' or ';' (what Excel expects in most European locales).
    csv_delimiter: str = ","


class BaseReporter:
    """Streamed reporter: ``add`` each result in order, then ``end``."""

    def __init__(self, out: TextIO, context: ReportContext) -> None:
        self.out = out
        self.context = context

    def add(self, result: PortfolioResult) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def end(self) -> None:
        """Complete the document (closing brackets, summary lines)."""


def make_reporter(fmt: str, out: TextIO, context: ReportContext) -> BaseReporter:
    """The reporter for ``fmt``; raises KeyError for an unknown format."""
    module = importlib.import_module(f"cim_cli.reporters.{FORMATS[fmt]}")
    return module.Reporter(out, context)


def finding_path(result: PortfolioResult, file: str) -> str:
    """A finding's file as seen from where cim was run: portfolio path + file."""
    if not file:
        return result.path
    base = result.path.rstrip("/")
    return file if base in ("", ".") else f"{base}/{file}"
