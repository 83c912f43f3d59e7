"""``cim batch``: check every portfolio under one or more folders (thin: see :mod:`cim_cli.batch`)."""

from __future__ import annotations

import os
import sys
import time
from typing import List, Optional

import typer

from cim_cli.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    Delimiter,
    NAMED,
    Format,
    check_stage,
    delimiter_option,
    fail,
    has_internal_error,
    internal_failures,
    output,
    programme_error,
    programme_option,
    programme_resolver_or_exit,
    say,
    use_colour,
)
from cim_cli.findings import STAGES


class _Progress:
    """A progress bar on stderr, redrawn by hand at most ten times a second.

    By hand because rich's auto-refresh runs a thread, and worker processes
    are forked from this one: forking while a thread runs is unsafe.
    """

    def __init__(self, total: int, enabled: bool) -> None:
        self._bar = None
        self._last = 0.0
        if not enabled or total == 0:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            TextColumn("checking"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            auto_refresh=False,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._task = self._bar.add_task("checking", total=total)
        self._bar.start()

    def advance(self) -> None:
        if self._bar is None:
            return
        self._bar.advance(self._task)
        now = time.monotonic()
        if now - self._last >= 0.1:
            self._last = now
            self._bar.refresh()

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def _show_progress(out: Optional[str], fmt: str) -> bool:
    """A bar only when stderr is a terminal and stdout is not already showing results as they come."""
    if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return False
    if out not in (None, "-"):
        return True
    if not (hasattr(sys.stdout, "isatty") and sys.stdout.isatty()):
        return True
    # The coloured table is drawn only at the end: show progress meanwhile.
    return fmt == "table" and use_colour(sys.stdout)


def batch(
    roots: List[str] = typer.Argument(..., click_type=NAMED, metavar="ROOT...", help="Folders to search for portfolios (folders with student.yaml)."),
    programme: Optional[str] = programme_option(),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, metavar="N", help="Worker processes (default: one per CPU the load average leaves free; 1 for a few portfolios or a busy machine). 1 checks in this process: easiest to debug, but no crash isolation."),
    stage: Optional[str] = typer.Option(None, "--stage", callback=check_stage, metavar="STAGE", help=f"Only report portfolios at exactly STAGE ({', '.join(STAGES)}); --stage ready-for-review is the administrator's inbox."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    out: Optional[str] = typer.Option(None, "--output", "-o", metavar="FILE", help="Write the output to FILE (atomically) instead of stdout."),
    strict: bool = typer.Option(False, "--strict", help="Warnings fail the run too."),
    timeout: float = typer.Option(60.0, "--timeout", min=0.1, metavar="SECONDS", help="Stop checking a portfolio after SECONDS and report an internal-error finding on it."),
    rev: Optional[str] = typer.Option(None, "--rev", metavar="REV", help="Check the portfolios as committed at git revision REV (the work tree is not touched)."),
    changed_since: Optional[str] = typer.Option(None, "--changed-since", metavar="REV", help="Only check portfolios with changes between git revision REV and the work tree."),
    delimiter: Delimiter = delimiter_option(),
) -> None:
    """Check every portfolio under ROOT... (a cohort) and report them, one per row or record.

    Exit 0 when no reported portfolio has an error (nor a warning, with
    --strict), 1 otherwise, 2 for a usage, configuration or revision error.
    """
    from cim_cli import __version__
    from cim_cli import batch as lib
    from cim_cli.checks import rule_infos
    from cim_cli.programme import ProgrammeError
    from cim_cli.reporters import make_reporter, run_context
    from cim_cli.gitrepo import is_bare_repository
    from cim_cli.revision import RevisionError, uncommitted_changes
    from cim_cli.textsafe import visible

    if rev is not None and changed_since is not None:
        raise fail("--rev and --changed-since cannot be combined (--changed-since checks the work tree)")
    for root in roots:
        if rev is None and not os.path.isdir(root):
            raise fail(f"{root}: no such folder")
    code = EXIT_OK
    failed = 0  # portfolios cim itself failed on (internal-error): exit 3, never 1
    try:
        with lib.cohort(roots, rev=rev, changed_since=changed_since) as found:
            for note in found.notes:
                say(f"cim: {visible(note)}")  # notes name folders: a cohort's names are anyone's
            if not found.portfolios and changed_since is None:
                say(f"cim: no portfolios (folders with student.yaml) under {', '.join(roots)}")
                if rev is None and any(is_bare_repository(r) for r in roots):
                    say("cim: a bare git repository has no work tree: check what is committed with --rev REV (e.g. --rev HEAD)")
            resolver = programme_resolver_or_exit(programme)
            try:
                tasks = lib.plan(found.portfolios, resolver)
                if not tasks:
                    resolver.key_for(roots[0], is_portfolio=None)  # what would judge a portfolio there
            except ProgrammeError as exc:
                raise programme_error(exc) from None
            progress = _Progress(len(tasks), _show_progress(out, fmt.value))
            try:
                with output(out, whole=fmt.whole) as stream:
                    # Every programme file is known (plan ran discovery): the header names one only if it judged all.
                    context = run_context(__version__, resolver.programmes, rule_infos(), color=use_colour(stream), csv_delimiter=delimiter.value)
                    reporter = make_reporter(fmt.value, stream, context)
                    budget = None
                    if rev is not None:
                        from cim_cli.revision import MAX_RUN_READ

                        budget = lib.ReadBudget(MAX_RUN_READ)
                    workers = jobs or lib.default_jobs(len(tasks))
                    for result in lib.run(tasks, resolver.programmes, jobs=workers, timeout=timeout, budget=budget):
                        progress.advance()
                        # --stage filters what is reported (and so the exit code); a
                        # portfolio that could not be checked has no stage: always shown.
                        if stage is not None and result.stage != stage and not result.extra.get("unchecked"):
                            continue
                        reporter.add(result)
                        if result.errors or (strict and result.warnings):
                            code = EXIT_FINDINGS
                        failed += has_internal_error(result)
                    progress.stop()
                    reporter.end()
            finally:
                progress.stop()
    except RevisionError as exc:
        raise fail(str(exc)) from None
    if rev is None:
        # A warning for people, not a finding: findings depend only on the files checked.
        # --changed-since already ran the one git status this needs.
        dirty = found.uncommitted if found.uncommitted is not None else uncommitted_changes([t.display for t in tasks])
        for path in sorted(dirty, key=lib.path_key):
            n = dirty[path]
            say(f"cim: warning: {visible(path)} has {n} uncommitted change{'' if n == 1 else 's'}; it was checked as it is on disk (check what is committed with --rev HEAD)")
    raise typer.Exit(internal_failures(failed) if failed else code)


def register(app: typer.Typer) -> None:
    app.command()(batch)
