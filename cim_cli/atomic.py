"""Atomic writes: a temporary file in the same folder, fsync, then os.replace.

An interrupted write leaves either the old file or the new one, never a
truncated one. ``exclusive=True`` refuses to replace an existing file, even
one that appears while we write.

Commands that change a portfolio hold :func:`portfolio_lock` for their whole
read-modify-write, so two of them never both read the old record and one
loses the other's change.
"""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import contextmanager
from typing import IO, Iterator

# Prefix and suffix of atomic_writer's temporary files (found again by clean_leftovers).
TEMP_PREFIX, TEMP_SUFFIX = ".cim-", ".tmp"


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
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
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


# -- the portfolio lock ----------------------------------------------------------------------

# Folders of a portfolio that cim writes into (evidence/<slug>/ below evidence/ too).
_WRITTEN_FOLDERS = ("", "activities", "reflections", "diary", "evidence")
# A temporary file younger than this may belong to a command still writing
# outside the lock (``cim validate -o`` into the portfolio): reported, not removed.
LEFTOVER_AGE = 60.0
WAIT_MESSAGE_AFTER = 1.0
DEFAULT_LOCK_TIMEOUT = 60.0


class PortfolioBusy(OSError):
    """Another cim command held the portfolio's lock for longer than the timeout."""


@contextmanager
def portfolio_lock(root: str | os.PathLike, *, timeout: float = DEFAULT_LOCK_TIMEOUT, notify=None) -> Iterator[None]:
    """Hold the portfolio's lock for a whole read-modify-write (every command that writes).

    Mechanism: ``flock(LOCK_EX)`` on a file descriptor of the portfolio folder
    itself. It needs no lock file (nothing a student could commit or that
    could be left behind: the kernel releases it when the process ends, even
    killed), it is held per open descriptor so two processes exclude each
    other, and it only affects cim commands (editors and git do not take it).
    On Windows, where folders cannot be locked, ``msvcrt.locking`` on a file
    in the temporary folder named after the portfolio's real path.

    A second command waits, saying so on stderr (``notify``) after a second,
    and raises :class:`PortfolioBusy` after ``timeout`` seconds. Once the lock
    is held, temporary files left by a command that was killed while writing
    are removed (and reported through ``notify``).
    """
    import time

    path = os.fspath(root)
    handle = _open_lock(path)
    try:
        start = time.monotonic()
        told = False
        while not _try_lock(handle):
            waited = time.monotonic() - start
            if waited >= timeout:
                raise PortfolioBusy(errno.EWOULDBLOCK, f"another cim command has been changing this portfolio for {timeout:g} s; try again when it has finished", path)
            if not told and waited >= WAIT_MESSAGE_AFTER and notify is not None:
                notify("cim: waiting for another cim command that is changing this portfolio...")
                told = True
            time.sleep(0.05)
        for note in clean_leftovers(path):
            if notify is not None:
                notify(f"cim: {note}")
        yield
    finally:
        _close_lock(handle)


def _open_lock(path: str):
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import hashlib
        import tempfile

        digest = hashlib.sha256(os.path.realpath(path).encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return open(os.path.join(tempfile.gettempdir(), f"cim-{digest}.lock"), "a+b")
    return os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))


def _try_lock(handle) -> bool:
    if os.name == "nt":  # pragma: no cover
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _close_lock(handle) -> None:
    if os.name == "nt":  # pragma: no cover
        handle.close()  # closing releases the byte lock
        return
    os.close(handle)  # closing releases the flock


def clean_leftovers(root: str) -> list[str]:
    """Remove atomic_writer's temporary files a killed command left in the portfolio.

    Call with the portfolio's lock held. Returns a note per file removed, or
    kept because it is recent (a command outside the lock may still be writing it).
    """
    import time

    folders = [os.path.join(root, f) if f else root for f in _WRITTEN_FOLDERS]
    try:
        with os.scandir(os.path.join(root, "evidence")) as it:
            folders += [e.path for e in it if e.is_dir(follow_symlinks=False)]
    except OSError:
        pass
    notes: list[str] = []
    now = time.time()
    for folder in folders:
        try:
            with os.scandir(folder) as it:
                found = [e for e in it if e.name.startswith(TEMP_PREFIX) and e.name.endswith(TEMP_SUFFIX) and e.is_file(follow_symlinks=False)]
        except OSError:
            continue
        for entry in found:
            shown = os.path.relpath(entry.path, root)
            try:
                if now - entry.stat(follow_symlinks=False).st_mtime < LEFTOVER_AGE:
                    notes.append(f"{shown} is a recent temporary file of cim; another command may be writing it (kept)")
                    continue
                os.unlink(entry.path)
                notes.append(f"removed {shown}, left by a cim command that was stopped while writing")
            except OSError:
                continue
    return notes
