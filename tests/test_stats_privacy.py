"""Small-cell suppression (cim stats --public), attacked the way a reader of the website would.

The attacker here is written independently of cim_cli.stats.privacy: it
reads only the published JSON, writes down every sum a reader knows holds
(rows, columns, totals, the funnel's cumulative counts, and numbers that
two figures both show), and tries to recover each suppressed cell by exact
linear algebra and by narrowing intervals ("<5" is 1..4, "hidden" is 5 or
more). It is first shown to succeed against primary suppression alone, so
that its failing against the full rule means something.
"""

from __future__ import annotations

import datetime as dt
import random
from fractions import Fraction

import pytest

from cim_cli.findings import STAGES
from cim_cli.programme import Programme, default_programme
from cim_cli.stats import collect, suppress, to_dict
from cim_cli.stats.model import SECONDARY, SMALL, Cell, Equation, Settings
from cim_cli.stats.privacy import suppress_cells
from tests.stats_support import abroad, activity, student

AS_OF = dt.date(2025, 6, 1)
INF = float("inf")

# -- the attacker --------------------------------------------------------------

# Published sums, as a reader of each table knows them: (table, columns whose
# non-total rows add up to the total row). Students columns where a student
# can be in several rows (categories, countries, duration bands, active per year) are not sums.
COLUMN_SUMS = {
    "home-abroad-by-year": (0, 1, 2, 3, 4),
    "home-abroad-by-programme": (0, 1, 2, 3, 4),
    "categories": (1,),
    "countries": (1,),
    "durations": (0,),
    "credits": (0,),
    "trend": (0, 1, 2),
}
# Tables whose last column is the sum of the others in each row.
ROW_SUMS = ("home-abroad-by-year", "home-abroad-by-programme", "backlog")


def attacker_equations(doc: dict) -> tuple[dict, list[list[tuple[int, tuple]]]]:
    """(cells, sums, identities): cells {position: value or mark}; each a list of (coefficient, position) adding up to 0.

    A sum starts with its total (coefficient 1); an identity says two cells show one number.
    """
    tables = {t["id"]: t for f in doc["figures"] for t in f["tables"]}
    cells: dict[tuple, object] = {}
    rows: dict[str, list[dict]] = {}
    for tid, t in tables.items():
        rows[tid] = t["rows"]
        for r in t["rows"]:
            for j, c in enumerate(r["cells"]):
                cells[(tid, r["label"], j)] = c
    eqs: list[list[tuple[int, tuple]]] = []

    def same(a: tuple, b: tuple) -> None:
        if a in cells and b in cells:
            identities.append([(1, a), (-1, b)])

    identities: list[list[tuple[int, tuple]]] = []

    def total_row(tid: str) -> str:
        return next(r["label"] for r in rows[tid] if r["total"])

    for tid, columns in COLUMN_SUMS.items():
        if tid not in tables:
            continue
        tot = total_row(tid)
        for j in columns:
            eqs.append([(1, (tid, tot, j))] + [(-1, (tid, r["label"], j)) for r in rows[tid] if not r["total"]])
    for tid in ROW_SUMS:
        if tid not in tables:
            continue
        for r in rows[tid]:
            last = len(r["cells"]) - 1
            eqs.append([(1, (tid, r["label"], last))] + [(-1, (tid, r["label"], j)) for j in range(last)])
    if "stage-funnel" in tables:
        for i, s in enumerate(STAGES):
            eq = [(1, ("stage-funnel", s, 1)), (-1, ("stage-funnel", s, 0))]
            if i + 1 < len(STAGES):
                eq.append((-1, ("stage-funnel", STAGES[i + 1], 1)))
            eqs.append(eq)
    # Numbers two figures both show.
    year, prog, trend = "home-abroad-by-year", "home-abroad-by-programme", "trend"
    if year in tables and prog in tables:
        for j in range(5):
            same((year, total_row(year), j), (prog, total_row(prog), j))
    if year in tables and trend in tables:
        for r in rows[year]:
            label = "No date" if r["label"] == "No registration date" else r["label"]
            same((year, r["label"], 4), (trend, label, 0))
    if "stage-funnel" in tables and "backlog" in tables:
        for stage, r in zip(("ready-for-review", "report-submitted", "presented"), rows["backlog"]):
            same(("stage-funnel", stage, 0), ("backlog", r["label"], len(r["cells"]) - 1))
    if "stage-funnel" in tables and year in tables:
        same(("stage-funnel", "registered", 1), (year, total_row(year), 4))
        # "registered" is the stage of a student with nothing that counts yet
        same(("stage-funnel", "registered", 0), (year, total_row(year), 3))
    if "credits" in tables and year in tables:
        same(("credits", total_row("credits"), 0), (year, total_row(year), 4))
    if trend in tables:
        tt = total_row(trend)
        if year in tables:
            same((trend, tt, 0), (year, total_row(year), 4))
        if "categories" in tables:
            ct = total_row("categories")
            # every student past "registered" has an activity that counts, in these cohorts
            same(("stage-funnel", "collecting", 1), ("categories", ct, 0))
            eqs.append([(1, ("categories", ct, 1)), (-1, (trend, tt, 1)), (-1, (trend, tt, 2))])
            same((trend, tt, 3), ("categories", ct, 0))
        for tid, j in (("countries", 1), ("durations", 0)):
            if tid in tables:
                same((tid, total_row(tid), j), (trend, tt, 2))
    if "data-quality" in tables:
        if year in tables:
            same(("data-quality", "Students without a valid registration date", 0), (year, "No registration date", 4))
        if prog in tables:
            same(("data-quality", "Students without a study programme", 0), (prog, "No study programme", 4))
    if year in tables:
        yt = total_row(year)
        if "categories" in tables:
            eqs.append([(1, ("categories", total_row("categories"), 0))] + [(-1, (year, yt, j)) for j in (0, 1, 2)])
        for tid, j in (("countries", 0), ("durations", 1)):
            if tid in tables:
                eqs.append([(1, (tid, total_row(tid), j))] + [(-1, (year, yt, k)) for k in (0, 1)])
    return cells, eqs, identities


def _is_hidden(value) -> bool:
    return isinstance(value, dict) and value.get("suppressed")


def _null_space(rows: list[list[Fraction]], n: int) -> list[list[Fraction]]:
    """A basis of the vectors x with rows . x = 0 (dense Gauss-Jordan)."""
    m = [r[:] for r in rows]
    pivots: list[int] = []
    rank = 0
    for col in range(n):
        pivot = next((i for i in range(rank, len(m)) if m[i][col] != 0), None)
        if pivot is None:
            continue
        m[rank], m[pivot] = m[pivot], m[rank]
        lead = m[rank][col]
        m[rank] = [a / lead for a in m[rank]]
        for i in range(len(m)):
            if i != rank and m[i][col] != 0:
                f = m[i][col]
                m[i] = [a - f * b for a, b in zip(m[i], m[rank])]
        pivots.append(col)
        rank += 1
    basis = []
    for free in (c for c in range(n) if c not in pivots):
        x = [Fraction(0)] * n
        x[free] = Fraction(1)
        for r, col in enumerate(pivots):
            x[col] = -m[r][free]
        basis.append(x)
    return basis


def recovered(doc: dict, min_count: int) -> dict[tuple, str]:
    """Suppressed cells the attacker pins to one value, and how."""
    cells, sums, identities = attacker_equations(doc)
    # The rule says: zeros read "<5" in a sum whose total reads "<5"; elsewhere "<5" is 1 or more.
    maybe_zero = {p for eq in sums if _is_hidden(cells.get(eq[0][1])) and cells[eq[0][1]]["shown"] == f"<{min_count}" for _, p in eq[1:]}
    eqs = sums + identities
    hidden = sorted({p for eq in eqs for _, p in eq if _is_hidden(cells.get(p))})
    index = {p: i for i, p in enumerate(hidden)}
    found: dict[tuple, str] = {}
    # 1. Linear algebra: e_i in the row space of the equations over the hidden cells.
    matrix = []
    for eq in eqs:
        row = [Fraction(0)] * len(hidden)
        for coef, p in eq:
            if p in index:
                row[index[p]] += coef
        if any(row):
            matrix.append(row)
    # A hidden cell is pinned when no change of the hidden cells that keeps every sum moves it.
    moves = _null_space(matrix, len(hidden)) if matrix else [[Fraction(1) if k == i else Fraction(0) for k in range(len(hidden))] for i in range(len(hidden))]
    for p, i in index.items():
        if all(v[i] == 0 for v in moves):
            found[p] = "subtraction"
    # 2. Intervals, narrowed by every equation until nothing changes.
    box = {}
    for p in hidden:
        v = cells[p]
        box[p] = [0 if p in maybe_zero else 1, min_count - 1] if v["shown"] == f"<{min_count}" else [min_count, INF]
    known = {p: v for p, v in cells.items() if isinstance(v, int)}
    for _ in range(200):
        changed = False
        for eq in eqs:
            if any(p not in known and p not in box for _, p in eq):
                continue  # a cell with no data (None): not a number
            for coef, p in eq:
                if p not in box:
                    continue
                lo = hi = 0.0
                for k, q in eq:
                    if q == p:
                        continue
                    a, b = (known[q], known[q]) if q in known else box[q]
                    lo, hi = (lo - k * b, hi - k * a) if k > 0 else (lo - k * a, hi - k * b)
                lo, hi = (lo / coef, hi / coef) if coef > 0 else (hi / coef, lo / coef)
                if lo > box[p][0]:
                    box[p][0], changed = lo, True
                if hi < box[p][1]:
                    box[p][1], changed = hi, True
        if not changed:
            break
    for p, (lo, hi) in box.items():
        if lo >= hi:
            found.setdefault(p, f"bounds ({lo}..{hi})")
    return found


# -- cohorts -----------------------------------------------------------------

COUNTRIES = ["DE", "FR", "ES", "JP", "US", "NO", "IT", "KE", "BR", "IN", "CN", "AU"]
PROGRAMMES = ["Medicine", "Law", "Nursing", "Biomedicine", "Physics", "History"]


def random_cohort(seed: int, n: int) -> list:
    """A skewed cohort: most students in a few programmes, countries and stages; a long tail of small groups."""
    rng = random.Random(seed)
    results = []
    for i in range(n):
        reg_year = rng.choice([2022, 2023, 2023, 2024, 2024, 2024])
        acts = []
        for _ in range(rng.choice([0, 1, 2, 3, 3, 4])):
            start = dt.date(reg_year, 10, 1) + dt.timedelta(days=rng.randrange(0, 700))
            end = start + dt.timedelta(days=rng.choice([2, 6, 20, 60, 150, 200]))
            if rng.random() < 0.45:
                country = COUNTRIES[min(int(rng.expovariate(0.5)), len(COUNTRIES) - 1)]
                acts.append(abroad(country, start.isoformat(), end.isoformat(), credits=rng.choice([None, 3, 7.5, 30])))
            else:
                acts.append(activity(rng.choice(["language-cafe", "mentoring", "virtual-exchange", "conference"]), start=start.isoformat(), end=end.isoformat()))
        stage = "registered" if not acts else rng.choice(["collecting", "collecting", "ready-for-review", "activities-approved", "report-submitted", "certified"])
        programme = PROGRAMMES[min(int(rng.expovariate(0.7)), len(PROGRAMMES) - 1)] if rng.random() > 0.03 else None
        registered = f"{reg_year}-09-{rng.randint(1, 28):02d}" if rng.random() > 0.03 else None
        results.append(student(f"r{seed}-{i}", stage, acts, registered=registered, programme=programme))
    return results


# -- tests ---------------------------------------------------------------------


def public_doc(results, settings: Settings | None = None) -> dict:
    stats = collect(results, default_programme(), as_of=AS_OF)
    return to_dict(suppress(stats, settings))


def test_the_attacker_breaks_primary_suppression_alone():
    """Without secondary suppression the attacker recovers cells: it is a real attack."""
    stats = collect(random_cohort(1, 60), default_programme(), as_of=AS_OF)
    public = suppress(stats)
    for f in public.figures:
        for t in f.tables:
            for r in t.rows:
                for c in r.cells:
                    if c.hidden == SECONDARY:
                        c.hidden = None
    doc = to_dict(public)
    assert recovered(doc, 5), "primary suppression alone should be breakable"


@pytest.mark.parametrize("seed, n", [(s, n) for s in range(8) for n in (25, 60, 150)])
def test_no_suppressed_cell_is_recovered(seed, n):
    doc = public_doc(random_cohort(seed, n))
    hidden = [1 for f in doc["figures"] for t in f["tables"] for r in t["rows"] for c in r["cells"] if _is_hidden(c)]
    assert hidden  # the cohorts have small groups
    assert recovered(doc, 5) == {}


@pytest.mark.parametrize("min_count", [3, 5, 10])
def test_threshold_is_configurable_and_respected(min_count):
    settings = Settings(min_count=min_count)
    doc = public_doc(random_cohort(11, 80), settings)
    assert doc["privacy"]["min_count"] == min_count
    for f in doc["figures"]:
        for t in f["tables"]:
            for r in t["rows"]:
                for c in r["cells"]:
                    # a published count is 0 or at least the threshold (student counts)
                    if isinstance(c, int) and t["id"] not in ("categories", "countries", "durations", "trend", "data-quality"):
                        assert c == 0 or c >= min_count, (t["id"], r["label"], c)
    assert recovered(doc, min_count) == {}


def test_programme_cannot_set_threshold_below_three():
    programme = Programme({**default_programme().data, "statistics": {"min_count": 1}}, "test")
    assert Settings.from_programme(programme).min_count == 3


def test_zero_stays_zero_and_exact_output_is_exact():
    results = [student(f"z{i}", "collecting", [activity()]) for i in range(7)] + [student("lone", "collecting", [abroad("FR")])]
    stats = collect(results, default_programme(), as_of=AS_OF)
    exact = to_dict(stats)
    doc = to_dict(suppress(stats))
    table = {t["id"]: t for f in doc["figures"] for t in f["tables"]}
    funnel = {r["label"]: r["cells"] for r in table["stage-funnel"]["rows"]}
    assert funnel["certified"][0] == 0  # a true zero is published
    exact_funnel = {r["label"]: r["cells"] for f in exact["figures"] for t in f["tables"] if t["id"] == "stage-funnel" for r in t["rows"]}
    assert exact_funnel["collecting"][0] == 8
    # the one student abroad: France is merged into Other, and Other (1 student) is <5
    countries = {r["label"]: r["cells"] for r in table["countries"]["rows"]}
    assert "FR" not in countries
    assert countries["Other countries"][0] == {"suppressed": True, "reason": "small", "shown": "<5"}


def test_rare_programmes_are_merged_before_suppression():
    results = [student(f"m{i}", programme="Medicine") for i in range(12)] + [student("a", programme="Astronomy"), student("b", programme="Botany")]
    doc = public_doc(results)
    rows = {r["label"] for f in doc["figures"] for t in f["tables"] if t["id"] == "home-abroad-by-programme" for r in t["rows"]}
    assert "Astronomy" not in rows and "Botany" not in rows
    assert "Other study programmes" in rows


def test_percentages_and_medians_need_enough_values():
    results = [student(f"p{i}", "collecting", [activity(start="2024-10-01", end="2024-10-02")]) for i in range(20)] + [student(f"q{i}", "registered") for i in range(5)]
    doc = public_doc(results)
    funnel = {r["label"]: r["cells"] for f in doc["figures"] for t in f["tables"] if t["id"] == "stage-funnel" for r in t["rows"]}
    assert funnel["collecting"][2] == 80.0  # 20 of 25: denominator 25 >= 23
    assert funnel["ready-for-review"][2]["reason"] == "few-values"  # 0 of 20: denominator 20 < 23
    assert funnel["registered"][3] == 17  # median over 20 students: 2024-09-15 to 2024-10-02
    doc = public_doc(results, Settings(min_percent_denominator=30, min_median_count=21))
    funnel = {r["label"]: r["cells"] for f in doc["figures"] for t in f["tables"] if t["id"] == "stage-funnel" for r in t["rows"]}
    assert funnel["collecting"][2] == {"suppressed": True, "reason": "few-values", "shown": "too few"}
    assert funnel["registered"][3] == {"suppressed": True, "reason": "few-values", "shown": "too few"}


# -- the rule on hand-built tables ---------------------------------------------


def grid(values: list[list[int]]) -> tuple[list[list[Cell]], list[Cell], list[Cell], Cell, list[Equation]]:
    """A table of student counts with row totals, column totals and a grand total."""
    cells = [[Cell(v) for v in row] for row in values]
    row_tot = [Cell(sum(row)) for row in values]
    col_tot = [Cell(sum(col)) for col in zip(*values)]
    grand = Cell(sum(map(sum, values)))
    eqs = [Equation(row_tot[i], cells[i]) for i in range(len(values))]
    eqs += [Equation(col_tot[j], [cells[i][j] for i in range(len(values))]) for j in range(len(values[0]))]
    eqs += [Equation(grand, row_tot), Equation(grand, col_tot)]
    return cells, row_tot, col_tot, grand, eqs


def all_cells(eqs: list[Equation]) -> list[Cell]:
    seen = {}
    for eq in eqs:
        for c in eq.cells:
            seen[id(c)] = c
    return list(seen.values())


def brute_force_recovers(eqs: list[Equation], min_count: int) -> set[int]:
    """Indexes of hidden cells that take one value in every assignment consistent with the published sums.

    Every assignment of whole numbers is tried: "<5" cells over 1..4, "hidden"
    cells from 5 up to the largest published number (no count exceeds the
    grand total). A cell that is the last unknown of a sum is computed, not
    enumerated, so only the free dimensions are searched.
    """
    hidden = [c for c in all_cells(eqs) if c.hidden]
    cap = max(c.value for c in all_cells(eqs) if not c.hidden)
    maybe_zero = {id(p) for eq in eqs if eq.whole.hidden == SMALL for p in eq.parts}
    ranges = [range(0 if id(c) in maybe_zero else 1, min_count) if c.hidden == SMALL else range(min_count, cap + 1) for c in hidden]
    pos = {id(c): i for i, c in enumerate(hidden)}
    seen: list[set[int]] = [set() for _ in hidden]
    terms = [[(1, eq.whole)] + [(-1, p) for p in eq.parts] for eq in eqs]

    def walk(assign: dict[int, int]) -> None:
        # Sums with one unknown left force it; with none left they must hold.
        for eq in terms:
            unknown = [(k, c) for k, c in eq if c.hidden and pos[id(c)] not in assign]
            rest = sum(k * (assign[pos[id(c)]] if c.hidden else c.value) for k, c in eq if not (c.hidden and pos[id(c)] not in assign))
            if not unknown:
                if rest != 0:
                    return
            elif len(unknown) == 1:
                k, c = unknown[0]
                value = -rest * k
                if value not in ranges[pos[id(c)]]:
                    return
                walk({**assign, pos[id(c)]: value})
                return
        free = next((i for i in range(len(hidden)) if i not in assign), None)
        if free is None:
            for i, v in assign.items():
                seen[i].add(v)
            return
        for v in ranges[free]:
            walk({**assign, free: v})

    walk({})
    return {i for i, s in enumerate(seen) if len(s) == 1}


@pytest.mark.parametrize(
    "values",
    [
        [[3, 10, 20]],  # one small cell: a second one must go
        [[1, 1, 30], [10, 12, 14]],  # two 1s in a row: together they are pinned by bounds
        [[2, 9, 9], [9, 2, 9], [9, 9, 2]],  # a diagonal of small cells
        [[0, 3, 15], [12, 0, 8]],  # zeros stay, but the one under a column total of <5
        [[1, 1, 0], [0, 0, 9], [7, 8, 9]],  # a row of <5 whose parts are all 1
        [[1, 1, 1, 1, 0], [9, 9, 9, 9, 9]],
        [[4, 40], [40, 40]],
    ],
)
def test_rule_on_small_tables_survives_brute_force(values):
    cells, row_tot, col_tot, grand, eqs = grid(values)
    suppress_cells(all_cells(eqs), eqs, Settings())
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            if 0 < v < 5:
                assert cells[i][j].hidden == SMALL
            if v == 0:
                # a zero reads 0, unless its row or column total reads <5 (then it reads <5 too)
                small_line = 0 < sum(values[i]) < 5 or 0 < sum(r[j] for r in values) < 5
                assert bool(cells[i][j].hidden) == small_line
    hidden = [c for c in all_cells(eqs) if c.hidden]
    assert len(hidden) >= 2
    assert brute_force_recovers(eqs, 5) == set()


def test_brute_force_is_a_real_attack():
    """Primary suppression alone: the search finds every small cell of [[3, 10, 20], [10, 2, 10]] from the totals."""
    cells, row_tot, col_tot, grand, eqs = grid([[3, 10, 20], [10, 2, 10]])
    cells[0][0].hidden = cells[1][1].hidden = SMALL
    assert brute_force_recovers(eqs, 5) == {0, 1}
    # and with one cell more hidden in each line it finds nothing
    cells[0][1].hidden = cells[1][0].hidden = SECONDARY
    assert brute_force_recovers(eqs, 5) == set()


def test_two_linked_cycles_are_audited():
    """Every row and column has two hidden cells, yet the cell bridging two cycles is pinned: the audit hides more."""
    values = [
        [2, 2, 50, 50, 50],
        [2, 2, 60, 50, 50],
        [50, 50, 2, 2, 50],
        [50, 50, 2, 2, 50],
    ]
    cells, row_tot, col_tot, grand, eqs = grid(values)
    # the bridge: make row 1 / column 2 carry one more hidden cell by hand, as a naive rule would
    for c in all_cells(eqs):
        c.hidden = None
    for i, j in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]:
        cells[i][j].hidden = SMALL if values[i][j] < 5 else SECONDARY
    from cim_cli.stats.privacy import determined

    assert cells[1][2] in determined(eqs)  # the bridge is pinned by linear algebra
    cells2, _, _, _, eqs2 = grid(values)
    suppress_cells(all_cells(eqs2), eqs2, Settings())
    from cim_cli.stats.privacy import pinned_by_bounds

    assert determined(eqs2) == [] and pinned_by_bounds(eqs2, 5) == []
