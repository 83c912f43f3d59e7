"""Everything git, isolated here, never trusting the repository.

Authoring (commits, history) goes through gitpython; ``--rev`` and
``--changed-since`` use plain ``git`` processes (:func:`run_git`,
:class:`ObjectReader`), which start faster and need no gitpython import.

A student's repository config can run commands when git runs: ``core.fsmonitor``
on ``git status``, hooks on commit, filter drivers on add, a pager or an
external diff. Every git process cim starts gets command-line configuration
(``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``, which outranks every config file)
that switches those off, and system/global config is ignored. Student text is
never passed as an option: paths always follow ``--``. Repos are used as
context managers so gitpython's ``cat-file`` helpers are closed.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

# Config that outranks the repository's own and disarms what could run a command.
SAFE_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", os.devnull),
    ("core.pager", "cat"),
    ("core.editor", "true"),
    ("core.sshCommand", "false"),
    ("core.askPass", ""),
    ("core.attributesFile", os.devnull),
    ("core.untrackedCache", "false"),
    ("diff.external", ""),
    ("credential.helper", ""),
    ("commit.gpgSign", "false"),
    ("tag.gpgSign", "false"),
    # With a signed commit in the history, `git log` would run gpg.program.
    ("log.showSignature", "false"),
    ("protocol.allow", "never"),
    ("uploadpack.packObjectsHook", ""),
    ("safe.directory", "*"),
)


class GitUnavailable(Exception):
    """git cannot be used here; the message says why and what to do."""


def git_available() -> bool:
    """True when a git executable is on PATH and gitpython imports."""
    if shutil.which("git") is None:
        return False
    try:
        import git  # noqa: F401
    except ImportError:
        return False
    return True


def _configured_drivers(git_dir: str) -> tuple[set[str], set[str]]:
    """Names of the filter and diff drivers git itself sees in the repository's config.

    Asking git (rather than reading ``config``) also finds drivers defined in
    files pulled in by ``[include]``/``[includeIf]`` and in ``config.worktree``.
    ``git config`` only reads configuration; it runs nothing.
    """
    import subprocess

    filters: set[str] = set()
    diffs: set[str] = set()
    try:
        proc = subprocess.run(
            ["git", f"--git-dir={git_dir}", "config", "--null", "--name-only", "--get-regexp", r"^(filter|diff)\."],
            env={**os.environ, **safe_environment()},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return filters, diffs
    for raw in proc.stdout.split(b"\0"):
        section, _, rest = raw.decode("utf-8", "surrogateescape").partition(".")
        driver = rest.rpartition(".")[0]
        if driver and "\n" not in driver:
            (filters if section == "filter" else diffs).add(driver)
    return filters, diffs


def _filter_overrides(path: str) -> list[tuple[str, str]]:
    """Neutralise every filter driver the repository configures (they run on add/checkout)."""
    config = os.path.join(path, "config")
    filters, diffs = _configured_drivers(path)
    try:
        with open(config, encoding="utf-8", errors="replace") as fh:
            text = fh.read(1_000_000)
    except OSError:
        text = ""
    import re

    filters.update(re.findall(r'^\s*\[\s*filter\s+"([^"\n]+)"\s*\]', text, re.M))
    diffs.update(re.findall(r'^\s*\[\s*diff\s+"([^"\n]+)"\s*\]', text, re.M))
    overrides: list[tuple[str, str]] = []
    for name in sorted(filters):
        overrides += [(f"filter.{name}.clean", "cat"), (f"filter.{name}.smudge", "cat"), (f"filter.{name}.process", ""), (f"filter.{name}.required", "false")]
    for name in sorted(diffs):
        overrides += [(f"diff.{name}.textconv", "cat"), (f"diff.{name}.command", "")]
    return overrides


def safe_environment(git_dir: str | None = None) -> dict[str, str]:
    """Environment variables for a git process that cannot run the repository's commands."""
    pairs = list(SAFE_CONFIG) + (_filter_overrides(git_dir) if git_dir else [])
    env = {
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_CONFIG_COUNT": str(len(pairs)),
        # Commits made by cim need an identity even on a machine with no global config.
        "GIT_AUTHOR_NAME": os.environ.get("GIT_AUTHOR_NAME", "cim"),
        "GIT_AUTHOR_EMAIL": os.environ.get("GIT_AUTHOR_EMAIL", "cim@localhost"),
        "GIT_COMMITTER_NAME": os.environ.get("GIT_COMMITTER_NAME", "cim"),
        "GIT_COMMITTER_EMAIL": os.environ.get("GIT_COMMITTER_EMAIL", "cim@localhost"),
    }
    for i, (key, value) in enumerate(pairs):
        env[f"GIT_CONFIG_KEY_{i}"] = key
        env[f"GIT_CONFIG_VALUE_{i}"] = value
    return env


@contextmanager
def open_repo(path: str) -> Iterator["git.Repo"]:  # noqa: F821
    """The repository whose work tree contains ``path``, made safe; closed on exit.

    Raises :class:`GitUnavailable` when git is missing or ``path`` is not in a repository.
    """
    if not git_available():
        raise GitUnavailable("git is not installed on this machine (install git to use this)")
    import git

    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitUnavailable(f"{path} is not inside a git repository (create one with: git init)") from None
    try:
        repo.git.update_environment(**safe_environment(repo.git_dir))
        yield repo
    finally:
        repo.close()


def work_tree_root(path: str) -> str | None:
    """The top of the git work tree containing ``path``, or None."""
    try:
        with open_repo(path) as repo:
            return repo.working_tree_dir
    except GitUnavailable:
        return None


def init_repo(path: str) -> None:
    """Create a git repository at ``path`` (safe environment, default branch main)."""
    if not git_available():
        raise GitUnavailable("git is not installed on this machine; use --no-git or install git")
    import git

    git.Git(path).execute(["git", "init", "-q", "-b", "main", "--", path], env={**os.environ, **safe_environment()})


def _real(path: str) -> str:
    """``path`` with its folder's symbolic links resolved (not the file's own: it may be a link)."""
    folder, name = os.path.split(os.path.abspath(path))
    return os.path.join(os.path.realpath(folder), name)


def commit_paths(path: str, files: list[str], message: str, author: tuple[str, str] | None = None) -> str:
    """Commit exactly ``files`` (paths inside the work tree) with ``message``; returns the commit id.

    Nothing else staged by the student is committed: the commit is limited to
    these paths with ``git commit --only``. Paths are literal (a file named
    ``:(glob)*`` is that file, not a pattern). ``author`` (name, email) is
    used unless GIT_AUTHOR_NAME is set in the environment.
    """
    env = {"GIT_LITERAL_PATHSPECS": "1"}
    if author and "GIT_AUTHOR_NAME" not in os.environ:
        env.update(GIT_AUTHOR_NAME=author[0], GIT_AUTHOR_EMAIL=author[1])
    with open_repo(path) as repo:
        root = os.path.realpath(repo.working_tree_dir)
        rel = [os.path.relpath(_real(f), root) for f in files]
        repo.git.add("--", *rel, env=env)
        repo.git.commit("--only", "--no-verify", "-q", "-m", message, "--", *rel, env=env)
        return repo.head.commit.hexsha


@dataclass(frozen=True)
class PathChange:
    """One file changed by one commit, as :func:`path_history` reports it."""

    commit: str
    date: str  # author date, ISO 8601 with offset
    author: str
    subject: str
    status: str  # A added, M changed, D removed, T type changed
    path: str  # relative to the folder whose history was asked for, "/"-separated


def path_history(path: str, max_commits: int) -> tuple[list[PathChange], bool]:
    """Changes to the files under folder ``path`` in its repository's history, newest first.

    Returns (changes of at most ``max_commits`` commits, True when the clone
    is shallow so older history is missing). Raises :class:`GitUnavailable`.
    Nothing of the repository's configuration runs: no signatures are checked,
    no diff drivers or text conversions are used (only names and statuses).
    """
    import git

    with open_repo(path) as repo:
        root = os.path.realpath(repo.working_tree_dir)
        where = os.path.relpath(os.path.realpath(path), root)
        prefix = "" if where == "." else where.replace(os.sep, "/") + "/"
        env = {"GIT_LITERAL_PATHSPECS": "1"}
        try:  # also right for linked work trees, whose shallow file is in the common dir
            shallow = repo.git.rev_parse("--is-shallow-repository", env=env).strip() == "true"
        except git.GitCommandError:
            shallow = os.path.exists(os.path.join(repo.git_dir, "shallow"))
        try:
            repo.git.rev_parse("--verify", "-q", "HEAD", env=env)
        except git.GitCommandError:
            return [], shallow  # no commit yet
        out = repo.git.log(
            "-z", "--name-status", "--no-renames", "--no-show-signature", "--no-color", "--no-textconv", "--no-ext-diff",
            f"--max-count={max(1, int(max_commits))}", "--format=%x01%H%x1f%aI%x1f%an%x1f%s", "--", where,
            env=env, strip_newline_in_stdout=False,
        )
    return _parse_log(out, prefix), shallow


def _parse_log(out: str, prefix: str) -> list[PathChange]:
    """Parse ``git log -z --name-status`` output: a header token, then (status, path) pairs."""
    changes: list[PathChange] = []
    header: list[str] | None = None
    status: str | None = None
    for token in out.split("\0"):
        if status is not None:  # this token is the path of the pending status
            if header is not None and token.startswith(prefix):
                changes.append(PathChange(header[0], header[1], header[2], header[3], status[0], token[len(prefix):]))
            status = None
            continue
        bare = token.lstrip("\n")
        if bare.startswith("\x01"):
            parts = bare[1:].split("\x1f", 3)
            header = parts + [""] * (4 - len(parts))
        elif bare:
            status = bare
    return changes


# -- plain git processes (no gitpython): what --rev and --changed-since use ------------------

# Variables that would point git at another repository, work tree or index than
# the one cim names: a run inside a hook (or a hostile environment) must not
# redirect cim's reads.
_RELOCATING = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY",
               "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_PREFIX", "GIT_CEILING_DIRECTORIES",
               "GIT_DISCOVERY_ACROSS_FILESYSTEM", "GIT_EXTERNAL_DIFF", "GIT_PAGER", "GIT_SSH", "GIT_SSH_COMMAND")
# How long one git process may take before cim gives up on it (a status over a
# huge or relocated work tree, a repository on a dead network disk).
GIT_TIMEOUT = 120.0


class GitFailed(GitUnavailable):
    """A git process failed or took too long; ``stderr`` holds its last words."""

    def __init__(self, message: str, stderr: str = "", timed_out: bool = False) -> None:
        super().__init__(message)
        self.stderr = stderr
        self.timed_out = timed_out


def git_dir_of(top: str) -> str | None:
    """The git directory of the work tree whose top folder is ``top`` (its ``.git`` entry), or None.

    Read from the file system, not from git: a ``.git`` folder, or a ``.git``
    file saying ``gitdir: PATH`` (linked work trees, submodules). A folder
    that is itself a bare repository (``HEAD``, ``objects/``, ``refs/``) is
    its own git directory.
    """
    dot = os.path.join(top, ".git")
    if os.path.isdir(dot):
        return dot
    if os.path.isfile(dot):
        try:
            with open(dot, "rb") as fh:
                head = fh.read(4096).decode("utf-8", "surrogateescape")
        except OSError:
            return None
        if head.startswith("gitdir:"):
            target = head[len("gitdir:"):].strip()
            if target:
                return os.path.normpath(os.path.join(top, target))
        return None
    if is_bare_repository(top):
        return top
    return None


def is_bare_repository(path: str) -> bool:
    """True when ``path`` looks like a bare git repository (HEAD, objects/ and refs/, no work tree)."""
    return (
        os.path.isfile(os.path.join(path, "HEAD"))
        and os.path.isdir(os.path.join(path, "objects"))
        and os.path.isdir(os.path.join(path, "refs"))
    )


_ENV_CACHE: dict[tuple[str, bool], dict[str, str]] = {}


def plain_environment(git_dir: str, *, filters: bool = False) -> dict[str, str]:
    """The whole environment of a plain git process on ``git_dir``: safe config, literal pathspecs.

    ``filters`` also neutralises the repository's filter and diff drivers (one
    ``git config`` process, remembered): needed only by commands that read the
    work tree (``status``, ``diff`` against it); ``cat-file`` and ``ls-tree``
    without ``--filters`` never run a driver.
    """
    key = (git_dir, filters)
    env = _ENV_CACHE.get(key)
    if env is None:
        env = {k: v for k, v in os.environ.items() if k not in _RELOCATING and not k.startswith("GIT_CONFIG")}
        env.update(safe_environment(git_dir if filters else None))
        env["GIT_LITERAL_PATHSPECS"] = "1"
        env["LC_ALL"] = "C"
        _ENV_CACHE[key] = env
    return env


def run_git(git_dir: str, args: list[str], *, work_tree: str | None = None, filters: bool = False,
            timeout: float = GIT_TIMEOUT, ok: tuple[int, ...] = (0,)) -> bytes:
    """Run ``git --git-dir=GIT_DIR [--work-tree=WORK_TREE] ARGS`` safely; its stdout.

    The work tree is always named when one is used, so ``core.worktree`` (or
    ``core.bare``) in the repository's config cannot send git elsewhere.
    ``args`` must never hold student text before a ``--``. Raises
    :class:`GitFailed` on an exit status not in ``ok`` or after ``timeout``
    seconds (the process is killed).
    """
    import subprocess

    cmd = ["git", f"--git-dir={git_dir}"]
    if work_tree is not None:
        cmd.append(f"--work-tree={work_tree}")
    cmd += args
    try:
        proc = subprocess.run(cmd, env=plain_environment(git_dir, filters=filters), stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=timeout, cwd=work_tree or git_dir)
    except subprocess.TimeoutExpired:
        raise GitFailed(f"git {args[0]} took longer than {timeout:g} s in {work_tree or git_dir} and was stopped", timed_out=True) from None
    except OSError as exc:
        raise GitFailed(f"git could not be started ({exc.strerror})") from None
    if proc.returncode not in ok:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise GitFailed(f"git {args[0]} failed in {work_tree or git_dir}: {err.splitlines()[-1] if err else proc.returncode}", err)
    return proc.stdout


@dataclass(frozen=True, slots=True)
class TreeEntry:
    """One entry of ``git ls-tree -r -t -l``: a path at a commit and the object there."""

    mode: int
    kind: str  # "blob", "tree" or "commit" (a submodule)
    oid: str
    size: int  # -1 for trees and submodules
    path: str  # "/"-separated, from the top of the repository


_KINDS = {b"blob": "blob", b"tree": "tree", b"commit": "commit"}


def ls_tree_raw(git_dir: str, commit: str, rel: str = "") -> bytes:
    """``git ls-tree -r -t -l -z --full-tree COMMIT [-- REL]`` as git prints it (see :func:`tree_records`).

    One process; ``rel`` is a literal pathspec after ``--``. Kept as bytes, a
    listing costs about 110 bytes per entry: a cohort's tree fits in a few MB.
    """
    args = ["ls-tree", "-r", "-t", "-l", "-z", "--full-tree", commit]
    if rel:
        args += ["--", rel]
    return run_git(git_dir, args)


def tree_records(raw: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int, TreeEntry]]:
    """(offset of the record, offset after it, entry) for each record of an ``ls-tree -z -l`` listing.

    Names that are not UTF-8 arrive as surrogate escapes (as ``os`` gives them).
    """
    end = len(raw) if end is None else end
    pos = start
    while pos < end:
        stop = raw.find(b"\0", pos, end)
        if stop < 0:
            stop = end
        record = raw[pos:stop]
        meta, _, path = record.partition(b"\t")
        parts = meta.split()
        if len(parts) == 4:
            mode, kind, oid, size = parts
            yield pos, stop + 1, TreeEntry(int(mode, 8), _KINDS.get(kind) or kind.decode("ascii", "replace"),
                                           oid.decode("ascii"), int(size) if size.isdigit() else -1, os.fsdecode(path))
        pos = stop + 1


def ls_tree(git_dir: str, commit: str, rel: str = "") -> list[TreeEntry]:
    """Every entry at and below ``rel`` (a folder, "" for all) in ``commit``, trees included."""
    return [entry for _, _, entry in tree_records(ls_tree_raw(git_dir, commit, rel))]


class ObjectReader:
    """One ``git cat-file --batch`` process: blobs by id, streamed, for as many reads as asked.

    ``cat-file`` reads the object database only: no work tree, no filters, no
    hooks. A read interrupted half way (a timeout alarm) leaves the pipe in an
    unknown state, so the process is then killed and the next read starts a
    new one.
    """

    CHUNK = 1 << 16

    def __init__(self, git_dir: str) -> None:
        self.git_dir = git_dir
        self._proc = None

    def _start(self):
        import subprocess

        self._proc = subprocess.Popen(
            ["git", f"--git-dir={self.git_dir}", "cat-file", "--batch"],
            env=plain_environment(self.git_dir), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, cwd=self.git_dir,
        )
        return self._proc

    def chunks(self, oid: str) -> Iterator[bytes]:
        """The content of object ``oid`` in pieces; GitFailed when it is missing."""
        proc = self._proc or self._start()
        clean = False
        try:
            proc.stdin.write(oid.encode("ascii") + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline()
            fields = header.split()
            if len(fields) != 3:
                clean = len(fields) == 2  # "<oid> missing": the pipe is still in step
                raise GitFailed(f"object {oid} is missing from {self.git_dir}")
            left = int(fields[2])
            while left:
                piece = proc.stdout.read(min(left, self.CHUNK))
                if not piece:
                    raise GitFailed(f"git cat-file stopped while reading {oid}")
                left -= len(piece)
                yield piece
            proc.stdout.read(1)  # the newline after the content
            clean = True
        finally:
            if not clean:
                self.close()

    def read(self, oid: str) -> bytes:
        """The whole content of object ``oid`` (callers check its size first)."""
        return b"".join(self.chunks(oid))

    # Requests sent at once by read_many: their bytes must fit in the pipe's
    # buffer (64 KiB on Linux) so that writing them never waits for git, which
    # may itself be waiting for us to read its answers.
    MAX_BATCH = 256

    def read_many(self, oids: list[str]) -> dict[str, bytes]:
        """The contents of several small objects in one round trip (one write, then the answers)."""
        found: dict[str, bytes] = {}
        for start in range(0, len(oids), self.MAX_BATCH):
            part = oids[start : start + self.MAX_BATCH]
            proc = self._proc or self._start()
            clean = False
            try:
                proc.stdin.write(b"".join(oid.encode("ascii") + b"\n" for oid in part))
                proc.stdin.flush()
                for oid in part:
                    fields = proc.stdout.readline().split()
                    if len(fields) != 3:
                        if len(fields) == 2:
                            continue  # missing: the pipe is still in step
                        raise GitFailed(f"git cat-file stopped while reading {oid}")
                    size = int(fields[2])
                    data = proc.stdout.read(size)
                    if len(data) != size:
                        raise GitFailed(f"git cat-file stopped while reading {oid}")
                    proc.stdout.read(1)
                    found[oid] = data
                clean = True
            finally:
                if not clean:
                    self.close()
        return found

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=2)
        except Exception:  # noqa: BLE001 - stuck or already gone: kill it
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


_READERS: dict[str, ObjectReader] = {}
_MAX_READERS = 4  # a folder of clones: keep a few repositories' processes, close the rest


def object_reader(git_dir: str) -> ObjectReader:
    """This process's :class:`ObjectReader` for ``git_dir`` (started on first use, a few kept)."""
    reader = _READERS.pop(git_dir, None)
    if reader is None:
        while len(_READERS) >= _MAX_READERS:
            _READERS.pop(next(iter(_READERS))).close()
        reader = ObjectReader(git_dir)
    _READERS[git_dir] = reader  # most recently used last
    return reader


def close_object_readers() -> None:
    """Stop every ``cat-file`` process this process started."""
    while _READERS:
        _READERS.popitem()[1].close()


def _forget_readers_in_child() -> None:
    # A forked worker must never write to its parent's pipes: it starts its own.
    _READERS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_readers_in_child)
