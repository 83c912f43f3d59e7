"""CSV: one row per portfolio, streamed, ready for Excel.

Excel guesses the encoding of a ``.csv`` it opens; a UTF-8 byte order mark
makes it read names like ``Åsa Öberg`` correctly, and ``\\r\\n`` row ends are
what it expects. Cells holding student text (id, name, path) that begin with a
character a spreadsheet takes as the start of a formula get a leading ``'``
(OWASP's advice against CSV/formula injection), so ``=HYPERLINK(...)`` in a
name stays text. Numbers and stages come from cim itself and are left alone.
The last two columns name the programme file that judged the row's portfolio
(``built-in`` and an empty digest for the handbook's defaults).
"""

from __future__ import annotations

import csv
from typing import TextIO

from cim_cli.findings import PortfolioResult
from cim_cli.reporters import BaseReporter, ReportContext

HEADER: tuple[str, ...] = (
    "student_id",
    "name",
    "path",
    "stage",
    "counting_activities",
    "required_activities",
    "home",
    "abroad",
    "report_words",
    "errors",
    "warnings",
    "valid",
    "programme",
    "programme_sha256",
)

BOM = "\ufeff"
# Characters that make a spreadsheet read a cell as a formula (or DDE).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str | None) -> str:
    """A student-supplied cell, defused against formula injection."""
    if value is None:
        return ""
    # NUL ends the cell early in some spreadsheet importers.
    value = value.replace("\x00", "")
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value


def row(result: PortfolioResult) -> list[str]:
    """The CSV cells of one portfolio, in :data:`HEADER` order."""
    return [
        safe_text(result.student_id),
        safe_text(result.name),
        safe_text(result.path),
        result.stage,
        str(result.counting_activities),
        str(result.required_activities),
        str(result.counting_home),
        str(result.counting_abroad),
        "" if result.report_words is None else str(result.report_words),
        str(result.errors),
        str(result.warnings),
        "true" if result.valid else "false",
        safe_text(result.programme.path),
        result.programme.sha256 or "",
    ]


class Reporter(BaseReporter):
    def __init__(self, out: TextIO, context: ReportContext) -> None:
        super().__init__(out, context)
        self.out.write(BOM)
        self._writer = csv.writer(self.out, delimiter=context.csv_delimiter, lineterminator="\r\n")
        self._writer.writerow(HEADER)

    def add(self, result: PortfolioResult) -> None:
        self._writer.writerow(row(result))

    def end(self) -> None:
        self.out.flush()
