"""The verify page in a real browser: WebCrypto Ed25519 against the embedded trust list."""

from __future__ import annotations

import json

import pytest

from browser import support
from browser.pages import build_site_once

# Deselect with: pytest -m 'not browser'
pytestmark = pytest.mark.browser

VALID = support.token(support.payload())


@pytest.fixture
def verify(open_page, work):
    """verify(code, via='hash'|'form') -> (verdict attribute, the verdict's text, the page)."""
    url = (build_site_once(work) / "verify.html").as_uri()

    def check(code: str, via: str = "hash"):
        if via == "hash":
            watched = open_page(f"{url}#{code}")
        else:
            watched = open_page(url)
            watched.page.fill("#token", code)
            watched.page.click("button[type=submit]")
        page = watched.page
        page.wait_for_selector("#verdict[data-verdict]")
        assert [m for m in watched.console if m.startswith(("error", "pageerror"))] == []
        assert [u for u in watched.requests if not u.startswith("file://")] == []
        return page.get_attribute("#verdict", "data-verdict"), page.inner_text("#verdict"), page

    return check


def test_a_real_code_is_valid_and_shows_who_and_what(verify, screenshots):
    verdict, text, page = verify(VALID)
    assert verdict == "valid"
    assert text.startswith("Valid\n")
    for shown in ("Ada Lovelace", "Certificate of International Merits", "2026-06-15", "Certificate Administrator"):
        assert shown in text
    page.screenshot(path=str(screenshots / "verify-valid.png"), full_page=True)


def test_the_credential_helpers_vector_is_valid(verify):
    """The same code cim_cli/trust/token.py makes and checks in Python (non-ASCII name included)."""
    verdict, text, _ = verify(support.VECTOR_TOKEN)
    assert verdict == "valid"
    assert "Åsa Öberg-Ñúñez" in text and "2026-12-01" in text and "Vector Issuer" in text


def test_a_code_pasted_in_the_form_or_as_the_whole_address(verify):
    assert verify(VALID, via="form")[0] == "valid"
    assert verify(f"https://cim.example.edu/verify.html#{VALID}\n", via="form")[0] == "valid"


def test_a_tampered_code_is_invalid(verify, screenshots):
    signed, signature = VALID.rsplit(".", 1)
    forged_payload = support.b64url(json.dumps(support.payload(name="Mallory"), sort_keys=True, separators=(",", ":")).encode())
    forged = f"cimv1.{forged_payload}.{signature}"
    verdict, text, page = verify(forged)
    assert verdict == "invalid" and "signature does not match" in text
    assert "Mallory" not in text  # nothing of an unverified code is shown as fact
    page.screenshot(path=str(screenshots / "verify-invalid.png"), full_page=True)
    flipped = signed + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    assert verify(flipped)[0] == "invalid"


def test_a_revoked_certificate_says_revoked(verify, screenshots):
    verdict, text, page = verify(support.token(support.payload(id=support.REVOKED_ID)))
    assert verdict == "revoked"
    assert text.startswith("Revoked\n") and "2026-05-01" in text and "issued in error" in text
    page.screenshot(path=str(screenshots / "verify-revoked.png"), full_page=True)


@pytest.mark.parametrize(
    "code, reason",
    [
        (support.token(support.payload(issuer=support.did_of(support.STRANGER)), support.STRANGER), "not in this programme's trust list"),
        (support.token(support.payload(issuer=support.did_of(support.APPROVER)), support.APPROVER), "not allowed to issue certificates"),
        (support.token(support.payload(issuer=support.did_of(support.ISSUER), issued="2024-06-01T00:00:00Z")), "before the issuer's key came into force"),
        (support.token(support.payload(issuer=support.did_of(support.RETIRED), issued="2026-01-01T00:00:00Z"), support.RETIRED), "after the issuer's key expired"),
        (support.token(support.payload(issuer=support.did_of(support.STOLEN), issued="2026-03-01T09:00:00Z"), support.STOLEN), "was revoked on 2026-03-01"),
        (support.token(support.payload(issued="next tuesday")), "date of issue cannot be read"),
        (support.token({k: v for k, v in support.payload().items() if k != "sha256"}), "lacks the certificate's sha256"),
        (support.token({**support.payload(), "admin": "yes"}), "fields a certificate code does not have"),
        (support.token(support.payload(sha256="ABC")), "not 64 hexadecimal digits"),
        ("cimv1." + "A" * 5000, "too long"),
        ("hello", "should start with cimv1."),
        ("cimv1.abc", "incomplete"),
        ("cimv1.a*b.c", "characters a verification code cannot have"),
        (VALID[:-4], "wrong length"),
    ],
    ids=["stranger", "approver-only", "before-key", "key-expired", "key-revoked", "bad-date", "missing-field", "extra-field", "bad-sha256", "too-long", "not-a-code", "one-part", "bad-chars", "truncated"],
)
def test_invalid_codes_say_why(verify, code, reason):
    verdict, text, _ = verify(code, via="form")
    assert verdict == "invalid"
    assert reason in text


def test_keys_in_force_on_the_day_of_issue_still_verify(verify):
    # Issued the day before the deputy's key was revoked, and by the former administrator while in force.
    assert verify(support.token(support.payload(issuer=support.did_of(support.STOLEN), issued="2026-02-28T23:59:59Z"), support.STOLEN))[0] == "valid"
    assert verify(support.token(support.payload(issuer=support.did_of(support.RETIRED), issued="2025-12-31T12:00:00Z"), support.RETIRED))[0] == "valid"


def test_student_text_is_shown_as_text_never_as_html(verify):
    verdict, text, page = verify(support.token(support.payload(name='<img src=x onerror="document.title=1">Eve')))
    assert verdict == "valid"
    assert '<img src=x onerror="document.title=1">Eve' in text
    assert page.locator("#verdict img").count() == 0


def test_the_file_check_compares_the_sha256(verify, tmp_path):
    _, _, page = verify(VALID)
    right = tmp_path / "credential.json"
    right.write_bytes(support.CREDENTIAL_FILE)
    page.set_input_files("#credential-file", str(right))
    # (wait_for_function would need eval, which the page's CSP rightly forbids)
    page.wait_for_selector("#file-verdict:not(:empty)")
    assert page.inner_text("#file-verdict") == "This file is the certificate the code was made for."
    wrong = tmp_path / "other.json"
    wrong.write_bytes(support.CREDENTIAL_FILE + b" ")
    page.set_input_files("#credential-file", str(wrong))
    page.locator("#file-verdict", has_text="This file is not the certificate").wait_for()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("code", [VALID, support.token(support.payload(id=support.REVOKED_ID)), "cimv1.x.y"], ids=["valid", "revoked", "invalid"])
def test_the_verdicts_are_accessible(open_page, work, axe_source, screenshots, code, scheme):
    from browser.test_pages import _axe_violations

    watched = open_page(f"{(build_site_once(work) / 'verify.html').as_uri()}#{code}", scheme=scheme)
    watched.page.wait_for_selector("#verdict[data-verdict]")
    verdict = watched.page.get_attribute("#verdict", "data-verdict")
    watched.page.screenshot(path=str(screenshots / f"verify-{verdict}-{scheme}.png"), full_page=True)
    assert _axe_violations(watched.page, axe_source) == []
