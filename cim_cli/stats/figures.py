"""The nine figures of ``cim stats``, built from a :class:`CohortStats`.

Every count of students counts distinct students (a student with two
portfolios under the same student id is counted once: the first in path
order). Activities are the activities that count (a record without errors,
evidence, a long enough reflection, enough engagements), unless a figure
says otherwise (data quality counts every record).

Built with ``public=True``, open-ended labels where few students stand
behind a row (countries, study programmes) are merged into an "Other" row
first, as the privacy rule asks; the small-cell rule itself is applied
afterwards by :func:`cim_cli.stats.privacy.suppress`.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict

from cim_cli.findings import STAGES
from cim_cli.stats.collect import QUALITY, CohortStats, StudentRecord, academic_year, academic_year_label
from cim_cli.stats.model import Cell, Chart, Equation, Figure, Row, Table

# How far a portfolio is, per partition of figure 2.
KINDS = ("both", "abroad-only", "home-only", "none")
KIND_LABELS = ("Abroad and at home", "Abroad only", "At home only", "Nothing counts yet")

# (lowest, highest or None, label) of an activity's length in days, first and last day included.
DURATION_BANDS = (
    (1, 7, "1-7 days"),
    (8, 30, "8-30 days"),
    (31, 90, "31-90 days (1-3 months)"),
    (91, 180, "91-180 days (3-6 months)"),
    (181, None, "181 days or more"),
)
# (above, up to or None, label): total credits of a student's counting activities.
CREDIT_BANDS = (
    (0.0, 5.0, "More than 0, up to 5"),
    (5.0, 15.0, "More than 5, up to 15"),
    (15.0, 30.0, "More than 15, up to 30"),
    (30.0, None, "More than 30"),
)
# Stages that wait for someone else's approval, and what they wait for.
WAITING = (
    ("ready-for-review", "Approval of the activities (ready for review)"),
    ("report-submitted", "Approval of the report (report submitted)"),
    ("presented", "The certificate (presented)"),
)
WAIT_BANDS = ((0, 14, "Up to 14 days"), (15, 30, "15-30 days"), (31, 60, "31-60 days"), (61, None, "61 days or more"))

OTHER_COUNTRIES = "Other countries"
OTHER_PROGRAMMES = "Other study programmes"


class _Cells:
    """Makes cells; a ``key`` names a number several tables show, and gives the same Cell."""

    def __init__(self) -> None:
        self.by_key: dict[str, Cell] = {}

    def count(self, value: int, students: int | None = None, key: str | None = None) -> Cell:
        if key is not None:
            found = self.by_key.get(key)
            if found is not None:
                if found.value != value or found.students != students:
                    raise AssertionError(f"cim stats: {key} is {found.value} in one table and {value} in another")
                return found
        cell = Cell(value, "count", students, key)
        if key is not None:
            self.by_key[key] = cell
        return cell


def median_cell(values: list[float], students: int) -> Cell:
    """A median over ``values`` (None when there are none)."""
    return Cell(statistics.median(values) if values else None, "median", students, n=len(values))


def percent_cell(numerator: Cell, denominator: Cell) -> Cell:
    den = denominator.value or 0
    return Cell(None if not den else 100.0 * (numerator.value or 0) / den, "percent", of=(numerator, denominator), n=int(den))


def stage_dates(student: StudentRecord, requirements: dict) -> dict[str, dt.date]:
    """The day the student reached each stage up to the current one, where it is known.

    ``registered``: the registration date. ``collecting``: the earliest day an
    activity that counts ended (its start when it has no end).
    ``ready-for-review``: the day the last activity the requirements needed
    ended, taking the counting activities in the order they ended. Those are
    the earliest days the portfolio can have reached the stage (a reflection
    may have been written later), so times waiting since are upper bounds.
    Later stages: the dates signed records carry (``stage_dates``). A stage
    never comes before the one it follows.
    """
    dates: dict[str, dt.date] = {}
    if student.registered:
        dates["registered"] = student.registered
    done = sorted(((a.end or a.start), a.abroad) for a in student.activities if (a.end or a.start))
    if done:
        dates["collecting"] = done[0][0]
        need = int(requirements.get("min_activities", 3))
        need_home, need_abroad = int(requirements.get("min_home", 0)), int(requirements.get("min_abroad", 0))
        home = abroad = 0
        for i, (day, is_abroad) in enumerate(done, 1):
            abroad += is_abroad
            home += not is_abroad
            if i >= need and home >= need_home and abroad >= need_abroad:
                dates["ready-for-review"] = day
                break
    dates.update(student.stage_dates)
    reached = STAGES.index(student.stage)
    out: dict[str, dt.date] = {}
    previous: dt.date | None = None
    for stage in STAGES[: reached + 1]:
        day = dates.get(stage)
        if day is not None and previous is not None and day < previous:
            day = previous
        if day is not None:
            out[stage] = day
            previous = day
        # An unknown date breaks the chain only for that stage.
    return out


def waiting_since(dates: dict[str, dt.date], stage: str) -> dt.date | None:
    """The day from which a student at ``stage`` has waited: that stage's day or, unknown, the latest earlier one.

    A report is submitted no earlier than the activities were approved, so
    the activities approval's day bounds a submission whose day is unknown;
    the wait counted from it is the longest it can be.
    """
    for s in reversed(STAGES[: STAGES.index(stage) + 1]):
        if s in dates:
            return dates[s]
    return None


def _kind(student: StudentRecord) -> str:
    abroad = any(a.abroad for a in student.activities)
    home = any(not a.abroad for a in student.activities)
    return "both" if abroad and home else "abroad-only" if abroad else "home-only" if home else "none"


def _grouped_rows(labels: dict[str, list[StudentRecord]], *, public: bool, min_count: int, other: str) -> list[tuple[str, list[StudentRecord], bool]]:
    """Rows of (label, students, is_group) sorted by label; in public, small groups merged into ``other``."""
    rows, rest = [], []
    for label in sorted(labels, key=str.casefold):
        members = labels[label]
        if public and len(members) < min_count:
            rest.extend(members)
        else:
            rows.append((label, members, False))
    if rest:
        rows.append((other, rest, True))
    return rows


class _Builder:
    def __init__(self, stats: CohortStats, public: bool) -> None:
        self.stats = stats
        self.public = public
        self.s = stats.settings
        self.cells = _Cells()
        self.students = stats.students
        self.kind = {st.key: _kind(st) for st in self.students}
        self.dates = {st.key: stage_dates(st, stats.requirements) for st in self.students}
        start = self.s.academic_year_start
        self.ay_label = lambda year: academic_year_label(year, start)
        self.reg_year = {st.key: (academic_year(st.registered, start) if st.registered else None) for st in self.students}

    # Numbers several figures share, made once under their key.
    def all_students(self) -> Cell:
        return self.cells.count(len(self.students), key="students.all")

    def kind_total(self, kind: str) -> Cell:
        return self.cells.count(sum(1 for k in self.kind.values() if k == kind), key=f"students.kind={kind}")

    def activities(self, which: str) -> Cell:
        acts = [(st.key, a) for st in self.students for a in st.activities if which == "all" or a.abroad == (which == "abroad")]
        return self.cells.count(len(acts), len({k for k, _ in acts}), key=f"activities.{which}")

    def students_with(self, which: str) -> Cell:
        """Distinct students with an activity that counts: ``active`` (any), ``abroad``."""
        keys = {st.key for st in self.students for a in st.activities if which == "active" or a.abroad}
        return self.cells.count(len(keys), key=f"students.{which}")

    def shared_equations(self) -> list[Equation]:
        """Sums that hold across figures (so they are checked together)."""
        kinds = {k: self.kind_total(k) for k in KINDS}
        return [
            Equation(self.all_students(), list(kinds.values())),
            Equation(self.students_with("active"), [kinds["both"], kinds["abroad-only"], kinds["home-only"]]),
            Equation(self.students_with("abroad"), [kinds["both"], kinds["abroad-only"]]),
            Equation(self.activities("all"), [self.activities("home"), self.activities("abroad")]),
        ]

    # -- 1 ------------------------------------------------------------------
    def funnel(self) -> Figure:
        at = Counter(st.stage for st in self.students)
        at_cells = [self.cells.count(at[s], key=f"students.stage={s}") for s in STAGES]
        nothing = self.kind_total("none")
        if at["registered"] == nothing.value:
            # "registered" means nothing counts yet: one number, shown in two figures.
            at_cells[0] = nothing
        reached_cells: list[Cell] = []
        running = 0
        values = []
        for s in reversed(STAGES):
            running += at[s]
            values.append(running)
        values.reverse()
        active = self.students_with("active")
        for i, s in enumerate(STAGES):
            if i == 0:
                cell = self.all_students()
            elif s == "collecting" and values[i] == active.value:
                # Equal numbers are one number: hidden in one place, hidden in both.
                cell = active
            else:
                cell = self.cells.count(values[i], key=f"students.reached={s}")
            reached_cells.append(cell)
        equations = [Equation(reached_cells[i], [at_cells[i]] + ([reached_cells[i + 1]] if i + 1 < len(STAGES) else [])) for i in range(len(STAGES))]
        rows = []
        for i, s in enumerate(STAGES):
            conversion = percent_cell(reached_cells[i], reached_cells[i - 1]) if i else Cell(None, "percent")
            if i + 1 < len(STAGES):
                spans = [(d[STAGES[i + 1]] - d[s]).days for d in self.dates.values() if s in d and STAGES[i + 1] in d]
                median = median_cell([float(x) for x in spans], len(spans))
            else:
                median = Cell(None, "median")
            rows.append(Row(s, [at_cells[i], reached_cells[i], conversion, median]))
        table = Table(
            "stage-funnel",
            "Students at each stage",
            "Stage",
            ["Students at this stage", "Reached this stage or later", "Of those who reached the stage before (%)", "Median days at this stage"],
            rows,
            equations,
            Chart("funnel", "Students who reached each stage", (1,)),
        )
        return Figure(
            1,
            "stage-funnel",
            "The stage funnel",
            "How many students are at each stage now, how many got at least that far, what share of those who reached "
            "one stage went on to the next, and the median days between reaching a stage and reaching the next "
            "(over the students for whom both days are known; registration date, the days activities ended, and the dates approvals carry).",
            "distinct students",
            [table],
        )

    # -- 2 ------------------------------------------------------------------
    def _home_abroad_table(self, id: str, title: str, header: str, rows_in: list[tuple[str, list[StudentRecord], bool]], row_key) -> Table:
        columns = list(KIND_LABELS) + ["Total"]
        rows: list[Row] = []
        equations: list[Equation] = []
        by_column: list[list[Cell]] = [[] for _ in KINDS]
        for label, members, group in rows_in:
            counts = Counter(self.kind[st.key] for st in members)
            cells = [self.cells.count(counts[k]) for k in KINDS]
            total = self.cells.count(len(members), key=row_key(label, group))
            equations.append(Equation(total, cells))
            for j, c in enumerate(cells):
                by_column[j].append(c)
            rows.append(Row(label, cells + [total], group=group))
        col_totals = [self.kind_total(k) for k in KINDS]
        grand = self.all_students()
        equations += [Equation(col_totals[j], by_column[j]) for j in range(len(KINDS))]
        equations.append(Equation(grand, [r.cells[-1] for r in rows]))
        rows.append(Row("Total", col_totals + [grand], total=True))
        return Table(id, title, header, columns, rows, equations, Chart("bars", title, (0, 1, 2, 3)))

    def home_abroad(self) -> Figure:
        by_year: dict[str, list[StudentRecord]] = defaultdict(list)
        unknown = []
        for st in self.students:
            year = self.reg_year[st.key]
            (by_year[self.ay_label(year)] if year is not None else unknown).append(st)
        year_rows = [(label, by_year[label], False) for label in sorted(by_year)]
        if unknown:
            year_rows.append(("No registration date", unknown, True))
        years = self._home_abroad_table(
            "home-abroad-by-year",
            "Students at home and abroad, by cohort year",
            "Cohort (academic year of registration)",
            year_rows,
            lambda label, group: "students.ay=none" if group else f"students.ay={label}",
        )
        spellings: dict[str, Counter] = defaultdict(Counter)
        members: dict[str, list[StudentRecord]] = defaultdict(list)
        none = []
        for st in self.students:
            if st.study_programme is None:
                none.append(st)
                continue
            fold = st.study_programme.casefold()
            spellings[fold][st.study_programme] += 1
            members[fold].append(st)
        labelled = {spellings[f].most_common(1)[0][0]: m for f, m in members.items()}
        prog_rows = _grouped_rows(labelled, public=self.public, min_count=self.s.min_count, other=OTHER_PROGRAMMES)
        if none:
            prog_rows.append(("No study programme", none, True))
        programmes = self._home_abroad_table(
            "home-abroad-by-programme",
            "Students at home and abroad, by study programme",
            "Study programme",
            prog_rows,
            lambda label, group: f"students.programme-group={label}" if group else f"students.programme={label.casefold()}",
        )
        return Figure(
            2,
            "home-abroad",
            "Home and abroad",
            "Each student once, by where their activities that count took place: abroad and at home, only abroad, "
            "only at home, or none that counts yet. The cohort year is the academic year in which the student registered.",
            "distinct students",
            [years, programmes],
        )

    # -- 3 ------------------------------------------------------------------
    def categories(self) -> Figure:
        per: dict[str, list[str]] = defaultdict(list)
        for st in self.students:
            for a in st.activities:
                cat = a.category if a.category in self.stats.catalogue else None
                per[cat].append(st.key)
        rows, parts = [], []
        order = list(self.stats.catalogue) + ([None] if per.get(None) else [])
        for cat in order:
            keys = per.get(cat, [])
            students = self.cells.count(len(set(keys)))
            acts = self.cells.count(len(keys), len(set(keys)))
            parts.append(acts)
            label = self.stats.catalogue[cat]["title"] if cat else "Not in the catalogue"
            rows.append(Row(label, [students, acts], group=cat is None))
        total_acts = self.activities("all")
        rows.append(Row("Total (distinct students)", [self.students_with("active"), total_acts], total=True))
        table = Table(
            "categories",
            "Students and activities per category",
            "Category",
            ["Students", "Activities that count"],
            rows,
            [Equation(total_acts, parts)],
            Chart("bars", "Students with an activity that counts, per category", (0,)),
            note="A student with activities in several categories is counted in each; the total counts them once.",
        )
        return Figure(
            3,
            "categories",
            "Categories of the catalogue",
            "For each category of the programme's catalogue: how many students have at least one activity that counts in it, and how many such activities there are.",
            "distinct students; activities",
            [table],
        )

    # -- 4 ------------------------------------------------------------------
    def countries(self) -> Figure:
        per: dict[str, list[str]] = defaultdict(list)
        missing: list[str] = []
        for st in self.students:
            for a in st.activities:
                if a.abroad:
                    (per[a.country] if a.country else missing).append(st.key)
        ranked = sorted(per, key=lambda c: (-len(set(per[c])), c))
        rows, parts = [], []
        rest: list[str] = []
        shown: list[str] = []
        for code in ranked:
            keys = per[code]
            if self.public and len(set(keys)) < self.s.min_count:
                rest.extend(keys)
                continue
            shown.append(code)
        for code in shown:
            keys = per[code]
            acts = self.cells.count(len(keys), len(set(keys)))
            parts.append(acts)
            rows.append(Row(code, [self.cells.count(len(set(keys))), acts]))
        for label, keys in ((OTHER_COUNTRIES, rest), ("Country missing", missing)):
            if keys:
                acts = self.cells.count(len(keys), len(set(keys)))
                parts.append(acts)
                rows.append(Row(label, [self.cells.count(len(set(keys))), acts], group=True))
        total_acts = self.activities("abroad")
        rows.append(Row("Total (distinct students)", [self.students_with("abroad"), total_acts], total=True))
        top = shown[: self.s.top_countries]
        beyond = {k for code in shown[self.s.top_countries :] for k in per[code]} | set(rest)
        extra = ((OTHER_COUNTRIES, self.cells.count(len(beyond))),) if beyond else ()
        chart = Chart("bars", f"Students per destination country (top {self.s.top_countries}, the rest as Other)", (0,), tuple(range(len(top))), extra)
        table = Table(
            "countries",
            "Destination countries",
            "Country (ISO 3166 code)",
            ["Students", "Activities abroad"],
            rows,
            [Equation(total_acts, parts)],
            chart,
            note="A student who went to several countries is counted in each; the total counts them once."
            + (f" Countries with fewer than {self.s.min_count} students are grouped as {OTHER_COUNTRIES}." if self.public else ""),
        )
        return Figure(
            4,
            "countries",
            "Destination countries",
            "Where the activities abroad that count took place, by the country code in the record.",
            "distinct students; activities abroad",
            [table],
        )

    # -- 5 ------------------------------------------------------------------
    def durations(self) -> Figure:
        bands: list[list[str]] = [[] for _ in DURATION_BANDS]
        unknown: list[str] = []
        lengths: list[float] = []
        length_students: set[str] = set()
        for st in self.students:
            for a in st.activities:
                if not a.abroad:
                    continue
                if a.start is None or a.end is None:
                    unknown.append(st.key)
                    continue
                days = (a.end - a.start).days + 1
                lengths.append(float(days))
                length_students.add(st.key)
                for i, (low, high, _) in enumerate(DURATION_BANDS):
                    if days >= low and (high is None or days <= high):
                        bands[i].append(st.key)
                        break
        rows, parts = [], []
        for (_, _, label), keys in zip(DURATION_BANDS, bands):
            acts = self.cells.count(len(keys), len(set(keys)))
            parts.append(acts)
            rows.append(Row(label, [acts, self.cells.count(len(set(keys)))]))
        if unknown:
            acts = self.cells.count(len(unknown), len(set(unknown)))
            parts.append(acts)
            rows.append(Row("Start or end missing", [acts, self.cells.count(len(set(unknown)))], group=True))
        total = self.activities("abroad")
        rows.append(Row("Total (distinct students)", [total, self.students_with("abroad")], total=True))
        table = Table(
            "durations",
            "Length of activities abroad",
            "Length (first and last day included)",
            ["Activities abroad", "Students"],
            rows,
            [Equation(total, parts)],
            Chart("bars", "Activities abroad by length", (0,), tuple(range(len(DURATION_BANDS)))),
        )
        summary = Table(
            "durations-median",
            "Median length of an activity abroad",
            "Measure",
            ["Days"],
            [Row("Median length of an activity abroad", [median_cell(lengths, len(length_students))])],
        )
        return Figure(
            5,
            "durations",
            "Length of activities abroad",
            "How long the activities abroad that count lasted, from their start and end dates.",
            "activities abroad (and their distinct students)",
            [table, summary],
        )

    # -- 6 ------------------------------------------------------------------
    def credits(self) -> Figure:
        totals = {st.key: sum(a.credits for a in st.activities) for st in self.students}
        none = [k for k, v in totals.items() if v <= 0]
        parts = [self.cells.count(len(none))]
        rows = [Row("No credits", [parts[0]])]
        for low, high, label in CREDIT_BANDS:
            n = sum(1 for v in totals.values() if v > low and (high is None or v <= high))
            parts.append(self.cells.count(n))
            rows.append(Row(label, [parts[-1]]))
        grand = self.all_students()
        rows.append(Row("Total", [grand], total=True))
        table = Table(
            "credits",
            "Students by credits earned in activities that count",
            "ECTS credits",
            ["Students"],
            rows,
            [Equation(grand, parts)],
            Chart("bars", "Students by credits earned", (0,)),
        )
        with_credits = [v for v in totals.values() if v > 0]
        summary = Table(
            "credits-median",
            "Median credits",
            "Measure",
            ["Credits"],
            [Row("Median credits of the students who have any", [median_cell(with_credits, len(with_credits))])],
        )
        return Figure(
            6,
            "credits",
            "Credits per student",
            "The ECTS credits each student's activities that count carry in total (the records' credits field).",
            "distinct students",
            [table, summary],
        )

    # -- 7 ------------------------------------------------------------------
    def trend(self) -> Figure:
        start = self.s.academic_year_start
        registered: dict[int | None, int] = Counter(self.reg_year.values())
        acts: dict[int | None, dict[str, list[str]]] = defaultdict(lambda: {"home": [], "abroad": []})
        for st in self.students:
            for a in st.activities:
                year = academic_year(a.start, start) if a.start else None
                acts[year]["abroad" if a.abroad else "home"].append(st.key)
        years = sorted({y for y in list(registered) + list(acts) if y is not None})
        rows: list[Row] = []
        columns: list[list[Cell]] = [[], [], []]
        for year in years + ([None] if None in registered or None in acts else []):
            label = self.ay_label(year) if year is not None else "No date"
            reg = self.cells.count(registered.get(year, 0), key=f"students.ay={label}" if year is not None else "students.ay=none")
            home = acts[year]["home"] if year in acts else []
            abroad = acts[year]["abroad"] if year in acts else []
            home_c = self.cells.count(len(home), len(set(home)))
            abroad_c = self.cells.count(len(abroad), len(set(abroad)))
            active = self.cells.count(len(set(home) | set(abroad)))
            for j, c in enumerate((reg, home_c, abroad_c)):
                columns[j].append(c)
            rows.append(Row(label, [reg, home_c, abroad_c, active], group=year is None))
        totals = [self.all_students(), self.activities("home"), self.activities("abroad"), self.students_with("active")]
        rows.append(Row("Total", totals, total=True))
        equations = [Equation(totals[j], columns[j]) for j in range(3)]
        table = Table(
            "trend",
            "Registrations and activities per academic year",
            "Academic year",
            ["Students registered", "Activities at home", "Activities abroad", "Students with an activity"],
            rows,
            equations,
            Chart("bars", "Registrations and activities per academic year", (0, 1, 2), tuple(i for i, r in enumerate(rows) if not r.total and not r.group)),
            note=f"An academic year starts on {start[1]} {dt.date(2000, start[0], 1):%B}; an activity belongs to the year in which it started.",
        )
        return Figure(
            7,
            "trend",
            "The trend across academic years",
            "New registrations, and activities that count by the academic year in which they started, at home and abroad.",
            "distinct students; activities",
            [table],
        )

    # -- 8 ------------------------------------------------------------------
    def backlog(self) -> Figure:
        rows, equations, medians = [], [], []
        for stage, label in WAITING:
            waiting = [st for st in self.students if st.stage == stage]
            bands = [0] * (len(WAIT_BANDS) + 1)
            days_list: list[float] = []
            for st in waiting:
                since = waiting_since(self.dates[st.key], stage)
                if since is None or since > self.stats.as_of:
                    bands[-1] += 1
                    continue
                days = (self.stats.as_of - since).days
                days_list.append(float(days))
                for i, (low, high, _) in enumerate(WAIT_BANDS):
                    if days >= low and (high is None or days <= high):
                        bands[i] += 1
                        break
            cells = [self.cells.count(n) for n in bands]
            total = self.cells.count(len(waiting), key=f"students.stage={stage}")
            equations.append(Equation(total, cells))
            rows.append(Row(label, cells + [total]))
            medians.append(Row(label, [median_cell(days_list, len(days_list))]))
        table = Table(
            "backlog",
            "Students waiting, by days since they reached the stage",
            "Waiting for",
            [label for _, _, label in WAIT_BANDS] + ["Since unknown", "Total"],
            rows,
            equations,
            Chart("bars", "Students waiting for an approval", (len(WAIT_BANDS) + 1,)),
            note=f"Days counted to {self.stats.as_of.isoformat()}.",
        )
        summary = Table("backlog-median", "Median days waiting", "Waiting for", ["Median days"], medians)
        return Figure(
            8,
            "backlog",
            "The review backlog",
            "Portfolios waiting for staff: for approval of the activities, of the report, or for the certificate, and for how long. "
            "Ready for review counts from the day the last activity the requirements needed ended (the portfolio cannot have been "
            "ready earlier, so the wait shown is the longest it can be); report submitted from the day the activities were approved "
            "(the report's own day is not recorded); presented from the day the presentation approval carries. "
            "Where no day is known the wait is 'since unknown'.",
            "distinct students",
            [table, summary],
        )

    # -- 9 ------------------------------------------------------------------
    def quality(self) -> Figure:
        rows = []
        # The same students as a row of figure 2: one number, hidden in both places or in neither.
        same_as = {"no-registered": "students.ay=none", "no-study-programme": "students.programme-group=No study programme"}
        for problem, (label, over) in QUALITY.items():
            n = self.stats.quality.get(problem, 0)
            if problem in same_as:
                count = self.cells.count(n, key=same_as[problem])
            else:
                count = self.cells.count(n, self.stats.quality_students.get(problem, 0))
            rows.append(Row(label, [count, Cell(None, "count") if over == "students" else self.cells.count(self.stats.quality_students.get(problem, 0))]))
        table = Table(
            "data-quality",
            "Problems that distort the numbers",
            "Problem",
            ["Count", "Students"],
            rows,
            note="Counts of portfolios, students or activity records (every record, counting or not), as the row says. "
            "Run cim batch ROOT to see each problem with its file and line.",
        )
        return Figure(
            9,
            "data-quality",
            "Data quality",
            "Problems in the portfolios that make the figures above less exact. Fix them with the students, then run cim stats again.",
            "as each row says",
            [table],
            notes=["See each problem with: cim batch ROOT"],
        )

    def build(self) -> tuple[list[Figure], list[Equation]]:
        figures = [self.funnel(), self.home_abroad(), self.categories(), self.countries(), self.durations(), self.credits(), self.trend(), self.backlog(), self.quality()]
        return figures, self.shared_equations()


def build_figures(stats: CohortStats, *, public: bool) -> list[Figure]:
    """The nine figures with exact numbers (public: rare countries and programmes merged)."""
    return build_with_equations(stats, public=public)[0]


def build_with_equations(stats: CohortStats, *, public: bool) -> tuple[list[Figure], list[Equation]]:
    """The figures, and the sums that hold across figures."""
    return _Builder(stats, public).build()
