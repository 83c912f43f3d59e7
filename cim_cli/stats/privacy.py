"""Small-cell suppression: numbers that may be published without identifying a student.

The rule, in the order it is applied (settings from the programme file's
``statistics:`` section, :class:`~cim_cli.stats.model.Settings`):

1. **Merge rare labels first.** Countries and study programmes with fewer
   than ``min_count`` students become one "Other" row (done while the
   figures are built, :mod:`cim_cli.stats.figures`).
2. **Primary suppression.** A count with 1 to ``min_count - 1`` distinct
   students behind it is hidden (shown as "<5"). A true zero stays 0, except
   in a line (row, column, sum) whose total is itself "<5": there zeros read
   "<5" too, or a total of "<5" over four parts of "<5" would show each part
   is 1. A count of activities is judged by the students behind it: 12
   activities of 2 students are hidden.
3. **Secondary suppression.** Every published sum is an equation
   ``whole = part + part + ...`` (a row, a column, a total, a cumulative
   count of the funnel, and sums that hold across figures, e.g. students
   abroad = abroad only + abroad and at home). In every equation that holds
   a hidden cell:

   * at least two of its cells are hidden (else subtracting the others from
     the whole gives the hidden one back), and
   * when its whole is published, the hidden parts add up to at least
     ``min_count`` (else the remainder tells they are a small group, or,
     when it equals their number, that each is 1).

   While an equation breaks this, the smallest published non-zero part is
   hidden too (the whole when no part is left). Hiding a cell can break
   another equation, so this repeats until every equation holds.
4. **Audit.** Sums read together can still pin a hidden cell down: rows and
   columns that each hold two hidden cells but link them in a chain rather
   than a cycle, or ranges that narrow from sum to sum ("<5" is 1..4, a
   secondary cell was a published count, so 5 or more). Two audits read
   every equation of every figure at once: interval narrowing
   (:func:`pinned_by_bounds`) and exact linear algebra (:func:`determined`).
   For each hidden cell they pin, the smallest published cell of one of its
   equations is hidden, and steps 3-4 run again, until none is pinned.
5. **Percentages and medians.** A percentage is published only when its
   numerator and denominator are, and the denominator is at least
   ``min_percent_denominator``; a median only over at least
   ``min_median_count`` values from at least ``min_count`` students.

Each step only hides more, so the loop ends. When nothing is left to hide
beside a pinned cell, every published cell of its equations is hidden.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

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


def bounds(cell: Cell, min_count: int, maybe_zero: bool = False) -> tuple[float, float]:
    """What a reader knows of a cell before any sum: its value, "<5", or "hidden" (min_count and up).

    "<5" is 1 to min_count-1, or 0 to min_count-1 for a part of a line whose
    whole reads "<5" (``maybe_zero``: such lines mask their zeros too).
    """
    if not cell.hidden:
        return (cell.value or 0, cell.value or 0)
    if cell.hidden == SMALL:
        return (0 if maybe_zero else 1, min_count - 1)
    # A secondary cell was a published count: zero is never hidden, and a
    # count of 1..min_count-1 students would have been hidden as small.
    return (min_count, INF)


def small_lines_zeros(equations: list[Equation]) -> set[int]:
    """Ids of the parts of every equation whose whole reads "<5": a reader knows they may be 0."""
    return {id(p) for eq in equations if eq.whole.hidden == SMALL for p in eq.parts}


def pinned_by_bounds(equations: list[Equation], min_count: int, rounds: int = 50) -> list[Cell]:
    """Hidden cells that the published sums narrow to one value, reading every sum with every other.

    Each hidden cell starts with what its mark says (:func:`bounds`); each
    equation then narrows each of its hidden cells to what the others leave
    room for, until nothing narrows (interval propagation, as a reader with
    a pencil would do it, only thoroughly).
    """
    box: dict[int, list[float]] = {}
    maybe_zero = small_lines_zeros(equations)
    for eq in equations:
        for c in eq.cells:
            if id(c) not in box:
                box[id(c)] = list(bounds(c, min_count, id(c) in maybe_zero))
    active = [eq for eq in equations if any(c.hidden for c in eq.cells)]
    holding: dict[int, list[int]] = {}  # hidden cell -> the active equations that hold it
    for k, eq in enumerate(active):
        for c in eq.cells:
            if c.hidden:
                holding.setdefault(id(c), []).append(k)
    # A work list: an equation is read again only when one of its cells narrowed.
    queue = deque(range(len(active)))
    queued = set(queue)
    budget = rounds * max(1, len(active))
    while queue and budget > 0:
        budget -= 1
        k = queue.popleft()
        queued.discard(k)
        eq = active[k]
        # Each term coef * x as a range; the others' sum is the total less the term
        # (infinite ends counted apart, so that inf - inf never happens).
        terms = []
        for cell, coef in [(eq.whole, 1)] + [(p, -1) for p in eq.parts]:
            lo, hi = box[id(cell)]
            terms.append((cell, coef, lo if coef > 0 else -hi, hi if coef > 0 else -lo))
        low_sum = sum(t[2] for t in terms if t[2] != -INF)
        high_sum = sum(t[3] for t in terms if t[3] != INF)
        low_inf = sum(1 for t in terms if t[2] == -INF)
        high_inf = sum(1 for t in terms if t[3] == INF)
        for cell, coef, tlo, thi in terms:
            if not cell.hidden:
                continue
            others_low = -INF if low_inf - (tlo == -INF) else low_sum - (tlo if tlo != -INF else 0)
            others_high = INF if high_inf - (thi == INF) else high_sum - (thi if thi != INF else 0)
            # coef * x = -(the others' sum)
            low, high = -others_high, -others_low
            if coef < 0:
                low, high = -high, -low
            b = box[id(cell)]
            if low > b[0] or high < b[1]:
                b[0], b[1] = max(b[0], low), min(b[1], high)
                for j in holding[id(cell)]:
                    if j != k and j not in queued:
                        queue.append(j)
                        queued.add(j)
    seen: dict[int, Cell] = {}
    for eq in active:
        for c in eq.cells:
            if c.hidden and box[id(c)][0] >= box[id(c)][1]:
                seen[id(c)] = c
    return list(seen.values())


# Two large primes: the audit's linear algebra runs modulo each (see determined()).
PRIMES = (2**61 - 1, 2**31 - 1)


def determined(equations: list[Equation]) -> list[Cell]:
    """Hidden cells whose value the published numbers of ``equations`` pin down (linear algebra).

    The unknowns are the hidden cells; each equation is one linear row. A
    hidden cell is pinned exactly when its unit vector lies in the row space,
    i.e. when it is a pivot of the reduced row echelon form whose row has no
    other unknown; every free unknown can move, so it is not.

    The elimination runs over the integers modulo a prime instead of with
    fractions (which cost seconds on a cohort with hundreds of small groups).
    The coefficients are 0 and 1 (-1), so the result is the rational one
    unless the prime divides every largest non-zero minor of the system: with
    a 61-bit prime that does not happen for tables of this size, and a cell
    either prime finds pinned is treated as pinned.
    """
    unknowns: dict[int, int] = {}
    cells: list[Cell] = []
    rows: list[dict[int, int]] = []
    for eq in equations:
        row: dict[int, int] = {}
        for cell, coef in [(eq.whole, 1)] + [(p, -1) for p in eq.parts]:
            if not cell.hidden:
                continue
            j = unknowns.get(id(cell))
            if j is None:
                j = unknowns[id(cell)] = len(cells)
                cells.append(cell)
            row[j] = row.get(j, 0) + coef
        row = {j: v for j, v in row.items() if v}
        if row:
            rows.append(row)
    # Unknowns that share no equation, directly or through others, are
    # independent: reduce each connected group of rows on its own.
    parent = list(range(len(cells)))

    def find(j: int) -> int:
        while parent[j] != j:
            parent[j] = parent[parent[j]]
            j = parent[j]
        return j

    for row in rows:
        first = find(min(row))
        for j in row:
            parent[find(j)] = first
    groups: dict[int, list[dict[int, int]]] = {}
    for row in rows:
        groups.setdefault(find(min(row)), []).append(row)
    pinned: set[int] = set()
    for group in groups.values():
        for prime in PRIMES:
            pinned.update(_pinned_columns(group, prime))
    return [cells[j] for j in sorted(pinned)]


def _pinned_columns(rows: list[dict[int, int]], prime: int) -> list[int]:
    """Columns of a sparse linear system (mod ``prime``) whose value the rows fix: pivots with no free column."""
    pivots: dict[int, dict[int, int]] = {}  # pivot column -> its row (pivot entry 1)
    for source in rows:
        row = {j: v % prime for j, v in source.items()}
        for col in [c for c in row if c in pivots]:
            factor = row.get(col)
            if not factor:
                continue
            for j, v in pivots[col].items():
                row[j] = (row.get(j, 0) - factor * v) % prime
        row = {j: v for j, v in row.items() if v}
        if not row:
            continue
        col = min(row)
        inverse = pow(row[col], prime - 2, prime)
        row = {j: v * inverse % prime for j, v in row.items()}
        for other in pivots.values():
            factor = other.get(col)
            if factor:
                for j, v in row.items():
                    other[j] = (other.get(j, 0) - factor * v) % prime
                for j in [j for j, v in other.items() if not v]:
                    del other[j]
        pivots[col] = row
    return [col for col, row in pivots.items() if len(row) == 1]


def _hide_next_to(cell: Cell, holding: dict[int, list[Equation]]) -> bool:
    """Hide the smallest published cell of an equation that holds ``cell``; False when none is left."""
    options = [pick for eq in holding.get(id(cell), ()) for pick in [_candidate(eq)] if pick is not None]
    if not options:
        return False
    min(options, key=lambda c: c.value or 0).hidden = SECONDARY
    return True


def suppress_cells(cells: list[Cell], equations: list[Equation], settings: Settings) -> None:
    """Apply steps 2-4 of the rule to ``cells`` in place."""
    t = settings.min_count
    holding: dict[int, list[Equation]] = {}
    for eq in equations:
        for c in eq.cells:
            holding.setdefault(id(c), []).append(eq)
    for cell in cells:
        if cell.kind == "count" and (cell.value or 0) > 0 and 0 < cell.people < t:
            cell.hidden = SMALL
    # In a line whose whole is small, zeros read "<5" too: four parts of 1
    # under a whole of "<5" would otherwise give each other away.
    for eq in equations:
        if eq.whole.hidden == SMALL:
            for part in eq.parts:
                if part.kind == "count" and not part.hidden and not part.value:
                    part.hidden = SMALL
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
            progress = _hide_next_to(cell, holding) or progress
        if not progress:
            # Nothing left to hide beside them: hide every published cell of their equations.
            for cell in pinned:
                for eq in holding.get(id(cell), ()):
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
