"""Generated adversarial markdown, by pattern family, for the linear-time tests and benchmark.

Each family maps a size ``n`` (characters, roughly) to a text: long runs of
each markup character (alone, after a heading marker, as many short lines),
unclosed constructs (links, images, code spans, emphasis, comments, tags,
fences, hidden elements), nested lists and block quotes, and repeated
openers. ``tests/test_markdown_linear.py`` checks that analysing and
rendering each one takes time about linear in ``n``.
"""

from __future__ import annotations

from typing import Callable

MARKUP_CHARACTERS = "#*_`[]()<>!\\-+=|~:. \t"


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda n: unit * max(1, n // len(unit))


def families() -> dict[str, Callable[[int], str]]:
    """Name -> generator of a text of about ``n`` characters."""
    f: dict[str, Callable[[int], str]] = {}
    for c in MARKUP_CHARACTERS:
        name = {" ": "space", "\t": "tab", "\\": "backslash"}.get(c, c)
        f[f"run {name}"] = lambda n, c=c: c * n
        f[f"run {name} in a heading"] = lambda n, c=c: "## Notes " + c * n + " x"
        f[f"run {name} in a paragraph"] = lambda n, c=c: "a " + c * n + " b"
        f[f"run {name} after a link opener"] = lambda n, c=c: "[a](" + c * n
        f[f"lines of {name}"] = lambda n, c=c: (c * 7 + " x\n") * max(1, n // 10)
        f[f"pairs {name}a"] = _repeat(c + "a")
    f |= {
        "notes and dots": lambda n: "## Notes" + " ." * (n // 2),
        "notes and dots then a word": lambda n: "## Notes" + " ." * (n // 2) + " x",
        "notes then dots": lambda n: "## Notes\n" + " ." * (n // 2),
        "heading with blanks and a hash": lambda n: "# a" + " \t" * (n // 2) + "#" + "\t" * 3 + "x",
        "heading of hashes and blanks": _repeat("# "),
        "link openers": _repeat("[a]("),
        "link destination unclosed": lambda n: "[a](" + "b" * n,
        "link destination blanks": lambda n: "[a](" + " " * n + "x",
        "link title unclosed": lambda n: '[a](x "' + "t" * n,
        "link title blanks": lambda n: "[a](x" + " " * n + '"t"' + " " * 3,
        "link destination parens": lambda n: "[a](" + "(" * n,
        "image openers": _repeat("![a]("),
        "bang brackets": _repeat("!["),
        "reference links": _repeat("[a]"),
        "full reference links": _repeat("[a][b]"),
        "nested brackets": lambda n: "[" * (n // 2) + "a" + "]" * (n // 2),
        "brackets then a destination": lambda n: "[" * n + "](x)",
        "angle destination unclosed": _repeat("[a](<b"),
        "code span openers": _repeat("`a "),
        "backtick runs of every length": lambda n: " ".join("`" * k for k in range(1, int((2 * n) ** 0.5))),
        "emphasis openers": _repeat("*a "),
        "strong openers": _repeat("**a"),
        "mixed delimiters": _repeat("*_"),
        "stars": _repeat("***"),
        "underscores in words": _repeat("a_"),
        "strikethrough openers": _repeat("~~a"),
        "comment openers": _repeat("<!--"),
        "comment unclosed": lambda n: "a <!-- " + "x " * (n // 2),
        "comments": _repeat("a <!-- x --> "),
        "tag openers": _repeat("<a "),
        "tag openers without blanks": _repeat("<a"),
        "attribute openers": _repeat('<a b="'),
        "unquoted attributes": lambda n: "<a" + " b=c" * (n // 4),
        "div nesting": _repeat("<div>"),
        "div nesting with text": _repeat("<div>x"),
        "table nesting": _repeat("<table>"),
        "divs closed by stray end tags": _repeat("<div>" * 16 + "</x>" * 16),
        "divs behind table cells": _repeat("<div><table><td></div>"),
        "blockquote tags": _repeat("<blockquote>"),
        "template nesting": _repeat("x <template>"),
        "template opened and closed": _repeat("x <template>y</template> "),
        "script unclosed": lambda n: "<script>\n" + "x y\n" * (n // 4),
        "svg unclosed": lambda n: "a <svg>" + " b" * (n // 2),
        "html block unclosed": lambda n: "<div>\n" + "x\n" * (n // 2),
        "fence unclosed": lambda n: "```\n" + "a\n" * (n // 2),
        "fences": _repeat("```\n"),
        "tilde fences": _repeat("~~~\n"),
        "nested list by indentation": lambda n: "\n".join("  " * i + "- x" for i in range(int(n**0.5))),
        "nested list markers": lambda n: "- " * (n // 2) + "x",
        "nested ordered markers": lambda n: "1. " * (n // 3) + "x",
        "nested quotes": lambda n: ">" * n + " x",
        "nested quotes spaced": lambda n: "> " * (n // 2) + "x",
        "quotes deepening by line": lambda n: "\n".join(">" * i + " x" for i in range(int(n**0.5))),
        "quotes and lists": lambda n: "> - " * (n // 4) + "x",
        "table of pipes": lambda n: "|" * (n // 2) + "\n" + "|-" * (n // 4),
        "table delimiter blanks": lambda n: "a|b\n|-" + " " * n + "x",
        "table rows": lambda n: "| a | b |\n|---|---|\n" + "| c |\n" * (n // 6),
        "entities": _repeat("&amp;"),
        "entity openers": _repeat("&#"),
        "autolink openers": _repeat("<http://"),
        "reference definitions": lambda n: "".join(f"[l{i}]: /u{i}\n" for i in range(n // 12)),
        "reference definition blanks": lambda n: "[a]: x" + " " * n + "y",
        "setext headings": _repeat("a\n=\n"),
        "setext underline": lambda n: "a\n" + "=" * n,
        "hard breaks": _repeat("a  \n"),
        "tags a<a<a": _repeat("<a<a<a"),
        "zero-width spaces": _repeat("a\u200b"),
        "soft hyphens": _repeat("a\u00ad"),
        "no-break spaces": _repeat("a\u00a0"),
        "ampersands": _repeat("a&"),
        "entities in code": lambda n: "```\n" + "&amp;" * (n // 5),
        "ampersands in an image's alt text": lambda n: "![" + "&" * n + "](x.png)",
        "ampersands in a link destination": lambda n: "[a](x" + "&" * n + ")",
        "ampersands in a raw attribute": lambda n: '<img alt="' + "&amp;" * (n // 5) + '">',
        "combining marks": lambda n: "a" + "\u0301" * n,
        "ideographs": _repeat("中"),
        "urls": _repeat("https://x.org/a "),
        "front matter unclosed": lambda n: "---\n" + "a: b\n" * (n // 5),
    }
    return f
