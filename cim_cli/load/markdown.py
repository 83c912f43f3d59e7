"""Words, headings, sections, images and links of a markdown text.

Reports and diaries are analysed in batches of tens of thousands of files, so
this is a line-based scanner with precompiled regexes, not a full CommonMark
parser. It recognises the block structure that matters for counting (front
matter, fenced and indented code, HTML comments, headings, paragraphs, lists,
block quotes, tables, reference definitions) and collects the lines of each
block; then, with every reference definition known, it strips the inline
markup of each block and counts the words a reader reads. :func:`analyze`
never raises: odd input (unclosed fences or comments, deep nesting, binary
garbage) degrades to a plausible count, in time linear in its length.

Linear time. Every regex here is anchored or possessive (``*+``, ``++``) so
that no run of characters is tried in more than a bounded number of ways;
closing ``#``s and trailing punctuation are cut with ``str.rstrip``;
comments, hidden elements and code spans are paired by forward searches.
``tests/test_markdown_linear.py`` checks it on ~170 generated families of
hostile input (runs of every markup character, unclosed constructs, deep
nesting, repeated openers), for analysis and rendering alike;
``benchmarks/markdown.py`` times them at the 256 KiB cap
(``benchmarks/results-markdown.md``). Measured at the cap (CPU, 2-core
shared machine): an ordinary 256 KiB report 0.01 s to analyse and 0.05 s to
render; the worst family to analyse (setext headings) 0.32 s, the worst to
render (256 KiB of "![") 6.2 s. Before, ``## Notes`` followed by
30,000 " ." and a word took 11 s to analyse at 60 KB and a heading with
16,000 blanks 1.1 s; Python-Markdown rendered 8,000 "[" in 8 s (all
quadratic: hours or days at the cap).

Why this scanner and not markdown-it-py's parse (decided for issue 7, and
measured): cim's HTML export renders with markdown-it-py (see
:func:`cim_cli.exporters.html.render_markdown`), which is CommonMark and
linear, but 2-3x slower than this scanner on a typical report (0.40 ms
against 0.18 ms for 5.5 KB; Python-Markdown took 2.4 ms) and 10-50x slower
on hostile input (47 us a character on runs of "["), and 40 ms to import,
which ``cim validate`` and ``cim batch`` would pay for every cohort. So the
count stays here and is held to the renderer by test instead:
``tests/test_word_count_matches_html.py`` renders generated reports with the
export and counts the visible text of the HTML with the same word definition
(:func:`count_visible_words`); they agree, except in the simplifications
listed below.

What counts:

* a word is a run of letters or digits, joined by inner apostrophes (' ’),
  hyphens, combining marks, or "." and "," between digits ("1,000"); every CJK
  ideograph is a word of its own (see ``word_pattern``);
* a paragraph-like block (paragraph, list, block quote, table) counts towards
  ``Heading.paragraphs`` and ``preamble_paragraphs`` when it has a word: one
  holding only images, code, comments or bare URLs does not;
* HTML entities are decoded ("&nbsp;" is a blank, "na&iuml;ve" one word);
* invisible format characters (Unicode category Cf: zero-width space, joiner
  and non-joiner, word joiner, soft hyphen, a byte-order mark in mid-text)
  are removed first, so they never split a word;
* ``links`` also holds autolinks (``<https://...>``); bare URLs are neither
  links nor words; ``<a href>`` tags are dropped like any tag.

Deliberate simplifications, all rare in student writing (where the page that
``cim export --format html`` makes can differ from the count):

* container nesting is flattened: a list, or a block quote, is one block however
  deeply it nests; headings, list markers and ``>`` inside them are markup;
* a list continues past blank lines while the next line is a list item or is
  indented by 2 or more columns; changing the bullet character does not start a
  new list; a fence inside a list ends at its closing fence only;
* inline constructs may run across the lines of one block but never across
  blocks; link text may not itself contain brackets;
* HTML blocks are read as text with their tags dropped, and their markdown is
  read as markdown, where CommonMark shows it as written (a line that starts
  with a tag or a comment, then ``[text](target)`` on it: the page shows the
  target too); HTML comments and
  elements no reader sees (:data:`HIDDEN_ELEMENTS`: <template>, <script>,
  <style>, <svg>...) are skipped with their content, wherever they start and
  however many lines they span, as a browser skips them; ``<svg>`` and
  ``<math>`` end with their paragraph, as in a browser;
* the renderer stops nesting at 32 levels (16 list levels); the words of a
  deeper list are counted but not shown.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_right

from cim_cli.model import Heading, Link, MarkdownAnalysis


class _Lazy:
    """A regular expression compiled on first use, then as fast as the compiled one.

    The parser's thirty-odd patterns cost some 40 million instructions to
    compile at import; a portfolio whose markdown never has a table, an HTML
    comment or an ideograph never needs theirs. The first attribute looked up
    (``match``, ``sub``...) compiles the pattern and is stored on the
    instance, so later calls go straight to the compiled pattern's method.
    """

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)

    def __getattr__(self, name: str):
        value = getattr(re.compile(*self._args), name)
        setattr(self, name, value)
        return value


__all__ = ["HIDDEN_ELEMENTS", "analyze", "count_visible_words", "count_words", "visible_text"]


# --------------------------------------------------------------------- words

# Scripts written without spaces: every ideograph is counted as one word.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"


def _combining_marks() -> str:
    """Character-class body listing the combining marks (categories Mn, Mc, Me).

    Python's ``\\w`` does not match combining marks, so without them a
    Devanagari word would split at every vowel sign and a decomposed "naïve"
    in two. Computed once, over the blocks that hold the marks of living
    scripts (a millisecond or two, instead of a table pasted in here).
    """
    blocks = ((0x0300, 0x1DFF), (0x20D0, 0x20FF), (0xA66F, 0xABFF), (0xFB1E, 0xFB1E), (0xFE00, 0xFE2F))
    parts = []
    for lo, hi in blocks:
        start = None
        for cp in range(lo, hi + 2):
            is_mark = cp <= hi and unicodedata.category(chr(cp))[0] == "M"
            if is_mark and start is None:
                start = cp
            elif not is_mark and start is not None:
                parts.append(f"{chr(start)}-{chr(cp - 1)}")
                start = None
    return "".join(parts)


@functools.lru_cache(maxsize=1)
def word_pattern() -> re.Pattern:
    """The definition of a word, compiled on first use.

    A letter or digit is a word character that is neither "_" nor an
    ideograph; what may join two runs of letters inside one word is an
    apostrophe (' or ’), a hyphen, combining marks, or a decimal point or
    thousands separator in a number; each ideograph is a word of its own.
    Compiled lazily: the Unicode classes cost ~15 ms, and ASCII text (the
    common case) never needs them.
    """
    letter = f"[^\\W_{_CJK}]"
    joiner = f"(?:[{_combining_marks()}]+(?:['’\\-\u2010\u2011])?|['’\\-\u2010\u2011]|(?<=\\d)[.,](?=\\d))"
    return re.compile(f"{letter}+(?:{joiner}{letter}+)*|[{_CJK}]")

# count_words() takes a fast path for ASCII text, by far the common case,
# about ten times faster than the regex: it translates every character to its
# role ("a" letter, "0" digit, "-" joiner, "." number separator, " " anything
# else) and counts with str methods, which run at C speed. The tests check
# that both paths agree.
_ASCII_ROLES = "".join(
    "a" if chr(c).isalpha() else "0" if chr(c).isdigit() else "-" if chr(c) in "'-" else "." if chr(c) in ".," else " "
    for c in range(128)
)
# Joints that glue two runs of letters or digits into one word. Each pattern
# starts with a literal, which the regex engine skips to at C speed.
_LETTER_JOINT = _Lazy(r"-(?<=a-)(?=a)")
_NUMBER_JOINT = _Lazy(r"\.(?<=0\.)(?=0)")
# Typographic punctuation that word processors put into otherwise ASCII text,
# and an ASCII character with the same role in word_pattern(), so that such text still
# takes the fast path.
_TYPOGRAPHY = (
    ("\u2019", "'"),  # right single quotation mark, the usual apostrophe
    ("\u2018", '"'),
    ("\u201c", '"'),
    ("\u201d", '"'),
    ("\u2013", " "),
    ("\u2014", " "),
    ("\u2026", " "),
    ("\xa0", " "),
    ("\u2010", "-"),
    ("\u2011", "-"),
)


# Format characters (Unicode category Cf: zero-width space, joiner and
# non-joiner, word joiner, soft hyphen, a byte-order mark in mid-text,
# direction marks, tag characters...) are invisible: a word holding one is
# still one word. tests/test_markdown.py checks this list against unicodedata.
_FORMAT_CHARACTERS = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_INVISIBLE = _Lazy(f"[{_FORMAT_CHARACTERS}]+")


def visible_text(text: str) -> str:
    """``text`` without its invisible format characters (see :data:`_FORMAT_CHARACTERS`)."""
    return text if text.isascii() else _INVISIBLE.sub("", text)


def _ascii_stand_in(text: str) -> str | None:
    """``text`` with each other character replaced by an ASCII one of the same role, or None.

    Letters and digits of any script ("é", "Ж", "٣") are word characters
    like "a" and "0"; everything else that is not ASCII separates words.
    Only combining marks (which join) and ideographs (each a word) need
    word_pattern(), whose Unicode classes take ~10 ms to compile: so
    "Charité" or "Москва" keep the fast path and the start-up stays short.
    """
    table: dict[int, str] = {}
    for ch in set(text):
        if ch.isascii():
            continue
        if unicodedata.category(ch)[0] == "M" or _IDEOGRAPH.match(ch):
            return None
        table[ord(ch)] = ("0" if ch.isdecimal() else "a") if ch.isalnum() else " "
    return text.translate(table)


_IDEOGRAPH = _Lazy(f"[{_CJK}]")


def count_words(text: str) -> int:
    """Words in plain text, as defined by :func:`word_pattern`.

    Invisible format characters are removed first, so that "co\u200boperation"
    is one word, as a reader sees it.
    """
    if not text.isascii():
        text = _INVISIBLE.sub("", text)
        for typographic, ascii_ in _TYPOGRAPHY:
            if typographic in text:
                text = text.replace(typographic, ascii_)
        if not text.isascii():
            stand_in = _ascii_stand_in(text)
            if stand_in is None:  # combining marks or ideographs: the definition itself
                return len(word_pattern().findall(text))
            text = stand_in
    roles = text.translate(_ASCII_ROLES)
    letters = roles.replace("0", "a")
    # Runs of letters and digits, minus the joints inside words.
    runs = (" " + letters.replace("-", " ").replace(".", " ")).count(" a")
    joints = len(_LETTER_JOINT.findall(letters)) if "-" in roles else 0
    if "." in roles:
        joints += len(_NUMBER_JOINT.findall(roles))
    return runs - joints


def count_visible_words(text: str) -> int:
    """Words in text as shown to a reader, by the rules of :func:`analyze`:
    :func:`count_words`, except that URLs are not words."""
    return count_words(_without_urls(text))


# ------------------------------------------------------------- block syntax
# These match a line from its first non-blank character ("rest" below).

_ATX = _Lazy(r"(#{1,6})(?:[ \t]+|$)")
_FENCE_OPEN = _Lazy(r"`{3,}(?=[^`]*$)|~{3,}")  # a backtick fence's info string has no backtick
_FENCE_CLOSE = _Lazy(r"(?:`{3,}|~{3,})[ \t]*$")
_THEMATIC_BREAK = _Lazy(r"([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_SETEXT_UNDERLINE = _Lazy(r"(?:=+|-+)[ \t]*$")
_LIST_ITEM = _Lazy(r"(?:[-+*]|(\d{1,9})[.)])(?:[ \t]|$)")
# Container markup in front of the text of a list or quote line: any nesting
# of ">" and list markers, then a task-list box.
_CONTAINER_PREFIX = _Lazy(r"(?:(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$)|>[ \t]?)*(?:\[[ xX]\](?:[ \t]+|$))?")
# Possessive quantifiers (*+, ++: Python 3.11) never give back what they took,
# so that adjacent runs of blanks cannot be split in every way on a long line.
_TABLE_DELIMITER = _Lazy(r"\|?[ \t]*+:?-++:?[ \t]*+(?:\|[ \t]*+:?-++:?[ \t]*+)*+\|?[ \t]*+$")
# A reference definition: [label]: destination "optional title". Labels
# starting with "^" are footnotes, which are text.
_REFERENCE_DEFINITION = _Lazy(
    r"\[(?!\^)((?:[^\[\]\\]|\\.){1,999})\]:[ \t]*(<[^<>]*>|\S+)"
    r"""(?:[ \t]+(?:"[^"]*"|'[^']*'|\([^()]*\)))?[ \t]*$"""
)

# Elements whose content no reader sees: the word count skips them (as it
# skips HTML comments) and cim's HTML export drops them with their content.
HIDDEN_ELEMENTS: frozenset[str] = frozenset(
    {"template", "script", "style", "noscript", "textarea", "iframe", "object", "svg", "math", "select",
     "noembed", "noframes", "title"}
)  # fmt: skip
# Their content is raw text, ended by the first end tag of the same name;
# the others nest.
# SVG and MathML ("foreign content") end where their paragraph ends: the
# next block's <p> breaks out of them in every browser (and in html5ever).
_FOREIGN_ELEMENTS = frozenset({"svg", "math"})
_RAW_TEXT_ELEMENTS = frozenset({"script", "style", "textarea", "iframe", "noscript", "noembed", "noframes", "title"})
# An HTML comment's opener, or a whole start tag of a hidden element (on one
# line). Possessive quantifiers keep a long run of attributes or blanks linear.
_ATTRIBUTES = r"""(?:\s++[A-Za-z_:][\w.:-]*+(?:\s*+=\s*+(?:[^\s"'=<>`]++|'[^']*+'|"[^"]*+"))?+)*+\s*+(/?)>"""
_HIDDEN_OPEN = _Lazy(r"<(?:!--|(" + "|".join(sorted(HIDDEN_ELEMENTS)) + r")(?![\w-])" + _ATTRIBUTES + ")", re.IGNORECASE)
# Start and end tags of one hidden element, to find where it ends.


@functools.lru_cache(maxsize=None)
def _hidden_tags(name: str) -> re.Pattern[str]:
    """Start and end tags of the hidden element ``name`` (end tags only for raw text), compiled on first use."""
    return re.compile((r"</" if name in _RAW_TEXT_ELEMENTS else r"<(/?)") + name + r"(?![\w-])", re.IGNORECASE)

# ------------------------------------------------------------ inline syntax

_BACKTICKS = _Lazy(r"`+")
_ESCAPE = _Lazy(r"\\([!-/:-@\[-`{-~])")
# Link text holds no brackets; a destination may hold one level of balanced
# parentheses, as Wikipedia URLs do; titles stay on one line.
# Every quantifier is possessive: the blanks before a destination, after it
# and before a title are three adjacent runs that would otherwise be split
# every way on an unclosed "[a](" followed by many blanks (cubic time).
_LINK_BODY = (
    r"\[([^\[\]]*+)\]"
    r"(?:\([ \t\n]*+(<[^<>\n]*+>|(?:[^\s()]++|\([^\s()]*+\))*+)"
    r"""(?:[ \t\n]++(?:"[^"\n]*+"|'[^'\n]*+'|\([^()\n]*+\)))?[ \t\n]*+\)"""
    r"|\[([^\[\]]*+)\])?"
)
_IMAGE = _Lazy("!" + _LINK_BODY)
_LINK = _Lazy(_LINK_BODY)
_HTML = _Lazy(
    r"<(?:([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)>"  # autolink
    r"|(/?)([A-Za-z][A-Za-z0-9-]*)"  # or a tag with its attributes
    r"((?:\s+[A-Za-z_:][\w.:-]*(?:\s*=\s*(?:[^\s\"'=<>`]+|'[^'<>]*'|\"[^\"<>]*\"))?)*)\s*/?>)"
)
_HTML_ATTRIBUTE = _Lazy(r"""([A-Za-z_:][\w.:-]*)\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+)""")
_BARE_URL = _Lazy(r"\b(?:https?://|www\.)\S+")
_ENTITY = _Lazy(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Emphasis and strikethrough markers, except "_" or "*" inside a word (snake_case).
_EMPHASIS = _Lazy(r"~~+|(?<![^\W_])[*_]+|[*_]+(?![^\W_])")

# Escaped characters and the text of code spans kept in headings must not be
# read as markup by the later passes. They are swapped for private-use
# characters (the same length, so positions hold) and swapped back at the end;
# "\x01" stands where an escaping backslash was and is then dropped.
_PUNCTUATION = [c for c in range(0x21, 0x7F) if not chr(c).isalnum()]
_PROTECT = {c: 0xE000 + c for c in _PUNCTUATION}
_UNPROTECT: dict[int, int | None] = {0xE000 + c: c for c in _PUNCTUATION}
_UNPROTECT[1] = None
# A comment after text on its line is replaced by this filler rather than by
# blanks, so that what is left cannot pass for block markup ("- <!-- x -->" is a
# list item, not a setext underline); rendering turns it into blanks.
_COMMENT_FILL = "\x00"
_UNPROTECT[ord(_COMMENT_FILL)] = " "

# Characters that may start a line that is not plain paragraph text.
_BLOCK_CHARACTERS = frozenset(" \t#`~>=-*_+[|:<0123456789")

# Kinds of open block; text blocks collect lines, "code" only swallows them.
_TEXT_KINDS = ("para", "list", "quote", "table")

# State of an open HTML comment or hidden element: none, opened after text on
# its line (its lines are invisible), opened at the start of a line (its lines
# end a paragraph, as a blank line does: CommonMark reads it as an HTML block).
_NO_COMMENT, _INLINE_COMMENT, _BLOCK_COMMENT = 0, 1, 2


def analyze(text: str) -> MarkdownAnalysis:
    """Count the words of ``text`` and find its headings, sections, images and links."""
    return _Scanner(text).run()


def _normalise(text: str) -> str:
    """``text`` without a byte-order mark and with "\\n" line endings."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _front_matter_end(lines: list[str]) -> int:
    """Number of lines taken by YAML front matter: 0 if there is none (or it never closes)."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return i + 1
    return 0


def _indentation(line: str) -> tuple[int, int]:
    """Width of the leading blanks (a tab advances to the next multiple of 4) and their length."""
    if line[:1] not in (" ", "\t"):
        return 0, 0
    length = len(line) - len(line.lstrip(" \t"))
    if "\t" not in line[:length]:
        return length, length
    width = 0
    for ch in line[:length]:
        width = width + 4 - width % 4 if ch == "\t" else width + 1
    return width, length


def _without_closing_sequence(content: str) -> str:
    """An ATX heading's text without its optional closing "#"s (CommonMark).

    The "#"s close the heading only if blanks or nothing come before them.
    str.rstrip, not a regex: a regex such as ``[ \\t]+#+[ \\t]*$`` retried at
    every blank of a long run of blanks is quadratic.
    """
    text = content.rstrip(" \t")
    without = text.rstrip("#")
    if len(without) == len(text) or without[-1:] not in ("", " ", "\t"):
        return content
    return without.rstrip(" \t")


def _label(label: str) -> str:
    return " ".join(label.split()).casefold()


def _target(dest: str) -> str:
    """A link destination as a path or URL: no angle brackets or escapes, %20 decoded."""
    if dest.startswith("<") and dest.endswith(">"):
        dest = dest[1:-1]
    if "\x01" in dest:
        dest = dest.translate(_UNPROTECT)
    return dest.replace("%20", " ")


def _plain(text: str) -> str:
    """Inline text as displayed: no emphasis markers, escapes resolved, blanks collapsed."""
    return " ".join(_EMPHASIS.sub("", text).translate(_UNPROTECT).split())


def _code_spans(s: str) -> list[tuple[int, int, int, int]]:
    """(start, end, text start, text end) of each code span in ``s``.

    CommonMark: a backtick run opens a span closed by the next run of the
    same length; a run after a backslash does not open one. Pairing runs
    through an index, rather than with a lazy regex, keeps hostile input
    (thousands of unmatched runs) linear.
    """
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(s)]
    following: list[int] = [-1] * len(runs)  # next run of the same length
    last_of_length: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        n = runs[i][1] - runs[i][0]
        following[i] = last_of_length.get(n, -1)
        last_of_length[n] = i
    spans = []
    i = 0
    while i < len(runs):
        j = following[i]
        start = runs[i][0]
        if j < 0 or (start > 0 and s[start - 1] == "\\"):
            i += 1
            continue
        spans.append((start, runs[j][1], runs[i][1], runs[j][0]))
        i = j + 1
    return spans


def _protect_code_spans(s: str) -> tuple[str, list[tuple[int, int, int, int]]]:
    """``s`` with the backticks of its code spans blanked and their text
    protected from later passes, and the spans (see :func:`_code_spans`)."""
    spans = _code_spans(s)
    if not spans:
        return s, spans
    parts = []
    done = 0
    for start, end, text_start, text_end in spans:
        parts.append(s[done:start])
        parts.append(" " * (text_start - start))
        parts.append(s[text_start:text_end].translate(_PROTECT))
        parts.append(" " * (end - text_end))
        done = end
    parts.append(s[done:])
    return "".join(parts), spans


def _blank_spans(s: str, spans: list[tuple[int, int, int, int]]) -> str:
    """``s`` with the code spans blanked out, backticks and all."""
    parts = []
    done = 0
    for start, end, _, _ in spans:
        parts.append(s[done:start])
        parts.append(" " * (end - start))
        done = end
    parts.append(s[done:])
    return "".join(parts)


def _without_urls(s: str) -> str:
    """``s`` without bare URLs, which are not words."""
    return _BARE_URL.sub(" ", s) if "://" in s or "www." in s else s


def _protect_escape(m: re.Match[str]) -> str:
    return "\x01" + chr(0xE000 + ord(m.group(1)))


def _entity(m: re.Match[str]) -> str:
    # Decoded, not dropped: "&nbsp;" becomes a blank, and "na&iuml;ve" stays one word.
    # html (2 ms with its entity table) is imported only by text that has entities.
    import html

    return html.unescape(m.group())


class _Scanner:
    """Finds the blocks and headings of a text line by line, then renders them; see :func:`analyze`."""

    def __init__(self, text: str) -> None:
        self.text = _normalise(text)
        self.refs: dict[str, str] = {}  # targets of reference definitions by label
        self.kind: str | None = None  # open block: one of _TEXT_KINDS, "code" or None
        self.segments: list[tuple[str, int, int]] = []  # (text, line, column offset) of its lines
        self.lazy = False  # the last line was paragraph text, which a plain line continues
        # Open fenced code block: (fence character, fence length, inside a quote,
        # closing fence may be indented any amount (the fence is in a list)).
        self.fence: tuple[str, int, bool, bool] | None = None
        self.comment = _NO_COMMENT
        # What the open comment or hidden element is: None for a comment, else
        # the element's name and how many of its start tags are open.
        self.hidden: tuple[str, int] | None = None
        self.section = [0, 0]  # paragraphs and words of the current section
        self.sections = [self.section]  # the preamble, then one per heading
        # Blocks and headings found, rendered once the scan has found every
        # reference definition: (segments, section) and (level, segments, line).
        self.blocks: list[tuple[list[tuple[str, int, int]], list[int]]] = []
        self.headings: list[tuple[int, list[tuple[str, int, int]], int]] = []
        self.images: list[Link] = []
        self.links: list[Link] = []
        # Where the text being rendered comes from, for positions of images and
        # links, and whether it is a heading's.
        self.rendering: list[tuple[str, int, int]] = []
        self.rendering_heading = False
        self.starts: list[int] = []

    def run(self) -> MarkdownAnalysis:
        lines = self.text.split("\n")
        first = _front_matter_end(lines)
        self.scan(lines, first)
        self.count_blocks()
        headings, heading_words = self.render_headings()
        position = lambda link: (link.line, link.column)  # noqa: E731
        return MarkdownAnalysis(
            words=sum(section[1] for section in self.sections),
            heading_words=heading_words,
            headings=headings,
            images=tuple(sorted(self.images, key=position)),
            links=tuple(sorted(self.links, key=position)),
            preamble_paragraphs=self.sections[0][0],
            has_front_matter=first > 0,
        )

    def scan(self, lines: list[str], first: int) -> None:
        """Find the blocks and headings of ``lines[first:]``."""
        for number in range(first, len(lines)):
            line = lines[number]
            # Fast path for most lines of a text: one continuing a paragraph.
            if (
                self.lazy
                and line
                and line[0] not in _BLOCK_CHARACTERS
                and self.kind != "list"
                and not self.comment
                and "<" not in line
            ):
                self.segments.append((line, number + 1, 0))
            else:
                self.line(line, number + 1)
        self.close()

    def count_blocks(self) -> None:
        """Credit the words of each block, and the block if it has words, to its section."""
        for segments, section in self.blocks:
            words = count_words(self.render(segments, heading=False))
            if words:  # a block of images, say, is no paragraph
                section[0] += 1
                section[1] += words

    def render_headings(self) -> tuple[tuple[Heading, ...], int]:
        """The headings with their sections' counts, and the words in headings."""
        headings = []
        heading_words = 0
        for (level, segments, line), section in zip(self.headings, self.sections[1:]):
            text = " ".join(self.render(segments, heading=True).split())
            heading_words += count_words(_without_urls(text))
            headings.append(Heading(level=level, text=text, line=line, paragraphs=section[0], words=section[1]))
        return tuple(headings), heading_words

    # ------------------------------------------------------------ lines

    def line(self, line: str, number: int) -> None:
        """Handle a line that the fast path in :meth:`run` does not take."""
        if self.fence is not None and self.fenced(line):
            return
        offset = 0
        if self.comment and self.hidden and self.hidden[0] in _FOREIGN_ELEMENTS and (not line or line.isspace()):
            self.comment = _NO_COMMENT
            self.hidden = None
        if self.comment or ("<" in line and _HIDDEN_OPEN.search(line)):
            # An HTML comment in an indented code block is code.
            if not self.comment and self.kind in (None, "code") and _indentation(line)[0] >= 4:
                self.kind = "code"
                return
            block_comment = self.comment == _BLOCK_COMMENT or not self.comment
            line, offset, only_comment = self.strip_comments(line)
            if only_comment:
                if block_comment:
                    self.blank()
                return
        if not line or line.isspace():
            self.blank()
            return
        width, length = _indentation(line)
        rest = line[length:]
        column = offset + length
        if self.kind == "list" and self.list_line(rest, width, number, column):
            return
        # An indented line starts code unless it continues a paragraph; it
        # also ends a table (as GFM renderers have it).
        if width >= 4 and (not self.lazy or self.kind == "table"):
            if self.kind != "code":
                self.close()
                self.kind = "code"
            return
        if self.kind == "code":
            self.close()
        if width <= 3 and self.block_start(rest, number, column):
            return
        if not (self.lazy and self.kind in _TEXT_KINDS):
            self.close()
            self.kind = "para"
        self.segments.append((rest, number, column))
        self.lazy = True

    def blank(self) -> None:
        """A blank line ends the open block, except a list or an indented code block."""
        if self.kind in ("list", "code"):  # both may continue after a blank line
            self.lazy = False
        else:
            self.close()

    def fenced(self, line: str) -> bool:
        """Take ``line`` if it belongs to the open fenced code block (closing it, maybe)."""
        char, length, quoted, any_indent = self.fence  # type: ignore[misc]
        if quoted:
            width, blanks = _indentation(line)
            if width > 3 or line[blanks : blanks + 1] != ">":
                self.fence = None  # a quote's fence ends with the quote
                self.close()
                return False
            line = line[_CONTAINER_PREFIX.match(line, blanks).end() :]  # type: ignore[union-attr]
        width, blanks = _indentation(line)
        rest = line[blanks:]
        if rest.startswith(char * 3) and (any_indent or width <= 3) and _FENCE_CLOSE.match(rest):
            if len(rest.rstrip()) >= length:
                self.fence = None
                self.lazy = False
        return True

    def strip_comments(self, line: str) -> tuple[str, int, bool]:
        """``line`` without HTML comments and hidden elements (:data:`HIDDEN_ELEMENTS`),
        how many leading characters were cut, and whether only those (and
        blanks) were on it.

        One after text becomes _COMMENT_FILL so that columns hold; one with only
        blanks before it is cut off, ``offset`` counting what was cut, so that
        it does not look like indentation. Linear even on a line of thousands
        of comments and code spans: every search starts where the last ended.
        """
        offset = 0
        had_comment = bool(self.comment)
        if self.comment:
            end = self.hidden_end(line, 0)
            if end < 0:
                return "", len(line), True
            offset = end
            line = line[offset:]
            self.comment = _NO_COMMENT
        if "<" in line:
            spans = _code_spans(line) if "`" in line else []
            next_span = 0
            cut = 0  # leading characters cut off with a comment
            parts: list[str] = []  # the kept text, comments blanked
            done = 0  # where the text not yet in parts starts
            text_before = False  # whether parts hold more than blanks
            search_from = 0
            while (m := _HIDDEN_OPEN.search(line, search_from)) is not None:
                start = m.start()
                while next_span < len(spans) and spans[next_span][1] <= start:
                    next_span += 1
                if next_span < len(spans) and spans[next_span][0] < start:
                    search_from = spans[next_span][1]  # "<!--" in a code span is code
                    continue
                if start > 0 and line[start - 1] == "\\":
                    search_from = start + 1  # an escaped "<" is text
                    continue
                name = m.group(1)
                if name is not None and m.group(2) and name.lower() in ("svg", "math"):
                    search_from = m.end()  # <svg/> closes itself: nothing is hidden
                    continue
                had_comment = True
                before = line[done:start]
                if before and not before.isspace():
                    text_before = True
                if name is None:
                    self.hidden = None
                    end = self.hidden_end(line, start + 2)  # "<!-->" is a whole comment
                else:
                    self.hidden = (name.lower(), 1)
                    end = self.hidden_end(line, m.end())
                if end < 0:
                    self.comment = _INLINE_COMMENT if text_before else _BLOCK_COMMENT
                    parts.append(before)
                    done = len(line)
                    break
                if text_before:
                    parts.append(before)
                    parts.append(_COMMENT_FILL * (end - start))
                else:
                    cut = end  # parts is still empty
                done = search_from = end
            parts.append(line[done:])
            line = "".join(parts)
            offset += cut
        left = line.replace(_COMMENT_FILL, "") if had_comment else "x"
        return line, offset, not left or left.isspace()

    def hidden_end(self, line: str, start: int) -> int:
        """Where in ``line`` (searched from ``start``) the open comment or hidden
        element ends, just past its end; -1 if it goes on past this line."""
        if self.hidden is None:
            end = line.find("-->", start)
            return -1 if end < 0 else end + 3
        name, depth = self.hidden
        tags = _hidden_tags(name)
        while (m := tags.search(line, start)) is not None:
            start = m.end()
            if name not in _RAW_TEXT_ELEMENTS and not m.group(1):
                depth += 1  # the same element nested in itself
                continue
            depth -= 1
            if depth == 0:
                end = line.find(">", start)
                self.hidden = None
                return len(line) if end < 0 else end + 1
        self.hidden = (name, depth)
        return -1

    def list_line(self, rest: str, width: int, number: int, column: int) -> bool:
        """Take a line of the open list: an item, an indented continuation, or a
        lazy continuation of its last paragraph. False when the line ends the list."""
        item = width <= 3 and _LIST_ITEM.match(rest) is not None and _THEMATIC_BREAK.match(rest) is None
        if width >= 2 or item:
            fence = _FENCE_OPEN.match(rest)
            if fence:
                self.fence = (rest[0], fence.end(), False, True)
                self.lazy = False
                return True
            self.add_container_text(rest, number, column)
            return True
        if self.lazy and not self.interrupts(rest):
            self.segments.append((rest, number, column))
            return True
        self.close()
        return False

    def interrupts(self, rest: str) -> bool:
        """Whether a line not indented under a list starts a block that ends it."""
        c = rest[0]
        return (
            (c == "#" and _ATX.match(rest) is not None)
            or (c in "`~" and _FENCE_OPEN.match(rest) is not None)
            or c == ">"
            or (c in "-*_" and _THEMATIC_BREAK.match(rest) is not None)
        )

    def block_start(self, rest: str, number: int, column: int) -> bool:
        """Handle ``rest`` if it starts something other than a paragraph line."""
        c = rest[0]
        if c == "#":
            return self.atx_heading(rest, number, column)
        if c in "`~":
            return self.fence_start(rest)
        if c == ">":
            self.quote_line(rest, number, column)
            return True
        if c in "=-" and self.setext_underline(rest):
            return True
        if c in "-*_" and _THEMATIC_BREAK.match(rest):
            self.close()
            return True
        if (c in "-+*" or "0" <= c <= "9") and self.list_item(rest, number, column):
            return True
        if c == "[" and not self.lazy and self.reference_definition(rest):
            return True
        return self.table_delimiter(rest)

    def atx_heading(self, rest: str, number: int, column: int) -> bool:
        m = _ATX.match(rest)
        if not m:
            return False  # "#hashtag"
        self.close()
        content = _without_closing_sequence(rest[m.end() :])
        self.heading(len(m.group(1)), [(content, number, column + m.end())], number)
        return True

    def fence_start(self, rest: str) -> bool:
        m = _FENCE_OPEN.match(rest)
        if not m:
            return False
        self.close()
        self.fence = (rest[0], m.end(), False, False)
        return True

    def quote_line(self, rest: str, number: int, column: int) -> None:
        if self.kind != "quote":
            self.close()
            self.kind = "quote"
        prefix = _CONTAINER_PREFIX.match(rest).end()  # type: ignore[union-attr]
        content = rest[prefix:].lstrip(" \t")
        fence = _FENCE_OPEN.match(content)
        if fence:
            self.fence = (content[0], fence.end(), True, True)
            self.lazy = False
        elif content:
            self.add_container_text(rest, number, column)
        else:
            self.lazy = False  # a bare ">" separates paragraphs inside the quote

    def setext_underline(self, rest: str) -> bool:
        """Turn the open paragraph into a heading if ``rest`` underlines it."""
        if not (self.kind == "para" and self.lazy and _SETEXT_UNDERLINE.match(rest)):
            return False  # after a blank line, "---" is a thematic break
        segments = self.segments
        self.segments = []
        self.kind = None
        self.heading(1 if rest[0] == "=" else 2, segments, segments[0][1])
        return True

    def list_item(self, rest: str, number: int, column: int) -> bool:
        m = _LIST_ITEM.match(rest)
        if not m:
            return False
        # Only a bullet or "1." with text after it may interrupt a paragraph,
        # so that "in\n2019. We..." stays one paragraph.
        if self.lazy and self.kind == "para" and not (m.group(1) in (None, "1") and rest[m.end() :].strip()):
            return False
        self.close()
        self.kind = "list"
        self.add_container_text(rest, number, column)
        return True

    def reference_definition(self, rest: str) -> bool:
        """Record a reference definition (the caller checked that no paragraph is open)."""
        m = _REFERENCE_DEFINITION.match(rest)
        if not m:
            return False
        self.refs.setdefault(_label(m.group(1)), _target(_ESCAPE.sub(r"\1", m.group(2))))  # the first one wins
        self.close()
        return True

    def table_delimiter(self, rest: str) -> bool:
        """Turn the last line of the open paragraph into a table header if ``rest``
        is a delimiter row (which itself has no words)."""
        if not (
            self.kind == "para"
            and self.lazy
            and "|" in rest
            and "-" in rest
            and "|" in self.segments[-1][0]
            and _TABLE_DELIMITER.match(rest)
        ):
            return False
        header = self.segments.pop()
        self.close()  # the lines before the header, if any
        self.kind = "table"
        self.segments.append(header)
        self.lazy = True
        return True

    def add_container_text(self, rest: str, number: int, column: int) -> None:
        """Add a list or quote line without its container markup."""
        prefix = _CONTAINER_PREFIX.match(rest).end()  # type: ignore[union-attr]
        text = rest[prefix:]
        if text and not text.isspace():
            self.segments.append((text, number, column + prefix))
            self.lazy = True
        else:
            self.lazy = False

    # ------------------------------------------------------------ blocks

    def close(self) -> None:
        """End the open block."""
        if self.segments:
            self.blocks.append((self.segments, self.section))
            self.segments = []
        self.kind = None
        self.lazy = False

    def heading(self, level: int, segments: list[tuple[str, int, int]], number: int) -> None:
        """Start the section of a heading (the open block is already closed)."""
        self.headings.append((level, segments, number))
        self.section = [0, 0]
        self.sections.append(self.section)
        self.kind = None
        self.lazy = False

    # ------------------------------------------------------------ inline

    def render(self, segments: list[tuple[str, int, int]], heading: bool) -> str:
        """The text a reader sees in a block (or heading), recording its images and links.

        Every pass before the HTML one keeps the text's length, so that a match
        position maps back to a line and column (see :meth:`where`).
        """
        self.rendering = segments
        self.rendering_heading = heading
        self.starts = []  # computed when first needed: most blocks have no links
        s = segments[0][0] if len(segments) == 1 else "\n".join([segment[0] for segment in segments])
        protected = False
        code_spans = None
        if "`" in s:
            # Code is kept (protected) until links are done, so that link text
            # shows it; then it is blanked unless this is a heading, which shows it.
            s, code_spans = _protect_code_spans(s)
            protected = bool(code_spans)
        if "\\" in s:
            s = _ESCAPE.sub(_protect_escape, s)
            protected = True
        if "[" in s:
            if "![" in s:
                s = _IMAGE.sub(self.image, s)
            s = _LINK.sub(self.link, s)
        if code_spans and not heading:
            s = _blank_spans(s, code_spans)
        if "<" in s:
            s = _HTML.sub(self.html, s)
        if not heading:
            s = _without_urls(s)
        if "&" in s:
            s = _ENTITY.sub(_entity, s)
        if heading:
            s = _EMPHASIS.sub("", s)
        if protected or _COMMENT_FILL in s:
            s = s.translate(_UNPROTECT)
        return s

    def where(self, offset: int) -> tuple[int, int]:
        """Line and column (1-based) of ``offset`` in the text being rendered."""
        if not self.starts:
            at = 0
            for segment in self.rendering:
                self.starts.append(at)
                at += len(segment[0]) + 1  # and the "\n" joining it to the next
        i = bisect_right(self.starts, offset) - 1
        _, line, column = self.rendering[i]
        return line, column + offset - self.starts[i] + 1

    def resolve(self, m: re.Match[str]) -> str | None:
        """Target of an image or link match: inline, or through a reference definition."""
        if m.group(2) is not None:
            return _target(m.group(2))
        label = m.group(3) or m.group(1)  # [text][label], [text][] or [text]
        return self.refs.get(_label(label)) if label.strip() else None

    def image(self, m: re.Match[str]) -> str:
        target = self.resolve(m)
        if target is None:
            return m.group()  # not an image: the reader sees the brackets and text
        self.images.append(Link(target, _plain(m.group(1)), *self.where(m.start())))
        return " " * (m.end() - m.start())  # alt text is not read

    def link(self, m: re.Match[str]) -> str:
        target = self.resolve(m)
        if target is None:
            return m.group()
        text = m.group(1)
        self.links.append(Link(target, _plain(text), *self.where(m.start())))
        return " " + text + " " * (m.end() - m.start(1) - len(text))

    def html(self, m: re.Match[str]) -> str:
        autolink = m.group(1)
        if autolink is not None:
            self.links.append(Link(autolink, autolink, *self.where(m.start())))
            if self.rendering_heading:
                return " " + autolink + " "  # shown as text, but not counted as words
        elif m.group(3).lower() == "img" and not m.group(2):
            import html

            attributes = {
                name.lower(): html.unescape(value.strip("\"'"))
                for name, value in _HTML_ATTRIBUTE.findall(m.group(4))
            }
            if "src" in attributes:
                target = _target(attributes["src"])
                self.images.append(Link(target, attributes.get("alt", ""), *self.where(m.start())))
        return " "
