"""The hand-written SVG charts and the stats HTML page: well-formed, accessible, self-contained."""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET

import pytest

from cim_cli.programme import default_programme
from cim_cli.stats import collect, html_fragment, suppress, to_html
from cim_cli.stats.svg import MAX_BAR, Bar, Group, bar_chart, funnel_chart
from tests.stats_support import abroad, activity, student

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_bar_chart_is_an_accessible_image():
    svg = bar_chart("c1", "Students per country", "DE 12; FR <5", [Group("DE", (Bar(12, "12"),)), Group("FR", (Bar(None, "<5"),))])
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").get("id") == "c1-title" and root.find(f"{SVG}title").text == "Students per country"
    assert root.find(f"{SVG}desc").get("id") == "c1-desc" and root.find(f"{SVG}desc").text == "DE 12; FR <5"
    assert root.get("width") == "100%" and root.get("viewBox") is None  # text keeps its size on a phone


def test_bars_are_proportional_and_hidden_values_draw_no_bar():
    svg = bar_chart("c", "t", "d", [Group("a", (Bar(50, "50"),)), Group("b", (Bar(25, "25"),)), Group("c", (Bar(None, "<5"),)), Group("z", (Bar(0, "0"),))])
    rects = parse(svg).findall(f"{SVG}rect")
    assert [r.get("width") for r in rects] == [f"{MAX_BAR:g}%", f"{MAX_BAR / 2:g}%"]
    texts = [t.text for t in parse(svg).findall(f"{SVG}text")]
    assert texts == ["a", "50", "b", "25", "c", "<5", "z", "0"]


def test_several_series_are_told_apart_by_words():
    svg = bar_chart("c", "t", "d", [Group("2024/25", (Bar(3, "3"), Bar(None, "hidden")))], ["At home", "Abroad"])
    texts = [t.text for t in parse(svg).findall(f"{SVG}text")]
    assert texts == ["2024/25", "At home: 3", "Abroad: hidden"]
    assert len(parse(svg).findall(f"{SVG}rect")) == 1


def test_funnel_is_centred_and_widest_first():
    svg = funnel_chart("f", "Funnel", "desc", [("registered", Bar(100, "100")), ("collecting", Bar(50, "50")), ("certified", Bar(None, "<5"))])
    rects = parse(svg).findall(f"{SVG}rect")
    assert [(r.get("x"), r.get("width")) for r in rects] == [("2%", "96%"), ("26%", "48%")]
    assert [t.text for t in parse(svg).findall(f"{SVG}text")] == ["registered: 100", "collecting: 50", "certified: <5"]


def test_text_is_escaped_and_characters_xml_forbids_are_dropped():
    svg = bar_chart('x"><script>', "<b>&", "\x1b[31m\x00desc", [Group("</text><script>alert(1)</script>\x0c", (Bar(1, "1"),))])
    root = parse(svg)  # still well-formed XML
    assert "<script>" not in svg
    assert root.find(f"{SVG}desc").text == "[31mdesc"
    assert root.find(f"{SVG}text").text == "</text><script>alert(1)</script>"


def test_empty_chart_is_valid():
    root = parse(bar_chart("e", "Nothing", "No data", []))
    assert root.findall(f"{SVG}rect") == []


# -- the page -------------------------------------------------------------------


@pytest.fixture(scope="module")
def page() -> str:
    results = [student(f"s{i}", "collecting", [activity(), abroad(["DE", "FR", "JP"][i % 3])], programme=["Medicine", "Law"][i % 2]) for i in range(40)]
    stats = suppress(collect(results, default_programme(), as_of=dt.date(2025, 6, 1)))
    out = io.StringIO()
    to_html(stats, out)
    return out.getvalue()


def test_page_is_self_contained(page):
    assert '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'' in page
    assert "<script" not in page.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "@import" not in page and "url(" not in page


def test_every_chart_is_followed_by_its_table(page):
    charts = [m.start() for m in re.finditer(r"<svg ", page)]
    assert len(charts) >= 8
    for start in charts:
        rest = page[start:]
        assert rest.index("</svg>") < rest.index("<table>") < rest.index("</figure>")


def test_headings_are_in_order(page):
    levels = [int(x) for x in re.findall(r"<h([1-6])[ >]", page)]
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:]))


def test_dark_mode_print_and_narrow_screens_are_styled(page):
    assert "@media (prefers-color-scheme: dark)" in page
    assert "@media print" in page and "nav { display: none; }" in page
    assert ".table-wrap { overflow-x: auto;" in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page


def test_fragment_for_the_site_uses_the_asked_heading_level():
    results = [student(f"s{i}", "collecting", [activity()]) for i in range(10)]
    fragment = html_fragment(suppress(collect(results, default_programme(), as_of=dt.date(2025, 6, 1))), level=3, id_prefix="pub")
    assert fragment.startswith('<div class="cim-stats">')
    assert "<h1" not in fragment and "<h2" not in fragment and "<h3 " in fragment and "<h4>" in fragment
    ids = re.findall(r'\sid="([^"]+)"', fragment)
    assert len(ids) == len(set(ids)) and all(i.startswith("pub-") for i in ids)
