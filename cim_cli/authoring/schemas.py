"""The JSON Schemas inside each portfolio, so that editors check records offline.

The first line of every record cim writes tells yaml-language-server (VS
Code's YAML extension, and the editors that use it) which schema applies:
``# yaml-language-server: $schema=../.cim/schemas/activity.schema.json``. A
relative path resolves against the record itself: offline, on any clone, on
any machine, wherever the portfolio moves. A URL would need a server and the
network; a path into the installed package breaks when cim is reinstalled or
the portfolio is cloned elsewhere.

So cim keeps copies of its schemas in the portfolio's ``.cim/schemas/``: it
writes them with ``cim init`` and, whenever it writes a record, rewrites any
that differ from the schemas of the cim running (after an upgrade). The
folder is hidden (the portfolio's layout stays the handbook's) and committed
with the records, so a fresh clone works in an editor at once. The same
applies to a programme file: ``cim programme init`` puts
``programme.schema.json`` in a ``.cim/schemas/`` beside it.
"""

from __future__ import annotations

import os
import posixpath

from cim_cli.atomic import write_text

SCHEMA_DIR = ".cim/schemas"
# The schemas of the records inside a portfolio.
PORTFOLIO_SCHEMAS = ("student", "activity")


def schema_file(name: str) -> str:
    """Where the copy of schema ``name`` lives, relative to the portfolio (or programme file's folder)."""
    return f"{SCHEMA_DIR}/{name}.schema.json"


def modeline(name: str, record: str) -> str:
    """The editor's schema line for a record at ``record`` (relative, /-separated): a path relative to it."""
    target = posixpath.relpath(schema_file(name), posixpath.dirname(record) or ".")
    return f"yaml-language-server: $schema={target}"


def shipped_text(name: str) -> str:
    """The text of the schema ``name`` shipped with this cim."""
    from cim_cli.validation import SCHEMA_DIR as PACKAGE_SCHEMAS

    with open(os.path.join(PACKAGE_SCHEMAS, f"{name}.schema.json"), encoding="utf-8") as fh:
        return fh.read()


def refresh(root: str, names: tuple[str, ...] = PORTFOLIO_SCHEMAS) -> list[str]:
    """Write each schema copy under ``root`` that is missing or differs; returns those written (relative).

    Refused (:class:`cim_cli.authoring.Refused`) when ``.cim/schemas`` is a
    link out of the folder or a file: cim never writes through one.
    """
    from cim_cli.authoring.locate import safe_folder

    folder = safe_folder(root, SCHEMA_DIR)
    written = []
    for name in names:
        text = shipped_text(name)
        path = os.path.join(folder, f"{name}.schema.json")
        try:
            with open(path, encoding="utf-8") as fh:
                if fh.read() == text:
                    continue
        except (OSError, UnicodeDecodeError):
            pass
        if os.path.islink(path) or (os.path.lexists(path) and not os.path.isfile(path)):
            from cim_cli.authoring import Refused

            raise Refused(f"{schema_file(name)} is not a regular file; move it away and run the command again")
        write_text(path, text)
        written.append(schema_file(name))
    return written
