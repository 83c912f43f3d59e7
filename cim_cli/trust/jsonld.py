"""JSON-LD for credentials: pinned contexts, an offline loader, RDFC-1.0 canonical N-Quads.

Nothing is ever fetched. The contexts a credential may name are shipped in
``cim_cli/contexts/`` and checked against the SHA-256 values below (the VC 2.0
value is the one the W3C Recommendation publishes) every time one is read;
any other URL is refused with :class:`ContextError`.

Canonicalisation silently drops a term that the contexts do not define, so
such a term would not be covered by a signature. :func:`undefined_terms`
finds them (properties that expand to nothing, and types or ids that are
only relative references) so that cim can refuse to sign such a document
and say so when verifying one.

pyld (and lxml, which it imports) cost tens of milliseconds: this module
imports it inside functions only.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from typing import Any

# URL -> (file in cim_cli/contexts, SHA-256 of its bytes).
PINNED_CONTEXTS: dict[str, tuple[str, str]] = {
    "https://www.w3.org/ns/credentials/v2": (
        "credentials-v2.jsonld",
        "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
    ),
    "https://www.w3.org/ns/credentials/examples/v2": (
        "examples-v2.jsonld",
        "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c",
    ),
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": (
        "ob-3.0.3.json",
        "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761",
    ),
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": (
        "ob-extensions.json",
        "146f85aa16effd7ca1da8056eb443f53ce1eca8a34186cb062832c0a97d889c3",
    ),
}

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

# Relative references are resolved against this base while looking for
# undefined terms, so that they can be recognised afterwards.
_SENTINEL_BASE = "https://relative-reference.cim.invalid/"


class ContextError(ValueError):
    """A context that is not pinned in cim, or a pinned file that was altered."""


class CanonicalisationError(ValueError):
    """A document that JSON-LD processing cannot turn into N-Quads."""


@lru_cache(maxsize=None)
def _context_bytes(url: str) -> bytes:
    if url not in PINNED_CONTEXTS:
        raise ContextError(
            f"the JSON-LD context {url!r} is not pinned in cim; cim never fetches a context "
            f"(pinned: {', '.join(sorted(PINNED_CONTEXTS))})"
        )
    name, expected = PINNED_CONTEXTS[url]
    data = resources.files("cim_cli.contexts").joinpath(name).read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ContextError(f"the pinned context file {name} has SHA-256 {actual}, not {expected}: reinstall cim")
    return data


def load_context(url: str) -> Any:
    """The parsed JSON of a pinned context (its bytes checked by SHA-256); ContextError otherwise."""
    return json.loads(_context_bytes(url))


def offline_loader(url: str, options: dict | None = None) -> dict:
    """A pyld document loader that serves only the pinned contexts and refuses every other URL."""
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": load_context(url),
    }


def _unwrap(exc: BaseException) -> BaseException:
    """The ContextError at the root of a pyld error, if any (pyld wraps a loader's exception)."""
    seen = 0
    cause: BaseException | None = exc
    while cause is not None and seen < 20:
        if isinstance(cause, ContextError):
            return cause
        cause = getattr(cause, "cause", None) or cause.__cause__
        seen += 1
    return exc


def _message(exc: BaseException) -> str:
    details = getattr(exc, "details", None)
    text = str(exc.args[0]) if exc.args else type(exc).__name__
    code = (details or {}).get("code") if isinstance(details, dict) else None
    return f"{text} ({code})" if code else text


def context_urls(document: Any) -> list[str]:
    """The document's ``@context`` as a list of URLs; ContextError for an inline or unpinned context."""
    if not isinstance(document, dict) or "@context" not in document:
        raise ContextError("the document has no @context")
    ctx = document["@context"]
    urls = ctx if isinstance(ctx, list) else [ctx]
    for url in urls:
        if not isinstance(url, str):
            raise ContextError("the @context holds an inline context; cim accepts only pinned contexts named by URL")
        _context_bytes(url)
    return list(urls)


def _run(operation: str, document: Any, options: dict) -> Any:
    from pyld import jsonld

    options = {**options, "documentLoader": offline_loader}
    try:
        if operation == "normalize":
            return jsonld.normalize(document, options)
        dropped: list[str | None] = options.pop("_dropped")
        return jsonld.expand(document, options, on_property_dropped=dropped.append)
    except jsonld.JsonLdError as exc:
        root = _unwrap(exc)
        if isinstance(root, ContextError):
            raise root from None
        raise CanonicalisationError(f"JSON-LD processing failed: {_message(exc)}") from None
    except (RecursionError, MemoryError):
        raise CanonicalisationError("JSON-LD processing failed: the document is nested too deeply") from None


def canonicalize(document: Any) -> str:
    """RDF Dataset Canonicalization (RDFC-1.0, URDNA2015) of a JSON-LD document, as N-Quads."""
    context_urls(document)
    return _run("normalize", document, {"algorithm": "URDNA2015", "format": "application/n-quads"})


def undefined_terms(document: Any) -> list[str]:
    """What canonicalisation would silently leave out of ``document``: one description each.

    Properties the contexts do not define, and ``type`` values or ids that are
    only relative references. An empty list means every term is defined.
    """
    context_urls(document)
    nested = _nested_contexts(document)
    if nested:
        # A context inside the document (even a pinned URL) changes what its terms mean there.
        return [f"a @context inside the document at {where}: cim accepts only the pinned contexts at the top" for where in nested[:5]]
    dropped: list[str | None] = []
    expanded = _run("expand", document, {"base": _SENTINEL_BASE, "_dropped": dropped})
    found = [f"property {name!r} is not defined by the contexts" for name in dropped if name is not None]
    if any(name is None for name in dropped):
        found.append("a property is not defined by the contexts")
    found.extend(_relative_references(expanded))
    return sorted(set(found))


def _nested_contexts(document: Any) -> list[str]:
    """Paths (``credentialSubject/achievement``) of every ``@context`` below the top level."""
    found: list[str] = []
    stack: list[tuple[Any, str]] = [(v, k) for k, v in document.items() if k != "@context"] if isinstance(document, dict) else []
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            if "@context" in node:
                found.append(where)
            stack.extend((v, f"{where}/{k}") for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{where}/{i}") for i, v in enumerate(node))
    return sorted(found)


def _relative_references(expanded: Any) -> list[str]:
    """Types, ids, datatypes and properties of an expanded document that resolved against the sentinel base."""
    found: list[str] = []
    stack = [expanded]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "@type":
                    for t in value if isinstance(value, list) else [value]:
                        if isinstance(t, str) and t.startswith(_SENTINEL_BASE):
                            found.append(f"type {t[len(_SENTINEL_BASE):]!r} is not defined by the contexts")
                elif key == "@id":
                    if isinstance(value, str) and value.startswith(_SENTINEL_BASE):
                        found.append(f"id {value[len(_SENTINEL_BASE):]!r} is a relative reference, not an IRI")
                elif key.startswith(_SENTINEL_BASE):
                    found.append(f"property {key[len(_SENTINEL_BASE):]!r} is not defined by the contexts")
                if key != "@value":
                    stack.append(value)
    return found
