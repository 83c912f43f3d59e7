"""``cim site init``: the markdown pages the programme office writes, with placeholder text."""

from __future__ import annotations

import os
from importlib import resources

from cim_cli.site.errors import SiteError

# Page name (its file is NAME.md) -> (the page in the built site, title when the file has no '# Title').
PAGES: dict[str, tuple[str, str]] = {
    "home": ("index.html", "Certificate of International Merits"),
    "contacts": ("contacts.html", "Contacts"),
    "leadership": ("leadership.html", "Statement from the academic leadership"),
    "employers": ("employers.html", "Statement to employers"),
    "accessibility": ("accessibility.html", "Accessibility statement"),
}


def starter_text(name: str) -> str:
    """The starter markdown of page ``name``."""
    return resources.files("cim_cli.site").joinpath("starter", f"{name}.md").read_text(encoding="utf-8")


def init_pages(folder: str) -> tuple[list[str], list[str]]:
    """Write the starter pages into ``folder``: (created, kept). Existing files are never touched."""
    from cim_cli.atomic import write_text

    if os.path.lexists(folder) and not os.path.isdir(folder):
        raise SiteError(f"{folder}: exists and is not a folder")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise SiteError(f"{folder}: cannot be created ({exc.strerror})") from None
    created, kept = [], []
    for name in PAGES:
        path = os.path.join(folder, f"{name}.md")
        try:
            write_text(path, starter_text(name), exclusive=True)
        except FileExistsError:
            kept.append(path)
            continue
        except OSError as exc:
            raise SiteError(f"{path}: cannot be written ({exc.strerror})") from None
        created.append(path)
    return created, kept
