"""Analysing and rendering markdown takes time linear in its length, on any input.

Every family of adversarial input (``tests/adversarial_markdown.py``: long
runs of each markup character, unclosed constructs, deep nesting, repeated
openers) is analysed (:func:`cim_cli.load.markdown.analyze`, what ``cim
validate`` runs) and rendered (:func:`cim_cli.exporters.html.render_markdown`,
what ``cim export --format html`` runs) at a size ``n`` and at ``4n``; the
second must not take more than about 4x as long (the bound is 8x, so a
shared, busy machine does not make the test flaky; a quadratic pattern takes
16x, a cubic one 64x). Times are CPU times, the best of a few runs. Absolute
speed is measured in ``benchmarks/markdown.py``, not here.
"""

from __future__ import annotations

import time
from typing import Callable

import pytest

from adversarial_markdown import families
from cim_cli.exporters.html import render_markdown
from cim_cli.load.markdown import analyze

FAMILIES = families()
PIPELINES: dict[str, Callable[[str], object]] = {"analyse": analyze, "render": render_markdown}

# The smallest time worth comparing (CPU seconds): below it, timer noise and
# start-up costs dominate, so n doubles until a run takes this long.
_MEASURABLE = 0.003
_LARGEST_N = 16_000
_GROWTH = 4
_ALLOWED = 8.0  # at most this many times slower for _GROWTH times the input
_SLACK = 0.001  # seconds, for timer resolution on tiny inputs


def _cpu_time(fn: Callable[[str], object], text: str, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        fn(text)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize("pipeline", sorted(PIPELINES))
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_time_grows_linearly(family: str, pipeline: str) -> None:
    fn, make = PIPELINES[pipeline], FAMILIES[family]
    n = 1_000
    while n < _LARGEST_N and _cpu_time(fn, make(n), 1) < _MEASURABLE:
        n *= 2
    small = _cpu_time(fn, make(n), 3)
    large = _cpu_time(fn, make(_GROWTH * n), 3)
    assert large <= _ALLOWED * small + _SLACK, f"{family}: {large:.4f}s for {_GROWTH * n} characters vs {small:.4f}s for {n}"


NESTED = {
    "list by indentation": "\n".join("  " * i + "- x" for i in range(300)),
    "list markers": "- " * 5_000 + "x",
    "ordered markers": "1. " * 5_000 + "x",
    "quotes": ">" * 10_000 + " x",
    "quotes and lists": "> 1. " * 3_000 + "x",
    "emphasis": "*" * 5_000 + "x" + "*" * 5_000,
    "links in links": "[" * 3_000 + "x" + "](y)" * 3_000,
    "raw html": "<div><blockquote>" * 3_000 + "x",
    "hidden elements": "<template>" * 3_000 + "x",
}


@pytest.mark.parametrize("name", sorted(NESTED))
def test_deep_nesting_never_recurses_too_deep(name: str) -> None:
    text = NESTED[name]
    analysis = analyze(text)
    assert analysis.words >= 0
    html = render_markdown(text)
    # The renderer caps nesting: every opened element is closed again.
    for tag in ("ul", "ol", "li", "blockquote", "em", "a"):
        assert html.count(f"<{tag}>") + html.count(f"<{tag} ") == html.count(f"</{tag}>"), tag
