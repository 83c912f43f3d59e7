"""Portfolios as committed at a git revision, and what changed since one.

``--rev REV`` checks portfolios as they are in commit REV without touching
the work tree or writing anything: one ``git ls-tree`` lists the tree at REV
(paths, modes, object ids and sizes), and the loader reads the files the
checks need straight from the object database through one ``git cat-file
--batch`` process per repository and process
(:class:`cim_cli.load.source.GitTreeSource`). Evidence is never read: its
size comes from the listing. Results carry the real portfolio path. A bare
repository is read the same way.

``--changed-since REV`` selects the portfolios with any changed path between
REV and the work tree: the committed diff REV..HEAD (trees only) plus one
``git status`` (staged, unstaged, untracked, deleted), both limited to the
roots given. Each changed path is mapped to its portfolio by walking up from
it (a few ``stat`` calls), so untouched folders are never visited; a changed
``programme.yaml`` selects every portfolio below its folder.

Safety: every git process is a plain ``git`` started by
:func:`cim_cli.gitrepo.run_git` (safe configuration: no hooks, fsmonitor,
filters, pagers; the work tree named explicitly, so ``core.worktree`` cannot
move it; a time limit). REV is the only text a user gives git; it is checked
first (never an option: no leading ``-``) and resolved to a commit id, and
only that id is passed on. Paths follow ``--`` as literal pathspecs.
Submodules are skipped with a note, symlinks are followed inside the tree
only (``path-unsafe`` otherwise), sizes are capped, and a whole run reads at
most :data:`MAX_RUN_READ` bytes from git.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

from cim_cli.discovery import SKIP_FOLDERS, discover, path_key, portfolio_of, skipped_folder, walk  # noqa: F401
from cim_cli.load.portfolio import STUDENT_FILE

MAX_REV_LENGTH = 256
# Bytes a whole --rev run may read from git (texts checked, evidence digested);
# past it, the portfolios not yet checked are reported as not checked. A cohort
# of 2,000 portfolios reads about 100 MB.
MAX_RUN_READ = 4 * 1024 * 1024 * 1024
# How long the git status of --changed-since, or of the warning about
# uncommitted changes, may take.
STATUS_TIMEOUT = 60.0

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
    """The work tree root above a folder (a ``.git`` entry, or a bare repository), by stat calls only, cached.

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

        from cim_cli.gitrepo import is_bare_repository

        return find_upwards(start, lambda here: os.path.lexists(os.path.join(here, ".git")) or is_bare_repository(here), self._cache)

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

@dataclass(frozen=True)
class Revision:
    """A repository and the commit a revision names in it."""

    top: str  # the work tree's top folder, or the bare repository
    git_dir: str
    commit: str  # full object id


def _shallow(git_dir: str) -> bool:
    from cim_cli.gitrepo import GitFailed, run_git

    try:
        return run_git(git_dir, ["rev-parse", "--is-shallow-repository"]).strip() == b"true"
    except GitFailed:
        return os.path.isfile(os.path.join(git_dir, "shallow"))


def resolve_commit(top: str, rev: str) -> Revision:
    """The commit REV names in the repository at ``top``; RevisionError (with advice) when it cannot be used.

    REV is checked and passed after ``--end-of-options``; the commit object
    must really be present (in a shallow clone a parent may never have been
    fetched).
    """
    from cim_cli.gitrepo import GitFailed, git_dir_of, run_git

    check_rev(rev)
    git_dir = git_dir_of(top)
    if git_dir is None:
        raise RevisionError(f"{top} is not a git repository git can read")
    try:
        out = run_git(git_dir, ["rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}"], ok=(0, 1, 128))
        sha = out.decode("ascii", "replace").strip()
        if sha:
            return Revision(top, git_dir, sha)
        other = run_git(git_dir, ["rev-parse", "--verify", "--quiet", "--end-of-options", rev], ok=(0, 1, 128)).decode("ascii", "replace").strip()
        if other:
            kind = run_git(git_dir, ["cat-file", "-t", other], ok=(0, 1, 128)).decode("ascii", "replace").strip() or "missing object"
            raise RevisionError(f"{rev!r} names a {kind}, not a commit, in {top}")
    except GitFailed as exc:
        raise RevisionError(str(exc)) from None
    if _shallow(git_dir):
        raise RevisionError(
            f"revision {rev!r} is not in the history of {top}: this is a shallow clone "
            f"(CI checkouts usually are); {SHALLOW_HINT}"
        )
    raise RevisionError(f"unknown revision {rev!r} in {top} (check the branch, tag or commit id; 'git fetch' if it is remote)")


# -- reading trees ----------------------------------------------------------------

def _safe_name(name: str) -> bool:
    """A tree entry name a portfolio folder may have (git fsck would refuse the others)."""
    return bool(name) and name not in (".", "..") and name.lower() != ".git" and not any(c in name for c in "\\\0")


def _parents(path: str) -> Iterator[str]:
    """The folders above a "/"-separated path, nearest first, ending with "" (the top)."""
    while path:
        path = path.rpartition("/")[0]
        yield path


@dataclass
class TreeCohort:
    """What :func:`tree_portfolios` finds: portfolio paths and the submodules it skipped."""

    portfolios: list[str] = field(default_factory=list)
    submodules: list[str] = field(default_factory=list)


def tree_portfolios(entries: Iterable, prefix: str = "") -> TreeCohort:
    """Repository paths of the portfolios at and below ``prefix`` in a tree listing, with discovery's rules.

    ``entries`` are :class:`cim_cli.gitrepo.TreeEntry` values. A folder with
    a ``student.yaml`` entry is a portfolio (not searched further); hidden
    folders, ``node_modules`` and names git itself would refuse are skipped; a
    symlink is a blob in git, so a symlinked folder is never followed; a
    submodule is another repository: skipped, and named in ``submodules``.
    """
    start = prefix + "/" if prefix else ""

    def reachable(path: str) -> bool:
        below = path[len(start):] if path != prefix else ""
        return all(not skipped_folder(name) and _safe_name(name) for name in below.split("/") if below)

    candidates: set[str] = set()
    submodules: list[str] = []
    for e in entries:  # one pass: a listing may be a generator
        if not (e.path == prefix or e.path.startswith(start)):
            continue
        if e.kind == "blob" and e.path.rpartition("/")[2] == STUDENT_FILE:
            candidates.add(e.path.rpartition("/")[0])
        elif e.kind == "commit":
            submodules.append(e.path)
    candidates = {c for c in candidates if (c == prefix or c.startswith(start)) and reachable(c)}
    # Discovery does not search inside a portfolio: drop candidates below another.
    found = sorted((c for c in candidates if not any(p in candidates for p in _parents(c) if p == prefix or p.startswith(start))), key=path_key)
    chosen = set(found)
    cohort = TreeCohort(found)
    cohort.submodules = [m for m in submodules if reachable(m) and not any(p in chosen for p in _parents(m))]
    return cohort


def _sources_in(raw: bytes, portfolios: Sequence[str], display: dict[str, str], git_dir: str) -> list[tuple[str, "GitTreeSource"]]:
    """A :class:`GitTreeSource` per portfolio path, each holding its run of the listing ``raw``.

    ``ls-tree -r -t`` lists a folder's tree entry and then everything below it
    before anything else, so each portfolio's entries are one run of records.
    """
    from cim_cli.gitrepo import tree_records
    from cim_cli.load.source import GitTreeSource

    wanted = set(portfolios)
    spans: dict[str, tuple[int, int]] = {}
    if "" in wanted:  # the top of the repository is a portfolio: everything is in it
        spans[""] = (0, len(raw))
    else:
        current, start, begin, end = None, "", 0, 0
        for pos, after, e in tree_records(raw):
            if current is not None and e.path.startswith(start):
                end = after
                continue
            if current is not None:
                spans[current] = (begin, end)
                current = None
            if e.kind == "tree" and e.path in wanted:
                current, start, begin, end = e.path, e.path + "/", after, after
        if current is not None:
            spans[current] = (begin, end)
    out = []
    for p in portfolios:
        begin, end = spans.get(p, (0, 0))
        strip = len(p) + 1 if p else 0
        out.append((display[p], GitTreeSource(display[p], git_dir, records=raw[begin:end], strip=strip)))
    return out


# -- checking at a revision -------------------------------------------------------

@dataclass
class RevisionCohort:
    """Portfolios read from a revision: (display path, source to load), and notes for people."""

    rev: str
    portfolios: list[tuple[str, object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _display(root: str, rel_from_root: str) -> str:
    return os.path.join(root, *rel_from_root.split("/")) if rel_from_root else root


def _repo_or_portfolio(path: str, files: set[str], folders: set[str]) -> str | None:
    if ".git" in files or ".git" in folders or ("HEAD" in files and "objects" in folders and "refs" in folders):
        return "repo"
    if STUDENT_FILE in files:
        return "portfolio"
    return None


def revision_cohort(paths: Sequence[str], rev: str, *, discover: bool) -> RevisionCohort:
    """The portfolios under ``paths`` as committed at ``rev``, each as a source to load.

    With ``discover`` the paths are roots searched for portfolios (in the tree
    at REV, or for repositories when a root is a folder of clones or bare
    repositories); without, each path must itself be a portfolio at REV
    (else RevisionError). Nothing is read but tree listings here.
    """
    import shutil

    from cim_cli.gitrepo import GitFailed, is_bare_repository, ls_tree_raw, tree_records

    check_rev(rev)
    if shutil.which("git") is None:
        raise RevisionError("git is not installed on this machine (install git to use --rev)")
    finder = RepoFinder()
    result = RevisionCohort(rev)
    # repository top -> [(display root, rel of the root in the repository)]
    jobs: dict[str, list[tuple[str, str]]] = {}
    for path in paths:
        top = os.path.realpath(path) if is_bare_repository(path) else finder(path)
        if top is not None:
            jobs.setdefault(top, []).append((path, _rel_posix(path, top)))
            continue
        if not discover:
            raise RevisionError(f"{path} is not inside a git repository, so it has no revision {rev!r}")
        if not os.path.isdir(path):
            raise RevisionError(f"{path}: no such folder")
        for folder, kind in walk(path, _repo_or_portfolio):
            if kind == "repo":
                jobs.setdefault(os.path.realpath(folder), []).append((folder, ""))
            else:
                result.notes.append(f"{folder} is not in a git repository, so it has no revision {rev!r}; skipped")
    for top in sorted(jobs):
        revision = resolve_commit(top, rev)
        for display_root, rel in jobs[top]:
            try:
                raw = ls_tree_raw(revision.git_dir, revision.commit, rel)
            except GitFailed as exc:
                raise RevisionError(str(exc)) from None
            if rel and not any(e.path == rel and e.kind == "tree" for _, _, e in tree_records(raw)):
                if not discover:
                    raise RevisionError(f"{display_root} is not a portfolio at {rev} (no {STUDENT_FILE} committed there)")
                result.notes.append(f"{display_root} did not exist at {rev}")
                continue
            if not discover:
                student = f"{rel}/{STUDENT_FILE}" if rel else STUDENT_FILE
                if not any(e.path == student and e.kind == "blob" for _, _, e in tree_records(raw)):
                    raise RevisionError(f"{display_root} is not a portfolio at {rev} (no {STUDENT_FILE} committed there)")
                found = [rel]
            else:
                tree = tree_portfolios((e for _, _, e in tree_records(raw)), rel)
                found = tree.portfolios
                start = rel + "/" if rel else ""
                result.notes += [
                    f"{_display(display_root, sub[len(start):])} is a git submodule (another repository) at {rev}; skipped: check it in its own clone"
                    for sub in tree.submodules
                ]
            start = rel + "/" if rel else ""
            display = {p: _display(display_root, p[len(start):] if p != rel else "") for p in found}
            result.portfolios += _sources_in(raw, found, display, revision.git_dir)
    if discover:
        result.portfolios.sort(key=lambda item: path_key(item[0]))
    else:  # validate reports in the order the portfolios were given
        rank = {path: i for i, path in enumerate(paths)}
        result.portfolios.sort(key=lambda item: rank[item[0]])
    return result


@contextmanager
def sources(paths: Sequence[str], rev: str | None) -> Iterator[list[tuple[str, object]]]:
    """(path to show, what to load) for each portfolio path, in order: itself, or its source at ``rev``."""
    if rev is None:
        yield [(p, p) for p in paths]
        return
    from cim_cli.gitrepo import close_object_readers

    try:
        yield revision_cohort(paths, rev, discover=False).portfolios
    finally:
        close_object_readers()


# -- what changed -----------------------------------------------------------------

def _z_paths(raw: bytes) -> list[str]:
    return [os.fsdecode(p) for p in raw.split(b"\0") if p]


def _status_paths(top: str, git_dir: str, pathspecs: Sequence[str], timeout: float) -> list[str]:
    """Repository paths with uncommitted changes (staged, unstaged, untracked, deleted) under ``pathspecs``.

    The work tree is named explicitly (``--work-tree``), so a ``core.worktree``
    in the repository's config cannot make git scan another folder (or the
    whole disk); ``timeout`` bounds it anyway.
    """
    from cim_cli.gitrepo import run_git

    args = ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--ignore-submodules=all"]
    raw = run_git(git_dir, [*args, "--", *pathspecs] if pathspecs else args, work_tree=top, filters=True, timeout=timeout)
    # Entries are "XY path"; with --no-renames there is never a second path.
    return [entry[3:] for entry in _z_paths(raw) if len(entry) > 3]


def _committed_paths(revision: Revision, pathspecs: Sequence[str]) -> list[str]:
    """Paths that differ between the commit and HEAD (trees only: the work tree is not read)."""
    from cim_cli.gitrepo import run_git

    head = run_git(revision.git_dir, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], ok=(0, 1, 128)).strip()
    if not head:
        return []  # an unborn branch: no commit yet
    args = ["diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", "--no-textconv", "--ignore-submodules=all",
            revision.commit, head.decode("ascii")]
    return _z_paths(run_git(revision.git_dir, [*args, "--", *pathspecs] if pathspecs else args))


@dataclass
class Changes:
    """Result of :func:`changed_since`."""

    changed: list[str]  # portfolios with changes, sorted by path
    # Portfolios outside any repository: nothing to compare, so they are checked.
    unversioned: list[str]
    # Portfolio -> paths with uncommitted changes in it (from the same git status).
    uncommitted: dict[str, int] = field(default_factory=dict)


def _ancestor_programmes(rel: str) -> list[str]:
    """Pathspecs of the programme files that can judge portfolios below ``rel`` from above it."""
    from cim_cli.programme import PROGRAMME_FILE

    return [f"{folder}/{PROGRAMME_FILE}" if folder else PROGRAMME_FILE for folder in _parents(rel)]


def _changes_in_repo(top: str, roots: list[tuple[str, str]], rev: str, out: Changes, selected: dict[str, str]) -> None:
    """Select the portfolios under ``roots`` (display root, rel) of one repository with changes since ``rev``."""
    from cim_cli.gitrepo import GitFailed
    from cim_cli.programme import PROGRAMME_FILE

    revision = resolve_commit(top, rev)
    specs: list[str] = []
    if all(rel for _, rel in roots):
        for _, rel in roots:
            specs += [rel, *_ancestor_programmes(rel)]
    try:
        committed = _committed_paths(revision, specs)
        uncommitted = _status_paths(top, revision.git_dir, specs, STATUS_TIMEOUT)
    except GitFailed as exc:
        raise RevisionError(str(exc)) from None
    cache: dict[str, bool] = {}
    for display_root, rel in roots:
        start = rel + "/" if rel else ""

        def portfolio_for(path: str) -> str | None:
            return portfolio_of(os.path.join(display_root, *path[len(start):].split("/")), display_root, cache)

        for kind, paths in (("committed", committed), ("uncommitted", uncommitted)):
            for path in paths:
                folder, _, name = path.rpartition("/")
                if name == PROGRAMME_FILE and (folder == rel or rel.startswith(folder + "/") or not folder):
                    # The rules of every portfolio below it changed (a file above the root: all of them).
                    for p in discover([display_root]):
                        selected.setdefault(os.path.realpath(p), p)
                    continue
                if not (path.startswith(start) or not rel):
                    continue
                if name == PROGRAMME_FILE and not portfolio_for(path):
                    below = os.path.join(display_root, *folder[len(start):].split("/")) if folder != rel else display_root
                    for p in discover([below]) if os.path.isdir(below) else []:
                        if portfolio_of(p, display_root, cache) == p:
                            selected.setdefault(os.path.realpath(p), p)
                    continue
                p = portfolio_for(path)
                if p is None:
                    continue
                selected.setdefault(os.path.realpath(p), p)
                if kind == "uncommitted":
                    out.uncommitted[p] = out.uncommitted.get(p, 0) + 1


def changed_since(roots: Sequence[str], rev: str) -> Changes:
    """The portfolios under ``roots`` with any change between REV and the work tree.

    Costs one tree diff and one ``git status`` per repository, limited to the
    roots, and a few ``stat`` calls per changed path: not a walk of the cohort.
    """
    import shutil

    check_rev(rev)
    if shutil.which("git") is None:
        raise RevisionError("git is not installed on this machine (install git to use --changed-since)")
    finder = RepoFinder()
    out = Changes([], [])
    jobs: dict[str, list[tuple[str, str]]] = {}
    for root in roots:
        top = finder(root)
        if top is not None:
            if os.path.lexists(os.path.join(top, ".git")):  # a bare repository has no work tree to compare
                jobs.setdefault(top, []).append((root, _rel_posix(root, top)))
            continue
        # Not in a repository: a folder of clones, or portfolios outside git.
        for folder, kind in walk(root, _repo_or_portfolio):
            if kind == "repo" and os.path.lexists(os.path.join(folder, ".git")):
                jobs.setdefault(os.path.realpath(folder), []).append((folder, ""))
            elif kind == "portfolio":
                out.unversioned.append(folder)
    selected: dict[str, str] = {os.path.realpath(p): p for p in out.unversioned}
    for top in sorted(jobs):
        _changes_in_repo(top, jobs[top], rev, out, selected)
    out.changed = sorted(selected.values(), key=path_key)
    return out


def uncommitted_changes(portfolios: Sequence[str], workers: int = 8) -> dict[str, int]:
    """Portfolio -> number of paths with uncommitted changes, for portfolios in git work trees.

    One ``git status`` per repository, limited to the folder that holds all
    its portfolios, in the work tree found (never one the repository's config
    names) and for at most :data:`STATUS_TIMEOUT` seconds. Portfolios outside
    git, and repositories git cannot read, are left out: this only feeds a warning.
    """
    import shutil

    finder = RepoFinder()
    groups: dict[str, list[str]] = {}
    for p in portfolios:
        top = finder(p)
        if top is not None and os.path.lexists(os.path.join(top, ".git")):
            groups.setdefault(top, []).append(p)
    if not groups or shutil.which("git") is None:
        return {}
    from cim_cli.gitrepo import git_dir_of

    def one(top: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        rels = {p: _rel_posix(p, top) for p in groups[top]}
        common = os.path.commonpath([r or "." for r in rels.values()]) if rels else ""
        common = "" if common == "." else common.replace(os.sep, "/")
        git_dir = git_dir_of(top)
        if git_dir is None:
            return counts
        try:
            paths = _status_paths(top, git_dir, [common] if common else [], STATUS_TIMEOUT)
        except Exception:  # noqa: BLE001 - a warning must never fail the run
            return counts
        for p, rel in rels.items():
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
    "Revision",
    "RevisionCohort",
    "RevisionError",
    "changed_since",
    "check_rev",
    "path_key",
    "resolve_commit",
    "revision_cohort",
    "sources",
    "tree_portfolios",
    "uncommitted_changes",
]
