"""Table: one row per portfolio for administrators, then a summary by stage.

Without colour the rows are plain, fixed-width text columns, written as each
result comes (long cells are cut with ``…``), so the output pipes cleanly into
``grep``/``less`` and holds no ANSI codes. With colour (``context.color``) a
rich table is rendered at the end; it keeps one small row per portfolio until
then, never the findings themselves.

The last column is the portfolio's folder, whole: two folders with the same
student id would otherwise look identical. A student id found in more than
one folder is listed after the summary, since one student should have one
portfolio.

Student text (id, name, folder) is made printable first: control characters would
break the columns or, worse, smuggle terminal escape sequences, and bidi
controls would reorder the line.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import TextIO

from cim_cli.findings import STAGES, PortfolioResult
from cim_cli.reporters import BaseReporter, ReportContext, short_digest
from cim_cli.textsafe import visible

# (header, width, align) for the plain variant; "<" left, ">" right. Text
# cells are cut to fit, numbers never. Student ids get room to stay whole (an
# administrator looks students up by id); a row is then about 90 columns.
_COLUMNS: tuple[tuple[str, int, str], ...] = (
    ("STUDENT", 16, "<"),
    ("NAME", 18, "<"),
    ("STAGE", 16, "<"),
    ("ACTS", 5, ">"),
    ("H/A", 5, ">"),
    ("WORDS", 5, ">"),
    ("ERR", 4, ">"),
    ("WARN", 4, ">"),
)
# Added when different programme files judged the run: the file's number in the legend.
_PROGRAMME_COLUMN = ("PROG", 4, ">")
# Always last and never cut (width 0: as wide as it is).
_FOLDER_COLUMN = ("FOLDER", 0, "<")
_GAP = "  "
_MISSING = "-"

# Bidirectional formatting characters (Trojan-Source style reordering).
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str | None) -> str:
    """``text`` safe to show in one terminal cell: one line, controls made visible.

    Through :func:`cim_cli.textsafe.visible` (every human reporter's one
    place), then without the bidi marks that visible leaves.
    """
    if not text:
        return _MISSING
    cleaned = "".join(ch for ch in visible(text) if ch not in _BIDI).strip()
    return cleaned or _MISSING


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal (wide East Asian characters count 2)."""
    return sum(_char_width(ch) for ch in text)


def fit(text: str, width: int, align: str = "<") -> str:
    """``text`` padded to ``width`` display columns; left-aligned (text) cells
    that are too long are cut with ``…``, right-aligned (numbers) never."""
    if align == "<" and display_width(text) > width:
        kept, used = [], 0
        for ch in text:
            w = _char_width(ch)
            if used + w > width - 1:
                break
            kept.append(ch)
            used += w
        text = "".join(kept) + "…"
    pad = " " * (width - display_width(text))
    return text + pad if align == "<" else pad + text


def row_cells(result: PortfolioResult) -> tuple[str, ...]:
    """The table cells of one portfolio, as display strings."""
    return (
        printable(result.student_id),
        printable(result.name),
        result.stage,
        f"{result.counting_activities}/{result.required_activities}",
        f"{result.counting_home}/{result.counting_abroad}",
        _MISSING if result.report_words is None else str(result.report_words),
        str(result.errors),
        str(result.warnings),
    )


def summary_line(stages: Counter) -> str:
    """``3 portfolios: 1 ready-for-review, 1 collecting, 1 registered``.

    Stages are listed from the most advanced down; stages unknown to this
    version (added later) come first, most advanced presumed, by name.
    """
    total = sum(stages.values())
    head = f"{total} portfolio" + ("" if total == 1 else "s")
    if not total:
        return head
    known = [s for s in reversed(STAGES) if stages.get(s)]
    unknown = sorted(s for s in stages if s not in STAGES and stages[s])
    parts = [f"{stages[s]} {s}" for s in unknown + known]
    return f"{head}: {', '.join(parts)}"


def programme_legend(context: ReportContext) -> list[str]:
    """``programme 1: PATH (sha256 …)`` for each programme file of a run judged by several."""
    if context.single_programme is not None:
        return []
    return [f"programme {i}: {short_digest(ref)}" for i, ref in enumerate(context.programmes, 1)]


class Reporter(BaseReporter):
    def __init__(self, out: TextIO, context: ReportContext) -> None:
        super().__init__(out, context)
        self._stages: Counter = Counter()
        self._rows: list[tuple[str, ...]] = []
        self._header_written = False
        # Several programme files: each row says which one judged it (a number, see the legend).
        self._numbers = {ref: str(i) for i, ref in enumerate(context.programmes, 1)} if context.single_programme is None else None
        self._columns = _COLUMNS + ((_PROGRAMME_COLUMN,) if self._numbers is not None else ()) + (_FOLDER_COLUMN,)
        # student id -> folders, to flag one student with several portfolios
        self._folders: dict[str, list[str]] = {}

    def add(self, result: PortfolioResult) -> None:
        self._stages[result.stage] += 1
        cells = row_cells(result)
        if self._numbers is not None:
            cells += (self._numbers.get(result.programme, "?"),)
        folder = printable(result.path)
        cells += (folder,)
        if result.student_id:
            self._folders.setdefault(result.student_id, []).append(folder)
        if self.context.color:
            # Rich lays out the whole table at once; keep only the small row.
            self._rows.append(cells)
            return
        if not self._header_written:
            self._write_plain([h for h, _, _ in self._columns])
            self._header_written = True
        self._write_plain(cells)

    def _write_plain(self, cells) -> None:
        line = _GAP.join(fit(c, w, a) if w else c for c, (_, w, a) in zip(cells, self._columns))
        self.out.write(line.rstrip() + "\n")

    def duplicates(self) -> list[str]:
        """One line per student id found in more than one folder."""
        return [
            f"student id {printable(sid)} is in {len(folders)} folders: {', '.join(folders)}"
            for sid, folders in sorted(self._folders.items())
            if len(folders) > 1
        ]

    def end(self) -> None:
        summary = summary_line(self._stages)
        legend = programme_legend(self.context) + self.duplicates()
        if not self.context.color:
            if self._header_written:
                self.out.write("\n")
            self.out.write(summary + "\n")
            for line in legend:
                self.out.write(line + "\n")
            return
        self._render_rich(summary, legend)

    def _render_rich(self, summary: str, legend: list[str]) -> None:
        from rich import box
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        console = Console(file=self.out, force_terminal=True, no_color=False, highlight=False)
        table = Table(box=box.SIMPLE_HEAD, header_style="bold", show_edge=False, pad_edge=False)
        titles = [h.title() if h not in ("H/A", "PROG") else h for h, _, _ in self._columns]
        # Every column but the name gets what its cells need (a student id at
        # most 16); the name what is left of the line (at least 8), cut with ….
        needed = [
            max([display_width(t)] + [display_width(row[i]) for row in self._rows])
            for i, t in enumerate(titles)
        ]
        needed[0] = min(needed[0], 16)
        needed[-1] = min(needed[-1], 24)  # the folder gets more only when the line has room
        gaps = 3 * (len(titles) - 1)  # separator and padding between columns
        room = console.width - gaps - sum(needed) + needed[1]
        name_width = max(min(8, needed[1]), min(needed[1], room))
        # The folder takes what is left of the line (its full width when there is room).
        folder_needed = max([display_width(titles[-1])] + [display_width(row[-1]) for row in self._rows])
        folder_width = max(needed[-1], min(folder_needed, console.width - gaps - sum(needed[:-1]) + needed[1] - name_width))
        widths = [name_width if i == 1 else needed[i] for i in range(len(titles) - 1)] + [folder_width]
        for i, (title, (_, _, align)) in enumerate(zip(titles, self._columns)):
            table.add_column(
                title,
                justify="left" if align == "<" else "right",
                no_wrap=True,
                overflow="ellipsis",
                min_width=widths[i],
                max_width=widths[i],
            )
        for cells in self._rows:
            student, name, stage, acts, home_abroad, words, errors, warnings = cells[:8]
            table.add_row(
                # Text, not str: student text must never be read as rich markup.
                Text(student),
                Text(name),
                Text(stage, style="green" if stage == STAGES[-1] else ""),
                Text(acts),
                Text(home_abroad),
                Text(words),
                Text(errors, style="bold red" if errors != "0" else ""),
                Text(warnings, style="yellow" if warnings != "0" else ""),
                *(Text(c) for c in cells[8:-1]),
                Text(cells[-1], style="dim"),
            )
        if self._rows:
            console.print(table)
        console.print(Text(summary))
        for line in legend:
            console.print(Text(line, style="yellow" if line.startswith("student id") else ""))
