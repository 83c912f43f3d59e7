"""Benchmark cases for running at the speed of the change (issue 11), each beside its floor.

Used by ``run.py --only rev,changed,jobs,export``; each case returns rows of
(case, measured, floor, target ratio or None). Every pair is measured
interleaved on the same files (a warm-up of each, then a, b, a, b...), so
the ratio holds even when the machine's other load drifts; CPU time (all processes, ``wait4``) is in
brackets and depends much less on that load.

* ``rev``: ``cim batch ROOT --rev HEAD`` against ``cim batch ROOT`` of the
  same clean work tree (target at most 1.5x).
* ``changed``: ``cim batch ROOT --changed-since HEAD`` with 1 and with 101
  portfolios changed (a line appended to a reflection) against ``cim
  validate`` of exactly those portfolios (target at most 3x, plus the diff).
* ``jobs``: the default number of jobs against ``--jobs 1``, on the machine
  as it is and with every CPU kept busy by spinning processes this script
  starts and stops (target: the default never more than 1.05x ``--jobs 1``
  when busy).
* ``export``: ``cim export ROOT --format html -o DIR`` (a page per portfolio
  and the index) against ``cim batch ROOT`` (the floor: the same checks
  without pages).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

Row = tuple[str, object, object, "float | None"]


def pair(measure: Callable, runs: int, a: tuple[str, list[str]], b: tuple[str, list[str]]) -> tuple[object, object]:
    """Measure two commands interleaved: a warm-up of each, then a, b, a, b...

    On a shared machine the load drifts within minutes; alternating the runs
    lets both commands see the same drift, so their ratio means something.
    """
    first = measure(a[0], [a[1]], runs=0)
    second = measure(b[0], [b[1]], runs=0)
    for _ in range(runs):
        for m, cmd in ((first, a[1]), (second, b[1])):
            one = measure(m.label, [cmd], runs=1, warmup=False)
            if one.error:
                m.error = one.error
            m.runs += one.runs
            m.cpu += one.cpu
    for m in (first, second):
        m.best = min(m.runs) if m.runs else None
    return first, second


def _git(root: Path, *args: str) -> str:
    import generate

    return subprocess.run(["git", *args], cwd=root, env=generate.git_environment(), check=True, capture_output=True, text=True).stdout


def case_rev(cim: list[str], root: Path, measure: Callable, runs: int) -> list[Row]:
    rows = []
    for jobs in (["--jobs", "1"], []):
        label = " --jobs 1" if jobs else ""
        rev, plain = pair(measure, runs, (f"cim batch --rev HEAD{label}", [*cim, "batch", str(root), "--format", "json", "--rev", "HEAD", *jobs]),
                          (f"cim batch{label}", [*cim, "batch", str(root), "--format", "json", *jobs]))
        rows.append((f"`batch --rev HEAD{label}` vs `batch{label}`", rev, plain, 1.5))
    return rows


def _change(root: Path, count: int) -> list[str]:
    """Append a line to one reflection of ``count`` portfolios spread over the cohort; their folders."""
    folders = sorted(p.parent for p in root.glob("*/student.yaml"))
    step = max(1, len(folders) // count)
    chosen = folders[::step][:count]
    for folder in chosen:
        reflection = sorted((folder / "reflections").glob("*.md"))[0]
        with open(reflection, "a", encoding="utf-8") as fh:
            fh.write("\nOne more thought after the exchange.\n")
    return [str(f) for f in chosen]


def case_changed(cim: list[str], root: Path, measure: Callable, runs: int) -> list[Row]:
    rows = []
    for count in (1, 101):
        try:
            chosen = _change(root, count)
            changed, alone = pair(measure, runs, (f"cim batch --changed-since HEAD ({count} changed)", [*cim, "batch", str(root), "--format", "json", "--changed-since", "HEAD"]),
                                  (f"cim validate of those {count}", [*cim, "validate", *chosen, "--format", "json"]))
            rows.append((f"`batch --changed-since HEAD`, {count} changed, vs `validate` of the {count}", changed, alone, 3.0))
        finally:
            _git(root, "checkout", "-q", "--", ".")
    return rows


def _spin(n: int) -> list[subprocess.Popen]:
    """``n`` processes that keep a CPU busy each (this script's own; stopped by :func:`_stop`)."""
    # Each stops by itself when this script is gone (even killed), so none is left spinning.
    spin = "import os, sys\nparent = int(sys.argv[1])\nwhile os.getppid() == parent:\n    pass\n"
    return [subprocess.Popen([sys.executable, "-c", spin, str(os.getpid())]) for _ in range(n)]


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.kill()
    for proc in procs:
        proc.wait()


def case_jobs(cim: list[str], root: Path, measure: Callable, runs: int) -> list[Row]:
    import time

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    rows = []
    batch = [*cim, "batch", str(root), "--format", "json"]
    default, one = pair(measure, runs, ("cim batch (default jobs), machine as it is", batch), ("cim batch --jobs 1, machine as it is", [*batch, "--jobs", "1"]))
    rows.append((f"default jobs vs `--jobs 1`, machine as it is (load {os.getloadavg()[0]:.1f} on {cpus} CPUs)", default, one, None))
    spinners = _spin(cpus)
    try:
        time.sleep(20)  # let the 1-minute load average see the spinners
        load = os.getloadavg()[0]
        default, one = pair(measure, runs, ("cim batch (default jobs), every CPU busy", batch), ("cim batch --jobs 1, every CPU busy", [*batch, "--jobs", "1"]))
        two, one_again = pair(measure, runs, (f"cim batch --jobs {cpus}, every CPU busy", [*batch, "--jobs", str(cpus)]), ("cim batch --jobs 1, every CPU busy", [*batch, "--jobs", "1"]))
    finally:
        _stop(spinners)
    rows.append((f"default jobs vs `--jobs 1`, {cpus} spinning processes added (load {load:.1f})", default, one, 1.05))
    rows.append((f"`--jobs {cpus}` (the old default) vs `--jobs 1`, {cpus} spinning processes added", two, one_again, None))
    return rows


def case_export(cim: list[str], root: Path, measure: Callable, runs: int) -> list[Row]:
    out = Path(tempfile.mkdtemp(prefix="cim-bench-export-"))
    try:
        export, batch = pair(measure, runs, ("cim export ROOT --format html -o DIR", [*cim, "export", str(root), "--format", "html", "-o", str(out / "site")]),
                             ("cim batch ROOT", [*cim, "batch", str(root), "--format", "json"]))
        pages = sum(1 for p in (out / "site").glob("*.html") if p.name != "index.html")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return [(f"`export ROOT --format html -o DIR` ({pages:,} pages and the index) vs `batch ROOT`", export, batch, None)]


CASES: dict[str, Callable] = {"rev": case_rev, "changed": case_changed, "jobs": case_jobs, "export": case_export}


def render(rows: list[Row], ratio: Callable, header: str) -> str:
    out = [header, "", "| case | measured | floor | ratio (cpu) | target | |", "|---|---:|---:|---:|---:|---|"]
    for case, m, floor, target in rows:
        r = m.best / floor.best if m.best and floor.best else None
        verdict = "" if target is None or r is None else ("met" if r <= target else "**missed**")
        out.append(f"| {case} | {m.shown()} | {floor.shown()} | {ratio(m, floor)} | {'' if target is None else f'≤ {target:g}x'} | {verdict} |")
    return "\n".join(out) + "\n"
