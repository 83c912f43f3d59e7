"""The words cim counts are the words a reader sees in cim's own HTML export.

Reports are generated from the constructs students write (paragraphs with
emphasis, code, links, images, entities, invisible characters, comments and
hidden elements; headings; lists; quotes; tables; code blocks; HTML blocks;
front matter). Each is analysed as ``cim validate`` does and rendered as
``cim export --format html`` does; the visible text of the rendered HTML is
extracted with an HTML parser and counted with the same word definition.
Body words exclude headings and code (the programme does not count them);
heading text (code included, as a heading shows it) is counted apart,
against ``heading_words``.
"""

from __future__ import annotations

import random
from html.parser import HTMLParser

import pytest

from cim_cli.exporters.html import render_markdown
from cim_cli.load.markdown import analyze, count_visible_words

WORDS = ["exchange", "Ålesund", "cross-cultural", "don’t", "naïve", "1,000", "students", "中文", "Москва", "team", "e-mail"]
# Words with invisible characters inside: each must stay one word.
INVISIBLE_WORDS = ["co\u200boperation", "inter\u00adnational", "a\u2060b", "zero\u200dwidth", "mid\ufefftext", "non\u200cjoiner"]


class VisibleText(HTMLParser):
    """Text a reader sees, split into body text and heading text; code is neither."""

    HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.body: list[str] = []
        self.headings: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:  # noqa: ANN001
        if tag not in ("br", "img", "hr", "wbr"):
            self.open.append(tag)
        # Block boundaries separate words, as a browser lays them out.
        self.body.append(" ")
        self.headings.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag) :]
        self.body.append(" ")
        self.headings.append(" ")

    def handle_data(self, data: str) -> None:
        if self.HEADINGS & set(self.open):
            self.headings.append(data)  # as the heading shows it, code and all
        elif "code" not in self.open and "pre" not in self.open:
            self.body.append(data)


def visible(markdown: str) -> VisibleText:
    parser = VisibleText()
    parser.feed(render_markdown(markdown))
    parser.close()
    return parser


def _words(rng: random.Random, k: int) -> str:
    pool = WORDS + INVISIBLE_WORDS
    return " ".join(rng.choice(pool) for _ in range(k))


def _inline(rng: random.Random) -> str:
    w = lambda k=2: _words(rng, k)  # noqa: E731
    pieces = [
        lambda: w(3),
        lambda: f"*{w()}*",
        lambda: f"**{w()}**",
        lambda: f"_{w(1)}_",
        lambda: f"~~{w()}~~",
        lambda: f"`code {w(1)}`",
        lambda: f"[{w()}](https://example.org/{rng.randint(1, 9)})",
        lambda: f"![{w()}](evidence/p{rng.randint(1, 9)}.png)",
        lambda: "<https://example.org/auto>",
        lambda: "see https://example.org/bare now",
        lambda: "R&amp;D &nbsp; caf&eacute;",
        lambda: f"<!-- {w()} -->",
        lambda: f"<template>{w(3)}</template>",
        lambda: f"<span>{w()}</span>",
        lambda: f"<sub>{w(1)}</sub>",
        lambda: "line<br>break",
        lambda: f"\\*{w(1)}\\*",
        lambda: f"<svg viewBox=\"0 0 1 1\"><text>{w()}</text></svg>",
        lambda: f"<select><option>{w(1)}</option></select>",
        lambda: f"<textarea>{w()}</textarea>",
    ]
    # A line that starts with raw HTML may start an HTML block, whose markdown
    # is shown as written: see the limits in cim_cli/load/markdown.py.
    return " ".join([_words(rng, 1)] + [rng.choice(pieces)() for _ in range(rng.randint(1, 6))])


def _block(rng: random.Random) -> str:
    w = lambda k=3: _words(rng, k)  # noqa: E731
    blocks = [
        lambda: _inline(rng) + "\n" + _inline(rng),
        lambda: f"{'#' * rng.randint(1, 6)} {_inline(rng)}",
        lambda: f"{w()}\n{'=' * 5}",
        lambda: "\n".join(f"- {_inline(rng)}" for _ in range(rng.randint(1, 4))),
        lambda: "\n".join(f"{i}. {_inline(rng)}" for i in range(1, rng.randint(2, 4))),
        lambda: f"- {w()}\n  - {w()}\n    - {w()}",
        lambda: f"> {_inline(rng)}\n> {w()}",
        lambda: f"| {w(1)} | {w(2)} |\n|---|---|\n| {_inline(rng)} | {w(1)} |",
        lambda: f"```\n{w()}\n```",
        lambda: f"~~~python\n{w()}\n~~~",
        lambda: f"<!--\n{w()}\n-->",
        lambda: f"<div>\n{w()}\n</div>",
        lambda: f"<template>\n{w()}\n\n{w()}\n</template>",
        lambda: f"<script>\nvar x = '{w()}';\n</script>",
        lambda: f"<style>\np {{ color: red }}\n</style>",
        lambda: "***",
        lambda: f"[ref]: https://example.org/ref\n\n[{w()}][ref]",
    ]
    return rng.choice(blocks)()


def generated_report(seed: int) -> str:
    rng = random.Random(seed)
    parts = ["---\ntitle: not counted\n---"] if rng.random() < 0.5 else []
    parts += [_block(rng) for _ in range(rng.randint(3, 15))]
    return "\n\n".join(parts) + "\n"


@pytest.mark.parametrize("seed", range(300))
def test_counted_words_are_the_words_shown(seed: int) -> None:
    markdown = generated_report(seed)
    analysis = analyze(markdown)
    shown = visible(markdown)
    assert analysis.words == count_visible_words("".join(shown.body)), markdown
    assert analysis.heading_words == count_visible_words("".join(shown.headings)), markdown


def test_invisible_characters_do_not_split_words() -> None:
    visible_words = " ".join(["coop\u200beration"] * 120)
    assert analyze(visible_words).words == 120
    assert count_visible_words("".join(visible(visible_words).body)) == 120


@pytest.mark.parametrize(
    "hidden",
    ["template", "script", "style", "noscript", "textarea", "iframe", "object", "svg", "math", "select"],
)
def test_hidden_elements_are_neither_counted_nor_shown(hidden: str) -> None:
    secret = " ".join(["secret"] * 500)
    closed = (f"Shown words.\n\n<{hidden}>\n{secret}\n</{hidden}>\n\nMore shown.", f"Shown <{hidden}>{secret}</{hidden}> words.")
    for markdown in (*closed, f"Shown words <{hidden}>\n\n{secret}"):
        shown = visible(markdown)
        assert analyze(markdown).words == count_visible_words("".join(shown.body))
        # An unclosed <svg> or <math> ends with its paragraph, in browsers too.
        if markdown in closed or hidden not in ("svg", "math"):
            assert "secret" not in "".join(shown.body)
            assert analyze(markdown).words in (2, 3, 4)
