"""The certificate document: one Jinja2 template rendered to HTML and, by WeasyPrint, to PDF/A-3.

Everything shown comes from the signed credential (one source): programme
title, the student's name, the date, the activities, the issuer, and for
checking it the credential id, the SHA-256 of the credential file, the
issuer's did:key and a QR code (segno, inline SVG) carrying the ``cimv1``
verification token, or the programme site's ``verify.html#<token>``.

The HTML is self-contained (a CSP allows only its own style block, by hash;
no request leaves the page). The PDF is PDF/A-3b with the credential JSON
embedded as an associated file, so the PDF alone can be verified with
``cim verify``. WeasyPrint is given a URL fetcher that refuses everything.

jinja2, segno and WeasyPrint are imported inside the functions: WeasyPrint
alone costs most of a second at import.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from importlib import resources
from typing import Any

from cim_cli.trust.credential import REPORT_EVIDENCE_NAME, achievement_name, activities_of, issuer_id, student_name

ATTACHMENT_NAME = "credential.json"
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


class CertificateError(ValueError):
    """A certificate that cannot be rendered."""


def _template_text(name: str) -> str:
    return resources.files("cim_cli.templates").joinpath(name).read_text(encoding="utf-8")


def long_date(timestamp: str) -> str:
    """``2026-12-01T10:00:00Z`` -> ``1 December 2026`` (the UTC day)."""
    try:
        when = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return str(timestamp)
    return f"{when.day} {_MONTHS[when.month - 1]} {when.year}"


def verify_target(token: str, site_url: str | None) -> str:
    """What the QR code carries: ``<site>/verify.html#<token>``, or the token alone."""
    if site_url:
        return f"{site_url.rstrip('/')}/verify.html#{token}"
    return token


def qr_svg(text: str, label: str) -> str | None:
    """An inline SVG QR code of ``text`` with an accessible name; None when too long for a QR code."""
    import segno
    from xml.sax.saxutils import escape, quoteattr

    try:
        # Error level L: the fewest modules for a long URL, so each prints larger; a printed
        # certificate is not a crumpled parcel label.
        code = segno.make(text, error="l", micro=False)
    except segno.DataOverflowError:
        return None
    svg = code.svg_inline(scale=4, dark="#000", light="#fff", omitsize=True)
    return svg.replace("<svg ", f'<svg role="img" aria-label={quoteattr(label)} ', 1).replace(">", f"><title>{escape(label)}</title>", 1)


def _where(description: Any) -> str:
    return description if isinstance(description, str) else ""


def certificate_context(credential: dict[str, Any], credential_file_bytes: bytes, token: str | None, site_url: str | None = None, *, embedded: bool, json_name: str = "") -> dict[str, Any]:
    """The template's values, all taken from the credential and its file's bytes."""
    name = student_name(credential) or "(no name)"
    title = achievement_name(credential) or credential.get("name") or "Certificate"
    issuer = credential.get("issuer")
    issuer_name = issuer.get("name") if isinstance(issuer, dict) and isinstance(issuer.get("name"), str) else (issuer_id(credential) or "")
    activities, report_sha = [], None
    for item in activities_of(credential):
        if item.get("name") == REPORT_EVIDENCE_NAME and item.get("genre") == "Report":
            text = _where(item.get("description"))
            report_sha = text.rsplit(" ", 1)[-1] if "SHA-256" in text else None
            continue
        activities.append({"name": str(item.get("name", "")), "genre": str(item.get("genre", "")), "where": _where(item.get("description"))})
    abroad = sum(1 for a in activities if a["where"].startswith("Abroad"))
    home = sum(1 for a in activities if a["where"].startswith("At home"))
    count = len(activities)
    parts = [f"{abroad} abroad"] if abroad else []
    parts += [f"{home} at home"] if home else []
    summary = (
        f"has completed {count} international {'activity' if count == 1 else 'activities'}"
        + (f" ({', '.join(parts)})" if parts else "")
        + ", reflected on each of them, written a reflective report approved by academic staff, "
        "and presented the experience, and is therefore awarded the"
    )
    summary += f" {title}."
    try:
        criteria = credential["credentialSubject"]["achievement"]["criteria"]["narrative"]
    except (KeyError, TypeError):
        criteria = ""
    issued = credential.get("validFrom") if isinstance(credential.get("validFrom"), str) else ""
    target = verify_target(token, site_url) if token else None
    style = _template_text("certificate.css")
    return {
        "lang": "en",
        "title": title,
        "name": name,
        "summary": summary,
        "issued": issued,
        "issued_text": long_date(issued),
        "issuer_name": issuer_name,
        "issuer_did": issuer_id(credential) or "",
        "activities": activities,
        "report_sha256": report_sha,
        "criteria": criteria if isinstance(criteria, str) else "",
        "credential_id": str(credential.get("id", "")),
        "sha256": hashlib.sha256(credential_file_bytes).hexdigest(),
        "qr_svg": qr_svg(target, f"QR code to verify this certificate: {'the verify page' if site_url else 'a signed verification token'}") if target else None,
        "site_url": site_url.rstrip("/") + "/verify.html" if site_url else None,
        "embedded": embedded,
        "json_name": json_name,
        "style": style,
        "style_hash": "sha256-" + base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode("ascii"),
    }


def render_html(context: dict[str, Any]) -> str:
    """The certificate as a self-contained HTML page (student text escaped by Jinja2's autoescape)."""
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.from_string(_template_text("certificate.html.j2")).render(**context)


def _no_fetcher() -> Any:
    """A WeasyPrint URL fetcher that refuses every URL and stops the rendering."""
    from weasyprint.urls import URLFetcher

    class NoFetch(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise CertificateError(f"the certificate refers to {url[:200]!r}; it must be self-contained")

    return NoFetch(fail_on_errors=True)


def render_pdf(html: str, credential_file_bytes: bytes) -> bytes:
    """PDF/A-3b of ``html`` with the credential JSON attached (``credential.json``, relationship Source)."""
    import logging

    from weasyprint import HTML, Attachment
    from weasyprint.urls import FatalURLFetchingError

    # WeasyPrint logs every CSS property it does not support; the page is ours, so quieten it.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    attachment = Attachment(
        string=credential_file_bytes,
        name=ATTACHMENT_NAME,
        description="Open Badges 3.0 credential (verify with: cim verify)",
        relationship="Source",
        url_fetcher=_no_fetcher(),
    )
    document = HTML(string=html, url_fetcher=_no_fetcher(), base_url=None)
    try:
        return document.write_pdf(pdf_variant="pdf/a-3b", attachments=[attachment], pdf_tags=True)
    except FatalURLFetchingError as exc:
        raise CertificateError(str(exc.__cause__ or exc)) from None


def extract_attachment(pdf_bytes: bytes) -> bytes | None:
    """The bytes of the PDF's ``credential.json`` attachment, or None when it has none.

    Raises CertificateError for bytes that are not a readable PDF.
    """
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(pdf_bytes), strict=False)
        attachments = reader.attachments
        found = attachments.get(ATTACHMENT_NAME)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError) as exc:
        raise CertificateError(f"not a readable PDF ({type(exc).__name__})") from None
    if not found:
        return None
    if len(found) > 1:
        raise CertificateError(f"the PDF holds {len(found)} attachments named {ATTACHMENT_NAME}")
    return found[0]
