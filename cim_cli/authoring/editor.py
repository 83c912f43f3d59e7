"""Asking the student's editor for a text (``$VISUAL``, ``$EDITOR``, else ``vi``).

The editor command is split with :mod:`shlex` and run without a shell, so an
editor setting such as ``code --wait`` works and nothing in it is interpreted
by a shell. It edits a private temporary file that is removed afterwards.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile

from cim_cli.authoring import AuthoringError

DEFAULT_EDITOR = "vi"


def editor_command() -> list[str]:
    """The editor to run, as an argument list."""
    setting = os.environ.get("VISUAL") or os.environ.get("EDITOR") or DEFAULT_EDITOR
    try:
        argv = shlex.split(setting)
    except ValueError:
        raise AuthoringError(f"the editor setting {setting!r} cannot be read (unbalanced quotes); fix $VISUAL or $EDITOR, or use --text") from None
    if not argv:
        raise AuthoringError("$VISUAL/$EDITOR is empty; set it or use --text")
    return argv


def edit_text(initial: str = "", *, suffix: str = ".md") -> str:
    """Open the editor on a temporary file holding ``initial``; return what was saved.

    Raises :class:`AuthoringError` when the editor cannot be started or exits
    with an error (then nothing the student typed is used).
    """
    argv = editor_command()
    fd, path = tempfile.mkstemp(prefix="cim-", suffix=suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(initial)
        try:
            done = subprocess.run([*argv, path], check=False)
        except OSError as exc:
            raise AuthoringError(f"cannot start the editor {argv[0]!r} ({exc.strerror}); set $EDITOR, or use --text") from None
        if done.returncode != 0:
            raise AuthoringError(f"the editor {argv[0]!r} exited with status {done.returncode}; nothing was written")
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
