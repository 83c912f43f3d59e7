"""The HTML pages the browser tests check: one line each.

Each :class:`BrowserPage` names a page and how to make it in a scratch folder. Every
page in :data:`PAGES` is checked by ``test_pages.py`` in light and dark mode: axe-core
finds no WCAG 2.1 A/AA violation, nothing scrolls sideways at 320 px, no request leaves
the page, the CSP blocks nothing the page needs, a screenshot is written; pages with
``nav=True`` must also hide their navigation when printed.

To add a page made by another command, add one line, e.g.::

    BrowserPage("stats-office", cim_file("stats", "{cohort}", "-o", "{out}", name="stats-office.html")),

Pages with ``printed=True`` (the certificate) must also print on exactly one A4 sheet.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent.parent
EXAMPLES = REPO / "example-portfolios"


@dataclass(frozen=True)
class BrowserPage:
    """A page to check: ``make(work)`` writes it under the scratch folder ``work`` and returns its path."""

    id: str
    make: Callable[[Path], Path]
    nav: bool = False  # the page has a site navigation that print mode must hide
    printed: bool = False  # the page is a document meant for paper: it must print on one A4 sheet


def cim(*args: str, cwd: Path | None = None) -> None:
    """Run the cim command line in a fresh process (as a user would); fail loudly on an error exit."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "cim_cli", *args], cwd=cwd or REPO, env=env, capture_output=True, text=True)
    # Exit 1 means findings (the example portfolios have some on purpose); 2 and 3 are errors.
    if done.returncode not in (0, 1):
        raise AssertionError(f"cim {' '.join(args)} exited {done.returncode}:\n{done.stderr}")


def cim_file(*args: str, name: str) -> Callable[[Path], Path]:
    """A page written by a cim command. In ``args``, ``{out}`` is the page's path and
    ``{cohort}`` a synthetic cohort of 60 portfolios (generated on first use)."""

    def make(work: Path) -> Path:
        out = work / name
        if not out.exists():
            cohort = str(synthetic_cohort(work)) if any("{cohort}" in a for a in args) else ""
            cim(*(a.replace("{out}", str(out)).replace("{cohort}", cohort) for a in args))
        return out

    return make


def site_page(name: str) -> Callable[[Path], Path]:
    """A page of the website built by :func:`build_site_once` (the site is built once per run)."""

    def make(work: Path) -> Path:
        return build_site_once(work) / name

    return make


def synthetic_cohort(work: Path) -> Path:
    """60 generated portfolios (fixed seed): enough for public figures to draw bars past suppression."""
    cohort = work / "cohort"
    if not (cohort / ".cohort.json").exists():
        done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "generate.py"), str(cohort), "--students", "60", "--activities", "4"], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    return cohort


def build_site_once(work: Path) -> Path:
    """The example site: the starter pages, the handbook's programme, a trust list, statistics of a synthetic cohort."""
    site = work / "site"
    if not (site / "index.html").exists():
        from browser.support import write_programme_with_trust_list

        programme = write_programme_with_trust_list(work / "office")
        cohort = synthetic_cohort(work)
        cim("site", "init", str(work / "office" / "pages"))
        cim("site", "build", "--programme", str(programme), "--pages", str(work / "office" / "pages"), "--cohort", str(cohort), "-o", str(site))
    return site


SITE_PAGES = ["index", "sign-up", "activities", "portfolio", "statistics", "verify", "employers", "leadership", "contacts", "accessibility"]

def export_beside_portfolio(portfolio: Path) -> Callable[[Path], Path]:
    """The HTML export saved inside a copy of ``portfolio``, where its relative image and evidence links resolve."""

    def make(work: Path) -> Path:
        import shutil

        copy = work / "portfolios" / portfolio.name
        out = copy / "summary.html"
        if not out.exists():
            shutil.copytree(portfolio, copy, dirs_exist_ok=True)
            cim("export", str(copy), "--format", "html", "-o", str(out))
        return out

    return make


def issued_certificate(work: Path) -> Path:
    """The HTML certificate ``cim certify`` writes (credentials/<uuid>.html) for a copy of ready-ada.

    A real issuance: throw-away unencrypted staff keys outside the portfolio, a trust
    list, the three approvals signed, then the certify library. Made once per run.
    """
    done = work / "certificate" / "certificate-path.txt"
    if done.exists():
        return Path(done.read_text(encoding="utf-8"))
    from trust_support import make_cohort

    from cim_cli.trust.certify import certify

    done.parent.mkdir(parents=True, exist_ok=True)
    cohort = make_cohort(done.parent)
    cohort.key("registrar", roles=["issuer"])
    cohort.approve("activities")
    cohort.approve("report")
    cohort.approve("presentation", kind="ceremony")
    issued = certify(str(cohort.ada), cohort.programme(), cohort.staff["registrar"], cohort.trust())
    done.write_text(issued.html_path, encoding="utf-8")
    return Path(issued.html_path)


PAGES: list[BrowserPage] = [
    *(BrowserPage(f"site-{name}", site_page(f"{name}.html"), nav=True) for name in SITE_PAGES),
    BrowserPage("export-ready-ada", export_beside_portfolio(EXAMPLES / "ready-ada")),
    BrowserPage("stats-public", cim_file("stats", "{cohort}", "--public", "--format", "html", "-o", "{out}", name="stats-public.html")),
    BrowserPage("stats-office", cim_file("stats", "{cohort}", "--format", "html", "-o", "{out}", name="stats-office.html")),
    BrowserPage("certificate", issued_certificate, printed=True),
]
