"""The shapes of cim stats: settings, cells, tables, figures.

A figure is one or more tables; a chart is drawn from a table's published
cells and never from anything else, so a chart cannot show what its table
hides. Count cells that tables share (the number of students, the students
abroad...) are one :class:`Cell` object, so hiding it in one place hides it
everywhere. Each table declares the sums it publishes as
:class:`Equation` values ("this total is the sum of these cells"), which is
what the privacy rule (:mod:`cim_cli.stats.privacy`) protects against.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, Mapping

CellKind = Literal["count", "percent", "median"]

# Why a cell is not published.
SMALL = "small"  # 1 .. min_count-1 distinct students
SECONDARY = "secondary"  # would let a small cell be recovered by subtraction
FEW_VALUES = "few-values"  # a percentage or median over too few


@dataclass(frozen=True)
class Settings:
    """What may be published and how years are counted (programme file ``statistics:``)."""

    min_count: int = 5
    min_percent_denominator: int = 23
    min_median_count: int = 8
    top_countries: int = 10
    academic_year_start: tuple[int, int] = (9, 1)  # (month, day)

    @classmethod
    def from_programme(cls, programme) -> "Settings":
        """The settings of a loaded programme (defaults for what it leaves out)."""
        raw: Mapping = (getattr(programme, "data", None) or {}).get("statistics") or {}
        start = raw.get("academic_year_start", "09-01")
        m = re.fullmatch(r"(\d\d)-(\d\d)", str(start))
        month_day = (int(m.group(1)), int(m.group(2))) if m else (9, 1)
        return cls(
            # The schema refuses less than 3; a hand-made Programme must not get round it.
            min_count=max(3, int(raw.get("min_count", 5))),
            min_percent_denominator=max(3, int(raw.get("min_percent_denominator", 23))),
            min_median_count=max(3, int(raw.get("min_median_count", 8))),
            top_countries=max(1, int(raw.get("top_countries", 10))),
            academic_year_start=month_day,
        )

    def as_dict(self) -> dict:
        return {
            "min_count": self.min_count,
            "min_percent_denominator": self.min_percent_denominator,
            "min_median_count": self.min_median_count,
            "top_countries": self.top_countries,
            "academic_year_start": "%02d-%02d" % self.academic_year_start,
        }


@dataclass(eq=False)
class Cell:
    """One number of a table.

    ``count``: ``value`` things (students or activities) and ``students``
    distinct students behind them (equal to ``value`` for a count of
    students). ``percent``: ``of`` = (numerator, denominator) cells.
    ``median``: over ``n`` values from ``students`` distinct students.
    ``value`` None means "nothing to show" (no data), which is not hidden.
    """

    value: float | int | None
    kind: CellKind = "count"
    students: int | None = None
    key: str | None = None
    of: tuple["Cell", "Cell"] | None = None
    n: int = 0
    hidden: str | None = None  # None, SMALL, SECONDARY or FEW_VALUES

    @property
    def people(self) -> int:
        """Distinct students behind this number."""
        if self.students is not None:
            return self.students
        return int(self.value or 0) if self.kind == "count" else self.n


@dataclass(eq=False)
class Row:
    label: str
    cells: list[Cell]
    total: bool = False  # the table's totals row
    # A label that stands for several (Other, unknown): not a real category.
    group: bool = False


@dataclass(eq=False)
class Equation:
    """A published sum: ``whole`` = sum of ``parts``."""

    whole: Cell
    parts: list[Cell]

    @property
    def cells(self) -> list[Cell]:
        return [self.whole, *self.parts]


@dataclass(eq=False)
class Chart:
    """How to draw a table: ``bars`` (one bar per row and value column), ``funnel``."""

    kind: Literal["bars", "funnel"]
    title: str
    columns: tuple[int, ...]  # value columns drawn (a group of bars per row when several)
    rows: tuple[int, ...] | None = None  # rows drawn; None: all but totals
    # Extra (label, cell) bars after the rows, e.g. the chart's own "Other".
    extra: tuple[tuple[str, Cell], ...] = ()


@dataclass(eq=False)
class Table:
    id: str
    title: str
    row_header: str
    columns: list[str]
    rows: list[Row]
    equations: list[Equation] = field(default_factory=list)
    chart: Chart | None = None
    note: str = ""


@dataclass(eq=False)
class Figure:
    number: int
    id: str
    title: str
    about: str  # what it means, for the programme office
    over: str  # what it counts: "distinct students", "activities (and their students)"
    tables: list[Table]
    notes: list[str] = field(default_factory=list)
