"""``cim site build``: the programme's static website from the programme file and the office's pages.

Every page is one self-contained HTML file: the stylesheet is inlined and allowed by
its SHA-256 in the page's Content-Security-Policy (so is the verify page's one
script), nothing is fetched from anywhere, and links are relative, so the folder
works opened from disk (``file://``) or served by any web server.

The office's markdown pages are rendered by the export's renderer
(:func:`cim_cli.exporters.html.render_markdown`), which sanitises with nh3.

Writing: each file is written atomically. A folder that already holds files is
written into only when it is a previous build (it holds :data:`MARKER`) or with
``force``; files a previous build wrote and this one does not (the statistics
page of a build without ``--cohort``) are removed, anything else is left alone.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Callable, Sequence

from cim_cli.site.errors import SiteError
from cim_cli.site.starter import PAGES, starter_text

MARKER = ".cim-site.json"
LANG = "en"
IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif"})
MAX_IMAGE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str


@dataclass
class BuildResult:
    """What a build wrote, and the notes for the person who ran it."""

    out: str
    files: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _resource(*parts: str) -> str:
    return resources.files("cim_cli.site").joinpath(*parts).read_text(encoding="utf-8")


def stylesheet() -> str:
    """The site's CSS: Simple.css (MIT, vendored unchanged) then cim's additions."""
    return _resource("static", "simple.css") + "\n" + _resource("static", "site.css")


def csp_hash(text: str) -> str:
    """The CSP source that allows exactly this inline script or style."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(css: str, script: str | None, style_attributes: Sequence[str] = ()) -> str:
    """No request leaves the page: only its own inline style (and script) and local images.

    ``style_attributes``: the exact ``style="…"`` values the page carries (the statistics
    charts colour their bars that way), allowed one by one through 'unsafe-hashes'.
    """
    attributes = sorted(set(style_attributes))
    styles = [csp_hash(css)] + (["'unsafe-hashes'"] + [csp_hash(a) for a in attributes] if attributes else [])
    parts = [
        "default-src 'none'",
        f"style-src {' '.join(styles)}",
        "img-src 'self' data:",
        f"script-src {csp_hash(script)}" if script else None,
        "base-uri 'none'",
        "form-action 'none'",
    ]
    return "; ".join(p for p in parts if p)


def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("cim_cli.site", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _json_for_script(data: Any) -> str:
    """JSON safe inside <script type="application/json">: no '<' can close the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def verify_page_trust(programme: Any) -> dict[str, list] | None:
    """The programme's trust list as the verify page embeds it; None when the programme names none.

    Read by cim's one trust-list reader (:func:`cim_cli.trust.trustlist.trust_list_for`),
    so the page trusts exactly the keys ``cim verify`` trusts. Only what the page needs
    is kept: each key's did:key, name, roles and dates (ISO days, or None), and the
    revoked credentials; e-mail addresses are left out. A list that cannot be used
    stops the build (SiteError naming file, line and column) rather than publish a
    page that can verify nothing.
    """
    from cim_cli.trust.trustlist import TrustListError, trust_list_for

    try:
        trust = trust_list_for(programme)
    except TrustListError as exc:
        raise SiteError(exc.describe()) from None
    if trust is None:
        return None

    def day(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "keys": [
            {"id": k.id, "name": k.name, "roles": list(k.roles), "valid_from": day(k.valid_from), "valid_until": day(k.valid_until), "revoked": day(k.revoked)}
            for k in trust.keys.values()
        ],
        "revoked_credentials": [{"id": r.id, "date": day(r.date), "reason": r.reason} for r in trust.revoked_credentials.values()],
    }


def split_title(text: str) -> tuple[str | None, str]:
    """(title, rest): the first line's ``# Title`` when the page starts with one."""
    from cim_cli.exporters.html import strip_front_matter

    body = strip_front_matter(text).lstrip("\ufeff")
    stripped = body.lstrip("\r\n\t ")
    first, _, rest = stripped.partition("\n")
    if first.startswith("# "):
        title = first[2:].strip().rstrip("#").strip()
        if title:
            return title, rest
    return None, body


def _read_page(pages_dir: str | None, name: str, notes: list[str]) -> str:
    """The office's markdown for page ``name``, or the starter text when it has none."""
    from cim_cli.load import files

    if pages_dir is not None:
        path = os.path.join(pages_dir, name + ".md")
        if os.path.lexists(path):
            if os.path.islink(path) or not os.path.isfile(path):
                raise SiteError(f"{path}: not a regular file (links and special files are not read)")
            try:
                return files.read_text(path, files.MAX_TEXT_BYTES)
            except files.ReadError as exc:
                raise SiteError(f"{path}: {exc.message}") from None
        notes.append(f"{path} does not exist: the starter text was used (create it with: cim site init {pages_dir})")
    return starter_text(name)


def _images(pages_dir: str | None, out: str) -> list[tuple[str, str]]:
    """(relative path, source path) of the images in the pages folder, for pages that show them.

    The output folder is skipped should it lie inside the pages folder (a build
    would otherwise copy the previous build into itself, one level deeper each time).
    """
    if pages_dir is None:
        return []
    found = []
    skip = os.path.realpath(out)
    for folder, dirs, names in os.walk(pages_dir):  # os.walk does not follow links to folders
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and os.path.realpath(os.path.join(folder, d)) != skip)
        for name in sorted(names):
            source = os.path.join(folder, name)
            if name.startswith(".") or os.path.splitext(name)[1].lower() not in IMAGE_EXTENSIONS:
                continue
            if os.path.islink(source) or not os.path.isfile(source):
                continue
            if os.path.getsize(source) > MAX_IMAGE_BYTES:
                raise SiteError(f"{source}: larger than {MAX_IMAGE_BYTES // 2**20} MiB; make it smaller for the web")
            found.append((os.path.relpath(source, pages_dir).replace(os.sep, "/"), source))
    return found


def _catalogue_groups(programme: Any) -> list[dict]:
    groups = [
        ("at-home", "At home", "Internationalisation at home: activities at your own institution or online.", "home"),
        ("abroad", "Abroad", "Activities for which you travel to another country.", "abroad"),
        ("home-or-abroad", "At home or abroad", "Activities that count wherever they take place.", "any"),
    ]
    out = []
    for key, heading, note, location in groups:
        entries = [
            {
                "id": c["id"],
                "title": c["title"],
                "description": c.get("description", ""),
                "min_engagements": int(c.get("min_engagements", 1)),
            }
            for c in programme.data["catalogue"]
            if c.get("location", "any") == location
        ]
        out.append({"key": key, "heading": heading, "note": note, "entries": entries})
    return out


def _check_out_dir(out: str, force: bool) -> dict | None:
    """The previous build's marker, None for a new or empty folder; SiteError if it is not ours."""
    if os.path.lexists(out) and not os.path.isdir(out):
        raise SiteError(f"{out}: exists and is not a folder")
    if os.path.islink(out):
        raise SiteError(f"{out}: is a symbolic link; give the real folder")
    if not os.path.isdir(out):
        return None
    marker = os.path.join(out, MARKER)
    if os.path.isfile(marker) and not os.path.islink(marker):
        try:
            with open(marker, encoding="utf-8") as fh:
                previous = json.load(fh)
            if isinstance(previous, dict) and isinstance(previous.get("files"), list):
                return previous
        except (OSError, ValueError):
            pass
        if not force:
            raise SiteError(f"{marker}: cannot be read; use --force to build over it")
        return None
    if os.listdir(out) and not force:
        raise SiteError(f"{out}: the folder is not empty and is not a site cim built; choose an empty folder, or use --force to write into it (other files are kept)")
    return None


def build_site(
    programme: Any,
    out: str,
    *,
    pages_dir: str | None = None,
    statistics: Callable[[], Any] | None = None,
    force: bool = False,
) -> BuildResult:
    """Build the website into ``out``; raises SiteError when it cannot.

    ``statistics``, when given, returns the public statistics
    (:class:`cim_cli.site.statistics.PublicStatistics`, already suppressed and
    escaped) and adds the statistics page.
    """
    from markupsafe import Markup

    from cim_cli import __version__
    from cim_cli.atomic import atomic_writer, write_text
    from cim_cli.exporters.html import render_markdown

    if pages_dir is not None and not os.path.isdir(pages_dir):
        raise SiteError(f"{pages_dir}: no such folder (create the pages with: cim site init {pages_dir})")
    previous = _check_out_dir(out, force)
    result = BuildResult(out)

    trust = verify_page_trust(programme)
    if trust is None:
        trust = {"keys": [], "revoked_credentials": []}
        result.notes.append("the programme file names no trust list ('trust:'), so the verify page can verify no certificate")

    nav = [
        NavItem("index.html", "Home"),
        NavItem("sign-up.html", "Sign up"),
        NavItem("activities.html", "Activities that count"),
        NavItem("portfolio.html", "Your portfolio"),
        *([NavItem("statistics.html", "Statistics")] if statistics else []),
        NavItem("verify.html", "Verify a certificate"),
        NavItem("employers.html", "For employers"),
        NavItem("leadership.html", "Leadership"),
        NavItem("contacts.html", "Contacts"),
    ]
    css = stylesheet()
    env = _environment()
    site = {
        "lang": LANG,
        "site_title": programme.title,
        "institution": programme.data.get("institution"),
        "nav": nav,
        "version": __version__,
        "req": programme.requirements,
        "report": programme.report,
        "reflection_questions": programme.reflection_questions,
    }
    pages: dict[str, str] = {}

    def render(template: str, href: str, title: str, script: str | None = None, extra_css: str = "", style_attributes: Sequence[str] = (), **extra: Any) -> None:
        if script is not None and "</script" in script.lower():
            raise SiteError("internal: a page script may not contain '</script'")
        page_css = css + extra_css
        pages[href] = env.get_template(template).render(
            **site,
            css=Markup(page_css),
            href=href,
            title=title,
            csp=content_security_policy(page_css, script, style_attributes),
            script=Markup(script) if script else None,
            **extra,
        )

    for name, (href, default_title) in PAGES.items():
        title, body = split_title(_read_page(pages_dir, name, result.notes))
        render("markdown.html", href, title or default_title, body=Markup(render_markdown(body)))
    render("sign-up.html", "sign-up.html", "How to sign up")
    render("activities.html", "activities.html", "Activities that count", groups=_catalogue_groups(programme))
    render("portfolio.html", "portfolio.html", "How to keep your portfolio")
    render(
        "verify.html",
        "verify.html",
        "Verify a certificate",
        script=_resource("templates", "verify.js"),
        trust=trust,
        trust_json=Markup(_json_for_script(trust)),
    )
    if statistics:
        import html as html_module
        import re

        figures = statistics()
        attributes = [html_module.unescape(a) for a in re.findall(r'\bstyle="([^"]*)"', figures.html)]
        render(
            "statistics.html",
            "statistics.html",
            "Statistics",
            extra_css=figures.css,
            style_attributes=attributes,
            stats=figures,
            figures=Markup(figures.html),
        )

    images = _images(pages_dir, out)
    os.makedirs(out, exist_ok=True)
    for href, html in sorted(pages.items()):
        write_text(os.path.join(out, href), html)
        result.files.append(href)
    for rel, source in images:
        target = os.path.join(out, *rel.split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(source, "rb") as src, atomic_writer(target, binary=True) as dst:
            dst.write(src.read())
        result.files.append(rel)
    write_text(os.path.join(out, "LICENSE-simple.css.txt"), _resource("static", "LICENSE-simple.css.txt"))
    result.files.append("LICENSE-simple.css.txt")

    if previous:
        produced = set(result.files)
        for rel in previous["files"]:
            if not isinstance(rel, str) or rel in produced or rel.startswith(("/", "\\")) or ".." in rel.split("/"):
                continue
            stale = os.path.join(out, *rel.split("/"))
            if os.path.isfile(stale) and not os.path.islink(stale):
                os.unlink(stale)
                result.removed.append(rel)
    marker = {"generator": f"cim {__version__}", "files": result.files}
    write_text(os.path.join(out, MARKER), json.dumps(marker, indent=1) + "\n")
    return result
