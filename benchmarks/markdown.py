"""Markdown at the size cap: how long cim takes to analyse and to render the worst input.

    python benchmarks/markdown.py [--size BYTES] [--survey BYTES] [--top N]

Every family of adversarial input in ``tests/adversarial_markdown.py`` is
timed first at ``--survey`` size (default 128 KiB) for analysis
(:func:`cim_cli.load.markdown.analyze`, what ``cim validate`` runs per
report or reflection) and rendering (:func:`cim_cli.exporters.html.render_markdown`,
what ``cim export --format html`` runs); then the ``--top`` slowest of each
(by time per character) and an ordinary report of prose are timed at
``--size`` (default: ``MAX_TEXT_BYTES``, the largest markdown file cim
reads). CPU seconds, best of two runs. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from adversarial_markdown import families  # noqa: E402
from cim_cli.exporters.html import render_markdown  # noqa: E402
from cim_cli.load.files import MAX_TEXT_BYTES  # noqa: E402
from cim_cli.load.markdown import analyze  # noqa: E402

PIPELINES = {"analyse": analyze, "render": render_markdown}


def cpu(fn, text: str, runs: int = 2) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        fn(text)
        best = min(best, time.process_time() - start)
    return best


def prose(size: int) -> str:
    """A report of ordinary paragraphs under headings, about ``size`` bytes."""
    rng = random.Random(1)
    words = "the exchange taught me that cross-cultural work needs patience listening and humour in every team".split()
    parts: list[str] = []
    total = 0
    while total < size:
        if rng.random() < 0.05:
            part = f"## Section {len(parts)}"
        else:
            part = " ".join(rng.choice(words) for _ in range(rng.randint(40, 120))) + f" *see* [link](https://example.org/{len(parts)})."
        parts.append(part)
        total += len(part) + 2
    return "\n\n".join(parts)[:size]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=MAX_TEXT_BYTES)
    parser.add_argument("--survey", type=int, default=128 * 1024)
    parser.add_argument("--top", type=int, default=3)
    args = parser.parse_args(argv)
    fams = families()
    print(f"| input at {args.size:,} bytes | analyse (cim validate) | render (cim export --format html) |")
    print("|---|---:|---:|")
    text = prose(args.size)
    print(f"| ordinary prose report | {cpu(analyze, text):.2f} s | {cpu(render_markdown, text):.2f} s |", flush=True)
    for name, fn in PIPELINES.items():
        rates = sorted(((cpu(fn, make(args.survey), 1) / args.survey, family) for family, make in fams.items()), reverse=True)
        for _, family in rates[: args.top]:
            text = fams[family](args.size)
            print(f"| worst for {name}: {family} ({len(text.encode()):,} bytes) | {cpu(analyze, text, 1):.2f} s | {cpu(render_markdown, text, 1):.2f} s |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
