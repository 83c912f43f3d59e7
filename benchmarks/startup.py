"""Start-up: `cim validate` of one portfolio against the floor, and check-jsonschema on one file.

    python benchmarks/startup.py [--runs 40] [--instructions]

A student runs `cim validate` (or `cim status`) dozens of times a day and CI
on every push, on one portfolio: there the cost is start-up, not checking.
Measured side by side, on example-portfolios/ready-ada:

(a) the floor (benchmarks/floor.py on the one portfolio): a Python process
    that imports libyaml, reads every file and parses the YAML;
(b) `cim validate example-portfolios/ready-ada`;
(c) `cim status example-portfolios/ready-ada` (imports rich for its output);
(d) `check-jsonschema --schemafile schemas/activity.schema.json` on one
    activity record (the `bench` extra installs it; skipped when missing).

Each command runs ``--runs`` times after a warm-up; the table shows the best
wall time and the best CPU time (user + system, from ``wait4``). On a shared
machine CPU time is the steadier figure. With ``--instructions`` each command
also runs once under valgrind's callgrind, whose instruction count does not
depend on the machine's load at all (slow: a few seconds per command).

cim's own modules are byte-compiled first, as ``pip install`` does: a fresh
checkout with PYTHONDONTWRITEBYTECODE set would otherwise measure the
compiler. Writes the table to benchmarks/startup.md, keeping the sections
written by hand below it.
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PORTFOLIO = "example-portfolios/ready-ada"
RECORD = f"{PORTFOLIO}/activities/exchange-berlin.yaml"
TARGET = 2.5  # cim validate / floor


def commands() -> dict[str, list[str]]:
    py = sys.executable
    found = {
        "floor (python + libyaml, reads the portfolio)": [py, str(HERE / "floor.py"), PORTFOLIO],
        "cim validate PORTFOLIO": [py, "-m", "cim_cli", "validate", PORTFOLIO],
        "cim status PORTFOLIO": [py, "-m", "cim_cli", "status", PORTFOLIO],
    }
    checker = shutil.which("check-jsonschema", path=str(Path(py).parent)) or shutil.which("check-jsonschema")
    if checker:
        found["check-jsonschema, one record"] = [checker, "--schemafile", "schemas/activity.schema.json", RECORD]
    return found


def environment() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(cmd: list[str], runs: int) -> tuple[float, float]:
    """(best wall s, best cpu s) over ``runs`` runs after one warm-up run."""
    walls, cpus = [], []
    for i in range(runs + 1):
        began = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - began
        if os.waitstatus_to_exitcode(status) not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed")
        if i:  # the first run warms the page cache
            walls.append(wall)
            cpus.append(usage.ru_utime + usage.ru_stime)
    return min(walls), min(cpus)


def instructions(cmd: list[str]) -> int | None:
    """Instructions executed by ``cmd`` (valgrind callgrind), or None without valgrind."""
    if not shutil.which("valgrind"):
        return None
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
        cwd=REPO, env=environment(), capture_output=True, text=True,
    )
    m = re.search(r"Collected : (\d+)", done.stderr)
    return int(m.group(1)) if m else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--instructions", action="store_true", help="also count instructions with valgrind (load-independent)")
    args = parser.parse_args()
    compileall.compile_dir(str(REPO / "cim_cli"), quiet=1)
    rows = []
    for label, cmd in commands().items():
        wall, cpu = timed(cmd, args.runs)
        count = instructions(cmd) if args.instructions else None
        rows.append((label, wall, cpu, count))
        print(f"{label:48} wall {wall * 1000:6.1f} ms  cpu {cpu * 1000:6.1f} ms" + (f"  {count / 1e6:6.0f} M instr" if count else ""), file=sys.stderr)
    floor = rows[0]
    lines = [
        f"# Start-up of `cim validate` on one portfolio ({datetime.date.today()})",
        "",
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; best of {args.runs} runs; "
        f"`python benchmarks/startup.py{' --instructions' if args.instructions else ''}`. Target: cim validate within {TARGET}x the floor.",
        "",
        "| command | wall ms | x floor | CPU ms | x floor |" + (" instructions (M) | x floor |" if args.instructions else ""),
        "| --- | ---: | ---: | ---: | ---: |" + (" ---: | ---: |" if args.instructions else ""),
    ]
    for label, wall, cpu, count in rows:
        line = f"| {label} | {wall * 1000:.0f} | {wall / floor[1]:.2f} | {cpu * 1000:.0f} | {cpu / floor[2]:.2f} |"
        if args.instructions:
            line += f" {count / 1e6:.0f} | {count / floor[3]:.2f} |" if count and floor[3] else " - | - |"
        lines.append(line)
    text = "\n".join(lines) + "\n"
    # Sections after the table ("## ..."), written by hand, are kept.
    previous = HERE / "startup.md"
    kept = previous.read_text(encoding="utf-8").partition("\n## ") if previous.exists() else ("", "", "")
    if kept[1]:
        text += "\n## " + kept[2]
    previous.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
