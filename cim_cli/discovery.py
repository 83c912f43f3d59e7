"""Finding portfolios on disk: the one place both ``batch`` and ``revision`` walk folders.

Every folder under the roots that holds a ``student.yaml`` is a portfolio. A
portfolio's own subfolders are not searched for more; hidden folders
(``.git``...), ``node_modules`` and symlinked folders are never entered (so a
symlink loop cannot trap a walk); a root that is itself a portfolio is one.
Results are sorted by path components, so the order is the same on every
machine. The same rules, applied to a git tree, are in
:func:`cim_cli.revision.tree_portfolios`.
"""

from __future__ import annotations

import os
from typing import Callable, Iterable, Iterator

from cim_cli.load.portfolio import STUDENT_FILE

# Folder names discovery never enters (besides hidden ones).
SKIP_FOLDERS = frozenset({"node_modules"})

Classify = Callable[[str, "set[str]", "set[str]"], "str | None"]


def skipped_folder(name: str) -> bool:
    """True for a folder name discovery never enters (hidden, ``node_modules``)."""
    return name.startswith(".") or name in SKIP_FOLDERS


def walk(root: str, classify: Classify, on_error: Callable[[str, OSError], None] | None = None) -> Iterator[tuple[str, str]]:
    """Folders under ``root`` (``root`` included) that ``classify`` names, in sorted order.

    ``classify(path, files, folders)`` sees the names of the regular files
    (symlinks to files included) and of the real folders in ``path``; a
    non-None answer yields ``(path, answer)`` and the folder is not entered.
    Hidden folders, ``node_modules`` and symlinked folders are never entered.
    Folders are read with ``os.scandir``, one at a time.
    """
    stack = [root]
    while stack:
        folder = stack.pop()
        files: set[str] = set()
        folders: list[str] = []
        try:
            with os.scandir(folder) as it:
                for entry in it:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            folders.append(entry.name)
                        elif entry.is_file():
                            files.add(entry.name)
                    except OSError:
                        continue
        except OSError as exc:
            if on_error is not None:
                on_error(folder, exc)
            continue
        kind = classify(folder, files, set(folders))
        if kind is not None:
            yield folder, kind
            continue
        for name in sorted(folders, reverse=True):
            if not skipped_folder(name):
                stack.append(os.path.join(folder, name))


def _portfolio(path: str, files: set[str], folders: set[str]) -> str | None:
    return "portfolio" if STUDENT_FILE in files else None


def path_key(path: str) -> tuple[str, ...]:
    """Sort key of a path: by components, so ``a/b`` sorts with ``a``, before ``a-b``."""
    return tuple(path.replace(os.sep, "/").split("/"))


def discover(roots: Iterable[str], on_error: Callable[[str, OSError], None] | None = None) -> list[str]:
    """Every portfolio under ``roots``, sorted by path; a folder reached twice counts once."""
    roots = list(roots)
    if len(roots) == 1:
        # One walk that never follows a symlinked folder reaches no folder twice.
        return sorted((path for path, _ in walk(roots[0], _portfolio, on_error)), key=path_key)
    found: dict[tuple[int, int] | str, str] = {}
    for root in roots:
        for path, _ in walk(root, _portfolio, on_error):
            try:
                st = os.stat(path)
                key: tuple[int, int] | str = (st.st_dev, st.st_ino)
            except OSError:
                key = os.path.abspath(path)
            found.setdefault(key, path)
    return sorted(found.values(), key=path_key)


def portfolio_of(path: str, root: str, cache: dict[str, bool]) -> str | None:
    """The portfolio discovery under ``root`` would report for the file or folder ``path``, or None.

    Walks from ``path`` up to ``root`` (both as written, ``path`` inside
    ``root``) and returns the topmost folder holding a ``student.yaml``, the
    one a walk from ``root`` meets first, unless the way down to it passes a
    folder discovery never enters. Costs one ``stat`` per folder, remembered
    in ``cache``: what ``--changed-since`` uses instead of walking the cohort.
    """
    rel = os.path.relpath(path, root)
    if rel == "." or rel.startswith(".." + os.sep) or rel == "..":
        parts: list[str] = []
    else:
        parts = rel.split(os.sep)
    found: str | None = None
    here = root
    chain = [root]
    for name in parts[:-1] if parts else []:
        here = os.path.join(here, name)
        chain.append(here)
    # A changed path may be a folder itself (a deleted or new one): check it too.
    if parts:
        last = os.path.join(here, parts[-1])
        chain.append(last)
    for depth, folder in enumerate(chain):
        if depth > 0:
            name = parts[depth - 1]
            if skipped_folder(name) or os.path.islink(folder):
                return found
        known = cache.get(folder)
        if known is None:
            known = cache[folder] = os.path.isfile(os.path.join(folder, STUDENT_FILE))
        if known:
            return folder  # the topmost one: discovery does not search inside a portfolio
    return found


__all__ = ["SKIP_FOLDERS", "discover", "path_key", "portfolio_of", "skipped_folder", "walk"]
