"""The browser: Debian's chromium driven by Playwright for Python, launched with ``executable_path``.

Why Playwright rather than Selenium + chromium-driver: one pip package (its driver ships
inside the wheel), no chromedriver whose version must match the browser's, and direct
emulation of ``prefers-color-scheme`` and print media, which these tests need. No
browser is downloaded: ``CIM_CHROMIUM`` or ``/usr/bin/chromium`` is used.

When the browser cannot start: in CI (``CI=true``) the tests FAIL, so a broken CI
machine is never mistaken for a green run; on a developer machine they are skipped
with a message saying what to install.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
AXE = HERE / "vendor" / "axe.min.js"


def _chromium() -> str | None:
    explicit = os.environ.get("CIM_CHROMIUM")
    if explicit:
        return explicit
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason} (install Debian's chromium and `pip install -e '.[test]'`)")


@pytest.fixture(scope="session")
def browser():
    """A headless chromium for the whole run."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed")
    executable = _chromium()
    if executable is None:
        _unavailable("no chromium found (set CIM_CHROMIUM or install /usr/bin/chromium)")
    manager = sync_playwright().start()
    try:
        launched = manager.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
    except Exception as exc:  # any failure to start is the same verdict: no browser
        manager.stop()
        _unavailable(f"{executable} did not start: {str(exc).splitlines()[0]}")
    yield launched
    launched.close()
    manager.stop()


@pytest.fixture(scope="session")
def work(tmp_path_factory) -> Path:
    """One scratch folder for the run: the site and pages are built once and shared."""
    return tmp_path_factory.mktemp("browser")


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where screenshots go: $CIM_SCREENSHOTS, else tests/browser/out/ (ignored by git)."""
    folder = Path(os.environ.get("CIM_SCREENSHOTS") or HERE / "out")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


class Watched:
    """A page whose requests and console messages are recorded."""

    def __init__(self, page):
        self.page = page
        self.requests: list[str] = []
        self.console: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))


@pytest.fixture
def open_page(browser):
    """open_page(url, width=..., scheme=..., media=...) -> Watched; contexts are closed after the test."""
    contexts = []

    def open_(url: str, *, width: int = 1200, height: int = 900, scheme: str = "light", media: str = "screen") -> Watched:
        context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
        contexts.append(context)
        page = context.new_page()
        page.emulate_media(media=media, color_scheme=scheme)
        watched = Watched(page)
        page.goto(url)
        return watched

    yield open_
    for context in contexts:
        context.close()
