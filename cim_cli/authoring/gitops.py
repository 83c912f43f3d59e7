"""git for authoring commands: start a repository, commit exactly what a command wrote.

Everything goes through :mod:`cim_cli.gitrepo`, which runs git with a safe
environment (no hooks, fsmonitor, filter drivers or signing). Commits carry
the student's name and email from student.yaml as author, unless
GIT_AUTHOR_NAME is set, because it is their portfolio; the committer is cim.
"""

from __future__ import annotations

import os

from cim_cli.authoring import AuthoringError


class CommitFailed(AuthoringError):
    """The files were written, but not committed; ``message`` says why."""

    code = 1


def inside_work_tree(path: str) -> str | None:
    """The git work tree that contains ``path`` (or the nearest existing folder above it), or None."""
    from cim_cli import gitrepo

    here = os.path.abspath(path)
    while not os.path.isdir(here):
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent
    return gitrepo.work_tree_root(here)


def start_repository(root: str) -> None:
    """``git init`` at ``root``; raises CommitFailed when git is missing or fails."""
    from cim_cli import gitrepo

    try:
        gitrepo.init_repo(root)
    except gitrepo.GitUnavailable as exc:
        raise CommitFailed(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - git's own error, reported, never a traceback
        raise CommitFailed(f"git init failed: {_git_reason(exc)}") from None


def has_identity(root: str) -> bool:
    """Whether the person's own ``git commit`` in ``root`` knows who they are.

    cim commits as itself, so its commits work without one; a student's
    plain ``git commit`` fails with "Author identity unknown". ``git var``
    applies git's own rules (config files, environment, auto-detection) and
    runs no hooks; only a failure to run git at all counts as "known".
    """
    import subprocess

    try:
        done = subprocess.run(
            ["git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=" + os.devnull, "var", "GIT_COMMITTER_IDENT"],
            cwd=root,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return True
    return done.returncode == 0


def author_of(root: str) -> tuple[str, str] | None:
    """(name, email) from the portfolio's student.yaml, when it has both."""
    from cim_cli.load import files
    from cim_cli.load.portfolio import STUDENT_FILE
    from cim_cli.load.yamlsafe import parse_yaml

    try:
        doc = parse_yaml(files.read_text(os.path.join(root, STUDENT_FILE), files.MAX_YAML_BYTES), STUDENT_FILE)
    except files.ReadError:
        return None
    data = doc.data if isinstance(doc.data, dict) else {}
    name, email = data.get("name"), data.get("email")
    if isinstance(name, str) and isinstance(email, str) and name.strip() and email.strip():
        # git refuses names with angle brackets or newlines; such a name just falls back to cim.
        if not any(c in name + email for c in "<>\n\r\0"):
            return name.strip(), email.strip()
    return None


def commit(root: str, files: list[str], message: str) -> str:
    """Commit exactly ``files`` (relative to the portfolio ``root``); returns the commit id.

    Raises :class:`CommitFailed` with the reason: no git, not a repository,
    or git's own error (a path that .gitignore excludes, for example).
    """
    from cim_cli import gitrepo

    if not files:
        raise CommitFailed("nothing was written, so there is nothing to commit")
    paths = [os.path.join(root, f) for f in files]
    try:
        return gitrepo.commit_paths(root, paths, message, author=author_of(root))
    except gitrepo.GitUnavailable as exc:
        raise CommitFailed(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - GitCommandError and friends become a message
        raise CommitFailed(f"git could not commit: {_git_reason(exc)}") from None


def _git_reason(exc: Exception) -> str:
    stderr = getattr(exc, "stderr", None)
    text = stderr if isinstance(stderr, str) and stderr.strip() else str(exc)
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    cleaned = [line.removeprefix("stderr:").strip().strip("'").strip() for line in lines]
    return " ".join(c for c in cleaned if c)[:500] or type(exc).__name__


def subject(text: str, limit: int = 72) -> str:
    """``text`` fit for a commit subject: one line, not too long."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
