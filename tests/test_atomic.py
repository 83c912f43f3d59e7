"""Atomic writes: no truncated files, no temp files left, modes as a plain write."""

from __future__ import annotations

import os
import stat

import pytest

from cim_cli.atomic import atomic_writer, write_text


def test_new_file_gets_the_umask_mode(tmp_path):
    old = os.umask(0o022)
    try:
        write_text(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "a.txt").st_mode) == 0o644


def test_replacing_keeps_the_mode(tmp_path):
    f = tmp_path / "a.sh"
    f.write_text("old")
    os.chmod(f, 0o755)
    write_text(f, "new")
    assert f.read_text() == "new"
    assert stat.S_IMODE(os.stat(f).st_mode) == 0o755


def test_interrupted_write_leaves_the_old_file_and_no_temp(tmp_path):
    f = tmp_path / "report.md"
    f.write_text("the student's words")
    with pytest.raises(RuntimeError):
        with atomic_writer(f) as fh:
            fh.write("half of the new")
            raise RuntimeError("interrupted")
    assert f.read_text() == "the student's words"
    assert os.listdir(tmp_path) == ["report.md"]


def test_exclusive_never_replaces(tmp_path):
    f = tmp_path / "student.yaml"
    f.write_text("mine")
    with pytest.raises(FileExistsError):
        write_text(f, "theirs", exclusive=True)
    assert f.read_text() == "mine"
    assert os.listdir(tmp_path) == ["student.yaml"]


def test_never_replaces_a_device_or_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError):
        write_text(fifo, "x")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_output_option_writes_into_a_fifo_instead_of_replacing_it(tmp_path):
    """`-o /dev/null` (or a FIFO) is written to, not swapped for a regular file."""
    import threading

    from typer.testing import CliRunner

    from conftest import EXAMPLES
    from cim_cli.cli import app

    fifo = tmp_path / "out"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(open(fifo, "rb").read()))
    reader.start()
    result = CliRunner().invoke(app, ["validate", str(EXAMPLES / "ready-ada"), "--format", "json", "-o", str(fifo)])
    reader.join(timeout=30)
    assert result.exit_code == 0
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert b'"student_id": "ada-2023-0142"' in received[0]
