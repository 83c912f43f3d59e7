"""Portfolios as committed at a git revision, and what changed since one.

``--rev REV`` checks portfolios as they are in commit REV without touching
the work tree: the tree at REV is read through gitpython (``cat-file``, which
runs no hooks, filters or fsmonitor) and each portfolio's files are written
into a private temporary folder, where the ordinary loader and engine run.
Results carry the real portfolio path, so nothing shows the temporary folder.

``--changed-since REV`` selects the portfolios with any changed path between
REV and the work tree: the committed diff REV..HEAD (trees only) plus what
``git status`` reports (staged, unstaged, untracked, deleted).

Safety: every git process is started through :func:`cim_cli.gitrepo.open_repo`
(hooks, fsmonitor, filters, pagers disarmed). REV is the only text a user
gives git; it is checked first (never an option: no leading ``-``) and
resolved to a commit id, and only that id is passed on. Paths are never
passed to git at all. Symlink blobs become symlinks (so the loader's
``path-unsafe`` checks still apply), submodules are skipped, and sizes are
capped.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

from cim_cli.load.portfolio import STUDENT_FILE

# A blob larger than this is written as a placeholder of the same size (a
# sparse file of zeros) instead of its content: sizes and "too large"
# findings stay right, and a 4 GB video in a portfolio is never read. The
# loader reads at most 2 MiB of any text file, so text is always real.
MAX_BLOB_BYTES = 16 * 1024 * 1024
# Real content written per portfolio; past it, placeholders only.
MAX_PORTFOLIO_BYTES = 256 * 1024 * 1024
MAX_ENTRIES = 100_000  # files and folders per portfolio
MAX_DEPTH = 64
MAX_LINK_TARGET = 4096
MAX_REV_LENGTH = 256

# Folder names discovery never descends into (besides hidden ones).
SKIP_FOLDERS = frozenset({"node_modules"})

_S_IFMT = 0o170000
_S_IFLNK = 0o120000

SHALLOW_HINT = (
    "fetch more history: with actions/checkout set 'fetch-depth: 0' (GitHub), "
    "set the variable 'GIT_DEPTH: 0' (GitLab CI), or run 'git fetch --deepen=50' "
    "(or 'git fetch --unshallow')"
)


class RevisionError(Exception):
    """A revision cannot be used; the message says why and what to do (exit 2)."""


def check_rev(rev: str) -> None:
    """Refuse a REV that git could read as an option or that no revision is spelled like."""
    if not rev or not rev.strip():
        raise RevisionError("the revision is empty")
    if rev.startswith("-"):
        raise RevisionError(f"{rev!r} is not a revision (it starts with '-'); give a branch, tag or commit id")
    if len(rev) > MAX_REV_LENGTH:
        raise RevisionError("the revision is too long to be one")
    if any(ord(ch) < 32 or ord(ch) == 127 or ch.isspace() for ch in rev):
        raise RevisionError(f"{rev!r} is not a revision (it contains spaces or control characters)")
    if ".." in rev:
        # Ranges are not single revisions; ".." also never occurs in a ref name.
        raise RevisionError(f"{rev!r} is a range, not a revision; give one branch, tag or commit id")


# -- finding repositories without starting git --------------------------------

def _existing(path: str) -> str:
    """``path`` made absolute and real, or its nearest existing ancestor."""
    here = os.path.abspath(path)
    while not os.path.exists(here):
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    return os.path.realpath(here)


class RepoFinder:
    """The work tree root above a folder (a ``.git`` entry), by stat calls only, cached.

    It walks up the absolute path as written, so siblings share every lookup
    above them and no ``realpath`` is paid per portfolio; when that finds
    nothing (a path through a symlink into a repository), it walks up the
    real path, as git would. The root returned is real.
    """

    def __init__(self) -> None:
        self._cache: dict[str, str | None] = {}
        self._real: dict[str, str] = {}

    def _walk(self, start: str) -> str | None:
        from cim_cli.load.files import find_upwards

        return find_upwards(start, lambda here: os.path.lexists(os.path.join(here, ".git")), self._cache)

    def __call__(self, path: str) -> str | None:
        start = _existing_lexical(os.path.abspath(path))
        found = self._walk(start)
        if found is None:
            real = os.path.realpath(start)
            if real != start:
                found = self._walk(real)
        if found is None:
            return None
        if found not in self._real:
            self._real[found] = os.path.realpath(found)
        return self._real[found]


def _rel_posix(path: str, root: str) -> str:
    rel = os.path.relpath(_existing_or_abs(path), root)
    return "" if rel == "." else rel.replace(os.sep, "/")


def _existing_or_abs(path: str) -> str:
    """Real path of ``path``: real for the part that exists, the rest appended as written."""
    absolute = os.path.abspath(path)
    head = _existing(absolute)
    tail = os.path.relpath(absolute, os.path.abspath(_existing_lexical(absolute)))
    return head if tail == "." else os.path.join(head, tail)


def _existing_lexical(path: str) -> str:
    here = path
    while not os.path.exists(here):
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    return here


# -- revisions -----------------------------------------------------------------

def _is_shallow(repo) -> bool:
    common = getattr(repo, "common_dir", None) or repo.git_dir
    return os.path.isfile(os.path.join(common, "shallow"))


def resolve_commit(repo, rev: str):
    """The commit REV names in ``repo``; RevisionError (with advice) when it cannot be used.

    gitpython's ``rev_parse`` is tried first; git's own ``rev-parse`` is the
    fallback for syntax gitpython lacks (REV is checked and after
    ``--end-of-options``). The commit object must really be present: in a
    shallow clone gitpython happily follows a parent id whose object was
    never fetched.
    """
    check_rev(rev)
    where = repo.working_tree_dir or repo.git_dir
    obj = None
    try:
        obj = repo.rev_parse(rev)
    except Exception:  # noqa: BLE001 - gitpython raises BadName, ValueError, IndexError...
        obj = None
    if obj is None:
        try:
            sha = repo.git.rev_parse("--verify", "--quiet", "--end-of-options", rev + "^{commit}").strip()
            obj = repo.commit(sha)
        except Exception:  # noqa: BLE001
            obj = None
    try:
        while obj is not None and obj.type == "tag":
            obj = obj.object
        if obj is not None and obj.type != "commit":
            raise RevisionError(f"{rev!r} names a {obj.type}, not a commit, in {where}")
        if obj is not None:
            obj.tree  # noqa: B018 - reads the commit object: fails when it is missing
            return obj
    except RevisionError:
        raise
    except Exception:  # noqa: BLE001 - a missing object (shallow history)
        pass
    if _is_shallow(repo):
        raise RevisionError(
            f"revision {rev!r} is not in the history of {where}: this is a shallow clone "
            f"(CI checkouts usually are); {SHALLOW_HINT}"
        )
    raise RevisionError(f"unknown revision {rev!r} in {where} (check the branch, tag or commit id; 'git fetch' if it is remote)")


# -- reading trees ----------------------------------------------------------------

def _safe_name(name: str) -> bool:
    """A tree entry name that is safe to create in a folder (git fsck would refuse the others)."""
    return bool(name) and name not in (".", "..") and name.lower() != ".git" and not any(c in name for c in "/\\\0")


def _subtree(tree, rel: str):
    """The tree at ``rel`` (``/``-separated) below ``tree``, or None."""
    if not rel:
        return tree
    try:
        item = tree / rel
    except KeyError:
        return None
    return item if item.type == "tree" else None


def tree_portfolios(tree, prefix: str = "") -> Iterator[str]:
    """Repository paths of the portfolios in ``tree``, sorted, with :func:`cim_cli.batch.discover`'s rules.

    A tree with a ``student.yaml`` entry is a portfolio (not searched further);
    hidden folders and ``node_modules`` are skipped; a symlink is a blob in git,
    so a symlinked folder is never followed.
    """
    stack = [(tree, prefix)]
    while stack:
        current, path = stack.pop()
        entries = list(current)
        if any(e.name == STUDENT_FILE and e.type == "blob" for e in entries):
            yield path
            continue
        subtrees = [e for e in entries if e.type == "tree" and not e.name.startswith(".") and e.name not in SKIP_FOLDERS and _safe_name(e.name)]
        for entry in sorted(subtrees, key=lambda e: e.name, reverse=True):
            stack.append((entry, f"{path}/{entry.name}" if path else entry.name))


def materialise(repo, tree, dest: str) -> None:
    """Write the files of ``tree`` into the new folder ``dest``.

    Regular blobs become regular files (content up to the caps, then a
    placeholder of the right size); symlink blobs become symlinks, made last
    and never written through (files are created with ``O_EXCL|O_NOFOLLOW``),
    so even a tree crafted to collide on a case-insensitive disk cannot make
    cim write outside ``dest``; submodules are skipped.
    """
    os.mkdir(dest, 0o700)
    budget = MAX_PORTFOLIO_BYTES
    entries = 0
    links: list[tuple[bytes, str]] = []
    stack = [(tree, dest, 0)]
    nofollow = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    while stack:
        current, where, depth = stack.pop()
        for item in current:
            entries += 1
            if entries > MAX_ENTRIES:
                return
            if not _safe_name(item.name):
                continue
            target = os.path.join(where, item.name)
            if item.type == "tree":
                if depth < MAX_DEPTH:
                    try:
                        os.mkdir(target, 0o700)
                    except OSError:
                        continue
                    stack.append((item, target, depth + 1))
                continue
            if item.type != "blob":
                continue  # a submodule ("commit") is another repository: not part of this portfolio
            info = repo.odb.info(item.binsha)
            if item.mode & _S_IFMT == _S_IFLNK:
                if info.size <= MAX_LINK_TARGET:
                    links.append((repo.odb.stream(item.binsha).read(), target))
                continue
            try:
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | nofollow, 0o600)
            except OSError:
                continue  # a name that collides (case-insensitive disk) or cannot exist here
            try:
                if info.size <= MAX_BLOB_BYTES and info.size <= budget:
                    data = repo.odb.stream(item.binsha).read()
                    budget -= len(data)
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view):]
                else:
                    os.ftruncate(fd, info.size)
            finally:
                os.close(fd)
    for data, target in links:
        if b"\0" in data:
            continue
        try:
            os.symlink(os.fsdecode(data), target)
        except (OSError, ValueError):
            continue


# -- checking at a revision -------------------------------------------------------

@dataclass
class RevisionCheckout:
    """Portfolios materialised from a revision: (display path, folder to load), sorted."""

    rev: str
    portfolios: list[tuple[str, str]] = field(default_factory=list)
    # Portfolios found outside any git repository: they have no revisions.
    unversioned: list[str] = field(default_factory=list)
    # Roots that did not exist at the revision.
    absent: list[str] = field(default_factory=list)


def _display(root: str, rel_from_root: str) -> str:
    return os.path.join(root, *rel_from_root.split("/")) if rel_from_root else root


@contextmanager
def checkout_revision(paths: Sequence[str], rev: str, *, discover: bool) -> Iterator[RevisionCheckout]:
    """Materialise portfolios as committed at ``rev`` into a temporary folder, removed on exit.

    With ``discover`` the paths are roots searched for portfolios (in the tree
    at REV, or for repositories when a root is a folder of clones); without,
    each path must itself be a portfolio at REV (else RevisionError).
    """
    import shutil
    import tempfile

    from cim_cli.gitrepo import GitUnavailable, git_available, open_repo

    check_rev(rev)
    if not git_available():
        raise RevisionError("git is not installed on this machine (install git to use --rev)")
    finder = RepoFinder()
    result = RevisionCheckout(rev)
    # repository root -> [(display root, rel of the root in the repo)]
    jobs: dict[str, list[tuple[str, str]]] = {}
    for path in paths:
        top = finder(path)
        if top is not None:
            jobs.setdefault(top, []).append((path, _rel_posix(path, top)))
            continue
        if not discover:
            raise RevisionError(f"{path} is not inside a git repository, so it has no revision {rev!r}")
        if not os.path.isdir(path):
            raise RevisionError(f"{path}: no such folder")
        from cim_cli.batch import walk

        for folder, kind in walk(path, _repo_or_portfolio):
            if kind == "repo":
                jobs.setdefault(os.path.realpath(folder), []).append((folder, ""))
            else:
                result.unversioned.append(folder)
    temp = tempfile.mkdtemp(prefix="cim-rev-")
    try:
        for top in sorted(jobs):
            try:
                with open_repo(top) as repo:
                    commit = resolve_commit(repo, rev)
                    for display_root, rel in jobs[top]:
                        sub = _subtree(commit.tree, rel)
                        if not discover:
                            if sub is None or not any(e.name == STUDENT_FILE and e.type == "blob" for e in sub):
                                raise RevisionError(f"{display_root} is not a portfolio at {rev} (no {STUDENT_FILE} committed there)")
                            found = [(display_root, sub)]
                        elif sub is None:
                            result.absent.append(display_root)
                            continue
                        else:
                            found = [(_display(display_root, prel), _subtree(sub, prel)) for prel in tree_portfolios(sub)]
                        for display, tree in found:
                            dest = os.path.join(temp, f"p{len(result.portfolios)}")
                            materialise(repo, tree, dest)
                            result.portfolios.append((display, dest))
            except GitUnavailable as exc:
                raise RevisionError(str(exc)) from None
        if discover:
            result.portfolios.sort(key=lambda item: path_key(item[0]))
        else:  # validate reports in the order the portfolios were given
            rank = {path: i for i, path in enumerate(paths)}
            result.portfolios.sort(key=lambda item: rank[item[0]])
        yield result
    finally:
        shutil.rmtree(temp, ignore_errors=True)


@contextmanager
def sources(paths: Sequence[str], rev: str | None) -> Iterator[list[tuple[str, str]]]:
    """(path to show, folder to load) for each portfolio path, in order: itself, or its copy at ``rev``."""
    if rev is None:
        yield [(p, p) for p in paths]
        return
    with checkout_revision(paths, rev, discover=False) as checkout:
        yield checkout.portfolios


def _repo_or_portfolio(path: str, files: set[str], folders: set[str]) -> str | None:
    if ".git" in files or ".git" in folders:
        return "repo"
    if STUDENT_FILE in files:
        return "portfolio"
    return None


def path_key(path: str) -> tuple[str, ...]:
    """Sort key of a path: by components, so ``a/b`` sorts with ``a``, before ``a-b``."""
    return tuple(path.replace(os.sep, "/").split("/"))


# -- what changed -----------------------------------------------------------------

def _z_paths(raw: bytes) -> list[str]:
    return [os.fsdecode(p) for p in raw.split(b"\0") if p]


def _status_paths(repo) -> list[str]:
    """Repository paths with uncommitted changes: staged, unstaged, untracked, deleted."""
    raw = repo.git.status(
        "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--ignore-submodules=all",
        stdout_as_string=False, strip_newline_in_stdout=False,
    )
    # Entries are "XY path"; with --no-renames there is never a second path.
    return [entry[3:] for entry in _z_paths(raw) if len(entry) > 3]


def _head_commit(repo):
    try:
        return repo.head.commit
    except ValueError:  # an unborn branch: no commit yet
        return None


def _committed_paths(repo, base) -> list[str]:
    head = _head_commit(repo)
    if head is None:
        return []
    raw = repo.git.diff(
        "--name-only", "-z", "--no-renames", "--no-ext-diff", "--no-textconv", "--ignore-submodules=all",
        base.hexsha, head.hexsha,
        stdout_as_string=False, strip_newline_in_stdout=False,
    )
    return _z_paths(raw)


def _group_by_repo(portfolios: Iterable[str], finder: RepoFinder) -> tuple[dict[str, list[str]], list[str]]:
    groups: dict[str, list[str]] = {}
    outside: list[str] = []
    for p in portfolios:
        top = finder(p)
        if top is None:
            outside.append(p)
        else:
            groups.setdefault(top, []).append(p)
    return groups, outside


def _touches(rel: str, changed: Iterable[str]) -> int:
    """How many changed paths lie in the portfolio at ``rel`` (or are a programme file above it)."""
    from cim_cli.programme import PROGRAMME_FILE

    prefix = rel + "/" if rel else ""
    count = 0
    for path in changed:
        if path.startswith(prefix):
            count += 1
            continue
        folder, _, name = path.rpartition("/")
        if name == PROGRAMME_FILE and (not folder or rel == folder or rel.startswith(folder + "/")):
            count += 1  # the rules that apply to this portfolio changed
    return count


@dataclass
class Changes:
    """Result of :func:`changed_since`."""

    changed: list[str]  # portfolios with changes, in the order given
    # Portfolios outside any repository: nothing to compare, so they are checked.
    unversioned: list[str]


def changed_since(portfolios: Sequence[str], rev: str) -> Changes:
    """The portfolios (folders in the work tree) with any change between REV and the work tree."""
    from cim_cli.gitrepo import GitUnavailable, git_available, open_repo

    check_rev(rev)
    if not git_available():
        raise RevisionError("git is not installed on this machine (install git to use --changed-since)")
    groups, outside = _group_by_repo(portfolios, RepoFinder())
    selected: set[str] = set(outside)
    for top in sorted(groups):
        try:
            with open_repo(top) as repo:
                base = resolve_commit(repo, rev)
                root = os.path.realpath(repo.working_tree_dir)
                paths = _committed_paths(repo, base) + _status_paths(repo)
        except GitUnavailable as exc:
            raise RevisionError(str(exc)) from None
        for p in groups[top]:
            if _touches(_rel_posix(p, root), paths):
                selected.add(p)
    return Changes([p for p in portfolios if p in selected], outside)


def uncommitted_changes(portfolios: Sequence[str], workers: int = 8) -> dict[str, int]:
    """Portfolio -> number of paths with uncommitted changes, for portfolios in git work trees.

    One ``git status`` per repository (a monorepo costs one call; a folder of
    clones one per clone, run a few at a time). Portfolios outside git, and
    repositories git cannot read, are left out: this only feeds a warning.
    """
    groups, _ = _group_by_repo(portfolios, RepoFinder())
    if not groups:
        return {}  # nothing in git: not even gitpython is imported
    from cim_cli.gitrepo import GitUnavailable, git_available, open_repo

    if not git_available():
        return {}

    def one(top: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        try:
            with open_repo(top) as repo:
                root = os.path.realpath(repo.working_tree_dir)
                paths = _status_paths(repo)
        except (GitUnavailable, Exception):  # noqa: BLE001 - a warning must never fail the run
            return counts
        for p in groups[top]:
            rel = _rel_posix(p, root)
            prefix = rel + "/" if rel else ""
            n = sum(1 for path in paths if path.startswith(prefix))
            if n:
                counts[p] = n
        return counts

    found: dict[str, int] = {}
    tops = sorted(groups)
    if len(tops) <= 1 or workers <= 1:
        for top in tops:
            found.update(one(top))
        return found
    from concurrent.futures import ThreadPoolExecutor

    # git does the work in its own processes; threads only wait for them.
    with ThreadPoolExecutor(max_workers=min(workers, len(tops))) as pool:
        for counts in pool.map(one, tops):
            found.update(counts)
    return found


__all__ = [
    "Changes",
    "RepoFinder",
    "RevisionCheckout",
    "RevisionError",
    "changed_since",
    "check_rev",
    "checkout_revision",
    "materialise",
    "resolve_commit",
    "sources",
    "tree_portfolios",
    "uncommitted_changes",
]
