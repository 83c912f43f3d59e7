"""Pinned contexts, the offline loader and the undefined-term check (cim_cli/trust/jsonld.py)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from cim_cli.trust import jsonld

VECTORS = Path(__file__).resolve().parent / "vectors"
CONTEXTS = Path(jsonld.__file__).resolve().parent.parent / "contexts"


def _ob_unsigned() -> dict:
    return json.loads((VECTORS / "openbadges" / "unsigned-credential.json").read_text())


def test_every_pinned_context_file_matches_its_hash():
    for url, (name, digest) in jsonld.PINNED_CONTEXTS.items():
        assert hashlib.sha256((CONTEXTS / name).read_bytes()).hexdigest() == digest, url
        assert isinstance(jsonld.load_context(url)["@context"], dict)


def test_vc_v2_hash_is_the_value_the_recommendation_publishes():
    assert jsonld.PINNED_CONTEXTS[jsonld.VC_V2][1].startswith("59955ced") and jsonld.PINNED_CONTEXTS[jsonld.VC_V2][1].endswith("92734")


@pytest.mark.parametrize("url", ["https://evil.example/context.json", "https://www.w3.org/2018/credentials/v1", "file:///etc/passwd", "http://www.w3.org/ns/credentials/v2"])
def test_loader_refuses_every_other_url(url):
    with pytest.raises(jsonld.ContextError, match="not pinned"):
        jsonld.offline_loader(url)


def test_canonicalize_refuses_an_unpinned_context_with_a_clear_error(monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("cim tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    doc = {"@context": ["https://www.w3.org/ns/credentials/v2", "https://evil.example/ctx"], "name": "x"}
    with pytest.raises(jsonld.ContextError, match="evil.example"):
        jsonld.canonicalize(doc)


def test_a_context_nested_inside_a_pinned_one_is_refused_too():
    # Scoped contexts inside a document are inline: refused before pyld sees them.
    doc = _ob_unsigned()
    doc["@context"] = doc["@context"] + [{"@context": "https://evil.example/x"}]
    with pytest.raises(jsonld.ContextError, match="inline"):
        jsonld.canonicalize(doc)


def test_altered_context_file_is_refused(monkeypatch):
    jsonld._context_bytes.cache_clear()
    real = jsonld.resources.files

    class Fake:
        def __init__(self, root):
            self.root = root

        def joinpath(self, name):
            class P:
                def read_bytes(_self):
                    return self.root.joinpath(name).read_bytes() + b" "
            return P()

    monkeypatch.setattr(jsonld.resources, "files", lambda pkg: Fake(real(pkg)))
    try:
        with pytest.raises(jsonld.ContextError, match="reinstall"):
            jsonld.load_context(jsonld.OB_V3)
    finally:
        monkeypatch.undo()
        jsonld._context_bytes.cache_clear()


def test_canonical_ob_document_matches_1edtech_byte_for_byte():
    expected = (VECTORS / "openbadges" / "ob-document-canon.txt").read_text(encoding="utf-8")
    assert jsonld.canonicalize(_ob_unsigned()) == expected


def test_defined_documents_have_no_undefined_terms():
    assert jsonld.undefined_terms(_ob_unsigned()) == []
    assert jsonld.undefined_terms(json.loads((VECTORS / "w3c-vc-di-eddsa" / "unsigned.json").read_text())) == []


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda d: d["credentialSubject"].__setitem__("favouriteColour", "blue"), "favouriteColour"),
        (lambda d: d.__setitem__("grade", "A"), "grade"),
        (lambda d: d["credentialSubject"]["type"].append("HonoursSubject"), "HonoursSubject"),
        (lambda d: d["credentialSubject"]["achievement"].__setitem__("id", "achievements/1"), "achievements/1"),
        (lambda d: d["issuer"].__setitem__("@nonsense", "x"), "a property"),
    ],
)
def test_undefined_terms_are_named(edit, expected):
    doc = _ob_unsigned()
    edit(doc)
    found = jsonld.undefined_terms(doc)
    assert any(expected in f for f in found), found


def test_undefined_term_is_silently_dropped_by_canonicalisation():
    # Why the check exists: the canonical form does not change.
    doc = _ob_unsigned()
    before = jsonld.canonicalize(doc)
    doc["credentialSubject"]["favouriteColour"] = "blue"
    assert jsonld.canonicalize(doc) == before


def test_deeply_nested_document_is_an_error_not_a_crash():
    doc = _ob_unsigned()
    nested: object = "x"
    for _ in range(3000):
        nested = [nested]
    doc["name"] = nested
    with pytest.raises(jsonld.CanonicalisationError, match="nested too deeply"):
        jsonld.canonicalize(doc)


def test_a_context_inside_the_document_is_named():
    doc = _ob_unsigned()
    doc["credentialSubject"]["achievement"]["@context"] = {"name": "https://evil.example/name"}
    assert jsonld.undefined_terms(doc) == ["a @context inside the document at credentialSubject/achievement: cim accepts only the pinned contexts at the top"]
