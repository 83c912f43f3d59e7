"""Every page in :data:`browser.pages.PAGES`, in a real browser: accessible, narrow, printable, self-contained."""

from __future__ import annotations

import json

import pytest

from browser.pages import PAGES, BrowserPage

# Deselect with: pytest -m 'not browser'
pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCHEMES = ["light", "dark"]


def _params(pages: list[BrowserPage], *, nav_only: bool = False, printed_only: bool = False):
    return [pytest.param(p, id=p.id) for p in pages if (p.nav or not nav_only) and (p.printed or not printed_only)]


def _axe_violations(page, axe_source: str) -> list[dict]:
    # Evaluated through the DevTools protocol, so the page's CSP (no scripts) does not block it.
    page.evaluate(axe_source)
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                         nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
        }""",
        WCAG_TAGS,
    )
    return result


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("target", _params(PAGES))
def test_no_wcag_violation_and_screenshot(target, scheme, open_page, work, axe_source, screenshots):
    path = target.make(work)
    watched = open_page(path.as_uri(), scheme=scheme)
    watched.page.screenshot(path=str(screenshots / f"{target.id}-{scheme}.png"), full_page=True)
    violations = _axe_violations(watched.page, axe_source)
    assert violations == [], json.dumps(violations, indent=1)


@pytest.mark.parametrize("target", _params(PAGES))
def test_no_sideways_scrolling_at_320_px(target, open_page, work, screenshots):
    watched = open_page(target.make(work).as_uri(), width=320, height=640)
    watched.page.screenshot(path=str(screenshots / f"{target.id}-320px.png"), full_page=True)
    width = watched.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the page is {width} px wide in a 320 px window"


@pytest.mark.parametrize("target", _params(PAGES))
def test_nothing_leaves_the_page_and_the_csp_blocks_nothing(target, open_page, work):
    watched = open_page(target.make(work).as_uri())
    watched.page.wait_for_load_state("networkidle")
    outside = [url for url in watched.requests if not url.startswith("file://")]
    assert outside == []
    assert [m for m in watched.console if "Content Security Policy" in m or m.startswith(("error", "pageerror"))] == []
    csp = watched.page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert "default-src 'none'" in csp


@pytest.mark.parametrize("target", _params(PAGES, nav_only=True))
def test_print_hides_the_navigation(target, open_page, work, screenshots):
    screen = open_page(target.make(work).as_uri())
    assert screen.page.locator("nav").first.is_visible()
    printed = open_page(target.make(work).as_uri(), media="print")
    assert printed.page.locator("nav").count() >= 1
    assert not printed.page.locator("nav").first.is_visible()
    assert printed.page.locator("main").is_visible()
    printed.page.screenshot(path=str(screenshots / f"{target.id}-print.png"), full_page=True)


@pytest.mark.parametrize("target", _params(PAGES, printed_only=True))
def test_prints_on_one_a4_sheet(target, open_page, work, screenshots):
    import io

    from pypdf import PdfReader

    printed = open_page(target.make(work).as_uri(), media="print")
    printed.page.screenshot(path=str(screenshots / f"{target.id}-print.png"), full_page=True)
    # Chromium's own print (the page's @page rule decides the sheet): what a browser's Print button gives.
    pdf = printed.page.pdf(prefer_css_page_size=True, print_background=True)
    (screenshots / f"{target.id}-print.pdf").write_bytes(pdf)
    sheets = PdfReader(io.BytesIO(pdf)).pages
    assert len(sheets) == 1, f"the page prints on {len(sheets)} sheets"
    width_mm, height_mm = (float(v) * 25.4 / 72 for v in sheets[0].mediabox.upper_right)
    assert (round(width_mm), round(height_mm)) == (210, 297), f"printed on {width_mm:.0f} x {height_mm:.0f} mm, not A4"


def test_the_first_tab_offers_a_visible_skip_link_to_the_content(open_page, work):
    from browser.pages import build_site_once

    page = open_page((build_site_once(work) / "portfolio.html").as_uri()).page
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.className, document.activeElement.getAttribute('href')]")
    assert focused == ["skip-link", "#main"]
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["y"] >= 0  # on screen once focused (off screen until then)
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
