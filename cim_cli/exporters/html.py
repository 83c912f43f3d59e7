"""HTML export: one standalone page with the summary, the reflections and the report.

The page is meant for an administrator's browser or a publication next to
the portfolio, so everything a student wrote is treated as hostile:

- Text inserted outside markdown (names, titles, paths) goes through
  :func:`html.escape`.
- Markdown (reflections, report) is rendered by :func:`render_markdown`
  with markdown-it-py (CommonMark plus tables and strikethrough; linear
  time, no recursion beyond a fixed depth). Raw HTML in the markdown is kept
  but goes through a linear filter first (:func:`_raw_html`: every ``<`` that
  is not a well-formed tag is escaped, raw elements nest at most
  :data:`MAX_RAW_DEPTH` deep, because html5ever's scope checks make deeply
  nested ``<div>`` quadratic: 40 s for 80,000 of them), then everything is cleaned with nh3 against
  an explicit allow-list (:data:`ALLOWED_TAGS`, :data:`ALLOWED_ATTRIBUTES`,
  :data:`URL_SCHEMES`): no script, no event handler, no ``style`` attribute,
  no ``javascript:`` or ``data:`` URL. Elements no reader sees
  (:data:`cim_cli.load.markdown.HIDDEN_ELEMENTS`) are dropped with their
  content, as the word count drops them.
- A Content-Security-Policy meta tag forbids scripts, frames, forms and
  remote resources as a second line of defence, should the sanitiser ever
  miss something.

The page stands alone, so it can be mailed or moved: it has no JavaScript and
no external resources, its CSS is inline, and the images of reflections, the
report and photo evidence are embedded as ``data:`` URIs (PNG, JPEG, GIF or
WebP, recognised by their first bytes, not their names; at most
:data:`MAX_IMAGE_BYTES` each and :data:`MAX_EMBEDDED_BYTES` in all). An image
that cannot be embedded is replaced by a note naming the file; evidence files
are listed by name, not linked, since a relative link breaks once the page
is moved.
"""

from __future__ import annotations

import functools
import os
import re
from html import escape
from typing import TextIO

from cim_cli.exporters.summary import count, dates, findings_text, fmt_number, judged_by, plain, where
from cim_cli.load.markdown import HIDDEN_ELEMENTS
from cim_cli.model import MarkdownDocument, Portfolio

# Tags a report or reflection may use: what markdown-it makes of ordinary
# markdown (headings, lists, quotes, tables, code, links, images,
# strikethrough), and a few harmless tags students write as raw HTML.
ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "h1", "h2", "h3", "h4", "h5", "h6",
        "p", "br", "hr", "blockquote",
        "ul", "ol", "li", "dl", "dt", "dd",
        "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
        "em", "strong", "code", "pre", "sup", "sub", "abbr", "s", "del",
        "a", "img",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "abbr": {"title"},
    "ol": {"start"},
}
# Relative URLs (``evidence/x.png``, ``#fn:1``) are kept by nh3 as they are;
# absolute ones need one of these schemes. URLs that start with ``/`` or ``\``
# are dropped (:func:`_url_filter`).
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_EMBEDDED_BYTES = 25 * 1024 * 1024
# Image types a browser shows in <img>, by their first bytes. No SVG: it is a
# document that can reference other files.
_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
# An <img> tag as nh3 writes it: attributes double-quoted, '>' in values escaped.
_IMG_TAG = re.compile(r"<img\b[^>]*>")
_SRC = re.compile(r'\ssrc="([^"]*)"')
_ALT = re.compile(r'\salt="([^"]*)"')

_HEADING = re.compile(r"<(/?)h([1-6])>")
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n.*?^(?:---|\.\.\.)[ \t]*\r?$\n?", re.S | re.M)

CSS = """
:root { color-scheme: light dark; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; background: #fff; }
h1, h2, h3, h4, h5, h6 { line-height: 1.25; }
h1 { font-size: 1.8rem; margin-bottom: 0.2rem; }
/* Headings in reflections and the report are moved down a few levels; never smaller than the text. */
.markdown h4, .markdown h5, .markdown h6, section.activity h4 { font-size: 1.05rem; }
.nowrap { white-space: nowrap; }
ul.findings { padding-left: 1.2rem; }
ul.findings code { overflow-wrap: anywhere; }
.error { color: #b3261e; font-weight: 600; }
.warning { color: #8a5a00; font-weight: 600; }
figure.evidence { margin: 0.5rem 0; }
figure.evidence img { max-width: min(100%, 24rem); height: auto; }
.programme { margin-top: 0; color: #555; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; min-width: 0; }
@media (max-width: 32rem) { dl.facts { grid-template-columns: 1fr; } dl.facts dd { margin-bottom: 0.4rem; } }
code { overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: 1rem 0; width: 100%; }
/* A wide table scrolls in its own box, never the page (phones, 320 px). */
.table-wrap { overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; }
.stage { display: inline-block; padding: 0.1rem 0.6rem; border-radius: 1rem; background: #e8eef8; font-weight: 600; }
.yes { color: #1a7f37; font-weight: 600; }
.no { color: #9a6700; font-weight: 600; }
.missing { color: #b3261e; }
@media (prefers-color-scheme: dark) { .missing, .error { color: #ff8a80; } .warning { color: #ffcc66; } }
section.activity { border-top: 1px solid #ddd; margin-top: 2rem; }
.markdown { border-left: 3px solid #e3e3e3; padding-left: 1rem; }
.markdown img { max-width: 100%; height: auto; }
.markdown pre { overflow-x: auto; background: #f6f8fa; padding: 0.6rem; }
footer { margin-top: 3rem; color: #666; font-size: 0.9rem; overflow-wrap: anywhere; }
@media (prefers-color-scheme: dark) {
  body { color: #e6e6e6; background: #161616; }
  .programme, footer { color: #aaa; }
  .stage { background: #243049; }
  th, td { border-color: #444; }
  .markdown pre { background: #222; }
}
@media print { body { max-width: none; margin: 0; } section.activity { break-inside: avoid-page; } }
"""


def _e(value: object) -> str:
    """Student (or cim) text for HTML: control characters removed, escaped."""
    return escape(plain(None if value is None else str(value)), quote=True)


def strip_front_matter(text: str) -> str:
    """``text`` without a leading YAML front matter block (``---`` ... ``---``)."""
    return _FRONT_MATTER.sub("", text, count=1)


# What a browser ignores at the start of a URL (C0 controls and space) and
# removes anywhere in it (tab, newline).
_URL_LEADING = "".join(chr(i) for i in range(0x21))
_URL_REMOVED = str.maketrans("", "", "\t\n\r")


def _url_filter(tag: str, attribute: str, value: str) -> str | None:
    """Drop ``href``/``src`` values that leave the portfolio without a scheme.

    nh3 keeps every relative URL, including ``//host/x`` (protocol-relative:
    from a page opened as a file it becomes ``file://host/x``, which Windows
    fetches over SMB and so leaks the reader's credentials) and ``/x`` (the
    root of the disk or site, never a file of the portfolio). Backslashes
    count as slashes, as browsers read them.
    """
    if attribute in ("href", "src") and value.translate(_URL_REMOVED).lstrip(_URL_LEADING)[:1] in ("/", "\\"):
        return None
    return value


# Dropped together with their content, not just unwrapped: what no reader
# sees (the word count skips the same elements), and embedded objects.
CLEAN_CONTENT_TAGS: frozenset[str] = HIDDEN_ELEMENTS | {"embed"}


def sanitise(fragment: str) -> str:
    """Clean HTML made from student markdown against the report allow-list."""
    import nh3

    return nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        attribute_filter=_url_filter,
        strip_comments=True,
        link_rel="noopener noreferrer",
    )


# Raw HTML elements may nest this deep; deeper start tags are dropped (their
# content stays). markdown-it's own blocks and inlines nest at most
# _MAX_NESTING deep (16 list levels); its link-label scan also looks that
# deep for every "[", so the limit is a factor of the worst case: 32 renders
# 2 MiB of "[" three times faster than 100.
MAX_RAW_DEPTH = 16
_MAX_NESTING = 32
# One tag as CommonMark defines it (an open tag with attributes, or a close
# tag), matched at a "<" only. Each attribute is separated by blanks, so the
# repeated group cannot backtrack into itself: linear per "<".
_RAW_TAG = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)"
    r"""(?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?)*\s*/?>"""
)
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"})


# An end tag does not close an element opened before one of these (HTML's
# "scope"); the parser ignores it, so the filter must not count it as closing.
_SCOPE_BOUNDARIES = frozenset({"applet", "caption", "html", "marquee", "math", "object", "svg", "table", "td", "template", "th"})


def _raw_html(content: str, env: dict) -> str:
    """Raw HTML written in markdown, made safe to hand to the HTML parser in linear time.

    Comments are dropped; every ``<`` that is not a well-formed tag is
    escaped, so the parser sees no tag that was not counted here. ``env``
    carries the raw elements still open from one piece of raw HTML to the
    next: a start tag that would open more than :data:`MAX_RAW_DEPTH` is
    dropped, and so is an end tag that closes none of them (it could not
    lower the parser's depth either).
    """
    open_: list[str] = env.setdefault("raw_open", [])
    out: list[str] = []
    done = 0
    at = content.find("<")
    while at >= 0:
        out.append(content[done:at])
        if content.startswith("<!--", at):
            end = content.find("-->", at + 2)
            done = len(content) if end < 0 else end + 3
        else:
            m = _RAW_TAG.match(content, at)
            if m is None or m.end() - at > _MAX_ATTRIBUTE:
                out.append("&lt;")
                done = at + 1
            else:
                name = m.group(2).lower()
                if m.group(1):
                    if _closes(open_, name):
                        out.append(m.group())
                elif name in _VOID:
                    out.append(m.group())
                elif len(open_) < MAX_RAW_DEPTH:
                    open_.append(name)
                    out.append(m.group())
                done = m.end()
        at = content.find("<", done)
    out.append(content[done:])
    return "".join(out)


def _closes(open_: list[str], name: str) -> bool:
    """Pop the innermost open raw element ``name`` (and those inside it); False if none can close."""
    for i in range(len(open_) - 1, max(-1, len(open_) - 1 - MAX_RAW_DEPTH), -1):
        if open_[i] == name:
            del open_[i:]
            return True
        if open_[i] in _SCOPE_BOUNDARIES:
            return False
    return False


# html5ever (inside nh3) appends each character reference ("&amp;") and some
# Latin-1 characters (no-break space, soft hyphen) to the text node or
# attribute value it is building by copying it: quadratic in the length of
# one long text or attribute. So text is cut into pieces with <wbr> (which
# the sanitiser then drops: the text reads the same), attribute values longer
# than _MAX_ATTRIBUTE are dropped, and so are raw tags longer than that.
_MAX_TEXT_RUN = 256
_MAX_ATTRIBUTE = 2048
_TAG_OR_TEXT = re.compile(r"(<[^>]*+>)")
# Up to _MAX_TEXT_RUN characters, an entity counting as one: never cut inside one.
_TEXT_PIECE = re.compile(r"(?:[^&]|&[#A-Za-z0-9]{1,32};|&){1,%d}" % _MAX_TEXT_RUN)


def _short_texts(html: str) -> str:
    """``html`` with every text longer than :data:`_MAX_TEXT_RUN` cut by ``<wbr>``."""
    parts = _TAG_OR_TEXT.split(html)
    for i in range(0, len(parts), 2):  # even parts are text, odd ones tags
        if len(parts[i]) > _MAX_TEXT_RUN:
            parts[i] = "<wbr>".join(_TEXT_PIECE.findall(parts[i]))
    return "".join(parts)


@functools.lru_cache(maxsize=1)
def markdown_renderer():
    """The markdown-it parser and renderer of student markdown, built once.

    CommonMark with GFM tables and strikethrough; raw HTML passes through
    :func:`_raw_html`; links are not made from bare URLs; over-long attribute
    values are dropped.
    """
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True, "maxNesting": _MAX_NESTING}).enable(["table", "strikethrough"])
    default_image = md.renderer.rules["image"]

    def html_block(self, tokens, idx, options, env):  # noqa: ANN001 (markdown-it's rule signature)
        return _raw_html(tokens[idx].content, env)

    def html_inline(self, tokens, idx, options, env):  # noqa: ANN001
        return _raw_html(tokens[idx].content, env)

    def image(self, tokens, idx, options, env):  # noqa: ANN001
        token = tokens[idx]
        if len(self.renderInlineAsText(token.children or [], options, env)) > _MAX_ATTRIBUTE:
            token.children = []  # an empty alt text rather than a quadratic one
        return default_image(tokens, idx, options, env)

    md.add_render_rule("html_block", html_block)
    md.add_render_rule("html_inline", html_inline)
    md.add_render_rule("image", image)
    return md


def _drop_long_attributes(tokens) -> None:  # noqa: ANN001 (markdown-it tokens)
    for token in tokens:
        if token.attrs:
            token.attrs = {name: value for name, value in token.attrs.items() if len(str(value)) <= _MAX_ATTRIBUTE}
        if token.children:
            _drop_long_attributes(token.children)  # inline children have no children: one level


def render_markdown(text: str, *, shift: int = 0) -> str:
    """Student markdown as safe HTML; headings moved ``shift`` levels down (at most h6).

    The shift fits a reflection's ``# Title`` under the page's own headings.
    It runs on the sanitised output, where the only ``<hN>`` left are real,
    attribute-free heading tags (any other ``<`` is escaped as ``&lt;``).
    """
    md = markdown_renderer()
    env: dict = {}
    tokens = md.parse(strip_front_matter(text), env)
    _drop_long_attributes(tokens)
    clean = sanitise(_short_texts(md.renderer.render(tokens, md.options, env)))
    if shift:
        clean = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + shift)}>", clean)
    return clean


class ImageEmbedder:
    """Reads images of the portfolio as ``data:`` URIs, within the page's budget."""

    def __init__(self, root: str) -> None:
        from cim_cli.load.files import Resolver

        self.resolver = Resolver(root)
        self.spent = 0

    def data_uri(self, rel: str) -> tuple[str | None, str]:
        """(data URI, "") or (None, why it was not embedded)."""
        import base64

        from cim_cli.load.files import ReadError, read_bytes
        from cim_cli.model import OK

        where = self.resolver.resolve(rel)
        if where.status != OK or where.path is None:
            return None, where.reason or "cannot be read"
        if (where.size or 0) > MAX_IMAGE_BYTES or self.spent + (where.size or 0) > MAX_EMBEDDED_BYTES:
            return None, "is too large to embed in the page"
        try:
            data = read_bytes(where.path, MAX_IMAGE_BYTES)
        except ReadError as exc:
            return None, exc.message
        mime = next((m for magic, m in _IMAGE_MAGIC if data.startswith(magic)), None)
        if mime is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            mime = "image/webp"
        if mime is None:
            return None, "is not a PNG, JPEG, GIF or WebP image"
        self.spent += len(data)
        return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}", ""

    def embed(self, html: str, base: str) -> str:
        """Sanitised HTML with each ``<img src>`` embedded, or replaced by a note.

        ``base`` is the folder of the markdown file, relative to the portfolio:
        an image is looked for relative to it (as an editor's preview does),
        then relative to the portfolio (as cim checks the report's images).
        """
        import html as html_module
        import posixpath
        from urllib.parse import unquote

        def replace(match: re.Match[str]) -> str:
            tag = match.group()
            found = _SRC.search(tag)
            src = html_module.unescape(found.group(1)) if found else ""
            target = unquote(src.split("#")[0].split("?")[0])
            uri, why = None, "has no source"
            for folder in dict.fromkeys((base, "")) if src else ():
                rel = posixpath.normpath(posixpath.join(folder, target))
                uri, why = (None, "is outside the portfolio") if rel.startswith("../") or rel == ".." else self.data_uri(rel)
                if uri is not None:
                    break
            if uri is None:
                alt = _ALT.search(tag)
                label = f" ({alt.group(1)})" if alt and alt.group(1) else ""
                return f'<span class="missing">[image {_e(src)}{label} {_e(why)}]</span>'
            return _SRC.sub(lambda _: f' src="{uri}"', tag, count=1)

        return _IMG_TAG.sub(replace, html)


def _document(doc: MarkdownDocument | None, what: str, shift: int, images: ImageEmbedder) -> str:
    if doc is None:
        return f'<p class="missing">No {what} yet.</p>'
    if doc.text is None:
        return f'<p class="missing">{_e(doc.file)} could not be read; run cim validate for details.</p>'
    base = doc.file.rpartition("/")[0]
    return f'<div class="markdown">\n{images.embed(render_markdown(doc.text, shift=shift), base)}\n</div>'


def _facts(rows: list[tuple[str, str]]) -> list[str]:
    out = ['<dl class="facts">']
    out += [f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows]
    out.append("</dl>")
    return out


def _yes(flag: bool) -> str:
    return '<span class="yes">yes</span>' if flag else '<span class="no">no</span>'


def _next_step(summary: dict, name: str) -> str:
    """The next step, worded for whoever reads the page (an administrator, a member of staff)."""
    f = summary["findings"]
    if f["errors"]:
        return f"{name} needs to fix the {count(f['errors'], 'error')} listed under Findings, then check again with cim validate."
    return f"For {name}: {_e(summary['next_step'])}"


def _findings(items: list[dict]) -> list[str]:
    if not items:
        return ["<p>None: every file is in order.</p>"]
    out = ['<ul class="findings">']
    for item in items:
        where = item["file"] + (f":{item['line']}" if item["line"] else "")
        out.append(
            f'<li><span class="{item["severity"]}">{item["severity"]}</span> '
            f'<code>{_e(where)}</code> {_e(item["message"])} <span class="rule">({_e(item["rule"])})</span></li>'
        )
    out.append("</ul>")
    return out


def render(summary: dict, portfolio: Portfolio, out: TextIO, *, today: str | None = None) -> None:
    """Write the page: summary, findings, one section per activity with its reflection, the report."""
    import datetime

    from cim_cli import __version__

    s = summary
    st = s["student"]
    t = s["totals"]
    f = s["findings"]
    name = _e(st["name"]) or "(no name)"
    reflections = {a.file: a.reflection for a in portfolio.activities}
    images = ImageEmbedder(portfolio.root)
    exported = today or datetime.date.today().isoformat()
    h: list[str] = []
    add = h.append
    add("<!DOCTYPE html>")
    add('<html lang="en">')
    add("<head>")
    add('<meta charset="utf-8">')
    add(f'<meta http-equiv="Content-Security-Policy" content="{CSP}">')
    add('<meta name="referrer" content="no-referrer">')
    add('<meta name="viewport" content="width=device-width, initial-scale=1">')
    add(f"<title>Summary of activities: {name} ({_e(s['programme'])})</title>")
    add(f"<style>{CSS}</style>")
    add("</head>")
    add("<body>")
    add("<header>")
    add(f"<h1>Summary of activities: {name}</h1>")
    add(f'<p class="programme">{_e(s["programme"])} · exported {exported}</p>')
    add("</header>")
    add("<main>")

    add('<section id="student">')
    add("<h2>Student</h2>")
    h += _facts(
        [
            ("Name", name),
            ("Student id", _e(st["student_id"])),
            ("Email", _e(st["email"])),
            ("Study programme", _e(st["study_programme"])),
            ("Registered", _e(st["registered"])),
            ("Stage", f'<span class="stage">{_e(s["stage"])}</span>'),
            (
                "Counting activities",
                f"{s['counting_activities']} of {s['required_activities']}"
                f" (home {s['home']['counting']}" + (f" of {s['home']['required']}" if s["home"]["required"] else "")
                + f", abroad {s['abroad']['counting']}" + (f" of {s['abroad']['required']}" if s["abroad"]["required"] else "") + ")",
            ),
        ]
    )
    add("</section>")

    add('<section id="activities">')
    add("<h2>Activities</h2>")
    if s["activities"]:
        add('<div class="table-wrap">')
        add("<table>")
        add(
            "<thead><tr><th>Activity</th><th>Category</th><th>Where</th><th>Dates</th>"
            '<th class="num">Engagements</th><th class="num">Credits</th><th class="num">Evidence</th>'
            '<th class="num">Reflection words</th><th>Counts</th></tr></thead>'
        )
        add("<tbody>")
        for i, a in enumerate(s["activities"], 1):
            add(
                f'<tr><td><a href="#activity-{i}">{_e(a["title"] or a["slug"])}</a></td>'
                f"<td>{_e(a['category_title'] or a['category'])}</td><td>{_e(where(a))}</td><td class=\"nowrap\">{_e(dates(a))}</td>"
                f'<td class="num">{a["engagements"]}</td><td class="num">{_e(fmt_number(a["credits"]))}</td>'
                f'<td class="num">{len(a["evidence"])}</td><td class="num">{_e(fmt_number(a["reflection_words"]))}</td>'
                f"<td>{_yes(a['counts'])}</td></tr>"
            )
        add("</tbody>")
        add("</table>")
        add("</div>")
    else:
        add("<p>No activities recorded yet.</p>")
    add("</section>")

    add('<section id="totals">')
    add("<h2>Totals</h2>")
    h += _facts(
        [
            ("Activities recorded", f"{t['activities']}, of which {t['counting']} count"),
            ("Evidence files", f"{t['evidence_files']}" + (f" ({t['evidence_missing']} not found)" if t["evidence_missing"] else "")),
            ("Credits", _e(fmt_number(t["credits"]))),
            ("Reflection words", str(t["reflection_words"])),
            ("Report words", "not started" if s["report_words"] is None else str(s["report_words"])),
            ("Findings", f'<a href="#findings">{findings_text(f)}</a>'),
            ("Next step", _next_step(s, name)),
        ]
    )
    add("</section>")

    add('<section id="findings">')
    add("<h2>Findings</h2>")
    h += _findings(f["items"])
    add("</section>")

    for i, a in enumerate(s["activities"], 1):
        add(f'<section class="activity" id="activity-{i}">')
        add(f"<h3>{_e(a['title'] or a['slug'])}</h3>")
        h += _facts(
            [
                ("Record", _e(a["file"])),
                ("Category", _e(a["category_title"] or a["category"]) + (f" ({_e(a['category'])})" if a["category_title"] else "")),
                ("Where", _e(where(a))),
                ("Host", _e(a["host"])),
                ("Dates", f'<span class="nowrap">{_e(dates(a))}</span>'),
                ("Engagements", str(a["engagements"])),
                ("Credits", _e(fmt_number(a["credits"]))),
                ("Counts", _yes(a["counts"])),
            ]
            + ([("Still needs", "; ".join(_e(x) for x in a["lacks"]))] if a["lacks"] else [])
        )
        add("<h4>Evidence</h4>")
        if a["evidence"]:
            add("<ul>")
            for e in a["evidence"]:
                # Named, not linked: a relative link breaks once the page is moved.
                item = f"<code>{_e(e['path'])}</code>" + ("" if e["exists"] else ' <span class="missing">(not found)</span>')
                extra = ", ".join(_e(x) for x in (e["kind"], e["description"]) if x)
                photo = ""
                if e["exists"] and e["kind"] == "photo":
                    uri, why = images.data_uri(e["path"])
                    alt = _e(e["description"] or f"Photo evidence for {a['title'] or a['slug']}")
                    photo = f'<figure class="evidence"><img src="{uri}" alt="{alt}"></figure>' if uri else f' <span class="missing">(not shown: it {_e(why)})</span>'
                add(f"<li>{item}" + (f": {extra}" if extra else "") + photo + "</li>")
            add("</ul>")
        else:
            add('<p class="missing">No evidence listed.</p>')
        words = f" ({a['reflection_words']} words)" if a["reflection_words"] is not None else ""
        add(f"<h4>Reflection{words}</h4>")
        # Reflection headings (# ...) sit below this section's h4.
        add(_document(reflections.get(a["file"]), "reflection", shift=4, images=images))
        add("</section>")

    add('<section id="report">')
    words = f" ({s['report_words']} words)" if s["report_words"] is not None else ""
    add(f"<h2>Report{words}</h2>")
    add(_document(portfolio.report, "report", shift=2, images=images))
    add("</section>")

    add("</main>")
    # The folder's name only: a full local path has no place in a published page.
    folder = os.path.basename(os.path.normpath(s["path"])) if s["path"] else ""
    add(f"<footer><p>Exported by cim {_e(__version__)} on {exported}" + (f" from {_e(folder)}" if folder else "") + f". {_e(judged_by(s))}</p></footer>")
    add("</body>")
    add("</html>")
    out.write("\n".join(h) + "\n")
