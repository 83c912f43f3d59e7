"""Benchmark cim against a floor and against check-jsonschema, on the same files.

    python benchmarks/run.py [--large] [--sizes 500,2000] [--runs 3] [--profile]

For each cohort size (500 and 2,000 portfolios of 5 activities; 5,000 with
``--large``) it generates a cohort under ``benchmarks/out/`` (or reuses one
made earlier with the same arguments) and measures, on those files:

(a) the floor (``benchmarks/floor.py``): one Python process that reads every
    file once, parses the YAML with libyaml's C loader and counts markdown
    words with a regex;
(b) ``cim batch ROOT --format json`` with the default number of jobs and with
    ``--jobs 1`` (stdout to /dev/null);
(c) ``check-jsonschema --schemafile schemas/activity.schema.json`` over every
    activity file (schema only; split into several command lines when one
    would be too long, and the times summed);
(d) ``cim validate`` of one portfolio, start to finish, best of 10, with the
    top imports of ``python -X importtime`` as a diagnostic;
(e) ``cim stats ROOT --format json`` and ``cim stats ROOT --public --format
    html`` beside ``cim batch`` (same discovery and pool: same speed class).

Wall time is the best of ``--runs`` runs after one warm-up run (so that every
tool reads from the same warm page cache). Peak memory is measured in the
warm-up run by sampling the whole process tree every 50 ms (so a pool's
workers count) and by ``wait4``'s ``ru_maxrss`` (the largest single process).
Prints a markdown table and writes it to ``benchmarks/results.md``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (benchmarks/ is not a package)

BIN = Path(sys.executable).parent
SCHEMA = REPO / "schemas" / "activity.schema.json"
TARGETS = {"cim/floor": 1.5, "check-jsonschema/cim": 5.0, "memory_mb": 200.0, "validate_one_s": 0.25}


# ---------------------------------------------------------------------------
# Running and measuring one command.


@dataclass
class Memory:
    """Peak memory of a command's process tree, in KiB, from samples of /proc every 50 ms."""

    tree_pss: int = 0  # max over samples of the sum of Pss over the tree (shared pages divided among their users)
    tree_rss: int = 0  # max over samples of the sum of VmRSS (counts pages shared by forked workers once per process)
    max_single: int = 0  # the largest VmHWM (peak RSS since exec) of any one process of the tree
    processes: int = 1  # most processes seen at once


@dataclass
class Measure:
    """The outcome of one measured command."""

    label: str
    best: float | None = None  # seconds of wall time, best of the timed runs
    runs: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system seconds of each timed run, children included
    memory: Memory | None = None
    returncode: int | None = None
    error: str | None = None  # why there is no number

    @property
    def best_cpu(self) -> float | None:
        return min(self.cpu) if self.cpu else None

    def shown(self) -> str:
        if self.error:
            return f"n/a ({self.error})"
        if self.best is None:
            return "n/a"
        return f"{self.best:.2f} s (cpu {self.best_cpu:.1f} s)" if self.best_cpu is not None and self.best >= 1 else f"{self.best:.3f} s"


def _proc_children() -> dict[int, list[int]]:
    """ppid -> pids, from /proc (this kernel has no /proc/PID/task/TID/children)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(b")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def _tree(root: int) -> list[int]:
    children = _proc_children()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def _fields_kb(path: str, names: tuple[bytes, ...]) -> dict[bytes, int]:
    found = {}
    try:
        with open(path, "rb") as fh:
            for line in fh:
                for name in names:
                    if line.startswith(name):
                        found[name] = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return found


def sample_tree(root: int) -> tuple[int, int, int, int]:
    """(sum of Pss, sum of VmRSS, largest VmHWM, number of processes) over the tree under ``root``, KiB."""
    pss = rss = hwm = n = 0
    for pid in _tree(root):
        status = _fields_kb(f"/proc/{pid}/status", (b"VmRSS:", b"VmHWM:"))
        if status.get(b"VmRSS:"):
            n += 1
            rss += status[b"VmRSS:"]
            hwm = max(hwm, status.get(b"VmHWM:", 0))
            pss += _fields_kb(f"/proc/{pid}/smaps_rollup", (b"Pss:",)).get(b"Pss:", 0)
    return pss, rss, hwm, n


def run_once(cmd: list[str], *, cwd: str | None = None, memory: bool = False) -> tuple[float, float, int, Memory | None, str]:
    """Run ``cmd`` once, stdout to /dev/null: (wall s, cpu s, exit code, memory, stderr tail).

    CPU time (user + system, of the command and every child it waited for)
    comes from ``wait4``; it is what a run costs whatever else the machine
    is doing. ``wait4``'s ``ru_maxrss`` is not used for memory: after a fork
    it starts from the size of the parent (this script), so it overstates
    small commands; the sampled VmHWM does not.
    """
    with tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
        mem = Memory(processes=0) if memory else None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG if memory else 0)
            if pid:
                break
            pss, rss, hwm, n = sample_tree(proc.pid)
            mem.tree_pss, mem.tree_rss = max(mem.tree_pss, pss), max(mem.tree_rss, rss)
            mem.max_single, mem.processes = max(mem.max_single, hwm), max(mem.processes, n)
            time.sleep(0.05)
        elapsed = time.perf_counter() - began
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
    return elapsed, usage.ru_utime + usage.ru_stime, code, mem, tail


def measure(label: str, cmds: list[list[str]], *, runs: int, expect: tuple[int, ...] = (0, 1), cwd: str | None = None, warmup: bool = True) -> Measure:
    """Warm-up run (with memory sampling), then ``runs`` timed runs; ``cmds`` run one after another and add up."""
    m = Measure(label)
    total_mem = Memory(processes=0)
    for cmd in cmds if warmup else ():  # warm-up, measuring memory
        _, _, code, mem, tail = run_once(cmd, cwd=cwd, memory=True)
        m.returncode = max(m.returncode or 0, code)
        if code not in expect:
            m.error = f"exit {code}"
            print(f"  {label}: exit {code}\n{tail}", file=sys.stderr)
            return m
        total_mem.tree_pss = max(total_mem.tree_pss, mem.tree_pss)
        total_mem.tree_rss = max(total_mem.tree_rss, mem.tree_rss)
        total_mem.max_single = max(total_mem.max_single, mem.max_single)
        total_mem.processes = max(total_mem.processes, mem.processes)
    m.memory = total_mem if warmup else None
    for _ in range(runs):
        wall = cpu = 0.0
        for cmd in cmds:
            w, c, *_ = run_once(cmd, cwd=cwd)
            wall, cpu = wall + w, cpu + c
        m.runs.append(wall)
        m.cpu.append(cpu)
    if not m.runs:
        return m
    m.best = min(m.runs)
    peak = (
        f"peak {total_mem.tree_pss / 1024:.0f} MiB PSS / {total_mem.tree_rss / 1024:.0f} MiB RSS over {total_mem.processes} process(es), "
        f"largest process {total_mem.max_single / 1024:.0f} MiB; " if warmup else ""
    )
    print(
        f"  {label}: best {m.best:.2f} s of {', '.join(f'{t:.2f}' for t in m.runs)} (cpu {', '.join(f'{t:.1f}' for t in m.cpu)}); "
        f"{peak}load {os.getloadavg()[0]:.2f}",
        file=sys.stderr,
    )
    return m


# ---------------------------------------------------------------------------
# The tools.


def cim_command() -> list[str]:
    exe = BIN / "cim"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cim_cli"]


def has_batch() -> bool:
    """Whether this cim has the batch command yet."""
    proc = subprocess.run([*cim_command(), "batch", "--help"], capture_output=True)
    return proc.returncode == 0


def has_stats() -> bool:
    """Whether this cim has the stats command yet."""
    return subprocess.run([*cim_command(), "stats", "--help"], capture_output=True).returncode == 0


# check-jsonschema's own entry point, with rfc3987_syntax blocked as cim blocks
# it (cim_cli/validation.py): jsonschema imports that module eagerly whenever
# it is installed (a leftover of jsonschema[format-nongpl] here) and it costs
# seconds of start-up. Neither tool checks an IRI format, so blocking it is
# only fair; where the module is not installed this changes nothing.
_CJS_MAIN = (
    "import sys; sys.modules.setdefault('rfc3987_syntax', None); "
    "sys.argv[0] = 'check-jsonschema'; from check_jsonschema import main; sys.exit(main())"
)


def check_jsonschema_command() -> list[str] | None:
    """How to run check-jsonschema: through this Python when it is installed here, else from PATH."""
    probe = subprocess.run([sys.executable, "-c", "import check_jsonschema"], capture_output=True)
    if probe.returncode == 0:
        return [sys.executable, "-c", _CJS_MAIN]
    found = shutil.which("check-jsonschema")
    return [found] if found else None


def activity_files(root: Path) -> list[str]:
    return sorted(str(p) for p in root.glob("*/activities/*.yaml"))


def split_command_lines(head: list[str], files: list[str]) -> list[list[str]]:
    """``head + files`` split into command lines that fit the kernel's ARG_MAX (with room for the environment)."""
    budget = os.sysconf("SC_ARG_MAX") // 2 - sum(len(k) + len(v) + 2 for k, v in os.environ.items())
    budget -= sum(len(a) + 1 + 8 for a in head)
    lines, current, size = [], [], 0
    for f in files:
        cost = len(f) + 1 + 8  # the string, its NUL, its pointer
        if current and size + cost > budget:
            lines.append(head + current)
            current, size = [], 0
        current.append(f)
        size += cost
    if current:
        lines.append(head + current)
    return lines


def ensure_cohort(out: Path, students: int, activities: int, seed: int, layout: str = "monorepo") -> Path:
    """The cohort for these arguments under ``out``, generated unless an identical one is there."""
    root = out / (f"cohort-{students}x{activities}-seed{seed}" + ("" if layout == "monorepo" else f"-{layout}"))
    manifest = generate.read_manifest(root)
    wanted = {"generator_version": generate.GENERATOR_VERSION, "students": students, "activities": activities, "seed": seed, "layout": layout}
    if manifest and all(manifest.get(k) == v for k, v in wanted.items()):
        if layout != "git" or not subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True).stdout:
            return root
    if root.exists():
        shutil.rmtree(root)
    began = time.perf_counter()
    generate.generate(root, students, activities, seed, layout=layout)
    print(f"generated {root} in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    return root


def importtime_top(cmd_args: list[str], n: int = 12) -> list[tuple[str, float, float]]:
    """(module, self ms, cumulative ms) of the slowest imports by cumulative time."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "cim_cli", *cmd_args], capture_output=True, text=True)
    rows = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            rows.append((m.group(4), int(m.group(1)) / 1000, int(m.group(2)) / 1000, len(m.group(3)) // 2))
    # Top-level and second-level imports only: deeper ones are inside these.
    rows = [r for r in rows if r[3] <= 2]
    rows.sort(key=lambda r: -r[2])
    return [(name, s, c) for name, s, c, _ in rows[:n]]


def profile_batch(root: Path, out: Path, top: int = 25) -> str:
    """cProfile of ``cim batch ROOT --jobs 1`` (of ``cim validate`` over every portfolio without batch).

    Returns two listings: cim's own functions by cumulative time, and every
    function by its own (internal) time. The full profile stays in
    ``out/profile-batch.prof`` for ``python -m pstats``.
    """
    prof = out / "profile-batch.prof"
    # Warm the page cache first (the floor reads every file), so the profile shows work, not disk waits.
    subprocess.run([sys.executable, str(HERE / "floor.py"), str(root)], stdout=subprocess.DEVNULL)
    args = ["batch", str(root), "--format", "json", "--jobs", "1"] if has_batch() else ["validate", *sorted(str(p.parent) for p in root.glob("*/student.yaml")), "--format", "json"]
    subprocess.run([sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "cim_cli", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import io
    import pstats

    text = io.StringIO()
    stats = pstats.Stats(str(prof), stream=text)
    text.write(f"cim's own functions by cumulative time (top {top}):\n")
    stats.sort_stats("cumulative").print_stats(r"/cim_cli/", top)
    text.write(f"\nAll functions by internal time (top {top}):\n")
    stats.sort_stats("tottime").print_stats(top)
    site = str(Path(__import__("yaml").__file__).parent.parent) + os.sep
    lines = []
    for line in text.getvalue().replace(str(REPO) + os.sep, "").replace(site, "").splitlines():
        if line.strip() and not line.lstrip().startswith(("List reduced", "Ordered by")) and str(prof) not in line:
            lines.append(line)
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# The report.


def machine() -> str:
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            model = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model or platform.machine()}), Linux {platform.release()}, Python {platform.python_version()}"


def commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "")
    except OSError:
        return "unknown"


def ratio(a: Measure, b: Measure) -> str:
    """a / b in wall time, and in CPU time in brackets."""
    if a.best is None or b.best is None or not b.best:
        return "n/a"
    cpu = f" ({a.best_cpu / b.best_cpu:.2f}x cpu)" if a.best_cpu and b.best_cpu else ""
    return f"{a.best / b.best:.2f}x{cpu}"


def mib(m: Measure) -> str:
    if m.memory is None:
        return "n/a"
    mem = m.memory
    return f"{mem.tree_pss / 1024:.0f} MiB ({mem.tree_rss / 1024:.0f} RSS; {mem.processes} proc, largest {mem.max_single / 1024:.0f})"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def render(rows: list[dict], single: dict, imports: list, profile: tuple[int, str] | None, batch_available: bool, args, load_end: str, commit_start: str) -> str:
    commit_end = commit()
    at_commit = f"cim at commit {commit_end}" if commit_end == commit_start else f"**cim changed during the run**: commit {commit_start} at the start, {commit_end} at the end"
    out = [
        "# cim benchmark results",
        "",
        f"Measured {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')} on {machine()}; load average at the end {load_end}; {at_commit}.",
        "",
        f"Cohorts of portfolios with {args.activities} activities each (seed {args.seed}, about 20 files per portfolio). "
        f"Times are wall clock, best of {args.runs} runs after a warm-up run; in brackets the CPU time (user + system, all processes) "
        "of the same run, which depends much less than wall time on what else the machine runs. "
        "Memory is the peak over the whole process tree, sampled every 50 ms: the sum of PSS (pages shared by forked workers divided among them), "
        "in brackets the sum of RSS (shared pages counted once per process) and the largest single process (VmHWM).",
        "",
    ]
    if not batch_available:
        out += ["`cim batch` is not available in this checkout yet: its columns read n/a.", ""]
    out += [
        "| portfolios | files | floor | cim batch | cim batch --jobs 1 | check-jsonschema | cim / floor | cim --jobs 1 / floor | check-jsonschema / cim |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {r['students']:,} | {r['files']:,} | {r['floor'].shown()} | {r['batch'].shown()} | {r['batch1'].shown()} | {r['cjs'].shown()} "
            f"| {ratio(r['batch'], r['floor'])} | {ratio(r['batch1'], r['floor'])} | {ratio(r['cjs'], r['batch'])} |"
        )
    out += ["", "| portfolios | peak memory: floor | cim batch | cim batch --jobs 1 | check-jsonschema |", "|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['students']:,} | {mib(r['floor'])} | {mib(r['batch'])} | {mib(r['batch1'])} | {mib(r['cjs'])} |")
    out += ["", "| portfolios | cim batch | cim stats --format json | cim stats --public --format html | stats / batch |", "|---:|---:|---:|---:|---:|"]
    for r in rows:
        if "stats" in r:
            out.append(f"| {r['students']:,} | {r['batch'].shown()} | {r['stats'].shown()} | {r['stats_public'].shown()} | {ratio(r['stats'], r['batch'])} |")
    v = single["validate"]
    out += [""]
    if v.runs:
        out.append(
            f"`cim validate` of one portfolio (a clean one with a report; start to finish, best of {len(v.runs)}): **{v.best:.3f} s** "
            f"(median {statistics.median(v.runs):.3f} s, cpu {v.best_cpu:.2f} s); for scale, `cim --version`: {single['version'].shown()}, "
            f"`python -c pass`: {single['python'].shown()}."
        )
    else:
        out.append(f"`cim validate` of one portfolio: {v.shown()}.")
    out += ["", "## Targets", "", "| target (2,000 portfolios of 5 activities) | measured | |", "|---|---|---|"]
    at = next((r for r in rows if r["students"] == 2000), rows[-1] if rows else None)
    if at:
        b, f, c = at["batch"], at["floor"], at["cjs"]
        cf = b.best / f.best if b.best and f.best else None
        jc = c.best / b.best if c.best and b.best else None
        out.append(f"| cim batch at most {TARGETS['cim/floor']}x the floor ({at['students']:,}) | {ratio(b, f)} | {verdict(None if cf is None else cf <= TARGETS['cim/floor'])} |")
        out.append(f"| at least {TARGETS['check-jsonschema/cim']:.0f}x faster than check-jsonschema ({at['students']:,}) | {ratio(c, b)} | {verdict(None if jc is None else jc >= TARGETS['check-jsonschema/cim'])} |")
        peaks = [(r["students"], r["batch"].memory) for r in rows if r["batch"].memory]
        if peaks:
            shown = " → ".join(f"{m.tree_pss / 1024:.0f} ({m.tree_rss / 1024:.0f} RSS)" for _, m in peaks) + " MiB at " + " → ".join(f"{n:,}" for n, _ in peaks)
            under = max(m.tree_pss for _, m in peaks) / 1024 < TARGETS["memory_mb"]
            # Flat: growing the cohort n-fold adds less than a quarter (plus 10 MiB of noise), far from n-fold.
            flat = len(peaks) < 2 or peaks[-1][1].tree_pss <= peaks[0][1].tree_pss * 1.25 + 10 * 1024
            out.append(f"| peak memory under {TARGETS['memory_mb']:.0f} MB and flat as the cohort grows | {shown} | {verdict(under and flat)} |")
    vt = v.best
    out.append(f"| cim validate of one portfolio at most {TARGETS['validate_one_s']} s | {v.shown()} | {verdict(None if vt is None else vt <= TARGETS['validate_one_s'])} |")
    if at and at["batch"].best_cpu and at["floor"].best_cpu and at["cjs"].best_cpu:
        cores = os.cpu_count() or 1
        ideal = at["batch"].best_cpu / cores
        out += [
            "",
            f"Wall times depend on the other load of the machine (see the load average above): a pool of {cores} workers only helps when {cores} cores are free. "
            f"An estimate for free cores, from the CPU times: cim batch needs {at['batch'].best_cpu:.1f} CPU seconds, i.e. about {ideal:.1f} s on {cores} free cores, "
            f"which would be {ideal / at['floor'].best_cpu:.2f}x the floor's {at['floor'].best_cpu:.1f} s and {at['cjs'].best_cpu / ideal:.1f}x faster than check-jsonschema's {at['cjs'].best_cpu:.1f} s "
            "(an estimate, not a measurement: the targets above are judged on the measured wall times).",
        ]
    out += ["", "## Slowest imports of `cim validate` (python -X importtime, cumulative)", "", "| module | self ms | cumulative ms |", "|---|---:|---:|"]
    out += [f"| {name} | {s:.0f} | {c:.0f} |" for name, s, c in imports] or ["| (python -X importtime printed nothing: see the command's errors) | | |"]
    if profile:
        size, listing = profile
        out += ["", f"## Profile of `cim batch --jobs 1` on {size:,} portfolios (cProfile; warm page cache)", "",
                "cProfile's per-call overhead inflates code with many small calls; `benchmarks/stages.py` gives the proportions without it.", "", "```", listing, "```"]
    return "\n".join(out) + "\n"


def run_change_cases(args, only: set[str], size: int) -> None:
    """The cases of benchmarks/change.py on a cohort committed to git, written to --change-results."""
    import change

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cim = cim_command()
    commit_start = commit()
    root = ensure_cohort(out, size, args.activities, args.seed, layout="git")
    print(f"{machine()}; load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}; cohort {root}", file=sys.stderr)
    rows = []
    for name, case in change.CASES.items():
        if name in only:
            rows += case(cim, root, measure, args.runs)
    load_end = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    header = (
        "# Running at the speed of the change\n\n"
        f"Measured {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')} on {machine()}; load average at the end {load_end}; cim at commit {commit_start}. "
        f"A cohort of {size:,} portfolios with {args.activities} activities each, committed to one git repository. "
        f"Wall time, best of {args.runs} runs after a warm-up run; in brackets CPU time (user + system of every process). "
        "Each case and its floor are measured interleaved (a warm-up of each, then one run of each in turn); on a shared machine compare the ratios (and the CPU ratios), not the seconds."
    )
    text = change.render(rows, ratio, header)
    print(text)
    Path(args.change_results).write_text(text, encoding="utf-8")
    print(f"written to {args.change_results}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="500,2000", help="cohort sizes, comma-separated (default 500,2000)")
    parser.add_argument("--large", action="store_true", help="also 5,000 portfolios")
    parser.add_argument("--activities", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="timed runs after the warm-up (best is reported)")
    parser.add_argument("--out", default=str(HERE / "out"), help="where cohorts are generated (default benchmarks/out, git-ignored)")
    parser.add_argument("--results", default=str(HERE / "results.md"), help="markdown file for the results")
    parser.add_argument("--no-check-jsonschema", action="store_true", help="skip check-jsonschema (the slowest part)")
    parser.add_argument("--profile", action="store_true", help="also profile cim batch --jobs 1 on the smallest cohort (cProfile)")
    parser.add_argument("--only", default=None, help="comma-separated subset: batch (the table above), rev, changed, jobs, export")
    parser.add_argument("--change-size", type=int, default=None, help="portfolios in the cohort of the rev/changed/jobs/export cases (default: the largest of --sizes)")
    parser.add_argument("--change-results", default=str(HERE / "results-change.md"), help="markdown file for the rev/changed/jobs/export cases")
    args = parser.parse_args(argv)
    import change

    only = set(args.only.split(",")) if args.only else {"batch", *change.CASES}
    unknown = only - {"batch", *change.CASES}
    if unknown:
        parser.error(f"unknown --only case(s): {', '.join(sorted(unknown))}")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if only & set(change.CASES):
        run_change_cases(args, only, args.change_size or max(sizes))
    if "batch" not in only:
        return 0

    if args.large and 5000 not in sizes:
        sizes.append(5000)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cim = cim_command()
    commit_start = commit()
    batch_available = has_batch()
    cjs = None if args.no_check_jsonschema else check_jsonschema_command()
    if cjs is None and not args.no_check_jsonschema:
        print("check-jsonschema is not installed: pip install check-jsonschema (the bench extra); its column reads n/a", file=sys.stderr)
    print(f"{machine()}; load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}", file=sys.stderr)

    rows = []
    for n in sizes:
        root = ensure_cohort(out, n, args.activities, args.seed)
        files = activity_files(root)
        nfiles = sum(1 for _ in root.rglob("*") if _.is_file() and not _.name.startswith("."))
        print(f"{n} portfolios, {nfiles} files, {len(files)} activity records:", file=sys.stderr)
        row = {"students": n, "files": nfiles}
        row["floor"] = measure("floor", [[sys.executable, str(HERE / "floor.py"), str(root)]], runs=args.runs, expect=(0,))
        if batch_available:
            row["batch"] = measure("cim batch", [[*cim, "batch", str(root), "--format", "json"]], runs=args.runs)
            row["batch1"] = measure("cim batch --jobs 1", [[*cim, "batch", str(root), "--format", "json", "--jobs", "1"]], runs=args.runs)
        else:
            row["batch"] = Measure("cim batch", error="no cim batch yet")
            row["batch1"] = Measure("cim batch --jobs 1", error="no cim batch yet")
        # (e) cim stats reads the cohort as cim batch does (same discovery and pool): it should cost about the same.
        if has_stats():
            row["stats"] = measure("cim stats", [[*cim, "stats", str(root), "--format", "json"]], runs=args.runs, expect=(0,))
            row["stats_public"] = measure("cim stats --public --format html", [[*cim, "stats", str(root), "--public", "--format", "html"]], runs=args.runs, expect=(0,))
        else:
            row["stats"] = row["stats_public"] = Measure("cim stats", error="no cim stats yet")
        if cjs:
            lines = split_command_lines([*cjs, "--schemafile", str(SCHEMA)], files)
            row["cjs"] = measure(f"check-jsonschema ({len(lines)} command line(s))", lines, runs=args.runs)
        else:
            row["cjs"] = Measure("check-jsonschema", error="not run")
        rows.append(row)

    # (d) one portfolio, start to finish: a clean one with a report.
    root = ensure_cohort(out, sizes[0], args.activities, args.seed)
    manifest = generate.read_manifest(root)
    one = next(p["folder"] for p in manifest["portfolios"] if p["report"] and not p["problem"])
    portfolio = str(root / one)
    single = {
        "validate": measure("cim validate (one portfolio)", [[*cim, "validate", portfolio]], runs=10, expect=(0,)),
        "version": measure("cim --version", [[*cim, "--version"]], runs=10, expect=(0,)),
        "python": measure("python -c pass", [[sys.executable, "-c", "pass"]], runs=10, expect=(0,)),
    }
    imports = importtime_top(["validate", portfolio])
    profiled = 2000 if 2000 in sizes else sizes[0]
    profile = profile_batch(ensure_cohort(out, profiled, args.activities, args.seed), out) if args.profile else None

    load_end = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    text = render(rows, single, imports, (profiled, profile) if profile else None, batch_available, args, load_end, commit_start)
    print(text)
    Path(args.results).write_text(text, encoding="utf-8")
    print(f"written to {args.results}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
