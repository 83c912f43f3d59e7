"""One portfolio can never take a batch run down: exceptions, hangs, crashes.

Faults are injected with the test-only environment variables documented in
:func:`cim_cli.batch.test_hooks` (``CIM_TEST_CRASH_ON`` and friends); the
workers really crash (SIGSEGV), really hang, really raise.
"""

from __future__ import annotations

import json
import signal

import pytest

from cim_cli import batch
from cim_cli.programme import default_programme

from test_batch import invoke, write_portfolio


@pytest.fixture(scope="module")
def small_cohort(tmp_path_factory):
    root = tmp_path_factory.mktemp("isolation")
    for i in range(12):
        write_portfolio(root / f"p{i:02d}", f"id{i:02d}", activities=3 if i % 2 else 1)
    return root


def _by_id(stdout: str) -> dict:
    return {p["path"].rsplit("/", 1)[-1]: p for p in json.loads(stdout)["portfolios"]}


@pytest.fixture(scope="module")
def normal(small_cohort):
    result = invoke("batch", str(small_cohort), "--format", "json", "-j", "1")
    assert result.exit_code == 0
    return _by_id(result.stdout)


def _internal(portfolio: dict) -> str:
    assert portfolio["valid"] is False
    [finding] = portfolio["findings"]
    assert finding["rule"] == "internal-error" and finding["severity"] == "error"
    assert finding["file"] == "" and finding["line"] is None
    return finding["message"]


def _others_unchanged(got: dict, normal: dict, culprits: set[str]) -> None:
    assert set(got) == set(normal)
    for name, portfolio in got.items():
        if name not in culprits:
            assert portfolio == normal[name], name


@pytest.mark.parametrize("jobs", ["2", "3"])
def test_a_crashing_worker_only_costs_its_portfolio(small_cohort, normal, jobs):
    result = invoke("batch", str(small_cohort), "--format", "json", "-j", jobs, env={"CIM_TEST_CRASH_ON": "id05"})
    assert result.exit_code == 3  # cim failed on a portfolio: never 1
    got = _by_id(result.stdout)
    assert "crashed the checker" in _internal(got["p05"])
    assert "SIGSEGV" in _internal(got["p05"])
    _others_unchanged(got, normal, {"p05"})


def test_two_crashes_in_one_run(small_cohort, normal):
    result = invoke("batch", str(small_cohort), "--format", "csv", "-j", "2", env={"CIM_TEST_CRASH_ON": "id00,id11"})
    assert result.exit_code == 3
    lines = result.stdout.splitlines()
    assert len(lines) == 13  # header + 12 portfolios, in order
    assert [line.split(",")[2].rsplit("/", 1)[-1] for line in lines[1:]] == [f"p{i:02d}" for i in range(12)]


def test_a_crash_in_every_format_is_reported(small_cohort):
    for fmt, needle in [("table", "12 portfolios"), ("junit", "crashed the checker"), ("github", "crashed the checker"), ("sarif", "crashed the checker")]:
        result = invoke("batch", str(small_cohort), "--format", fmt, "-j", "2", env={"CIM_TEST_CRASH_ON": "id03"})
        assert result.exit_code == 3, fmt
        assert needle in result.stdout, fmt


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_exception_becomes_a_finding(small_cohort, normal, jobs):
    result = invoke("batch", str(small_cohort), "--format", "json", "-j", jobs, env={"CIM_TEST_RAISE_ON": "id07"})
    assert result.exit_code == 3
    got = _by_id(result.stdout)
    assert "RuntimeError" in _internal(got["p07"])
    _others_unchanged(got, normal, {"p07"})


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_hang_is_stopped_by_the_timeout(small_cohort, normal, jobs):
    result = invoke("batch", str(small_cohort), "--format", "json", "-j", jobs, "--timeout", "1", env={"CIM_TEST_HANG_ON": "id04"})
    assert result.exit_code == 3
    got = _by_id(result.stdout)
    assert "took longer than 1 s" in _internal(got["p04"])
    _others_unchanged(got, normal, {"p04"})


def test_a_hang_the_alarm_cannot_stop_is_killed_by_the_parent(small_cohort, normal, monkeypatch):
    if not hasattr(signal, "pthread_sigmask"):
        pytest.skip("needs pthread_sigmask to imitate a native hang")
    monkeypatch.setenv("CIM_TEST_HANG_HARD_ON", "id02")
    paths = batch.discover([str(small_cohort)])
    tasks = [batch.Task(i, p, p, 0) for i, p in enumerate(paths)]
    results = list(batch.run(tasks, [default_programme()], jobs=2, timeout=0.5, chunk_size=2))
    assert [r.path for r in results] == paths
    culprit = results[2]
    assert culprit.extra.get("unchecked") and "took longer" in culprit.findings[0].message
    for r in results[:2] + results[3:]:
        assert not r.extra.get("unchecked")
        assert r.as_dict() == normal[r.path.rsplit("/", 1)[-1]]


def test_unchecked_portfolio_is_shown_whatever_the_stage_filter(small_cohort):
    result = invoke("batch", str(small_cohort), "--format", "csv", "-j", "2", "--stage", "ready-for-review", env={"CIM_TEST_CRASH_ON": "id00"})
    rows = result.stdout.splitlines()[1:]
    names = [r.split(",")[2].rsplit("/", 1)[-1] for r in rows]
    assert names == ["p00"] + [f"p{i:02d}" for i in range(1, 12, 2)]
    assert result.exit_code == 3


def test_crash_hook_is_ignored_in_process(small_cohort, normal):
    # --jobs 1 has no worker to isolate a crash in; the hook must not kill the test run.
    result = invoke("batch", str(small_cohort), "--format", "json", "-j", "1", env={"CIM_TEST_CRASH_ON": "id05"})
    assert result.exit_code == 0
    assert _by_id(result.stdout) == normal


def test_spawned_workers_give_the_same_results(small_cohort, normal, monkeypatch):
    # macOS and Windows start workers with spawn: each imports cim and warms up itself.
    import multiprocessing

    monkeypatch.setattr(batch, "_context", lambda: (multiprocessing.get_context("spawn"), True))
    monkeypatch.setenv("CIM_TEST_CRASH_ON", "id08")
    paths = batch.discover([str(small_cohort)])
    tasks = [batch.Task(i, p, p, 0) for i, p in enumerate(paths)]
    results = list(batch.run(tasks, [default_programme()], jobs=2, timeout=60))
    assert [r.path for r in results] == paths
    assert "crashed the checker" in results[8].findings[0].message
    for r in results[:8] + results[9:]:
        assert r.as_dict() == normal[r.path.rsplit("/", 1)[-1]]
