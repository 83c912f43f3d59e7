"""HTML export: one standalone page with the summary, the reflections and the report.

The page is meant for an administrator's browser or a publication next to
the portfolio, so everything a student wrote is treated as hostile:

- Text inserted outside markdown (names, titles, paths) goes through
  :func:`html.escape`.
- Markdown (reflections, report) is rendered with Python-Markdown, which does
  not sanitise: raw HTML, ``attr_list`` event handlers (``{: onclick=... }``)
  and ``javascript:`` links pass straight through. Its output is therefore
  cleaned with nh3 against an explicit allow-list (:data:`ALLOWED_TAGS`,
  :data:`ALLOWED_ATTRIBUTES`, :data:`URL_SCHEMES`): no script, no event
  handler, no ``style`` attribute, no ``javascript:`` or ``data:`` URL.
- A Content-Security-Policy meta tag forbids scripts, frames, forms and
  remote resources as a second line of defence, should the sanitiser ever
  miss something.

The page has no JavaScript and no external resources: its CSS is inline.
"""

from __future__ import annotations

import os
import re
from html import escape
from typing import TextIO
from urllib.parse import quote

from cim_cli.exporters.summary import dates, findings_text, fmt_number, plain, where
from cim_cli.model import MarkdownDocument, Portfolio

# Tags a report or reflection may use: what Python-Markdown's "extra" makes of
# ordinary markdown (headings, lists, quotes, tables, code, links, images,
# definition lists, footnote markers, abbreviations).
ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "h1", "h2", "h3", "h4", "h5", "h6",
        "p", "br", "hr", "blockquote",
        "ul", "ol", "li", "dl", "dt", "dd",
        "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
        "em", "strong", "code", "pre", "sup", "sub", "abbr",
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
# Dropped together with their content, not just unwrapped.
CLEAN_CONTENT_TAGS: frozenset[str] = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math", "textarea", "select"}
)

CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

_HEADING = re.compile(r"<(/?)h([1-6])>")
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n.*?^(?:---|\.\.\.)[ \t]*\r?$\n?", re.S | re.M)

CSS = """
:root { color-scheme: light dark; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; background: #fff; }
h1, h2, h3, h4, h5, h6 { line-height: 1.25; }
h1 { font-size: 1.8rem; margin-bottom: 0.2rem; }
.programme { margin-top: 0; color: #555; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; margin: 1rem 0; width: 100%; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; }
.stage { display: inline-block; padding: 0.1rem 0.6rem; border-radius: 1rem; background: #e8eef8; font-weight: 600; }
.yes { color: #1a7f37; font-weight: 600; }
.no { color: #9a6700; font-weight: 600; }
.missing { color: #b3261e; }
section.activity { border-top: 1px solid #ddd; margin-top: 2rem; }
.markdown { border-left: 3px solid #e3e3e3; padding-left: 1rem; }
.markdown img { max-width: 100%; height: auto; }
.markdown pre { overflow-x: auto; background: #f6f8fa; padding: 0.6rem; }
footer { margin-top: 3rem; color: #666; font-size: 0.9rem; }
@media (prefers-color-scheme: dark) {
  body { color: #e6e6e6; background: #161616; }
  .programme, footer { color: #aaa; }
  .stage { background: #243049; }
  th, td { border-color: #444; }
  .markdown pre { background: #222; }
  /* The light colours fail WCAG AA contrast (4.5:1) on the dark background. */
  .yes { color: #4ac26b; }
  .no { color: #d29922; }
  .missing { color: #ff7b72; }
}
/* Narrow screens: wide tables scroll inside themselves, long paths wrap; the page never scrolls sideways. */
main { overflow-wrap: break-word; }
@media (max-width: 50rem) { table { display: block; overflow-x: auto; } dl.facts { grid-template-columns: 1fr; } dl.facts dd { margin-bottom: 0.4rem; } }
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


def render_markdown(text: str, *, shift: int = 0) -> str:
    """Student markdown as safe HTML; headings moved ``shift`` levels down (at most h6).

    The shift fits a reflection's ``# Title`` under the page's own headings.
    It runs on the sanitised output, where the only ``<hN>`` left are real,
    attribute-free heading tags (any other ``<`` is escaped as ``&lt;``).
    """
    import markdown

    html = markdown.markdown(strip_front_matter(text), extensions=["extra", "sane_lists"])
    clean = sanitise(html)
    if shift:
        clean = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + shift)}>", clean)
    return clean


def _href(path: str) -> str:
    """A link to a file in the portfolio, relative to the page saved beside it.

    Every character but ``/`` is percent-encoded, so no path can become a
    ``javascript:`` (or any other) scheme.
    """
    return escape(quote(path, safe="/"), quote=True)


def _document(doc: MarkdownDocument | None, what: str, shift: int) -> str:
    if doc is None:
        return f'<p class="missing">No {what} yet.</p>'
    if doc.text is None:
        return f'<p class="missing">{_e(doc.file)} could not be read; run cim validate for details.</p>'
    return f'<div class="markdown">\n{render_markdown(doc.text, shift=shift)}\n</div>'


def _facts(rows: list[tuple[str, str]]) -> list[str]:
    out = ['<dl class="facts">']
    out += [f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows]
    out.append("</dl>")
    return out


def _yes(flag: bool) -> str:
    return '<span class="yes">yes</span>' if flag else '<span class="no">no</span>'


def render(summary: dict, portfolio: Portfolio, out: TextIO) -> None:
    """Write the page: summary, one section per activity with its reflection, the report."""
    from cim_cli import __version__

    s = summary
    st = s["student"]
    t = s["totals"]
    f = s["findings"]
    name = _e(st["name"]) or "(no name)"
    reflections = {a.file: a.reflection for a in portfolio.activities}
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
    add(f'<p class="programme">{_e(s["programme"])}</p>')
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
                f"<td>{_e(a['category_title'] or a['category'])}</td><td>{_e(where(a))}</td><td>{_e(dates(a))}</td>"
                f'<td class="num">{a["engagements"]}</td><td class="num">{_e(fmt_number(a["credits"]))}</td>'
                f'<td class="num">{len(a["evidence"])}</td><td class="num">{_e(fmt_number(a["reflection_words"]))}</td>'
                f"<td>{_yes(a['counts'])}</td></tr>"
            )
        add("</tbody>")
        add("</table>")
    else:
        add("<p>No activities recorded yet.</p>")
    add("</section>")

    add('<section id="totals">')
    add("<h2>Totals</h2>")
    h += _facts(
        [
            ("Activities", f"{t['activities']} ({t['counting']} counting; home {t['home']}, abroad {t['abroad']})"),
            ("Evidence files", f"{t['evidence_files']}" + (f" ({t['evidence_missing']} not found)" if t["evidence_missing"] else "")),
            ("Credits", _e(fmt_number(t["credits"]))),
            ("Reflection words", str(t["reflection_words"])),
            ("Report words", "not started" if s["report_words"] is None else str(s["report_words"])),
            ("Findings", findings_text(f)),
            ("Next step", _e(s["next_step"])),
        ]
    )
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
                ("Dates", _e(dates(a))),
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
                label = _e(e["path"])
                # Only files found inside the portfolio are linked.
                item = f'<a href="{_href(e["path"])}">{label}</a>' if e["exists"] else f'{label} <span class="missing">(not found)</span>'
                extra = ", ".join(_e(x) for x in (e["kind"], e["description"]) if x)
                add(f"<li>{item}" + (f": {extra}" if extra else "") + "</li>")
            add("</ul>")
        else:
            add('<p class="missing">No evidence listed.</p>')
        words = f" ({a['reflection_words']} words)" if a["reflection_words"] is not None else ""
        add(f"<h4>Reflection{words}</h4>")
        # Reflection headings (# ...) sit below this section's h4.
        add(_document(reflections.get(a["file"]), "reflection", shift=4))
        add("</section>")

    add('<section id="report">')
    words = f" ({s['report_words']} words)" if s["report_words"] is not None else ""
    add(f"<h2>Report{words}</h2>")
    # Images keep their relative src: the page is meant to be saved next to
    # the portfolio's report.md or published with the portfolio. Embedding
    # them as data: URIs (already allowed by the CSP) could come later.
    add(_document(portfolio.report, "report", shift=2))
    add("</section>")

    add("</main>")
    # The folder's name only: a full local path has no place in a published page.
    folder = os.path.basename(os.path.normpath(s["path"])) if s["path"] else ""
    add(f"<footer><p>Exported by cim {_e(__version__)}" + (f" from {_e(folder)}" if folder else "") + ".</p></footer>")
    add("</body>")
    add("</html>")
    out.write("\n".join(h) + "\n")
