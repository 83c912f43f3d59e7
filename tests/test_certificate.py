"""The certificate document: HTML (self-contained, accessible, escaped) and PDF/A-3 with the credential attached."""

from __future__ import annotations

import base64
import hashlib
import io
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cim_cli.programme import default_programme
from cim_cli.trust import certificate as cert
from cim_cli.trust import credential as cr
from cim_cli.trust import didkey
from cim_cli.trust import token as tk

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
DID = didkey.did_from_public_key(KEY.public_key().public_bytes_raw())
HOSTILE = 'Zoë <script>alert("x")</script> & </style><img src=https://evil.example/t.png>'


def issue(name: str = "Åsa Öberg"):
    programme = default_programme()
    facts = cr.CertificateFacts(
        programme_title=programme.title, criteria=cr.criteria_narrative(programme), issuer_did=DID, issuer_name="Example University",
        student_name=name, student_email="asa@example.edu",
        activities=(cr.ActivityFact("Exchange semester in Kyoto", "Exchange studies", "abroad", "Japan"), cr.ActivityFact(HOSTILE, "Language café", "home")),
        report_sha256="ab" * 32,
    )
    credential = cr.issue_credential(facts, KEY)
    data = cr.credential_bytes(credential)
    return credential, data, tk.make_token(tk.claims_for(credential, data), KEY)


@pytest.fixture(scope="module")
def rendered():
    credential, data, token = issue()
    html = cert.render_html(cert.certificate_context(credential, data, token, "https://cim.example.edu/", embedded=True))
    return credential, data, token, html, cert.render_pdf(html, data)


def test_html_shows_what_the_credential_says(rendered):
    credential, data, token, html, _ = rendered
    assert "Certificate of International Merits" in html
    assert credential["id"] in html and DID in html
    assert hashlib.sha256(data).hexdigest() in html
    assert "Exchange semester in Kyoto" in html and "Abroad, Japan" in html
    assert "https://cim.example.edu/verify.html" in html
    assert "ab" * 32 in html  # the report's digest


def test_html_escapes_student_text(rendered):
    credential, data, token = issue(HOSTILE)
    for html in (rendered[3], cert.render_html(cert.certificate_context(credential, data, token, None, embedded=False, json_name="x.json"))):
        assert "<script>" not in html and "<img" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_html_is_self_contained_with_a_csp_matching_its_style(rendered):
    html = rendered[3]
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "default-src 'none'" in csp
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    assert f"'sha256-{base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()}'" in csp
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html


def test_html_accessibility_basics(rendered):
    html = rendered[3]
    assert '<html lang="en">' in html
    levels = [int(h) for h in re.findall(r"<h([1-6])", html)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:]))
    assert re.search(r'<svg role="img" aria-label="[^"]+"', html) and "<title>QR code" in html
    assert '<th scope="col">' in html


def test_qr_carries_the_verify_url_or_the_token():
    token = "cimv1.abc.def"
    assert cert.verify_target(token, "https://cim.example.edu/") == "https://cim.example.edu/verify.html#cimv1.abc.def"
    assert cert.verify_target(token, None) == token
    import segno

    svg = cert.qr_svg("https://cim.example.edu/verify.html#" + token, "label")
    expected = segno.make("https://cim.example.edu/verify.html#" + token, error="l").svg_inline(scale=4, dark="#000", light="#fff", omitsize=True)
    assert svg.replace('role="img" aria-label="label" ', "").replace("<title>label</title>", "") == expected


def test_qr_too_long_is_left_out_not_a_crash():
    assert cert.qr_svg("x" * 5000, "label") is None


def test_pdf_is_pdf_a_3b_with_the_credential_attached(rendered):
    from pypdf import PdfReader

    credential, data, token, html, pdf = rendered
    assert pdf.startswith(b"%PDF-")
    assert cert.extract_attachment(pdf) == data
    reader = PdfReader(io.BytesIO(pdf))
    xmp = reader.xmp_metadata
    assert xmp is not None
    raw = xmp.stream.get_data().decode("utf-8", "replace")
    assert re.search(r"pdfaid:part(>|=\")3", raw) and re.search(r"pdfaid:conformance(>|=\")B", raw)
    names = reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
    spec = names[1].get_object()
    assert spec["/AFRelationship"] == "/Source"
    assert any(f.get_object() == spec for f in reader.trailer["/Root"]["/AF"])
    root = reader.trailer["/Root"]
    assert root["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"  # sRGB output intent, as PDF/A requires
    assert root["/MarkInfo"]["/Marked"] and root["/Lang"] == "en"  # tagged, with a language
    assert reader.metadata.title == f"Certificate of International Merits: {cr.student_name(credential)}"
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Certificate of International Merits" in text and credential["id"] in text


def test_extract_from_garbage_and_from_a_pdf_without_attachment(rendered):
    with pytest.raises(cert.CertificateError):
        cert.extract_attachment(b"not a pdf at all")
    with pytest.raises(cert.CertificateError):
        cert.extract_attachment(rendered[4][:2000])
    from weasyprint import HTML

    assert cert.extract_attachment(HTML(string="<p>plain</p>").write_pdf()) is None


@pytest.mark.parametrize("ref", ['<img src="https://evil.example/x.png" alt="">', '<link rel="stylesheet" href="file:///etc/passwd">', '<style>@import url("http://evil.example/a.css");</style>'])
def test_weasyprint_never_fetches(rendered, ref):
    html = rendered[3].replace("</main>", ref + "</main>")
    with pytest.raises(cert.CertificateError, match="self-contained"):
        cert.render_pdf(html, rendered[1])


def test_long_date():
    assert cert.long_date("2026-12-01T10:00:00Z") == "1 December 2026"
    assert cert.long_date("garbage") == "garbage"


def test_a_name_too_long_for_a_qr_code_renders_without_one():
    credential, data, token = issue("N" * 3000)
    context = cert.certificate_context(credential, data, token, None, embedded=False, json_name="x.json")
    assert context["qr_svg"] is None
    html = cert.render_html(context)
    assert "N" * 3000 in html and "<svg" not in html


def test_location_text_names_the_country():
    assert cr._location_text(cr.ActivityFact("x", "y", "abroad", "DE")) == "Abroad, Germany (DE)"
    assert cr._location_text(cr.ActivityFact("x", "y", "abroad", "KR")) == "Abroad, South Korea (KR)"
    assert cr._location_text(cr.ActivityFact("x", "y", "home", None)) == "At home"
    assert cr._location_text(cr.ActivityFact("x", "y", "abroad", "\u202eXX")) == "Abroad, \u202eXX"
