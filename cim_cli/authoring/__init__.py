"""Student authoring: the library behind ``cim init``, ``activity add``, ``evidence add``,
``diary add``, ``report init`` and ``log``.

Each module has one job and is usable from Python; :mod:`cim_cli.cli.authoring`
only parses options, prints and sets exit codes. Every value is checked before
anything is written, every write is atomic, and nothing that exists is ever
replaced: a problem is an :class:`AuthoringError` whose ``code`` is the exit
code the CLI uses (2: a bad value or an I/O error, nothing was written; 1: the
portfolio's state does not allow it, nothing was changed).
"""

from __future__ import annotations


class AuthoringError(Exception):
    """A command cannot go ahead; ``message`` says why and what to do, ``details`` lists more."""

    code = 2

    def __init__(self, message: str, details: list[str] | tuple[str, ...] = (), *, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = tuple(details)
        if code is not None:
            self.code = code


class BadValue(AuthoringError):
    """A value given to a command is wrong (exit 2); nothing was written."""

    code = 2


class Refused(AuthoringError):
    """The portfolio's state does not allow the command (exit 1); nothing was changed."""

    code = 1
