"""Small-cell suppression: numbers that may be published without identifying a student.

The rule, in the order it is applied (settings from the programme file's
``statistics:`` section, :class:`~cim_cli.stats.model.Settings`):

1. **Merge rare labels first.** Countries and study programmes with fewer
   than ``min_count`` students become one "Other" row (done while the
   figures are built, :mod:`cim_cli.stats.figures`).
2. **Primary suppression.** A count with 1 to ``min_count - 1`` distinct
   students behind it is hidden (shown as "<5"). A true zero stays 0. A
   count of activities is judged by the students behind it: 12 activities
   of 2 students are hidden.
3. **Secondary suppression.** Every published sum is an equation
   ``whole = part + part + ...`` (a row, a column, a total, a cumulative
   count of the funnel, and sums that hold across figures, e.g. students
   abroad = abroad only + abroad and at home). In every equation that holds
   a hidden cell:

   * at least two of its cells are hidden (else subtracting the others from
     the whole gives the hidden one back), and
   * when its whole is published, the hidden parts add up to at least
     ``min_count`` and to more than their number (else the remainder tells
     that they are all 1, or that together they are a small group).

   While an equation breaks this, the smallest published non-zero part is
   hidden too (the whole when no part is left). Hiding a cell can break
   another equation, so this repeats until every equation holds.
4. **Audit.** Rows and columns that each hold two hidden cells can still
   pin one down together (hidden cells linked by sums that form no cycle).
   Exact linear algebra over every equation of every figure finds each
   hidden cell whose value the published numbers determine; for each, one
   more cell of one of its equations is hidden, and step 3 runs again,
   until no hidden value is determined.
5. **Percentages and medians.** A percentage is published only when its
   numerator and denominator are, and the denominator is at least
   ``min_percent_denominator``; a median only over at least
   ``min_median_count`` values from at least ``min_count`` students.

Each step only hides more, so the loop ends. The whole table is never
hidden unless the audit cannot otherwise make it safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from cim_cli.stats.model import FEW_VALUES, SECONDARY, SMALL, Cell, Equation, Figure, Settings


@dataclass
class PublicStats:
    """Figures fit to publish, and the settings of the rule that made them so."""

    figures: list[Figure]
    settings: Settings
    title: str
    as_of: object
    portfolios: int
    students: int  # exact: never shown when public (see to_json), kept for checks
    public: bool = True
    equations: list[Equation] = field(default_factory=list)


def _count_cells(figures: list[Figure], shared: list[Equation]) -> tuple[list[Cell], list[Equation]]:
    cells: dict[int, Cell] = {}
    equations: list[Equation] = list(shared)
    for figure in figures:
        for table in figure.tables:
            for row in table.rows:
                for cell in row.cells:
                    if cell.kind == "count" and cell.value is not None:
                        cells.setdefault(id(cell), cell)
            if table.chart:
                for _, cell in table.chart.extra:
                    cells.setdefault(id(cell), cell)
            equations += table.equations
    for eq in equations:
        for cell in eq.cells:
            cells.setdefault(id(cell), cell)
    return list(cells.values()), equations


def _candidate(eq: Equation) -> Cell | None:
    """The cell to hide next in ``eq``: its smallest published non-zero part, else its whole."""
    parts = [c for c in eq.parts if not c.hidden and (c.value or 0) > 0]
    if parts:
        return min(parts, key=lambda c: c.value)
    if not eq.whole.hidden and (eq.whole.value or 0) > 0:
        return eq.whole
    return None


def _broken(eq: Equation, min_count: int) -> bool:
    """Step 3: one hidden cell alone, or hidden parts of a published whole that add up to a small group."""
    hidden = [c for c in eq.cells if c.hidden]
    if not hidden:
        return False
    if len(hidden) == 1:
        return True
    if not eq.whole.hidden:
        return sum(c.value or 0 for c in eq.parts if c.hidden) < min_count
    return False


INF = float("inf")


def bounds(cell: Cell, min_count: int) -> tuple[float, float]:
    """What a reader knows of a cell before any sum: its value, 1..min_count-1 ("<5"), or min_count and up."""
    if not cell.hidden:
        return (cell.value or 0, cell.value or 0)
    if cell.hidden == SMALL:
        return (1, min_count - 1)
    # A secondary cell was a published count: zero is never hidden, and a
    # count of 1..min_count-1 students would have been hidden as small.
    return (min_count, INF)


def pinned_by_bounds(equations: list[Equation], min_count: int, rounds: int = 50) -> list[Cell]:
    """Hidden cells that the published sums narrow to one value, reading every sum with every other.

    Each hidden cell starts with what its mark says (:func:`bounds`); each
    equation then narrows each of its hidden cells to what the others leave
    room for, until nothing narrows (interval propagation, as a reader with
    a pencil would do it, only thoroughly).
    """
    box: dict[int, list[float]] = {}
    for eq in equations:
        for c in eq.cells:
            if id(c) not in box:
                box[id(c)] = list(bounds(c, min_count))
    active = [eq for eq in equations if any(c.hidden for c in eq.cells)]
    for _ in range(rounds):
        changed = False
        for eq in active:
            terms = [(eq.whole, 1)] + [(p, -1) for p in eq.parts]
            for i, (cell, coef) in enumerate(terms):
                if not cell.hidden:
                    continue
                # coef * x = -(sum of the others' coef * x): the others' range.
                low = high = 0.0
                for j, (other, k) in enumerate(terms):
                    if j == i:
                        continue
                    lo, hi = box[id(other)]
                    if k > 0:
                        low, high = low - hi, high - lo
                    else:
                        low, high = low + lo, high + hi
                if coef < 0:
                    low, high = -high, -low
                b = box[id(cell)]
                if low > b[0]:
                    b[0] = low
                    changed = True
                if high < b[1]:
                    b[1] = high
                    changed = True
        if not changed:
            break
    seen: dict[int, Cell] = {}
    for eq in active:
        for c in eq.cells:
            if c.hidden and box[id(c)][0] >= box[id(c)][1]:
                seen[id(c)] = c
    return list(seen.values())


def determined(equations: list[Equation]) -> list[Cell]:
    """Hidden cells whose value the published numbers of ``equations`` pin down (exact Gaussian elimination).

    The unknowns are the hidden cells; each equation is one linear row. A
    hidden cell is determined exactly when it is a pivot whose reduced row
    has no other unknown (then its value is the row's right-hand side);
    every free unknown can move, so it is not.
    """
    unknowns: dict[int, int] = {}
    cells: list[Cell] = []
    rows: list[dict[int, Fraction]] = []
    for eq in equations:
        row: dict[int, Fraction] = {}
        for cell, coef in [(eq.whole, 1)] + [(p, -1) for p in eq.parts]:
            if not cell.hidden:
                continue
            j = unknowns.get(id(cell))
            if j is None:
                j = unknowns[id(cell)] = len(cells)
                cells.append(cell)
            row[j] = row.get(j, Fraction(0)) + coef
        row = {j: v for j, v in row.items() if v}
        if row:
            rows.append(row)
    # Reduced row echelon form over sparse rows.
    pivots: dict[int, dict[int, Fraction]] = {}  # pivot column -> its row
    for row in rows:
        row = dict(row)
        for col, prow in pivots.items():
            if col in row:
                factor = row[col]
                for j, v in prow.items():
                    row[j] = row.get(j, Fraction(0)) - factor * v
                row = {j: v for j, v in row.items() if v}
        if not row:
            continue
        col = min(row)
        lead = row[col]
        row = {j: v / lead for j, v in row.items()}
        for other in pivots.values():
            if col in other:
                factor = other[col]
                for j, v in row.items():
                    other[j] = other.get(j, Fraction(0)) - factor * v
                for j in [j for j, v in other.items() if not v]:
                    del other[j]
        pivots[col] = row
    return [cells[col] for col, row in pivots.items() if len(row) == 1]


def _hide_next_to(cell: Cell, equations: list[Equation]) -> bool:
    """Hide the smallest published cell of an equation that holds ``cell``; False when none is left."""
    options = [pick for eq in equations if any(c is cell for c in eq.cells) for pick in [_candidate(eq)] if pick is not None]
    if not options:
        return False
    min(options, key=lambda c: c.value or 0).hidden = SECONDARY
    return True


def suppress_cells(cells: list[Cell], equations: list[Equation], settings: Settings) -> None:
    """Apply steps 2-4 of the rule to ``cells`` in place."""
    t = settings.min_count
    for cell in cells:
        if cell.kind == "count" and (cell.value or 0) > 0 and 0 < cell.people < t:
            cell.hidden = SMALL
    while True:
        changed = True
        while changed:
            changed = False
            for eq in equations:
                while _broken(eq, t):
                    pick = _candidate(eq)
                    if pick is None:
                        break
                    pick.hidden = SECONDARY
                    changed = True
        pinned = pinned_by_bounds(equations, t) or determined(equations)
        if not pinned:
            return
        progress = False
        for cell in pinned:
            progress = _hide_next_to(cell, equations) or progress
        if not progress:
            # Nothing left to hide beside them: hide every published cell of their equations.
            for cell in pinned:
                for eq in equations:
                    if any(c is cell for c in eq.cells):
                        for c in eq.cells:
                            if not c.hidden and c.value:
                                c.hidden = SECONDARY
                                progress = True
            if not progress:
                return  # a pinned cell's equations are all hidden: nothing more can help


def _derived(figures: list[Figure], settings: Settings) -> None:
    for figure in figures:
        for table in figure.tables:
            for row in table.rows:
                for cell in row.cells:
                    if cell.value is None:
                        continue
                    if cell.kind == "percent" and cell.of is not None:
                        num, den = cell.of
                        if num.hidden or den.hidden or (den.value or 0) < settings.min_percent_denominator:
                            cell.hidden = FEW_VALUES
                    elif cell.kind == "median":
                        if cell.n < settings.min_median_count or cell.people < settings.min_count:
                            cell.hidden = FEW_VALUES


def suppress(stats, settings: Settings | None = None) -> PublicStats:
    """The figures of ``stats`` (a :class:`~cim_cli.stats.collect.CohortStats`) as they may be published."""
    from dataclasses import replace

    from cim_cli.stats.figures import build_with_equations

    if settings is not None:
        stats = replace(stats, settings=settings)
    settings = stats.settings
    figures, shared = build_with_equations(stats, public=True)
    cells, equations = _count_cells(figures, shared)
    suppress_cells(cells, equations, settings)
    _derived(figures, settings)
    return PublicStats(figures, settings, stats.title, stats.as_of, stats.portfolios, len(stats.students), True, equations)
