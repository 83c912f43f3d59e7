"""Batch checks over a cohort: discovery and a parallel run no portfolio can take down.

Discovery is :mod:`cim_cli.discovery` (re-exported here): every folder
under the roots that holds a ``student.yaml`` is a portfolio.

The run (:func:`run`) yields one :class:`~cim_cli.findings.PortfolioResult`
per task, in task order, as soon as it and every earlier one are done: the
caller streams them into a reporter and memory stays flat.

* ``jobs == 1``: checked in this process, one after the other: the fastest
  for a handful of portfolios and the easiest to debug, but a crash of a
  native parser would end the run.
* ``jobs > 1``: a small process pool of our own (``multiprocessing``
  processes and pipes). Tasks go out in chunks of a few portfolios to
  amortise the pipe round trip; results come back per chunk and are
  re-ordered. A worker is started once and builds its validators once; on
  Linux workers are forked from a parent that has already imported the
  checker, so they start in milliseconds.

Robustness, per portfolio:

* an exception anywhere in loading or checking: an ``internal-error``
  finding on that portfolio;
* a hang: a per-portfolio alarm in the worker (``timeout`` seconds) turns it
  into an ``internal-error`` finding; a hang the alarm cannot interrupt
  (native code) is caught by the parent's deadline for the chunk, which kills
  the worker;
* a crash of the worker process (segfault, ``os._exit``, the OOM killer):
  the parent sees the process end without an answer, starts a new worker,
  and re-runs the unanswered portfolios of that chunk one by one, each in a
  fresh process, so only the culprit gets the finding "checking this
  portfolio crashed the checker" and every other one its normal result.

Why not ``ProcessPoolExecutor``: when one of its workers dies, every pending
future fails with ``BrokenProcessPool`` and the pool is gone, and it cannot
kill a worker stuck in native code without private attributes. Owning the
processes lets the parent lose exactly one chunk and kill exactly one worker.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator, NamedTuple, Sequence

from cim_cli.discovery import SKIP_FOLDERS, discover, path_key, walk  # noqa: F401 - re-exported
from cim_cli.findings import INTERNAL_ERROR, Finding, PortfolioResult
# One programme discovery for every command (validate, status, batch...): see there.
from cim_cli.programme import ProgrammeResolver

DEFAULT_TIMEOUT = 60.0
# Chunks a run may have out (in flight or done but not yet yielded) per job,
# counted from the oldest unfinished one: bounds memory when one chunk is slow.
WINDOW_PER_JOB = 4
MAX_CHUNK = 8
# Fewer portfolios than this are checked in this process by default: a pool's
# start (fork, pipes) and messaging cost more than a second core saves.
SMALL_RUN = 24


# -- discovery: see cim_cli.discovery ------------------------------------------

@dataclass
class Cohort:
    """The portfolios a batch run checks, and what to tell people about the selection."""

    # (path shown in results, what to load): the folder on disk, or a
    # :class:`~cim_cli.load.source.GitTreeSource` of the portfolio at ``--rev``.
    portfolios: list[tuple[str, object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Portfolio -> uncommitted changes, when --changed-since already asked git.
    uncommitted: dict[str, int] | None = None


@contextmanager
def cohort(roots: Sequence[str], *, rev: str | None = None, changed_since: str | None = None) -> Iterator[Cohort]:
    """Select the portfolios under ``roots``: on disk, at ``rev``, or changed since a revision.

    Raises :class:`cim_cli.revision.RevisionError` for a revision that cannot
    be used. The ``cat-file`` processes a ``--rev`` run starts are stopped on exit.
    """
    found = Cohort()

    def unreadable(folder: str, exc: OSError) -> None:
        found.notes.append(f"cannot read {folder} ({exc.strerror}); skipped")

    if rev is not None:
        from cim_cli.gitrepo import close_object_readers
        from cim_cli.revision import revision_cohort

        try:
            at = revision_cohort(roots, rev, discover=True)
            found.portfolios = at.portfolios
            found.notes += at.notes
            yield found
        finally:
            close_object_readers()
        return
    if changed_since is not None:
        import threading

        from cim_cli.revision import changed_since as select

        # git status is most of the time of a small --changed-since run and
        # runs in its own process: import the checker meanwhile. Joined
        # before anything else happens, so no thread lives when a pool forks.
        warming = threading.Thread(target=warm_up, name="cim-warm-up", daemon=True)
        warming.start()
        try:
            changes = select(roots, changed_since)
        finally:
            warming.join()
        found.portfolios = [(p, p) for p in changes.changed]
        found.notes += [f"{p} is not in a git repository; checked (nothing to compare with)" for p in changes.unversioned]
        found.uncommitted = changes.uncommitted
        yield found
        return
    found.portfolios = [(p, p) for p in discover(roots, unreadable)]
    yield found


def plan(portfolios: Sequence[tuple[str, str]], resolver: "ProgrammeResolver") -> list["Task"]:
    """Tasks for (display, load) pairs, each with its programme (ProgrammeError if one is broken)."""
    return [Task(i, load, display, resolver.key_for(display)) for i, (display, load) in enumerate(portfolios)]


# -- one portfolio ---------------------------------------------------------------

class Task(NamedTuple):
    """One portfolio to check: where to load it, how to show it, which programme."""

    index: int
    path: str
    display: str
    programme: int


class _Timeout(BaseException):
    """Raised by the alarm. A BaseException, so no ``except Exception`` in a rule swallows it."""


def _on_alarm(signum, frame):  # noqa: ARG001
    raise _Timeout()


def unchecked_result(display: str, programme, message: str) -> PortfolioResult:
    """The result of a portfolio that could not be checked: one ``internal-error`` finding.

    Its stage is unknown; it is reported as ``registered`` (nothing counts)
    and marked ``extra["unchecked"]`` so ``--stage`` filters never hide it.
    """
    return PortfolioResult(
        path=display,
        student_id=None,
        name=None,
        stage="registered",
        counting_activities=0,
        required_activities=programme.requirements["min_activities"],
        counting_home=0,
        counting_abroad=0,
        report_words=None,
        findings=(Finding(INTERNAL_ERROR, "error", "", None, None, message),),
        extra={"unchecked": True},
        programme=programme.ref,
    )


def _hook_ids(name: str) -> frozenset[str]:
    value = os.environ.get(name, "")
    return frozenset(v for v in value.split(",") if v)


def test_hooks() -> dict[str, frozenset[str]]:
    """TEST-ONLY fault injection, read from the environment by the parent and
    handed to the workers (a forkserver or an earlier worker would not see a
    changed environment). Each variable holds comma-separated student ids:

    * ``CIM_TEST_CRASH_ON``: the worker process kills itself with SIGSEGV
      (never in-process: with ``--jobs 1`` it is ignored);
    * ``CIM_TEST_HANG_ON``: sleeps an hour (the alarm must stop it);
    * ``CIM_TEST_HANG_HARD_ON``: blocks the alarm signal, then sleeps, like a
      hang in native code (worker processes only: the parent must kill it);
    * ``CIM_TEST_RAISE_ON``: raises RuntimeError in the middle of a check.

    They exist so the tests can prove isolation honestly; nothing else sets them.
    """
    return {
        "crash": _hook_ids("CIM_TEST_CRASH_ON"),
        "hang": _hook_ids("CIM_TEST_HANG_ON"),
        "hang_hard": _hook_ids("CIM_TEST_HANG_HARD_ON"),
        "raise": _hook_ids("CIM_TEST_RAISE_ON"),
    }


def _inject_faults(hooks: dict, student_id: object, in_worker: bool) -> None:
    """TEST-ONLY: see :func:`test_hooks`."""
    if not student_id or not any(hooks.values()):
        return
    sid = str(student_id)
    if in_worker and sid in hooks["crash"]:
        import faulthandler

        faulthandler.disable()  # pytest enables it; its traceback would only be noise here
        if hasattr(signal, "SIGSEGV") and hasattr(os, "kill"):
            os.kill(os.getpid(), signal.SIGSEGV)
        os._exit(139)
    if in_worker and sid in hooks["hang_hard"]:
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(3600)
    if sid in hooks["hang"]:
        time.sleep(3600)
    if sid in hooks["raise"]:
        raise RuntimeError("fault injected by CIM_TEST_RAISE_ON")


def _can_alarm() -> bool:
    import threading

    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


# What to do with a checked portfolio besides returning its result (an
# exporter writing its page); runs in the worker, under the same alarm and
# crash isolation as the check. Must be picklable (a module-level function or
# a functools.partial of one).
Then = Callable[[object, PortfolioResult, object], PortfolioResult]


def check_task(task: Task, programme, timeout: float | None, hooks: dict | None = None, in_worker: bool = False,
               then: Then | None = None) -> PortfolioResult:
    """Load and check one portfolio (then ``then(portfolio, result, programme)``); never raises.

    Bugs and timeouts become findings. For a portfolio read from git the
    result's ``extra["read_bytes"]`` says how much was read (the run's budget).
    """
    from cim_cli.engine import check_portfolio
    from cim_cli.load.portfolio import load_portfolio

    alarm = bool(timeout) and _can_alarm()
    previous = None
    try:
        if alarm:
            previous = signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            portfolio = load_portfolio(task.path)
            if hooks:
                _inject_faults(hooks, portfolio.student_data.get("student_id") if isinstance(portfolio.student_data, dict) else None, in_worker)
            result = check_portfolio(portfolio, programme, task.display)
            if not isinstance(task.path, str):
                result.extra["read_bytes"] = task.path.read_total
            return then(portfolio, result, programme) if then is not None else result
        finally:
            if alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
    except _Timeout:
        return unchecked_result(task.display, programme, timeout_message(timeout))
    except RecursionError:
        return unchecked_result(task.display, programme, "checking this portfolio went too deep (RecursionError); please report this to the cim developers")
    except Exception as exc:  # noqa: BLE001 - one portfolio must never end the run
        return unchecked_result(task.display, programme, f"checking this portfolio failed ({type(exc).__name__}: {exc}); please report this to the cim developers")


def timeout_message(timeout: float | None) -> str:
    return f"checking this portfolio took longer than {timeout:g} s and was stopped; please report this to the cim developers (a file may be crafted to make cim slow)"


def crash_message(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            how = f"killed by signal {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"killed by signal {-exitcode}"
        if exitcode == -getattr(signal, "SIGKILL", 9):
            how += ", perhaps for lack of memory"
    else:
        how = f"exit status {exitcode}"
    return f"checking this portfolio crashed the checker ({how}); the other portfolios were checked; please report this to the cim developers"


# -- the run --------------------------------------------------------------------

def warm_up() -> None:
    """Import the checker and build the validators, once, before workers are forked."""
    try:
        import cim_cli.engine  # noqa: F401
        import cim_cli.load.markdown  # noqa: F401
        from cim_cli.validation import validator

        validator("student")
        validator("activity")
    except Exception:  # noqa: BLE001 - a failed warm-up only costs time; the check reports the real error
        pass


def _worker_main(conn, programmes, timeout, hooks, warm, then) -> None:
    """A worker: receive chunks of tasks, send back their results, until told to stop."""
    # Ctrl-C goes to the whole process group; the parent decides and stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if warm:
        warm_up()
        _fast_pickling()
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):
            return
        if chunk is None:
            return
        results = [check_task(t, programmes[t.programme], timeout, hooks, in_worker=True, then=then) for t in chunk]
        try:
            conn.send(results)
        except (BrokenPipeError, EOFError, OSError):
            return  # the parent is gone (killed): nobody to answer


_FAST_PICKLING = False


def _fast_pickling() -> None:
    """Pickle results as (class, field values): half the time of the dataclass default.

    A frozen, slotted dataclass pickled through ``__getstate__``/``__setstate__``,
    which looked up ``dataclasses.fields()`` for every object; the profile of a
    pool showed that (about 25 us per result each way) as the largest cost the
    pool adds. Registered on multiprocessing's own pickler only.
    """
    global _FAST_PICKLING
    if _FAST_PICKLING:
        return
    from multiprocessing.reduction import ForkingPickler

    from cim_cli.findings import ActivitySummary

    for cls in (PortfolioResult, Finding, ActivitySummary):
        names = cls.__slots__

        def reduce(obj, cls=cls, names=names):
            return cls, tuple([getattr(obj, name) for name in names])

        ForkingPickler.register(cls, reduce)
    _FAST_PICKLING = True


def _context():
    import multiprocessing

    # fork: workers inherit the warmed-up parent (imports, validators), so they
    # start in milliseconds. The parent runs no threads while the pool lives
    # (the progress bar refreshes by hand), which is what makes fork safe.
    # Elsewhere (macOS, Windows) spawn, and each worker warms up itself.
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork"), False
    return multiprocessing.get_context("spawn"), True


def usable_cpus() -> int:
    """The CPUs this process may use (a container or ``taskset`` may allow fewer than the machine has)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def default_jobs(tasks: int | None = None) -> int:
    """Worker processes for a run of ``tasks`` portfolios when ``--jobs`` is not given.

    One (checked in this process, no pool) for a small run, where starting a
    pool costs more than it saves, and on a busy machine: a pool only helps
    with idle CPUs, and with none free its workers and this process compete
    for the same cores and add their messaging, which made ``--jobs 2`` up to
    1.2x slower than ``--jobs 1`` under load. Otherwise one per CPU this
    process may use that the 1-minute load average leaves free (rounded).
    """
    cpus = usable_cpus()
    if cpus == 1 or (tasks is not None and tasks < SMALL_RUN):
        return 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return cpus
    return max(1, min(cpus, int(cpus - load + 0.5)))


def chunk_size_for(count: int, jobs: int) -> int:
    """A few portfolios per message amortise the pipe; small enough to balance the tail."""
    return max(1, min(MAX_CHUNK, count // (jobs * 8)))


class _Slot:
    """One worker process and the chunk it holds."""

    __slots__ = ("proc", "conn", "chunk", "deadline", "single", "chunk_id")

    def __init__(self, proc, conn, single: bool) -> None:
        self.proc = proc
        self.conn = conn
        self.single = single
        self.chunk: list[Task] | None = None
        self.chunk_id = -1
        self.deadline = 0.0

    def stop(self, kill: bool = False) -> None:
        """Ask the worker to finish (or kill it) and reap it."""
        try:
            if not kill:
                try:
                    self.conn.send(None)
                except OSError:
                    kill = True
            if kill and self.proc.exitcode is None:
                self.proc.kill()
            self.proc.join(5)
            if self.proc.is_alive():
                self.proc.kill()
                self.proc.join()
        finally:
            self.conn.close()


class ReadBudget:
    """The bytes a whole ``--rev`` run may read from git, counted from the results as they come back.

    Once spent, every portfolio not yet handed out gets a source that reads
    nothing, so each of its files is reported (``file-too-large``, saying the
    run's limit was reached) instead of read. A pool has a few chunks out at
    once, so a run may pass the limit by what those read.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.spent = 0

    def count(self, result: PortfolioResult) -> None:
        self.spent += int(result.extra.get("read_bytes", 0) or 0)

    def prepare(self, task: Task) -> Task:
        if self.spent >= self.limit and hasattr(task.path, "exhaust"):
            task.path.exhaust(self.limit)
        return task


def run(
    tasks: Sequence[Task],
    programmes: Sequence,
    *,
    jobs: int,
    timeout: float | None = DEFAULT_TIMEOUT,
    chunk_size: int | None = None,
    then: Then | None = None,
    budget: ReadBudget | None = None,
) -> Iterator[PortfolioResult]:
    """Check every task; yield the results in task order, streaming (see the module doc)."""
    hooks = test_hooks()
    if jobs <= 1 or not tasks:
        for task in tasks:
            if budget is not None:
                task = budget.prepare(task)
            result = check_task(task, programmes[task.programme], timeout, hooks, then=then)
            if budget is not None:
                budget.count(result)
            yield result
        return
    pool = _Pool(tasks, programmes, jobs=jobs, timeout=timeout, chunk_size=chunk_size, hooks=hooks, then=then, budget=budget)
    yield from pool.results()


class _Pool:
    def __init__(self, tasks, programmes, *, jobs, timeout, chunk_size, hooks, then=None, budget=None) -> None:
        self.then = then
        self.budget = budget
        self.tasks = tasks
        self.programmes = list(programmes)
        self.jobs = jobs
        self.timeout = timeout
        self.hooks = hooks
        size = chunk_size or chunk_size_for(len(tasks), jobs)
        self.chunks = [list(tasks[i : i + size]) for i in range(0, len(tasks), size)]
        self.ctx, self.warm = _context()
        # Grace over the alarm before the parent kills a worker that ignores it.
        self.grace = max(2.0, (timeout or DEFAULT_TIMEOUT) / 2)

    def _start(self, single: bool) -> _Slot:
        parent, child = self.ctx.Pipe(duplex=True)
        proc = self.ctx.Process(
            target=_worker_main,
            args=(child, self.programmes, self.timeout, self.hooks, self.warm, self.then),
            name="cim-batch-worker",
            daemon=True,
        )
        proc.start()
        child.close()
        return _Slot(proc, parent, single)

    def _send(self, slot: _Slot, chunk: list[Task], chunk_id: int) -> None:
        if self.budget is not None:
            chunk = [self.budget.prepare(t) for t in chunk]
        slot.chunk = chunk
        slot.chunk_id = chunk_id
        per = self.timeout or DEFAULT_TIMEOUT
        slot.deadline = time.monotonic() + per * len(chunk) + self.grace
        try:
            slot.conn.send(chunk)
        except OSError:
            # The worker died while idle (the OOM killer, say): its sentinel is
            # ready, so the next round handles the chunk as a crash.
            slot.deadline = 0.0

    def results(self) -> Iterator[PortfolioResult]:
        from multiprocessing.connection import wait

        _fast_pickling()  # before the workers start: forked ones inherit it
        if not self.warm:
            warm_up()  # fork: done once here, inherited by every worker
            # Objects made so far (modules, validators) live as long as the
            # workers: out of the collector's sight, a worker's collections
            # neither scan nor write to them, so their pages stay shared
            # with this process instead of being copied into each worker.
            gc.freeze()
        done: dict[int, PortfolioResult] = {}
        pending = deque(enumerate(self.chunks))
        isolate: deque[Task] = deque()  # tasks to re-run alone, each in a fresh process
        workers: list[_Slot] = []  # the pool, at most ``jobs``
        singles: list[_Slot] = []  # isolated re-runs, at most ``jobs`` at a time
        size = len(self.chunks[0])
        window = self.jobs * WINDOW_PER_JOB
        next_out, total = 0, len(self.tasks)
        try:
            while next_out < total:
                while isolate and len(singles) < self.jobs:
                    slot = self._start(single=True)
                    singles.append(slot)
                    self._send(slot, [isolate.popleft()], -1)
                # Chunk ids only go ``window`` ahead of the oldest result not yet yielded.
                while pending and pending[0][0] < next_out // size + window:
                    slot = next((w for w in workers if w.chunk is None), None)
                    if slot is None:
                        if len(workers) >= self.jobs:
                            break
                        slot = self._start(single=False)
                        workers.append(slot)
                    chunk_id, chunk = pending.popleft()
                    self._send(slot, chunk, chunk_id)
                busy = [s for s in workers + singles if s.chunk is not None]
                if not busy:  # cannot happen: every unanswered task is out or queued
                    raise RuntimeError("batch run stalled; please report this to the cim developers")
                timeout = max(0.0, min(s.deadline for s in busy) - time.monotonic())
                ready = set(wait([s.conn for s in busy] + [s.proc.sentinel for s in busy], timeout=timeout))
                now = time.monotonic()
                for slot in busy:
                    if slot.conn in ready:
                        try:
                            results = slot.conn.recv()
                        except (EOFError, OSError):
                            results = None  # died while answering: handled as a crash below
                        if results is not None:
                            for task, result in zip(slot.chunk, results):
                                done[task.index] = result
                                if self.budget is not None:
                                    self.budget.count(result)
                            slot.chunk = None
                            if slot.single:
                                slot.stop()
                                singles.remove(slot)
                            continue
                    died = slot.conn in ready or slot.proc.sentinel in ready
                    if not died and now < slot.deadline:
                        continue
                    lost, slot.chunk = slot.chunk, None
                    slot.stop(kill=True)  # a hung worker is killed; a dead one is reaped
                    (singles if slot.single else workers).remove(slot)
                    if slot.single:
                        # Alone in a fresh process and it still crashed or hung: the culprit.
                        task = lost[0]
                        message = crash_message(slot.proc.exitcode) if died else timeout_message(self.timeout)
                        done[task.index] = unchecked_result(task.display, self.programmes[task.programme], message)
                    else:
                        # Which portfolio of the chunk did it is unknown: re-run each alone.
                        isolate.extend(lost)
                while next_out in done:
                    yield done.pop(next_out)
                    next_out += 1
        finally:
            if not self.warm:
                gc.unfreeze()
            for slot in workers + singles:
                try:
                    slot.stop(kill=slot.chunk is not None)
                except Exception:  # noqa: BLE001 - cleanup must finish
                    pass


__all__ = [
    "DEFAULT_TIMEOUT",
    "INTERNAL_ERROR",
    "Cohort",
    "ProgrammeResolver",
    "Task",
    "check_task",
    "cohort",
    "chunk_size_for",
    "default_jobs",
    "ReadBudget",
    "usable_cpus",
    "discover",
    "path_key",
    "plan",
    "run",
    "test_hooks",
    "unchecked_result",
    "walk",
    "warm_up",
]
