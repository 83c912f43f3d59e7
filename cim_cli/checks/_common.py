"""Helpers shared by rule modules: walking the model, not judging it."""

from __future__ import annotations

from typing import Iterator

from cim_cli.findings import Problem
from cim_cli.model import FileRef, LoadProblem, Portfolio


def all_load_problems(portfolio: Portfolio) -> Iterator[LoadProblem]:
    """Every problem met while reading the portfolio's files."""
    yield from portfolio.problems
    yield from portfolio.student.problems
    for activity in portfolio.activities:
        yield from activity.record.problems
        if activity.reflection is not None:
            yield from activity.reflection.problems
    if portfolio.report is not None:
        yield from portfolio.report.problems
    for entry in portfolio.diary:
        yield from entry.problems


def load_problems(portfolio: Portfolio, rule: str) -> Iterator[Problem]:
    """The load problems recorded for ``rule``, as findings-to-be."""
    for p in all_load_problems(portfolio):
        if p.rule == rule:
            yield Problem(p.file, p.line, p.column, p.message)


def all_refs(portfolio: Portfolio) -> Iterator[FileRef]:
    """Every path written in the portfolio: evidence, reflections, report images."""
    for activity in portfolio.activities:
        for evidence in activity.evidence:
            yield evidence.ref
        if activity.reflection_ref is not None:
            yield activity.reflection_ref
    yield from portfolio.report_images
