"""Benchmark cases for running at the speed of the change (issue 11), each beside its floor.

Used by ``run.py --only rev,changed,jobs,export``; each case returns rows of
(case, measured, floor, target ratio or None). Every pair is measured back
to back on the same files, so the ratio holds even when the machine's other
load changes between cases; CPU time (all processes, ``wait4``) is in
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


def _git(root: Path, *args: str) -> str:
    import generate

    return subprocess.run(["git", *args], cwd=root, env=generate.git_environment(), check=True, capture_output=True, text=True).stdout


def case_rev(cim: list[str], root: Path, measure: Callable, runs: int) -> list[Row]:
    rows = []
    for jobs in (["--jobs", "1"], []):
        label = " --jobs 1" if jobs else ""
        plain = measure(f"cim batch{label}", [[*cim, "batch", str(root), "--format", "json", *jobs]], runs=runs)
        rev = measure(f"cim batch --rev HEAD{label}", [[*cim, "batch", str(root), "--format", "json", "--rev", "HEAD", *jobs]], runs=runs)
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
            changed = measure(f"cim batch --changed-since HEAD ({count} changed)", [[*cim, "batch", str(root), "--format", "json", "--changed-since", "HEAD"]], runs=runs)
            alone = measure(f"cim validate of those {count}", [[*cim, "validate", *chosen, "--format", "json"]], runs=runs)
            rows.append((f"`batch --changed-since HEAD`, {count} changed, vs `validate` of the {count}", changed, alone, 3.0))
        finally:
            _git(root, "checkout", "-q", "--", ".")
    return rows


def _spin(n: int) -> list[subprocess.Popen]:
    """``n`` processes that keep a CPU busy each (this script's own; stopped by :func:`_stop`)."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.kill()
    for proc in procs:
        proc.wait()


def case_jobs(cim: list[str], root: Path, measure: Callable, runs: int) -> list[Row]:
    import time

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    rows = []
    default = measure("cim batch (default jobs), machine as it is", [[*cim, "batch", str(root), "--format", "json"]], runs=runs)
    one = measure("cim batch --jobs 1, machine as it is", [[*cim, "batch", str(root), "--format", "json", "--jobs", "1"]], runs=runs)
    rows.append((f"default jobs vs `--jobs 1`, machine as it is (load {os.getloadavg()[0]:.1f} on {cpus} CPUs)", default, one, None))
    spinners = _spin(cpus)
    try:
        time.sleep(20)  # let the 1-minute load average see the spinners
        load = os.getloadavg()[0]
        default = measure("cim batch (default jobs), every CPU busy", [[*cim, "batch", str(root), "--format", "json"]], runs=runs)
        one = measure("cim batch --jobs 1, every CPU busy", [[*cim, "batch", str(root), "--format", "json", "--jobs", "1"]], runs=runs)
        two = measure(f"cim batch --jobs {cpus}, every CPU busy", [[*cim, "batch", str(root), "--format", "json", "--jobs", str(cpus)]], runs=runs)
    finally:
        _stop(spinners)
    rows.append((f"default jobs vs `--jobs 1`, {cpus} spinning processes added (load {load:.1f})", default, one, 1.05))
    rows.append((f"`--jobs {cpus}` vs `--jobs 1`, {cpus} spinning processes added (the old default)", two, one, None))
    return rows


def case_export(cim: list[str], root: Path, measure: Callable, runs: int) -> list[Row]:
    out = Path(tempfile.mkdtemp(prefix="cim-bench-export-"))
    try:
        export = measure("cim export ROOT --format html -o DIR", [[*cim, "export", str(root), "--format", "html", "-o", str(out / "site")]], runs=runs)
        pages = sum(1 for p in (out / "site").glob("*.html"))
        batch = measure("cim batch ROOT", [[*cim, "batch", str(root), "--format", "json"]], runs=runs)
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
