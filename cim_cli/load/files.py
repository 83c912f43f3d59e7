"""Safe access to files inside a portfolio.

Every path a student writes is resolved here: absolute paths, Windows drive
paths, ``..`` components and symlinks that lead outside the portfolio are
refused; anything but a regular file (FIFO, device, socket, folder) is never
opened, so a FIFO cannot make cim wait forever; sizes are capped.
"""

from __future__ import annotations

import os
import re
import stat
from typing import Callable

from cim_cli.model import MISSING, NOT_REGULAR, OK, UNSAFE
from cim_cli.record import Record



# Caps on what cim reads. A portfolio's YAML records are small; reports and
# reflections are a few thousand words (256 KiB is about 40,000). Anything
# larger is a mistake or an attack; the cap also bounds the slowest render of
# hostile markdown (linear, 6 s at 256 KiB: benchmarks/results-markdown.md).
MAX_YAML_BYTES = 256 * 1024
MAX_TEXT_BYTES = 256 * 1024

_DRIVE = re.compile(r"^[A-Za-z]:")
_BOM = b"\xef\xbb\xbf"


class Resolved(Record):
    """Outcome of resolving a portfolio-relative path."""

    status: str  # OK, MISSING, UNSAFE, NOT_REGULAR
    path: str | None  # absolute filesystem path when status is OK (a git object id for a tree source)
    reason: str
    size: int | None
    # Where the path really leads (symbolic links followed), relative to the
    # portfolio root and '/'-separated, when status is OK.
    real: str | None

    _defaults = {'reason': "", 'size': None, 'real': None}


def is_unsafe_spelling(rel: str) -> str:
    """Why ``rel`` may not be used as a portfolio path, or "" when it may."""
    if not rel or not rel.strip():
        return "is empty"
    if "\x00" in rel:
        return "contains a NUL character"
    if rel.startswith(("/", "\\")) or _DRIVE.match(rel):
        return "is absolute; write it relative to the portfolio folder"
    parts = re.split(r"[\\/]", rel)
    if ".." in parts:
        return "contains '..'; paths must stay inside the portfolio folder"
    return ""


class Resolver:
    """Resolves portfolio-relative paths, remembering each folder's real path.

    ``os.path.realpath`` costs one ``lstat`` per path component; a portfolio
    names many files in the same few folders, so folders are resolved once
    and only the last component is examined per file.
    """

    def __init__(self, root: str) -> None:
        self.root_real = os.path.realpath(root)
        self._inside = self.root_real.rstrip(os.sep) + os.sep
        self._folders: dict[str, str] = {"": self.root_real}
        self._answers: dict[str, Resolved] = {}

    def _is_inside(self, real: str) -> bool:
        return real == self.root_real or real.startswith(self._inside)

    def resolve(self, rel: str) -> Resolved:
        """Resolve ``rel`` (as written in a record) against the portfolio root.

        Answers are remembered: a loader asks for a reflection or the report
        once as a reference and once to read it.
        """
        known = self._answers.get(rel)
        if known is None:
            known = self._answers[rel] = self._resolve(rel)
        return known

    def _resolve(self, rel: str) -> Resolved:
        why = is_unsafe_spelling(rel)
        if why:
            return Resolved(UNSAFE, None, why)
        folder, _, name = rel.replace("\\", "/").rstrip("/").rpartition("/")
        real_folder = self._folders.get(folder)
        if real_folder is None:
            real_folder = self._folders[folder] = os.path.realpath(os.path.join(self.root_real, folder))
        if not self._is_inside(real_folder):
            return Resolved(UNSAFE, None, "leads outside the portfolio folder (through a symbolic link)")
        real = os.path.join(real_folder, name) if name not in ("", ".") else real_folder
        try:
            st = os.lstat(real)
            if stat.S_ISLNK(st.st_mode):
                real = os.path.realpath(real)
                if not self._is_inside(real):
                    return Resolved(UNSAFE, None, "leads outside the portfolio folder (through a symbolic link)")
                st = os.stat(real)
        except (FileNotFoundError, NotADirectoryError):
            return Resolved(MISSING, None, "does not exist")
        except OSError as exc:
            return Resolved(MISSING, None, f"cannot be read ({exc.strerror})")
        if not stat.S_ISREG(st.st_mode):
            kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
            return Resolved(NOT_REGULAR, None, f"is {kind}")
        return Resolved(OK, real, "", st.st_size, os.path.relpath(real, self.root_real).replace(os.sep, "/"))


def resolve(root_real: str, rel: str) -> Resolved:
    """Resolve one path ``rel`` against the portfolio at ``root_real`` (see :class:`Resolver`)."""
    return Resolver(root_real).resolve(rel)


def find_upwards(start: str, is_it: Callable[[str], bool], cache: dict[str, str | None]) -> str | None:
    """The first folder from ``start`` upwards for which ``is_it(folder)`` holds, or None.

    Every folder passed is remembered in ``cache``, so sibling portfolios of a
    cohort share every lookup above them.
    """
    seen: list[str] = []
    here = start
    found: str | None = None
    while True:
        if here in cache:
            found = cache[here]
            break
        seen.append(here)
        if is_it(here):
            found = here
            break
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    for folder in seen:
        cache[folder] = found
    return found


class ReadError(Exception):
    """A file could not be read as text; ``rule`` says which rule reports it."""

    def __init__(self, rule: str, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.line = line
        self.column = column


def read_bytes(path: str, limit: int) -> bytes:
    """Read a regular file, at most ``limit`` bytes, without ever blocking.

    Opened non-blocking and checked with fstat, so a FIFO swapped in after
    :func:`resolve` still cannot hang the process.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ReadError("file-missing", f"cannot be opened ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ReadError("path-unsafe", "is not a regular file; it was not opened")
        if st.st_size > limit:
            raise ReadError("file-too-large", f"is {st.st_size:,} bytes; the limit is {limit:,}")
        # Read what fstat promises plus one byte (a file may grow meanwhile);
        # asking for ``limit`` bytes would allocate megabytes for every small record.
        want = min(st.st_size, limit) + 1
        chunks: list[bytes] = []
        got = 0
        while got < want:
            chunk = os.read(fd, want - got)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise ReadError("file-too-large", f"is larger than the limit of {limit:,} bytes")
        return data
    except OSError as exc:
        raise ReadError("file-missing", f"cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)


def decode_text(data: bytes) -> str:
    """Decode UTF-8 with or without BOM; anything else raises ReadError('encoding')."""
    if data.startswith(_BOM):
        data = data[3:]
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ReadError("encoding", "is UTF-16; save it as UTF-8", 1, 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + 1
        column = exc.start - (head.rfind(b"\n") + 1) + 1
        return _raise_encoding(line, column, data[exc.start : exc.start + 1])


def _raise_encoding(line: int, column: int, byte: bytes) -> str:
    raise ReadError(
        "encoding",
        f"is not valid UTF-8 (byte 0x{byte.hex()}); save the file as UTF-8",
        line,
        column,
    )


def read_text(path: str, limit: int) -> str:
    """Read and decode a text file safely (see :func:`read_bytes`, :func:`decode_text`)."""
    return decode_text(read_bytes(path, limit))
