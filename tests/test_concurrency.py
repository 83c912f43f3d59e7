"""Nothing lost when commands race: every writing command holds the portfolio's lock.

Real processes, not threads: two writers on one activity at the same time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from authoring_support import cim, new_portfolio
from conftest import REPO
from cim_cli.atomic import PortfolioBusy, clean_leftovers, portfolio_lock

# One process adding N evidence files, one `cim evidence add` each (in-process
# calls of the console entry point, so the race is not hidden by start-up time).
WRITER = textwrap.dedent(
    """
    import sys
    from cim_cli.cli import main
    root, tag, count, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    import os, time
    while not os.path.exists(go):
        time.sleep(0.005)
    for i in range(count):
        try:
            main(["evidence", "add", "--portfolio", root, "cafe", f"{root}/../in/{tag}-{i}.pdf"])
        except SystemExit as exc:
            if exc.code not in (0, None):
                sys.exit(f"evidence add {tag}-{i} exited {exc.code}")
    """
)


def writer(root, tag, count, go):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", WRITER, str(root), tag, str(count), str(go)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture
def portfolio(tmp_path):
    root = new_portfolio(tmp_path)
    r = cim("activity", "add", "--portfolio", root, "--title", "Cafe", "--category", "conference", "--location", "home", "--start", "2024-01-01")
    assert r.exit_code == 0 and r.stdout.strip() == "cafe"
    (tmp_path / "in").mkdir()
    return root


def test_two_writers_lose_nothing(portfolio, tmp_path):
    count = 10
    for tag in ("a", "b"):
        for i in range(count):
            (tmp_path / "in" / f"{tag}-{i}.pdf").write_bytes(f"%PDF {tag} {i}".encode())
    go = tmp_path / "go"
    procs = [writer(portfolio, tag, count, go) for tag in ("a", "b")]
    time.sleep(0.5)
    go.write_text("")
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    data = json.loads(cim("export", portfolio, "--format", "json").stdout)
    (activity,) = data["activities"]
    recorded = sorted(e["path"] for e in activity["evidence"])
    assert recorded == sorted(f"evidence/cafe/{tag}-{i}.pdf" for tag in ("a", "b") for i in range(count))
    assert sorted(os.listdir(portfolio / "evidence" / "cafe")) == sorted(f"{tag}-{i}.pdf" for tag in ("a", "b") for i in range(count))


def test_a_second_command_waits_then_fails_clearly(portfolio, tmp_path, monkeypatch):
    import cim_cli.atomic as atomic

    (tmp_path / "in" / "x.pdf").write_bytes(b"%PDF x")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from cim_cli.atomic import portfolio_lock\nwith portfolio_lock(sys.argv[1]):\n    print('held', flush=True); time.sleep(30)", str(portfolio)],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline().strip() == b"held"
        monkeypatch.setattr(atomic, "WAIT_MESSAGE_AFTER", 0.2)
        with pytest.raises(PortfolioBusy):
            with portfolio_lock(str(portfolio), timeout=0.3):
                pass
        messages = []
        with pytest.raises(PortfolioBusy):
            with portfolio_lock(str(portfolio), timeout=1.5, notify=messages.append):
                pass
        assert messages == ["cim: waiting for another cim command that is changing this portfolio..."]
    finally:
        holder.kill()
        holder.wait()
    # Released when the holder dies (even killed): no lock file left, the next command runs.
    r = cim("evidence", "add", "--portfolio", portfolio, "cafe", tmp_path / "in" / "x.pdf")
    assert r.exit_code == 0, r.stderr
    assert not [n for n in os.listdir(portfolio) if "lock" in n]


def test_busy_portfolio_exits_2(portfolio, tmp_path, monkeypatch):
    import cim_cli.atomic as atomic

    (tmp_path / "in" / "y.pdf").write_bytes(b"%PDF y")
    real = atomic.portfolio_lock
    monkeypatch.setattr(atomic, "portfolio_lock", lambda folder, **kw: real(folder, **{**kw, "timeout": 0.2}))
    with real(str(portfolio)):
        # flock: a second open of the folder conflicts even in this process.
        r = cim("evidence", "add", "--portfolio", portfolio, "cafe", tmp_path / "in" / "y.pdf")
    assert r.exit_code == 2
    assert "another cim command has been changing this portfolio" in r.stderr
    assert "y.pdf" not in (portfolio / "activities" / "cafe.yaml").read_text()


def test_leftover_temporary_files_are_cleaned(portfolio, tmp_path):
    old = time.time() - 3600
    leftovers = [portfolio / "activities" / ".cim-abc123.tmp", portfolio / ".cim-def456.tmp"]
    for path in leftovers:
        path.write_text("half a record")
        os.utime(path, (old, old))
    fresh = portfolio / "reflections" / ".cim-new.tmp"
    fresh.write_text("being written")
    (tmp_path / "in" / "z.pdf").write_bytes(b"%PDF z")
    r = cim("evidence", "add", "--portfolio", portfolio, "cafe", tmp_path / "in" / "z.pdf")
    assert r.exit_code == 0
    assert not any(p.exists() for p in leftovers)
    assert "removed activities/.cim-abc123.tmp, left by a cim command that was stopped while writing" in r.stderr
    assert fresh.exists() and "reflections/.cim-new.tmp is a recent temporary file" in r.stderr
    assert clean_leftovers(str(portfolio)) == ["reflections/.cim-new.tmp is a recent temporary file of cim; another command may be writing it (kept)"]


def test_a_killed_writer_leaves_a_leftover_the_next_command_reports(portfolio, tmp_path):
    """A real kill in the middle of an atomic write."""
    script = textwrap.dedent(
        """
        import os, sys, time
        from cim_cli.atomic import atomic_writer
        with atomic_writer(os.path.join(sys.argv[1], "activities", "cafe.yaml")) as fh:
            fh.write("title: half")
            fh.flush()
            print("writing", flush=True)
            time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(portfolio)], env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"writing"
    proc.kill()
    proc.wait()
    temps = [n for n in os.listdir(portfolio / "activities") if n.startswith(".cim-")]
    assert len(temps) == 1  # what a killed command leaves
    (tmp_path / "in" / "k.pdf").write_bytes(b"%PDF k")
    r = cim("evidence", "add", "--portfolio", portfolio, "cafe", tmp_path / "in" / "k.pdf")
    assert r.exit_code == 0
    assert f"activities/{temps[0]} is a recent temporary file of cim" in r.stderr
    old = time.time() - 3600
    os.utime(portfolio / "activities" / temps[0], (old, old))
    r = cim("diary", "add", "--portfolio", portfolio, "--text", "note")
    assert r.exit_code == 0 and f"removed activities/{temps[0]}" in r.stderr
    assert not (portfolio / "activities" / temps[0]).exists()
