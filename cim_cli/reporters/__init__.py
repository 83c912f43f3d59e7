"""Reporters: pure functions of results, streamed.

A reporter is created with the stream it writes to and the run's context,
receives each :class:`~cim_cli.findings.PortfolioResult` in order with
``add``, and completes its document in ``end``. Each format lives in its own
module, imported only when chosen, so a run pays only for the format it uses.

Any name: a file or folder name whose bytes are not UTF-8 is written as U+FFFD
in every format (the one policy and place: :mod:`cim_cli.textsafe`); reporters
write text with ``ensure_ascii=False`` so names reach the stream's handler.
"""

from __future__ import annotations

import importlib
from typing import Mapping, Sequence, TextIO

from cim_cli.findings import BUILTIN_PROGRAMME, PortfolioResult, ProgrammeRef
from cim_cli.record import Record



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


class RuleInfo(Record):
    """What reporters may say about a rule (SARIF rule metadata, docs)."""

    id: str
    severity: str  # default severity
    summary: str  # first line of the rule's docstring
    doc: str  # the whole docstring


class ReportContext(Record):
    """What a whole run shares: version, programmes and rule metadata.

    ``programmes`` lists every programme file that judges a portfolio of the
    run (known before the first result: discovery runs first). A header may
    name one file for the whole run only when it is the only one
    (:attr:`single_programme`); otherwise each portfolio says its own
    (``PortfolioResult.programme``).
    """

    cim_version: str
    programme: str  # path of the one programme file, "built-in", or "per portfolio" when several
    programme_title: str
    rules: Mapping[str, RuleInfo]
    # Whether the stream is a terminal that may show colour.
    color: bool
    programmes: tuple[ProgrammeRef, ...]
    # CSV field separator: ',' or ';' (what Excel expects in most European locales).
    csv_delimiter: str

    _defaults = {'color': False, 'programmes': (), 'csv_delimiter': ","}
    _factories = {'rules': dict}

    @property
    def single_programme(self) -> ProgrammeRef | None:
        """The programme file that judged every portfolio, or None when several did."""
        if len(self.programmes) > 1:
            return None
        if self.programmes:
            return self.programmes[0]
        return ProgrammeRef(self.programme, None) if self.programme != PER_PORTFOLIO else None


PER_PORTFOLIO = "per portfolio"


def run_context(cim_version: str, programmes: Sequence, rules: Mapping[str, RuleInfo], *, color: bool = False, csv_delimiter: str = ",") -> ReportContext:
    """The context of a run judged by ``programmes`` (loaded Programme objects, in first-use order)."""
    refs: list[ProgrammeRef] = []
    for programme in programmes:
        if programme.ref not in refs:
            refs.append(programme.ref)
    if not refs:
        refs.append(BUILTIN_PROGRAMME)
    titles = {p.title for p in programmes}
    one = len(refs) == 1
    title = next(iter(titles)) if len(titles) == 1 else "cim"
    return ReportContext(cim_version, refs[0].path if one else PER_PORTFOLIO, title, rules, color, tuple(refs), csv_delimiter)


def short_digest(ref: ProgrammeRef) -> str:
    """``path (sha256 0123456789ab)`` for people; ``built-in`` for the defaults."""
    from cim_cli.textsafe import visible

    if ref.sha256 is None:
        return visible(ref.path)
    return f"{visible(ref.path)} (sha256 {ref.sha256[:12]})"


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
