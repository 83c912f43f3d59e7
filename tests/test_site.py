"""cim site init / build: pages, the programme's content, safety of the office's markdown, writing rules."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cim_cli.cli import app
from cim_cli.programme import default_programme, load_programme
from cim_cli.site.build import MARKER, build_site, content_security_policy, csp_hash, split_title, stylesheet, verify_page_trust
from cim_cli.site.errors import SiteError
from cim_cli.site.starter import PAGES, init_pages

SITE_FILES = {"index.html", "sign-up.html", "activities.html", "portfolio.html", "verify.html", "contacts.html",
              "leadership.html", "employers.html", "accessibility.html"}  # fmt: skip


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_init_writes_the_starter_pages_and_never_overwrites(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "contacts.md").write_text("# Our contacts\n\nMine.\n", encoding="utf-8")
    result = run("site", "init", str(pages))
    assert result.exit_code == 0
    assert f"kept {pages / 'contacts.md'} (it exists)" in result.stdout
    assert sorted(p.name for p in pages.iterdir()) == sorted(f"{n}.md" for n in PAGES)
    assert (pages / "contacts.md").read_text(encoding="utf-8") == "# Our contacts\n\nMine.\n"
    assert "Write here" in (pages / "leadership.md").read_text(encoding="utf-8")
    created, kept = init_pages(str(pages))  # a second run changes nothing
    assert created == [] and len(kept) == len(PAGES)


def test_init_refuses_a_file_in_the_way(tmp_path):
    (tmp_path / "pages").write_text("x")
    result = run("site", "init", str(tmp_path / "pages"))
    assert result.exit_code == 2 and "not a folder" in result.stderr


def test_build_writes_every_page_with_relative_links_and_a_csp(tmp_path):
    out = tmp_path / "site"
    result = run("site", "build", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{out / 'index.html'}\n"
    assert SITE_FILES <= {p.name for p in out.iterdir()}
    assert (out / "LICENSE-simple.css.txt").read_text().startswith("MIT License")
    for name in SITE_FILES:
        html = (out / name).read_text(encoding="utf-8")
        for link in re.findall(r'(?:href|src)="([^"]*)"', html):
            assert not link.startswith(("/", "http:", "https:", "//")), (name, link)
        css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
        script = re.search(r"<script>(.*?)</script>", html, re.S)
        csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1)
        assert csp == content_security_policy(css, script.group(1) if script else None).replace("'", "&#39;")
        assert "<nav" in html and 'aria-current="page"' in html


def test_csp_hash_is_the_browsers_sha256_source():
    # Known value: printf 'alert(1)' | openssl dgst -sha256 -binary | base64
    assert csp_hash("alert(1)") == "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"


def test_pages_come_from_the_programme_file(tmp_path):
    programme = tmp_path / "programme.yaml"
    programme.write_text(
        "title: Global Merits Award\n"
        "requirements: {min_activities: 4, min_abroad: 1}\n"
        "report: {min_words: 700, max_words: 1200, questions: [What did you learn about care abroad?]}\n"
        "reflection_questions: [What surprised you?]\n"
        "catalogue:\n"
        "  - {id: tandem, title: Language tandem, location: home, min_engagements: 5, description: Weekly tandem.}\n"
        "  - {id: field-trip, title: Field trip, location: abroad}\n",
        encoding="utf-8",
    )
    out = tmp_path / "site"
    build_site(load_programme(str(programme)), str(out))
    catalogue = (out / "activities.html").read_text(encoding="utf-8")
    assert "Language tandem" in catalogue and "needs 5 engagements" in catalogue and "Weekly tandem." in catalogue
    assert catalogue.index("At home") < catalogue.index("Language tandem") < catalogue.index("Abroad") < catalogue.index("Field trip")
    assert "Exchange studies" not in catalogue  # the programme's catalogue replaces the default
    guide = (out / "portfolio.html").read_text(encoding="utf-8")
    assert "700 to 1200 words" in guide and "What did you learn about care abroad?" in guide and "What surprised you?" in guide
    signup = (out / "sign-up.html").read_text(encoding="utf-8")
    assert "At least 4 activities that count\n(at least 1 abroad)" in signup and "cim init" in signup
    assert "<title>How to sign up · Global Merits Award</title>" in signup


def test_office_markdown_is_rendered_and_sanitised(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "contacts.md").write_text(
        "# Write to us\n\n"
        "Mail [the office](mailto:cim@example.edu) or read [this](javascript:alert(1)).\n\n"
        "<script>alert(1)</script><img src=x onerror=alert(1)>\n\n"
        "[root](/etc/passwd) [smb](//host/share) ![logo](images/logo.png)\n",
        encoding="utf-8",
    )
    (pages / "images").mkdir()
    (pages / "images" / "logo.png").write_bytes(b"\x89PNG fake")
    out = tmp_path / "site"
    build_site(default_programme(), str(out), pages_dir=str(pages))
    html = (out / "contacts.html").read_text(encoding="utf-8")
    assert "<h1>Write to us</h1>" in html and "<title>Write to us ·" in html
    assert 'href="mailto:cim@example.edu"' in html
    body = html.split("<main", 1)[1]
    # A javascript: link is never a link (markdown-it leaves it as the text the office wrote).
    assert not re.search(r"""(href|src)=["']?\s*javascript:""", body, re.I)
    assert "<script" not in body and "onerror" not in body
    assert "/etc/passwd" not in body and "//host" not in body
    assert 'src="images/logo.png"' in body
    assert (out / "images" / "logo.png").read_bytes() == b"\x89PNG fake"


def test_split_title():
    assert split_title("# Hello\n\nText") == ("Hello", "\nText")
    assert split_title("\ufeff---\na: 1\n---\n# T #\nx") == ("T", "x")
    assert split_title("Text first\n# Later") == (None, "Text first\n# Later")


def test_build_refuses_a_folder_that_is_not_a_site(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("mine")
    result = run("site", "build", "-o", str(out))
    assert result.exit_code == 2 and "not empty" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["thesis.tex"]
    assert run("site", "build", "-o", str(out), "--force").exit_code == 0
    assert (out / "thesis.tex").read_text() == "mine" and (out / "index.html").exists()


def test_rebuild_replaces_its_own_files_and_removes_stale_ones(tmp_path):
    out = tmp_path / "site"
    build_site(default_programme(), str(out))
    marker = json.loads((out / MARKER).read_text())
    marker["files"].append("statistics.html")
    (out / MARKER).write_text(json.dumps(marker))
    (out / "statistics.html").write_text("old")
    (out / "notes.txt").write_text("the office's own file")
    result = build_site(default_programme(), str(out))
    assert result.removed == ["statistics.html"] and not (out / "statistics.html").exists()
    assert (out / "notes.txt").read_text() == "the office's own file"


def test_stale_entries_outside_the_folder_are_never_removed(tmp_path):
    out = tmp_path / "site"
    build_site(default_programme(), str(out))
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    (out / MARKER).write_text(json.dumps({"files": ["../victim.txt", str(victim)]}))
    build_site(default_programme(), str(out))
    assert victim.read_text() == "keep"


def test_build_refuses_a_file_as_output(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(SiteError, match="not a folder"):
        build_site(default_programme(), str(tmp_path / "f"))


def _programme_with_trust(tmp_path: Path, trust: str) -> object:
    (tmp_path / "trust.yaml").write_text(trust, encoding="utf-8")
    (tmp_path / "programme.yaml").write_text("trust: trust.yaml\n", encoding="utf-8")
    return load_programme(str(tmp_path / "programme.yaml"))


DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def test_verify_page_embeds_the_trust_list_as_inert_json(tmp_path):
    programme = _programme_with_trust(
        tmp_path,
        f"keys:\n  - id: {DID}\n    name: \"</script><script>alert(1)</script>\"\n    roles: [issuer]\n    valid_from: 2025-01-01\n"
        "revoked_credentials:\n  - {id: 'urn:uuid:1', date: 2026-01-02, reason: error}\n",
    )
    out = tmp_path / "site"
    build_site(programme, str(out))
    html = (out / "verify.html").read_text(encoding="utf-8")
    data = re.search(r'<script type="application/json" id="trust-list">(.*?)</script>', html, re.S).group(1)
    assert "<" not in data
    trust = json.loads(data)
    assert trust["keys"][0]["name"] == "</script><script>alert(1)</script>"
    assert trust["keys"][0]["valid_from"] == "2025-01-01"  # YAML 1.2: a date stays text
    assert trust["revoked_credentials"] == [{"id": "urn:uuid:1", "date": "2026-01-02", "reason": "error"}]
    assert html.count("<script") == 2  # the data block and the page's own script, nothing else


@pytest.mark.parametrize(
    "trust, message",
    [
        ("keys: {a: 1}\n", "trust.yaml:1:7: keys must be a list"),
        ("keys:\n  - name: X\n    roles: [issuer]\n", "trust.yaml:2:5: add the required field 'id'"),
        ("keys:\n  - id: did:key:zNOPE\n    name: X\n    roles: [issuer]\n", "trust.yaml:2:9: keys[1].id: 'did:key:zNOPE' is not in the expected form"),
        (f"keys:\n  - id: {DID}\n    name: X\n    roles: [issuer]\n    valid_from: next week\n", "trust.yaml:5:17: keys[1].valid_from: 'next week' is not a date"),
        (f"keys:\n  - id: {DID}\n    name: X\n    roles: issuer\n", "trust.yaml:4:12: keys[1].roles must be a list"),
        (f"keys:\n  - id: {DID}\n    name: X\n    roles: [approver]\n", "trust.yaml:4:13: keys[1].roles[1] must be one of"),
        ("keys: []\nrevoked_credentials:\n  - id: x\n", "trust.yaml:3:5: add the required field 'date'"),
        ("keys: [\n", "trust.yaml:2:1: YAML syntax error"),
        ("a: &x 1\nb: *x\n", "trust.yaml:1:4: YAML anchors"),
    ],
)
def test_a_broken_trust_list_stops_the_build_with_its_line(tmp_path, trust, message):
    programme = _programme_with_trust(tmp_path, trust)
    with pytest.raises(SiteError, match=re.escape(message)):
        build_site(programme, str(tmp_path / "site"))
    assert not (tmp_path / "site").exists()


def test_a_broken_trust_list_is_exit_2_on_the_command_line(tmp_path):
    (tmp_path / "trust.yaml").write_text("keys:\n  - id: did:key:zNOPE\n    name: X\n")
    (tmp_path / "programme.yaml").write_text("trust: trust.yaml\n")
    result = run("site", "build", "--programme", str(tmp_path / "programme.yaml"), "-o", str(tmp_path / "site"))
    assert result.exit_code == 2 and "trust.yaml:2:" in result.stderr


def test_missing_trust_list_file_is_exit_2(tmp_path):
    (tmp_path / "programme.yaml").write_text("trust: nowhere.yaml\n")
    result = run("site", "build", "--programme", str(tmp_path / "programme.yaml"), "-o", str(tmp_path / "site"))
    assert result.exit_code == 2 and "nowhere.yaml" in result.stderr


def test_the_verify_page_keeps_only_what_it_needs_from_the_trust_list(tmp_path):
    programme = _programme_with_trust(
        tmp_path,
        f"keys:\n  - id: {DID}\n    name: A\n    email: a@example.edu\n    roles: [issuer, report]\n    valid_until: 2027-12-31\n    revoked: 2026-03-01\n"
        "revoked_credentials:\n  - {id: 'urn:uuid:2', date: 2026-05-01}\n",
    )
    assert verify_page_trust(programme) == {
        "keys": [{"id": DID, "name": "A", "roles": ["issuer", "report"], "valid_from": None, "valid_until": "2027-12-31", "revoked": "2026-03-01"}],
        "revoked_credentials": [{"id": "urn:uuid:2", "date": "2026-05-01", "reason": None}],
    }


def test_the_verify_page_trusts_no_list_from_outside_the_programme_folder(tmp_path):
    (tmp_path / "trust.yaml").write_text(f"keys:\n  - id: {DID}\n    name: A\n    roles: [issuer]\n")
    (tmp_path / "office").mkdir()
    (tmp_path / "office" / "programme.yaml").write_text("trust: ../trust.yaml\n")
    with pytest.raises(SiteError, match="trust.yaml"):
        build_site(load_programme(str(tmp_path / "office" / "programme.yaml")), str(tmp_path / "site"))
    assert not (tmp_path / "site").exists()


def test_vendored_stylesheet_is_simple_css_unchanged():
    from importlib import resources

    css = resources.files("cim_cli.site").joinpath("static", "simple.css").read_bytes()
    assert hashlib.sha256(css).hexdigest() == "3f5f9335c0e6663f573da248630701839a01bc98d8382dd22aefb35544cea3d4"
    assert "url(" not in stylesheet() and "@import" not in stylesheet()  # nothing fetched
    assert "@media print" in stylesheet() and "prefers-color-scheme: dark" in stylesheet()


def test_pages_folder_must_exist(tmp_path):
    result = run("site", "build", "--pages", str(tmp_path / "nope"), "-o", str(tmp_path / "site"))
    assert result.exit_code == 2 and "cim site init" in result.stderr


def test_the_website_guide_runs_as_written(tmp_path, monkeypatch):
    """docs/website.md: its YAML files are written as shown, then its `cim site` commands run in order."""
    import shlex

    from conftest import REPO

    doc = (REPO / "docs" / "website.md").read_text(encoding="utf-8")
    for block in re.findall(r"^```yaml\n(.*?)^```$", doc, re.M | re.S):
        name = re.match(r"# (\S+\.yaml)", block).group(1)
        (tmp_path / name).write_text(block, encoding="utf-8")
    commands = [line for block in re.findall(r"^```sh\n(.*?)^```$", doc, re.M | re.S) for line in block.splitlines() if line.startswith("cim site")]
    assert commands == ["cim site init pages", "cim site build --programme programme.yaml --pages pages -o site"]
    monkeypatch.chdir(tmp_path)
    for command in commands:
        result = run(*shlex.split(command)[1:])
        assert result.exit_code == 0, (command, result.stderr)
    assert result.stdout == f"{Path('site') / 'index.html'}\n"
    verify_page = (tmp_path / "site" / "verify.html").read_text(encoding="utf-8")
    assert "Certificate Administrator (key in force from 2025-01-01)" in verify_page
    assert "urn:uuid:00000000-0000-4000-8000-00000000dead" in verify_page
    assert "Example University" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")


def test_statistics_page_is_public_and_goes_away_without_a_cohort(tmp_path):
    from conftest import EXAMPLES

    out = tmp_path / "site"
    result = run("site", "build", "-o", str(out), "--cohort", str(EXAMPLES))
    assert result.exit_code == 0, result.stderr
    page = (out / "statistics.html").read_text(encoding="utf-8")
    assert "shown as &lt;5" in page and 'class="cim-stats"' in page
    assert "Ada Lindqvist" not in page and "ada-2023-0142" not in page  # no student is named
    assert "review backlog" not in page.lower()  # the office's figures stay with the office
    assert all('href="statistics.html"' in (out / name).read_text(encoding="utf-8") for name in SITE_FILES)
    assert run("site", "build", "-o", str(out)).exit_code == 0
    assert not (out / "statistics.html").exists()
    assert 'href="statistics.html"' not in (out / "index.html").read_text(encoding="utf-8")


def test_statistics_need_an_existing_cohort(tmp_path):
    result = run("site", "build", "-o", str(tmp_path / "site"), "--cohort", str(tmp_path / "nope"))
    assert result.exit_code == 2 and "no such folder" in result.stderr


def test_style_attributes_are_allowed_one_by_one():
    csp = content_security_policy("p{}", None, ["fill: red", "fill: red", "fill: blue"])
    assert csp.count("'sha256-") == 3 and "'unsafe-hashes'" in csp and "unsafe-inline" not in csp
    assert "'unsafe-hashes'" not in content_security_policy("p{}", None)


def test_pages_that_are_links_or_fifos_are_refused(tmp_path):
    import os

    pages = tmp_path / "pages"
    pages.mkdir()
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\n")
    (pages / "home.md").symlink_to(secret)
    with pytest.raises(SiteError, match="not a regular file"):
        build_site(default_programme(), str(tmp_path / "site"), pages_dir=str(pages))
    (pages / "home.md").unlink()
    os.mkfifo(pages / "home.md")  # would block open() forever
    with pytest.raises(SiteError, match="not a regular file"):
        build_site(default_programme(), str(tmp_path / "site"), pages_dir=str(pages))


def test_a_site_built_inside_its_pages_folder_does_not_copy_itself(tmp_path):
    pages = tmp_path / "pages"
    init_pages(str(pages))
    (pages / "logo.png").write_bytes(b"png")
    for _ in range(2):
        result = build_site(default_programme(), str(pages / "site"), pages_dir=str(pages))
    assert [f for f in result.files if f.endswith(".png")] == ["logo.png"]
    assert not (pages / "site" / "site").exists()


def test_the_programme_is_found_above_the_pages_folder(tmp_path, monkeypatch):
    (tmp_path / "programme.yaml").write_text("title: Found Above\n", encoding="utf-8")
    init_pages(str(tmp_path / "office" / "pages"))
    monkeypatch.chdir(tmp_path / "office")
    assert run("site", "build", "--pages", "pages", "-o", "site").exit_code == 0
    assert "<title>How to sign up · Found Above</title>" in (tmp_path / "office" / "site" / "sign-up.html").read_text(encoding="utf-8")
