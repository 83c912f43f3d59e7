"""Digests of approved files: the bytes git stores, so line endings cannot break an approval.

An approval signs the SHA-256 of each file in its scope. A portfolio is a git
repository that students clone on Windows and macOS; with ``core.autocrlf``
or ``* text=auto`` git checks text files out with CRLF and stores them with
LF. If cim hashed the bytes on disk, a fresh Windows checkout of an approved
portfolio would look edited. So cim hashes what git stores under
``text=auto``, computed from the file alone (no git needed, nothing of the
repository's configuration consulted):

* The file is classified exactly as git's ``convert.c`` does for
  ``text=auto`` (``gather_stats`` / ``convert_is_binary``): binary when it
  holds a NUL byte, a lone CR (not followed by LF), or when
  ``printable / 128 < non-printable`` (BS, TAB, ESC, FF and bytes >= 0x20
  except DEL are printable; a final Ctrl-Z is forgiven).
* Text files are hashed with every CRLF replaced by LF, which is what
  ``git add`` stores for them with ``core.autocrlf=true`` or ``text=auto``;
  binary files (PDFs, photos) are hashed byte for byte.
* A symbolic link is hashed as its target's path (what git stores for a
  link), never followed; FIFOs, devices and sockets are never opened.

So a CRLF checkout of an LF commit, an LF checkout of a CRLF-edited file and
the committed blob all give one digest, and any other change of a byte
changes it. ``tests/test_trust_digests.py`` checks the digest against the
blob ``git add`` stores with ``core.autocrlf=true``. Files are read in
chunks: memory stays bounded whatever the evidence's size.
"""

from __future__ import annotations

import hashlib
import os
import stat

CHUNK = 1 << 20
NORMALISATION = "git-text-auto"  # named in each approval, so the rule can change with a new name
# Bytes git counts as non-printable: controls except BS, TAB, LF, FF, CR, ESC; and DEL.
_NONPRINTABLE = bytes(c for c in range(32) if c not in (8, 9, 10, 12, 13, 27)) + b"\x7f"


class DigestError(OSError):
    """A file in scope that cannot be hashed (not a regular file or link, unreadable)."""


def git_text_digest_of_bytes(data: bytes) -> str:
    """The digest of ``data`` as :func:`file_digest` computes it for a file holding it."""
    hasher = _Hasher()
    hasher.feed(data)
    return hasher.digest()


class _Hasher:
    """Hashes a stream twice (as is, and CRLF->LF) while gathering git's text statistics."""

    def __init__(self) -> None:
        self.raw = hashlib.sha256()
        self.normal = hashlib.sha256()
        self.carry = b""  # a CR held back: its LF may start the next chunk
        self.nul = self.lone_cr = self.crlf = self.printable = self.nonprintable = 0
        self.last = b""

    def feed(self, chunk: bytes, final: bool = True) -> None:
        if not chunk and not final:
            return
        self.raw.update(chunk)
        if chunk:
            self.last = chunk[-1:]
        data = self.carry + chunk
        self.carry = b""
        if not final and data.endswith(b"\r"):
            data, self.carry = data[:-1], b"\r"
        crs, crlfs = data.count(b"\r"), data.count(b"\r\n")
        nonprintable = len(data) - len(data.translate(None, _NONPRINTABLE))
        self.crlf += crlfs
        self.lone_cr += crs - crlfs
        self.nul += data.count(0)
        self.nonprintable += nonprintable
        self.printable += len(data) - nonprintable - crs - data.count(b"\n")
        self.normal.update(data.replace(b"\r\n", b"\n") if crlfs else data)

    def digest(self) -> str:
        if self.carry:
            self.feed(b"", final=True)
        nonprintable = self.nonprintable - (1 if self.last == b"\x1a" else 0)
        binary = self.lone_cr > 0 or self.nul > 0 or (self.printable >> 7) < nonprintable
        return (self.raw if binary else self.normal).hexdigest()


def file_digest(path: str) -> str:
    """SHA-256 (hex) of the file at ``path`` as git stores it under ``text=auto``; DigestError if it cannot be read."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise DigestError(exc.errno, exc.strerror, path) from None
    if stat.S_ISLNK(st.st_mode):
        return hashlib.sha256(os.fsencode(os.readlink(path))).hexdigest()
    if not stat.S_ISREG(st.st_mode):
        raise DigestError(0, "not a regular file", path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise DigestError(exc.errno, exc.strerror, path) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise DigestError(0, "not a regular file", path)
        hasher = _Hasher()
        while True:
            chunk = os.read(fd, CHUNK)
            if not chunk:
                break
            hasher.feed(chunk, final=False)
        return hasher.digest()
    except OSError as exc:
        if isinstance(exc, DigestError):
            raise
        raise DigestError(exc.errno, exc.strerror, path) from None
    finally:
        os.close(fd)


def walk_files(root: str, folder: str) -> list[str]:
    """Every file below ``folder`` (portfolio-relative), ``/``-separated and sorted.

    Names starting with a dot (``.DS_Store``, ``.git``) are left out, as the
    loader leaves them out. Links are listed, never followed (a link to a
    folder is one entry).
    """
    base = os.path.join(root, folder)
    if os.path.islink(base) or not os.path.isdir(base):
        return [folder] if os.path.lexists(base) else []
    found: list[str] = []
    for here, dirs, names in os.walk(base, followlinks=False):
        rel = os.path.relpath(here, root).replace(os.sep, "/")
        kept = []
        for d in sorted(dirs):
            if d.startswith("."):
                continue
            if os.path.islink(os.path.join(here, d)):
                found.append(f"{rel}/{d}")  # a link to a folder is one entry, never followed
            else:
                kept.append(d)
        dirs[:] = kept
        found.extend(f"{rel}/{n}" for n in names if not n.startswith("."))
    return sorted(found)
