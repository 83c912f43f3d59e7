"""cim export: json, markdown, csv and html summaries of a portfolio.

The example portfolios give the expected values (they are read back from the
example files, not copied here where that is practical); hostile portfolios
built in ``tmp_path`` check escaping, formula guards and HTML sanitising. HTML
is parsed with the standard library's parser and every tag and attribute is
inspected, rather than searching the text for substrings.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cim_cli.cli import app
from cim_cli.engine import check_portfolio
from cim_cli.exporters import FORMATS, export_portfolio, summary_dict
from cim_cli.exporters import csv_ as csv_export
from cim_cli.exporters.html import ALLOWED_TAGS, CSP, render_markdown
from cim_cli.load.markdown import analyze
from cim_cli.load.portfolio import load_portfolio
from cim_cli.programme import default_programme

EXAMPLES = Path(__file__).resolve().parent.parent / "example-portfolios"
ADA = EXAMPLES / "ready-ada"
ALL_EXAMPLES = sorted(p.name for p in EXAMPLES.iterdir() if (p / "student.yaml").is_file())
BOM = "\ufeff"


def export(path: Path | str, fmt: str) -> str:
    portfolio = load_portfolio(str(path))
    programme = default_programme()
    result = check_portfolio(portfolio, programme, str(path))
    out = io.StringIO()
    export_portfolio(fmt, portfolio, result, programme, out)
    return out.getvalue()


def summary(path: Path | str) -> dict:
    portfolio = load_portfolio(str(path))
    programme = default_programme()
    return summary_dict(portfolio, check_portfolio(portfolio, programme, str(path)), programme)


def write_portfolio(root: Path, *, student: dict, activities: dict[str, dict], reflections: dict[str, str] = {}, report: str | None = None, files: tuple[str, ...] = ()) -> Path:
    """A portfolio folder; YAML values are written as JSON, which YAML 1.2 reads as is."""
    root.mkdir(parents=True, exist_ok=True)

    def yaml(data: dict) -> str:
        return "".join(f"{key}: {json.dumps(value, ensure_ascii=False)}\n" for key, value in data.items())

    (root / "student.yaml").write_text(yaml(student), encoding="utf-8")
    (root / "activities").mkdir(exist_ok=True)
    for slug, data in activities.items():
        (root / "activities" / f"{slug}.yaml").write_text(yaml(data), encoding="utf-8")
    (root / "reflections").mkdir(exist_ok=True)
    for slug, text in reflections.items():
        (root / "reflections" / f"{slug}.md").write_text(text, encoding="utf-8")
    if report is not None:
        (root / "report.md").write_text(report, encoding="utf-8")
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(PNG if rel.endswith(".png") else b"%PDF-1.4\n")
    return root


# The smallest PNG a browser shows: 1x1, one grey pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
    "3a7e9b550000000a4944415478da63f80f00010101001c2d6d580000000049454e44ae426082"
)


STUDENT = {
    "student_id": "s-1",
    "name": "Sam Student",
    "email": "sam@example.edu",
    "study_programme": "Medicine",
    "registered": "2024-09-01",
}


def activity(title: str, **extra) -> dict:
    return {"title": title, "category": "conference", "location": "home", "start": "2024-10-01", **extra}


# ---------------------------------------------------------------- json


def test_json_ready_ada_matches_the_example_files():
    data = json.loads(export(ADA, "json"))
    assert data["student"] == {
        "student_id": "ada-2023-0142",
        "name": "Ada Lindqvist",
        "email": "ada.lindqvist@student.example.edu",
        "study_programme": "Medicine",
        "registered": "2023-09-04",
    }
    assert data["programme"] == "Certificate of International Merits"
    assert data["stage"] == "ready-for-review"
    assert (data["counting_activities"], data["required_activities"]) == (3, 3)
    assert data["home"] == {"counting": 1, "required": 0}
    assert data["abroad"] == {"counting": 2, "required": 0}
    slugs = sorted(p.stem for p in (ADA / "activities").glob("*.yaml"))
    assert [a["slug"] for a in data["activities"]] == slugs

    berlin = data["activities"][0]
    assert berlin["title"] == "Exchange semester at Charité Berlin"
    assert (berlin["category"], berlin["category_title"]) == ("exchange-studies", "Exchange studies")
    assert (berlin["location"], berlin["country"]) == ("abroad", "DE")
    assert berlin["host"] == "Charité – Universitätsmedizin Berlin"
    assert (berlin["start"], berlin["end"], berlin["credits"], berlin["engagements"]) == ("2024-02-01", "2024-06-30", 30, 1)
    assert berlin["counts"] is True and berlin["lacks"] == []
    assert berlin["evidence"][0] == {
        "path": "evidence/exchange-berlin/transcript.pdf",
        "kind": "transcript",
        "description": "Transcript of records, 30 ECTS",
        "exists": True,
    }
    assert berlin["reflection"] == "reflections/exchange-berlin.md"
    cafe = data["activities"][2]
    assert cafe["engagements"] == 8 and cafe["credits"] is None and cafe["country"] is None

    words = {p.stem: analyze(p.read_text(encoding="utf-8")).words for p in (ADA / "reflections").glob("*.md")}
    assert {a["slug"]: a["reflection_words"] for a in data["activities"]} == words
    evidence_files = sum(1 for p in (ADA / "evidence").rglob("*") if p.is_file() and p.parent.name != "report")
    assert data["totals"] == {
        "activities": 3,
        "counting": 3,
        "evidence_files": evidence_files,
        "evidence_missing": 0,
        "credits": 30,
        "reflection_words": sum(words.values()),
    }
    assert 500 <= data["report_words"] <= 1000
    assert data["findings"] == {"total": 0, "errors": 0, "warnings": 0, "items": []}


def test_json_is_indented_and_keeps_non_ascii():
    text = export(ADA, "json")
    assert text.startswith('{\n  "format_version": 2,')
    assert "Charité" in text and "\\u00e9" not in text
    assert text.endswith("}\n")


def test_json_credits_add_up_across_activities():
    data = json.loads(export(EXAMPLES / "report-problems-chen", "json"))
    assert [a["credits"] for a in data["activities"]] == [None, 7.5, None]
    assert data["totals"]["credits"] == 7.5
    assert data["home"]["counting"] == 2 and data["abroad"]["counting"] == 1 and "home" not in data["totals"]


def test_json_of_a_portfolio_with_broken_records():
    data = json.loads(export(EXAMPLES / "record-problems-dana", "json"))
    by_slug = {a["slug"]: a for a in data["activities"]}
    assert by_slug["debate-club"]["title"] is None  # its YAML does not parse
    assert by_slug["moot-court"]["category"] == "moot-court"
    assert by_slug["moot-court"]["category_title"] is None  # not in the catalogue
    assert by_slug["moot-court"]["evidence"][0]["exists"] is False  # ../../outside
    assert all(not a["counts"] and a["lacks"] for a in data["activities"])
    assert data["stage"] == "registered"
    assert data["findings"]["errors"] > 0
    assert data["findings"]["total"] == data["findings"]["errors"] + data["findings"]["warnings"]
    assert data["totals"]["evidence_missing"] == data["totals"]["evidence_files"] == 2


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_json_agrees_with_the_engine(name):
    path = EXAMPLES / name
    portfolio = load_portfolio(str(path))
    programme = default_programme()
    result = check_portfolio(portfolio, programme, str(path))
    out = io.StringIO()
    export_portfolio("json", portfolio, result, programme, out)
    data = json.loads(out.getvalue())
    assert data["stage"] == result.stage
    assert data["counting_activities"] == result.counting_activities == data["totals"]["counting"]
    assert data["totals"]["activities"] == len(portfolio.activities) == len(data["activities"])
    assert data["report_words"] == result.report_words
    assert data["findings"]["total"] == len(result.findings)
    assert [a["counts"] for a in data["activities"]] == [a.counts for a in result.activities]


def test_json_never_writes_nan(tmp_path):
    root = write_portfolio(tmp_path / "p", student=STUDENT, activities={"a": activity("A")})
    with open(root / "activities" / "a.yaml", "a", encoding="utf-8") as fh:
        fh.write("credits: .nan\n")
    text = export(root, "json")

    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")

    data = json.loads(text, parse_constant=refuse)
    assert data["activities"][0]["credits"] is None


def test_unknown_format_is_refused():
    portfolio = load_portfolio(str(ADA))
    programme = default_programme()
    result = check_portfolio(portfolio, programme)
    with pytest.raises(ValueError, match="pdf"):
        export_portfolio("pdf", portfolio, result, programme, io.StringIO())


# ---------------------------------------------------------------- markdown


def table_rows(text: str) -> list[list[str]]:
    """Body rows of the first markdown table, split on unescaped ``|``."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    assert re.fullmatch(r"\|(-+:?\|)+", lines[1].replace("---:", "---")), lines[1]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines[2:]]


def test_markdown_ready_ada():
    text = export(ADA, "markdown")
    assert text.splitlines()[0] == "# Summary of activities: Ada Lindqvist"
    assert "- **Student:** Ada Lindqvist (ada-2023-0142)" in text
    assert "- **Study programme:** Medicine" in text
    assert "- **Stage:** ready-for-review" in text
    assert "- **Counting activities:** 3 of 3 (home 1, abroad 2)" in text
    rows = table_rows(text)
    assert len(rows) == 3
    header = [c.strip() for c in text.split("\n## Activities\n\n", 1)[1].splitlines()[0].split("|")[1:-1]]
    assert len(header) == 11 and all(len(r) == len(header) for r in rows)
    berlin = dict(zip(header, rows[0]))
    assert berlin["Activity"] == "Exchange semester at Charité Berlin (exchange-berlin)"
    assert berlin["Where"] == "abroad (DE)"
    assert berlin["Dates"] == "2024-02-01 – 2024-06-30"
    assert (berlin["Credits"], berlin["Evidence"], berlin["Counts"]) == ("30", "2", "yes")
    assert dict(zip(header, rows[2]))["Engagements"] == "8"
    assert "- **Credits:** 30" in text
    assert "**ready-for-review**: 3 of 3 activities count." in text
    assert "Findings: 0 (0 errors, 0 warnings)." in text


def commonmark_with_tables(text: str) -> str:
    """HTML of ``text`` by a CommonMark renderer with GFM tables, raw HTML allowed."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


def test_markdown_table_survives_a_markdown_renderer():
    html = commonmark_with_tables(export(ADA, "markdown"))
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr>") == 3
    assert all(row.count("<td") == 11 for row in body.split("<tr>")[1:])


def test_markdown_escapes_student_text(tmp_path):
    root = write_portfolio(
        tmp_path / "p",
        student={**STUDENT, "name": "<b>Eve</b> *star*"},
        activities={"a": activity("Pipes | and\nnew lines", host="[x](javascript:alert(1))")},
    )
    text = export(root, "markdown")
    rows = table_rows(text)
    assert len(rows) == 1 and len(rows[0]) == 11
    assert "\n" not in rows[0][0] and "\\|" in rows[0][0]
    html = commonmark_with_tables(text)
    assert "<b>" not in html and "&lt;b&gt;Eve&lt;/b&gt; *star*" in html
    assert "<a " not in html  # the host is text, not a link
    assert html.count("<td") == 11


def test_markdown_without_activities(tmp_path):
    root = write_portfolio(tmp_path / "p", student=STUDENT, activities={})
    text = export(root, "markdown")
    assert "No activities recorded yet." in text
    assert not any(line.startswith("|") for line in text.splitlines())


# ---------------------------------------------------------------- csv


def read_csv(text: str) -> list[dict]:
    assert text.startswith(BOM)
    return list(csv.DictReader(io.StringIO(text[len(BOM):], newline="")))


def test_csv_one_row_per_activity():
    text = export(ADA, "csv")
    assert text.count("\r\n") == 4 and "\n" not in text.replace("\r\n", "")
    rows = read_csv(text)
    assert len(rows) == 3
    assert list(rows[0]) == list(csv_export.HEADER)
    assert {r["student_id"] for r in rows} == {"ada-2023-0142"}
    assert {r["name"] for r in rows} == {"Ada Lindqvist"}
    assert {r["registered"] for r in rows} == {"2023-09-04"}
    assert [r["slug"] for r in rows] == ["exchange-berlin", "kyoto-global-health-conference", "spanish-language-cafe"]
    berlin = rows[0]
    assert (berlin["credits"], berlin["counts"], berlin["evidence_files"], berlin["country"]) == ("30", "true", "2", "DE")
    assert berlin["evidence"] == "evidence/exchange-berlin/transcript.pdf; evidence/exchange-berlin/ward-team.png"
    assert rows[2]["engagements"] == "8" and rows[2]["credits"] == ""


def test_csv_lists_what_an_activity_lacks():
    rows = read_csv(export(EXAMPLES / "collecting-ben", "csv"))
    lectures = next(r for r in rows if r["slug"] == "guest-lectures-global-health")
    assert lectures["counts"] == "false"
    assert "engagements (2 of 3)" in lectures["lacks"]


def test_csv_guards_formulas_with_the_reporters_guard(tmp_path):
    from cim_cli.reporters import csv_ as csv_reporter

    assert csv_export.safe_text is csv_reporter.safe_text  # one guard, shared
    root = write_portfolio(
        tmp_path / "p",
        student={**STUDENT, "name": '=HYPERLINK("http://evil.example","click")', "study_programme": "@SUM(A1)"},
        activities={
            "a": activity("+cmd|' /C calc'!A0", host="-2+3"),
            "b": activity("\tTabbed", host="Plain host"),
        },
    )
    rows = read_csv(export(root, "csv"))
    assert len(rows) == 2
    assert {r["name"] for r in rows} == {"'=HYPERLINK(\"http://evil.example\",\"click\")"}
    assert rows[0]["study_programme"] == "'@SUM(A1)"
    assert rows[0]["title"] == "'+cmd|' /C calc'!A0"
    assert rows[0]["host"] == "'-2+3"
    assert rows[1]["title"] == "'\tTabbed"
    assert rows[1]["host"] == "Plain host"
    assert rows[0]["engagements"] == "1"  # cim's numbers are left alone


def test_csv_without_activities_is_the_header(tmp_path):
    root = write_portfolio(tmp_path / "p", student=STUDENT, activities={})
    text = export(root, "csv")
    assert text == BOM + ",".join(csv_export.HEADER) + "\r\n"


# ---------------------------------------------------------------- html


class Page(HTMLParser):
    """Every start tag with its attributes, and the text outside head elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.text: list[str] = []
        self.style_parents: list[str] = []
        self.title: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "style":
            self.style_parents.append(self.stack[-1] if self.stack else "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if "title" in self.stack:
            self.title.append(data)
        elif "style" not in self.stack:
            self.text.append(data)

    def names(self) -> list[str]:
        return [t for t, _ in self.tags]

    def find(self, tag: str) -> list[dict]:
        return [a for t, a in self.tags if t == tag]


VOID = {"meta", "img", "br", "hr", "input", "link", "base", "col", "area", "embed", "source", "wbr"}
# The page's own markup, around the sanitised fragments.
PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "main", "section", "footer", "div", "span", "figure"}
# The only data: URLs a page may hold: images embedded by the exporter.
EMBEDDED_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+\Z")
SAFE_SCHEMES = {"http", "https", "mailto"}


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def assert_safe(page: Page) -> None:
    """No active content anywhere: tags, attributes and URLs checked one by one."""
    assert set(page.names()) <= PAGE_TAGS | set(ALLOWED_TAGS), set(page.names()) - PAGE_TAGS - set(ALLOWED_TAGS)
    for bad in ("script", "iframe", "object", "embed", "svg", "math", "form", "input", "base", "link", "b", "frame"):
        assert bad not in page.names(), bad
    assert page.style_parents == ["head"]  # only the page's own stylesheet
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            assert name != "style", (tag, value)
            assert "alert" not in (value or ""), (tag, name, value)
            if name in ("href", "src"):
                url = re.sub(r"[\t\n\r]", "", value or "").lstrip("".join(chr(i) for i in range(0x21))).lower()
                scheme = re.match(r"([a-z][a-z0-9+.-]*):", url)
                embedded = tag == "img" and name == "src" and EMBEDDED_IMAGE.match(value or "")
                assert scheme is None or scheme.group(1) in SAFE_SCHEMES or embedded, (tag, value)
                assert not url.startswith(("/", "\\")), (tag, value)
    metas = page.find("meta")
    csp = [m["content"] for m in metas if (m.get("http-equiv") or "").lower() == "content-security-policy"]
    assert csp == [CSP]
    assert "default-src 'none'" in CSP and "script-src" not in CSP


HOSTILE_MD = """\
<script>alert(1)</script>

<img src=x onerror=alert(1)>

[click](javascript:alert(1)) and [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)

A paragraph with a handler
{: onclick="alert(1)" style="color:red" }

## Heading with a handler {: onmouseover="alert(1)" }

<a href="JaVaScRiPt:alert(1)">mixed case</a> <a href="java&#x09;script:alert(1)">tab</a>

<iframe src="https://evil.example/"></iframe>

<style>body { display: none }</style>

<svg onload="alert(1)"></svg> <form action="https://evil.example/"><input name="q"></form>

<p style="background: url(https://evil.example/x)">styled</p>

![tracker](//evil.example/pixel.png) [unc](\\\\evil\\share)
"""

ORDINARY_MD = """\
# Heading one

Some *emphasis*, **strong words** and `code`.

- first item
- second item

1. step one
2. step two

> a quotation

| Country | Weeks |
|---|---|
| Japan | 2 |

A [link](https://example.org/page "Example") and ![a photo](evidence/report/photo.png "At the poster").
"""


def hostile_portfolio(tmp_path: Path) -> Path:
    return write_portfolio(
        tmp_path / "eve",
        student={**STUDENT, "name": "<b>Eve</b>", "student_id": '"><script>alert(1)</script>'},
        activities={"talk": activity('<img src=x onerror="alert(1)">Talk', host="<i>Host</i>", evidence=[{"path": "evidence/talk/cert.pdf", "kind": "certificate", "description": "<script>x</script>"}])},
        reflections={"talk": HOSTILE_MD + "\n" + ORDINARY_MD},
        report="---\ntitle: secret front matter\n---\n" + HOSTILE_MD + "\n" + ORDINARY_MD,
        files=("evidence/talk/cert.pdf", "evidence/report/photo.png"),
    )


def test_html_removes_everything_active(tmp_path):
    page = parse(export(hostile_portfolio(tmp_path), "html"))
    assert_safe(page)
    text = "".join(page.text)
    assert "<b>Eve</b>" in text  # shown as text, escaped
    assert '"><script>alert(1)</script>' in text
    assert '<img src=x onerror="alert(1)">Talk' in text
    assert "<b>Eve</b>" in "".join(page.title)
    assert "display: none" not in text and "secret front matter" not in text


def test_html_keeps_ordinary_markdown(tmp_path):
    page = parse(export(hostile_portfolio(tmp_path), "html"))
    names = page.names()
    # Once in the reflection and once in the report.
    for tag in ("em", "strong", "code", "blockquote", "ol", "th", "td", "img"):
        assert names.count(tag) >= 2, tag
    links = [a["href"] for a in page.find("a") if "href" in a]
    assert links.count("https://example.org/page") == 2
    text = "".join(page.text)
    assert "evidence/talk/cert.pdf" in text and "evidence/talk/cert.pdf" not in links  # named, not linked
    # The photo is embedded, so the page still shows it once moved.
    photos = page.find("img")
    assert [i["src"] for i in photos] == ["data:image/png;base64," + base64.b64encode(PNG).decode()] * 2
    assert photos[0]["alt"] == "a photo" and photos[0]["title"] == "At the poster"
    # <img src=x onerror=...> and the //evil.example tracker cannot be embedded: a note says so.
    assert text.count("[image x is missing") + text.count("[image x does not exist") == 2, text
    assert text.count("has no source]") == 2
    for words in ("Heading one", "first item", "step two", "a quotation", "Japan", "mixed case", "click"):
        assert words in text, words


def test_html_nests_student_headings_below_the_page_headings(tmp_path):
    page = parse(export(hostile_portfolio(tmp_path), "html"))
    assert page.names().count("h1") == 1  # the page title only
    # report: "# Heading one" -> h3; reflection: -> h5 (below the activity's h4)
    assert {"h3", "h5"} <= set(page.names())


def test_html_page_is_complete_and_standalone():
    text = export(ADA, "html")
    assert text.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    assert text.rstrip().endswith("</html>")
    page = parse(text)
    assert_safe(page)
    assert page.find("meta")[0] == {"charset": "utf-8"}
    assert "".join(page.title).startswith("Summary of activities: Ada Lindqvist")
    for tag, attrs in page.tags:
        for name in ("href", "src"):
            value = attrs.get(name) or ""
            assert not value.startswith(("http:", "https:")), (tag, value)  # nothing fetched from elsewhere
    # Every image is embedded (the photo evidence of the Berlin exchange, the report's photo): nothing relative is left.
    embedded = {(ADA / rel).read_bytes(): rel for rel in ("evidence/exchange-berlin/ward-team.png", "evidence/report/poster-session.png")}
    srcs = [i["src"] for i in page.find("img")]
    assert [embedded[base64.b64decode(src.partition(",")[2])] for src in srcs] == list(embedded.values())
    assert "img-src data:;" in CSP
    text_only = "".join(page.text)
    assert "My international merits" not in text_only  # front matter is not shown
    assert "do not count as words" not in text_only  # nor HTML comments
    assert "Exchange semester at Charité Berlin" in text_only
    assert "ready-for-review" in text_only
    for slug in ("exchange-berlin", "kyoto-global-health-conference", "spanish-language-cafe"):
        words = analyze((ADA / "reflections" / f"{slug}.md").read_text(encoding="utf-8")).words
        assert f"Reflection ({words} words)" in text_only


def test_html_says_what_is_missing(tmp_path):
    root = write_portfolio(tmp_path / "p", student=STUDENT, activities={"a": activity("A", evidence=[{"path": "evidence/a/gone.pdf"}])})
    page = parse(export(root, "html"))
    assert_safe(page)
    text = "".join(page.text)
    assert "No reflection yet." in text and "No report yet." in text
    assert "evidence/a/gone.pdf (not found)" in text
    assert not [a for a in page.find("a") if (a.get("href") or "").startswith("evidence/")]  # not linked


def test_html_reports_an_unreadable_report_without_rendering_it(tmp_path):
    root = write_portfolio(tmp_path / "p", student=STUDENT, activities={})
    (root / "report.md").write_bytes(b"# R\n\n<script>alert(1)</script> \xe9t\xe9\n")  # Latin-1, not UTF-8
    page = parse(export(root, "html"))
    assert_safe(page)
    assert "report.md could not be read; run cim validate for details." in "".join(page.text)


def test_html_names_evidence_paths_without_linking_them(tmp_path):
    name = "evidence/a/java script:x#1.pdf"
    root = write_portfolio(tmp_path / "p", student=STUDENT, activities={"a": activity("A", evidence=[{"path": name}])}, files=(name,))
    page = parse(export(root, "html"))
    assert_safe(page)
    assert "evidence/a/java script:x#1.pdf" in "".join(page.text)
    assert [a.get("href") for a in page.find("a")] == ["#activity-1", "#findings"]


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        "para\n{: onclick=\"alert(1)\" }",
        "# Title {: onclick=\"alert(1)\" }",
        "[x](y){: onclick=\"alert(1)\" }",
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        "<iframe src=javascript:alert(1)></iframe>",
        "<style>*{}</style>",
        "[d](data:text/html,alert(1))",
        "![d](data:image/svg+xml,alert(1))",
        "[r][1]\n\n[1]: javascript:alert(1)",
        "<details open ontoggle=alert(1)>x</details>",
        "<math><a xlink:href=javascript:alert(1)>x</a></math>",
        '<div markdown="1" onclick="alert(1)">*x*</div>',
        "![p](//evil.example/alert.png)",
    ],
)
def test_render_markdown_sanitises(source):
    page = parse(render_markdown(source))
    for tag, attrs in page.tags:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs.items():
            assert not name.startswith("on") and name != "style", (tag, name)
            assert "alert" not in (value or ""), (tag, name, value)


# ---------------------------------------------------------------- CLI

runner = CliRunner()


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_cli_export_to_stdout(fmt):
    result = runner.invoke(app, ["export", str(ADA), "--format", fmt])
    assert result.exit_code == 0, result.output
    out = result.stdout
    if fmt == "json":
        assert json.loads(out)["student"]["name"] == "Ada Lindqvist"
    elif fmt == "csv":
        assert len(read_csv(out)) == 3
    elif fmt == "markdown":
        assert len(table_rows(out)) == 3
    else:
        assert_safe(parse(out))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_cli_export_to_file(tmp_path, fmt):
    target = tmp_path / f"summary.{fmt}"
    result = runner.invoke(app, ["export", str(ADA), "--format", fmt, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    data = target.read_bytes()
    assert data.decode("utf-8") == export(ADA, fmt)
    if fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left


def test_cli_export_refuses_a_folder_that_is_not_a_portfolio(tmp_path):
    result = runner.invoke(app, ["export", str(tmp_path), "--format", "json"])
    assert result.exit_code == 2
    assert result.stdout == ""


def test_cli_export_refuses_a_missing_folder(tmp_path):
    result = runner.invoke(app, ["export", str(tmp_path / "nope"), "--format", "html"])
    assert result.exit_code == 2
    assert result.stdout == ""


def test_cli_export_refuses_an_unknown_format():
    result = runner.invoke(app, ["export", str(ADA), "--format", "pdf"])
    assert result.exit_code == 2


def test_csv_semicolon_for_european_excel():
    result = CliRunner().invoke(app, ["export", str(ADA), "--format", "csv", "--delimiter", ";"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip(BOM)), delimiter=";"))
    assert [r["slug"] for r in rows] == ["exchange-berlin", "kyoto-global-health-conference", "spanish-language-cafe"]
    assert rows[0]["evidence"] == "evidence/exchange-berlin/transcript.pdf; evidence/exchange-berlin/ward-team.png"
    refused = CliRunner().invoke(app, ["export", str(ADA), "--format", "csv", "--delimiter", "|"])
    assert refused.exit_code == 2


def test_raw_html_nests_at_most_sixteen_deep():
    from cim_cli.exporters.html import MAX_RAW_DEPTH, _raw_html

    env: dict = {}
    out = _raw_html("<div>" * 40 + "x" + "</span>" * 5, env)
    assert out.count("<div>") == MAX_RAW_DEPTH == 16
    assert "</span>" not in out  # closes nothing open: dropped
    # Carried over to the next piece of raw HTML; one end tag closes its element and all inside.
    assert _raw_html("</div>", env) == "</div>" and env["raw_open"] == ["div"] * 15
    assert _raw_html("<p>a < b <!-- c --> <x y='>'></p>", {}) == "<p>a &lt; b  <x y='>'></p>"
    # An end tag outside a table cell does not close what is outside it.
    env = {}
    _raw_html("<div><table><td>", env)
    assert _raw_html("</div>", env) == "" and env["raw_open"] == ["div", "table", "td"]


def test_render_keeps_long_texts_whole():
    text = "R&D " * 3_000 + "\u00a0caf\u00e9"
    page = parse(render_markdown(text))
    assert "".join(page.text).strip() == text.strip()
    assert "wbr" not in page.names()
