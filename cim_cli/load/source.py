"""Where a portfolio's files come from: a folder on disk, or a git tree at a revision.

The loader (:mod:`cim_cli.load.portfolio`) asks a :class:`Source` four
things: resolve a portfolio-relative path (with the same safety rules
either way), list a folder, read a file's bytes (up to a cap), and digest a
file. Data flows one way: source -> loader -> model; the model never does
I/O and never knows which source it came from.

The trust layer (:mod:`cim_cli.trust`) reads signed records and digests the
files they cover through the same source (the model hands it on as
``Portfolio.files``), so ``--rev`` judges the approvals and credentials *as
committed*, never the work tree. For it a source also answers what an
entry is without following it (:meth:`Source.kind`), whether a folder
exists (:meth:`Source.is_folder`, one ``stat`` on disk), every file below a
folder (:meth:`Source.walk`) and a file's digest as git stores it under
``text=auto`` (:meth:`Source.text_digest`, see :mod:`cim_cli.trust.digests`).

:class:`DiskSource` is :class:`cim_cli.load.files.Resolver` and
:func:`cim_cli.load.files.read_bytes`. :class:`GitTreeSource` reads straight
from the object database through one ``git cat-file --batch`` process per
repository and process (:func:`cim_cli.gitrepo.object_reader`): nothing is
written anywhere, sizes come from the tree listing, so a file over its cap is
never read, and a symbolic link is followed inside the tree exactly as the
disk resolver follows it (one that leads outside the portfolio is unsafe).
"""

from __future__ import annotations

import hashlib
import os
import stat
from typing import Iterable, Mapping

from cim_cli.load import files
from cim_cli.model import MISSING, NOT_REGULAR, OK, UNSAFE
from cim_cli.record import Record



# A listing that exists but could not be read (permissions): its reason says why.
UNREADABLE = "unreadable"

OUTSIDE = "leads outside the portfolio folder (through a symbolic link)"
_APPROVALS_DIR = "approvals"  # cim_cli.trust.APPROVALS_DIR (not imported: the loader never loads the trust layer)
# What one portfolio at a revision may read from git in all (texts it checks
# and evidence it digests); past it, files are reported and not read.
MAX_PORTFOLIO_READ = 256 * 1024 * 1024
MAX_LINK_TARGET = 4096
MAX_LINK_HOPS = 40  # as the kernel's ELOOP limit
_S_IFLNK = 0o120000
_S_IFMT = 0o170000
_CACHE_BLOB = 64 * 1024  # contents up to this size are kept for a second read
# The texts a loader reads (records, reflections, report, diary) are fetched
# together on the first read, in one round trip to git, up to this much.
_PREFETCH_BYTES = 1024 * 1024
_TEXT_SUFFIXES = (".yaml", ".yml", ".md")


class Listing(Record):
    """The names in a portfolio folder, or why there are none."""

    status: str  # OK, MISSING, UNSAFE, NOT_REGULAR (not a folder), UNREADABLE
    names: tuple[str, ...]
    reason: str

    _defaults = {'names': (), 'reason': ""}


class Source:
    """A portfolio's files. ``root`` is the portfolio's path as shown to people."""

    root: str
    read_total = 0  # bytes read so far (what a run's budget counts)

    def resolve(self, rel: str) -> files.Resolved:  # pragma: no cover - interface
        """Resolve ``rel`` as written in a record (see :class:`cim_cli.load.files.Resolver`)."""
        raise NotImplementedError

    def list_folder(self, rel: str) -> Listing:  # pragma: no cover - interface
        """The names of the entries of folder ``rel``, sorted."""
        raise NotImplementedError

    def read_bytes(self, found: files.Resolved, limit: int) -> bytes:  # pragma: no cover - interface
        """The bytes of a file ``resolve`` found OK; :class:`files.ReadError` when over ``limit``."""
        raise NotImplementedError

    def sha256(self, found: files.Resolved) -> str:  # pragma: no cover - interface
        """The SHA-256 (hex) of the whole content of a file ``resolve`` found OK."""
        raise NotImplementedError

    def read_text(self, found: files.Resolved, limit: int) -> str:
        """Decoded text of a file (see :func:`cim_cli.load.files.decode_text`)."""
        return files.decode_text(self.read_bytes(found, limit))

    # -- what the trust layer asks -------------------------------------------
    def is_folder(self, rel: str) -> bool:  # pragma: no cover - interface
        """Whether ``rel`` is a folder (a link to one counts); cheap, as it decides whether trust is loaded at all."""
        raise NotImplementedError

    def kind(self, rel: str) -> str:  # pragma: no cover - interface
        """What ``rel`` itself is, its last name not followed: FILE, LINK, FOLDER, OTHER, or "" when nothing is there."""
        raise NotImplementedError

    def walk(self, folder: str) -> list[str]:  # pragma: no cover - interface
        """Every file below ``folder``, portfolio-relative, ``/``-separated and sorted.

        Names starting with a dot are left out (at any depth); links are
        listed, never followed. ``folder`` itself when it is a link or a
        file; nothing when it does not exist.
        """
        raise NotImplementedError

    def text_digest(self, rel: str) -> str | None:  # pragma: no cover - interface
        """The ``git-text-auto`` SHA-256 of ``rel`` (:mod:`cim_cli.trust.digests`); None when it does not exist.

        A link is hashed as its target's path, never followed. Raises
        :class:`cim_cli.trust.digests.DigestError` for an entry that cannot
        be hashed (not a file or link, unreadable, outside the portfolio).
        """
        raise NotImplementedError


# What Source.kind answers.
FILE, LINK, FOLDER, OTHER = "file", "link", "folder", "other"


class DiskSource(Source):
    """A portfolio folder on disk."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.resolver = files.Resolver(root)

    def resolve(self, rel: str) -> files.Resolved:
        return self.resolver.resolve(rel)

    def list_folder(self, rel: str) -> Listing:
        where = self.resolve(rel)
        if where.status in (MISSING, UNSAFE):
            return Listing(where.status, (), where.reason)
        path = os.path.join(self.resolver.root_real, rel)
        if not os.path.isdir(path):
            return Listing(NOT_REGULAR, (), "is not a folder")
        try:
            return Listing(OK, tuple(sorted(os.listdir(path))))
        except OSError as exc:
            return Listing(UNREADABLE, (), exc.strerror or "error")

    def read_bytes(self, found: files.Resolved, limit: int) -> bytes:
        data = files.read_bytes(found.path, limit)
        self.read_total += len(data)
        return data

    def sha256(self, found: files.Resolved) -> str:
        digest = hashlib.sha256()
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(found.path, flags)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise files.ReadError("path-unsafe", "is not a regular file; it was not opened")
            while chunk := os.read(fd, 1 << 16):
                digest.update(chunk)
        finally:
            os.close(fd)
        return digest.hexdigest()

    def _path(self, rel: str) -> str:
        return os.path.join(self.root, *rel.split("/"))

    def is_folder(self, rel: str) -> bool:
        return os.path.isdir(self._path(rel))

    def kind(self, rel: str) -> str:
        try:
            mode = os.lstat(self._path(rel)).st_mode
        except (OSError, ValueError):
            return ""
        if stat.S_ISLNK(mode):
            return LINK
        if stat.S_ISDIR(mode):
            return FOLDER
        return FILE if stat.S_ISREG(mode) else OTHER

    def walk(self, folder: str) -> list[str]:
        from cim_cli.trust.digests import walk_files

        return walk_files(self.root, folder)

    def text_digest(self, rel: str) -> str | None:
        from cim_cli.trust.digests import DigestError, file_digest

        root_real = self.resolver.root_real
        inside = root_real.rstrip(os.sep) + os.sep
        path = self._path(rel)
        folder = os.path.realpath(os.path.dirname(path))
        if folder != root_real and not folder.startswith(inside):
            raise DigestError(0, "lies outside the portfolio (through a symbolic link)", rel)
        if not os.path.lexists(path):
            return None
        return file_digest(path)


class _Outside(Exception):
    """A path whose folders lead outside the portfolio."""


class Blob(Record):
    """A tree entry below a portfolio: git mode, kind (blob/tree/commit), object id, size."""

    mode: int
    kind: str
    oid: str
    size: int


class GitTreeSource(Source):
    """A portfolio as committed: its tree entries (from one ``ls-tree`` of the revision) and a repository.

    Small and picklable, so a batch hands it to a worker process as it is;
    each process reads blobs through its own ``cat-file`` process. The entries
    are given as a mapping, or as the portfolio's run of ``ls-tree`` records
    (bytes, the repository path prefix ``strip`` characters long), parsed on
    first use: a cohort's sources then cost the parent the listing's bytes
    and nothing more.
    """

    def __init__(self, root: str, git_dir: str, entries: Mapping[str, Blob] | None = None, budget: int = MAX_PORTFOLIO_READ,
                 *, records: bytes = b"", strip: int = 0) -> None:
        self.root = root
        self.git_dir = git_dir
        self._entries = None if entries is None else dict(entries)
        self._records = records
        self._strip = strip
        self.budget = budget
        self.read_total = 0
        self.run_limit = 0  # set when the whole run's budget is spent: nothing is read
        self._answers: dict[str, files.Resolved] = {}
        self._cache: dict[str, bytes] = {}
        self._prefetched = False
        # object id -> git-text digest, computed while the loader hashed the blob: the
        # trust layer then does not read it (and charge the budget) a second time.
        self._text_digests: dict[str, str] = {}

    @property
    def entries(self) -> dict[str, Blob]:
        """Portfolio-relative "/"-separated path -> :class:`Blob`."""
        if self._entries is None:
            from cim_cli.gitrepo import tree_records

            strip = self._strip
            self._entries = {e.path[strip:]: Blob(e.mode, e.kind, e.oid, e.size) for _, _, e in tree_records(self._records)}
            self._records = b""
        return self._entries

    def __getstate__(self) -> dict:
        return {"root": self.root, "git_dir": self.git_dir, "entries": self._entries, "records": self._records,
                "strip": self._strip, "budget": self.budget, "run_limit": self.run_limit}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["root"], state["git_dir"], state["entries"], state["budget"], records=state["records"], strip=state["strip"])
        self.run_limit = state["run_limit"]

    def exhaust(self, run_limit: int) -> None:
        """The run has read ``run_limit`` bytes from git already: read nothing, say so per file."""
        self.budget = 0
        self.run_limit = run_limit

    # -- reading objects -------------------------------------------------------
    def _reader(self):
        from cim_cli.gitrepo import object_reader

        return object_reader(self.git_dir)

    def _charge(self, size: int) -> None:
        if self.run_limit:
            raise files.ReadError(
                "file-too-large",
                f"was not read: this run already read {self.run_limit / 2**30:g} GiB from git, the limit for one run; "
                "check the remaining portfolios in a separate run",
            )
        if self.read_total + size > self.budget:
            raise files.ReadError(
                "file-too-large",
                f"was not read: this portfolio's files at the revision add up to more than {self.budget // (1024 * 1024)} MiB, "
                "more than cim reads for one portfolio; keep large material out of the portfolio",
            )
        self.read_total += size

    def _prefetch(self) -> None:
        """Fetch the portfolio's small text files in one round trip (a dozen reads become one)."""
        self._prefetched = True
        wanted: dict[str, int] = {}
        total = 0
        for path, blob in self.entries.items():
            if blob.kind != "blob" or blob.mode & _S_IFMT == _S_IFLNK or blob.oid in wanted:
                continue
            if path.lower().endswith(_TEXT_SUFFIXES) and 0 < blob.size <= files.MAX_TEXT_BYTES and total + blob.size <= _PREFETCH_BYTES:
                wanted[blob.oid] = blob.size
                total += blob.size
        if not wanted or self.run_limit or self.read_total + total > self.budget:
            return
        from cim_cli.gitrepo import GitFailed

        try:
            got = self._reader().read_many(list(wanted))
        except GitFailed:
            return  # each file is then read (and its failure reported) on its own
        self.read_total += sum(len(v) for v in got.values())
        self._cache.update(got)

    def _blob(self, blob: Blob) -> bytes:
        if not self._prefetched:
            self._prefetch()
        data = self._cache.get(blob.oid)
        if data is None:
            self._charge(blob.size)
            data = self._reader().read(blob.oid)
            if len(data) <= _CACHE_BLOB:
                self._cache[blob.oid] = data
        return data

    def read_bytes(self, found: files.Resolved, limit: int) -> bytes:
        size = found.size or 0
        if size > limit:
            raise files.ReadError("file-too-large", f"is {size:,} bytes; the limit is {limit:,}")
        from cim_cli.gitrepo import GitFailed

        try:
            return self._blob(Blob(0, "blob", found.path, size))
        except GitFailed as exc:
            raise files.ReadError("file-missing", f"cannot be read from git ({exc})") from None

    def sha256(self, found: files.Resolved) -> str:
        from cim_cli.gitrepo import GitFailed

        self._charge(found.size or 0)
        if self.kind(_APPROVALS_DIR) != FOLDER:
            digest = hashlib.sha256()
            try:
                for piece in self._reader().chunks(found.path):
                    digest.update(piece)
            except GitFailed as exc:
                raise files.ReadError("file-missing", f"cannot be read from git ({exc})") from None
            return digest.hexdigest()
        # Approvals will digest this file too: hash it both ways in the one read.
        from cim_cli.trust.digests import _Hasher

        hasher = _Hasher()
        try:
            for piece in self._reader().chunks(found.path):
                hasher.feed(piece, final=False)
        except GitFailed as exc:
            raise files.ReadError("file-missing", f"cannot be read from git ({exc})") from None
        self._text_digests[found.path] = hasher.digest()
        return hasher.raw.hexdigest()

    def _link_target(self, blob: Blob) -> str | None:
        if blob.size > MAX_LINK_TARGET:
            return None
        try:
            raw = self._blob(blob)
        except Exception:  # noqa: BLE001 - an unreadable link leads nowhere
            return None
        if b"\0" in raw:
            return None
        return os.fsdecode(raw)

    # -- paths -----------------------------------------------------------------
    def resolve(self, rel: str) -> files.Resolved:
        known = self._answers.get(rel)
        if known is None:
            known = self._answers[rel] = self._resolve(rel)
        return known

    def _walk(self, rel: str) -> tuple[str, str, Blob | None, str]:
        """(status, path reached, its entry, reason) for ``rel``, following links inside the tree."""
        queue = [p for p in rel.replace("\\", "/").split("/") if p not in ("", ".")]
        here: list[str] = []  # folders below the portfolio root, links already followed
        hops = 0
        i = 0
        while i < len(queue):
            name = queue[i]
            i += 1
            if name == "..":  # only from a link's target: spelling checks refuse it in records
                if not here:
                    return UNSAFE, "", None, OUTSIDE
                here.pop()
                continue
            if name in ("", "."):
                continue
            path = "/".join([*here, name])
            entry = self.entries.get(path)
            if entry is None:
                return MISSING, "", None, "does not exist"
            if entry.kind == "commit":
                return NOT_REGULAR, "", None, "is a git submodule (another repository); it was not read"
            if entry.kind == "blob" and entry.mode & _S_IFMT == _S_IFLNK:
                hops += 1
                target = self._link_target(entry) if hops <= MAX_LINK_HOPS else None
                if target is None:
                    return MISSING, "", None, "cannot be read (a symbolic link that leads nowhere)"
                if target.startswith(("/", "\\")) or files.is_unsafe_spelling(target).startswith("is absolute"):
                    return UNSAFE, "", None, OUTSIDE
                queue = target.replace("\\", "/").split("/") + queue[i:]
                i = 0
                continue
            if entry.kind == "blob" and i < len(queue):
                return MISSING, "", None, "does not exist"  # a file used as a folder
            here.append(name)
        if not here:
            return NOT_REGULAR, "", None, "is a folder"  # the portfolio folder itself
        path = "/".join(here)
        return OK, path, self.entries[path], ""

    def _resolve(self, rel: str) -> files.Resolved:
        why = files.is_unsafe_spelling(rel)
        if why:
            return files.Resolved(UNSAFE, None, why)
        status, reached, entry, reason = self._walk(rel)
        if status != OK or entry is None:
            return files.Resolved(status, None, reason)
        if entry.kind == "tree":
            return files.Resolved(NOT_REGULAR, None, "is a folder")
        return files.Resolved(OK, entry.oid, "", entry.size, reached)

    def list_folder(self, rel: str) -> Listing:
        why = files.is_unsafe_spelling(rel)
        if why:
            return Listing(UNSAFE, (), why)
        status, folder, entry, reason = self._walk(rel)
        if status in (MISSING, UNSAFE):
            return Listing(status, (), reason)
        if entry is None or entry.kind != "tree":
            return Listing(NOT_REGULAR, (), "is not a folder")
        # The entries directly below the folder reached (links followed).
        prefix = folder + "/"
        names = sorted(p[len(prefix):] for p in self.entries if p.startswith(prefix) and "/" not in p[len(prefix):])
        return Listing(OK, tuple(names))

    # -- what the trust layer asks ---------------------------------------------
    def is_folder(self, rel: str) -> bool:
        if files.is_unsafe_spelling(rel):
            return False
        status, _, entry, _ = self._walk(rel)
        return status == OK and entry is not None and entry.kind == "tree"

    def _last(self, rel: str) -> tuple[str, Blob | None]:
        """(path in the tree, its entry or None) of ``rel``: the folders on the way followed as the disk follows them, the last name not."""
        parent, _, name = rel.rpartition("/")
        if not parent:
            return rel, self.entries.get(rel)
        if files.is_unsafe_spelling(parent):
            raise _Outside
        status, reached, entry, _ = self._walk(parent)
        if status == UNSAFE:
            raise _Outside
        if status != OK or entry is None or entry.kind != "tree":
            return rel, None
        path = f"{reached}/{name}"
        return path, self.entries.get(path)

    def kind(self, rel: str) -> str:
        try:
            _, entry = self._last(rel)
        except _Outside:
            return ""
        if entry is None:
            return ""
        if entry.kind == "tree":
            return FOLDER
        if entry.kind != "blob":
            return OTHER  # a submodule
        return LINK if entry.mode & _S_IFMT == _S_IFLNK else FILE

    def walk(self, folder: str) -> list[str]:
        top = self.kind(folder)
        if top != FOLDER:
            return [folder] if top else []
        prefix = folder + "/"
        found = []
        for path, entry in self.entries.items():
            if not path.startswith(prefix) or entry.kind == "tree":
                continue
            if any(name.startswith(".") for name in path[len(prefix):].split("/")):
                continue  # as walk_files prunes dot-folders and skips dot-files
            found.append(path)
        return sorted(found)

    def text_digest(self, rel: str) -> str | None:
        from cim_cli.gitrepo import GitFailed
        from cim_cli.trust.digests import DigestError, _Hasher, git_text_digest_of_bytes

        try:
            _, entry = self._last(rel)
        except _Outside:
            raise DigestError(0, "lies outside the portfolio (through a symbolic link)", rel) from None
        if entry is None:
            return None
        if entry.kind != "blob":
            raise DigestError(0, "not a regular file", rel)
        try:
            if entry.mode & _S_IFMT == _S_IFLNK:
                # git stores a link as its target's path: the digest file_digest gives a link on disk.
                return hashlib.sha256(self._blob(entry)).hexdigest()
            known = self._text_digests.get(entry.oid)
            if known is not None:
                return known
            if entry.oid in self._cache:  # a record or text the loader has read already
                known = self._text_digests[entry.oid] = git_text_digest_of_bytes(self._cache[entry.oid])
                return known
            self._charge(entry.size)
            hasher = _Hasher()
            for piece in self._reader().chunks(entry.oid):
                hasher.feed(piece, final=False)
            known = self._text_digests[entry.oid] = hasher.digest()
            return known
        except files.ReadError as exc:
            raise DigestError(0, exc.message, rel) from None
        except GitFailed as exc:
            raise DigestError(0, f"cannot be read from git ({exc})", rel) from None


def entries_below(entries: Iterable, prefix: str) -> dict[str, Blob]:
    """Portfolio-relative entries of the portfolio at repository path ``prefix`` ("" for the top)."""
    start = prefix + "/" if prefix else ""
    return {e.path[len(start):]: Blob(e.mode, e.kind, e.oid, e.size) for e in entries if e.path.startswith(start) and e.path != prefix}


__all__ = ["Blob", "DiskSource", "FILE", "FOLDER", "GitTreeSource", "LINK", "Listing", "MAX_PORTFOLIO_READ", "OTHER", "Source", "UNREADABLE", "entries_below"]
