"""Everything git, isolated here, through gitpython and never trusting the repository.

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
