"""Atomic writes: a temporary file in the same folder, fsync, then os.replace.

An interrupted write leaves either the old file or the new one, never a
truncated one. ``exclusive=True`` refuses to replace an existing file, even
one that appears while we write.
"""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import contextmanager
from typing import IO, Iterator


@contextmanager
def atomic_writer(path: str | os.PathLike, *, exclusive: bool = False, binary: bool = False, errors: str = "strict") -> Iterator[IO]:
    """Yield a file whose content replaces ``path`` only when the block ends normally.

    ``errors``: the text encoding's error handler (cim's outputs pass
    :data:`cim_cli.textsafe.OUTPUT_ERRORS`).
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if exclusive and os.path.lexists(path):
        raise FileExistsError(path)
    if os.path.exists(path) and not os.path.isfile(path):
        # Replacing /dev/null or a FIFO with a regular file would break what uses it.
        raise IsADirectoryError(errno.EISDIR, "not a regular file", path) if os.path.isdir(path) else OSError(errno.EINVAL, "not a regular file", path)
    fd, tmp = tempfile.mkstemp(prefix=".cim-", suffix=".tmp", dir=folder)
    try:
        # mkstemp makes the file private (0600); give it the mode the file had,
        # or what a plain open() would give a new file.
        os.chmod(tmp, _mode_for(path))
        mode = "wb" if binary else "w"
        with os.fdopen(fd, mode, **({} if binary else {"encoding": "utf-8", "newline": "", "errors": errors})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if exclusive:
            os.link(tmp, path)  # fails if the name appeared meanwhile
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _mode_for(path: str) -> int:
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_text(path: str | os.PathLike, text: str, *, exclusive: bool = False) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_writer(path, exclusive=exclusive) as fh:
        fh.write(text)


def write_bytes(path: str | os.PathLike, data: bytes, *, exclusive: bool = False) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_writer(path, exclusive=exclusive, binary=True) as fh:
        fh.write(data)
