"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C vc-di-eddsa v1.0).

The algorithms follow the specification step by step (section 3.3, "eddsa-rdfc-2022"):

- *Transformation*: the unsecured document is canonicalised with RDFC-1.0 to N-Quads.
- *Proof configuration*: the proof options (``type``, ``cryptosuite``, ``created``,
  ``verificationMethod``, ``proofPurpose``) with the document's ``@context``,
  canonicalised the same way.
- *Hashing*: SHA-256(canonical proof configuration) ‖ SHA-256(canonical document).
- *Serialisation*: an Ed25519 signature of those 64 bytes; ``proofValue`` is
  ``z`` + base58btc(signature).

Verification reverses it and reports what failed as a sentence (``None`` means
valid), in the style of the trust list's checks. Only ``did:key`` verification
methods can be resolved offline; any other (``did:web``, ``https:``) is named as
such unless the caller supplies the public key.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from cim_cli.trust import didkey

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
# XML Schema dateTime, as the VC data model requires for ``created``.
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z")


class ProofError(ValueError):
    """A document or proof options that cannot be signed."""


@dataclass(frozen=True)
class HashData:
    """The intermediate values of the algorithm, exposed so tests can compare each with the vectors."""

    canonical_document: str
    canonical_proof_config: str

    @property
    def document_hash(self) -> bytes:
        return hashlib.sha256(self.canonical_document.encode("utf-8")).digest()

    @property
    def proof_config_hash(self) -> bytes:
        return hashlib.sha256(self.canonical_proof_config.encode("utf-8")).digest()

    @property
    def signed_bytes(self) -> bytes:
        """SHA-256(canonical proof configuration) ‖ SHA-256(canonical document)."""
        return self.proof_config_hash + self.document_hash


def proof_options(verification_method: str, created: str, purpose: str = "assertionMethod") -> dict[str, str]:
    """The options of an ``eddsa-rdfc-2022`` proof, in the order the specification lists them."""
    return {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": purpose,
    }


def _check_options(options: dict[str, Any]) -> str | None:
    if options.get("type") != PROOF_TYPE:
        return f"the proof type is {options.get('type')!r}, not {PROOF_TYPE!r}"
    if options.get("cryptosuite") != CRYPTOSUITE:
        return f"the cryptosuite is {options.get('cryptosuite')!r}, not {CRYPTOSUITE!r}"
    created = options.get("created")
    if created is not None and not (isinstance(created, str) and _DATETIME.match(created)):
        return "the proof's 'created' is not an XML Schema dateTime"
    if not isinstance(options.get("verificationMethod"), str):
        return "the proof has no verificationMethod"
    if not isinstance(options.get("proofPurpose"), str):
        return "the proof has no proofPurpose"
    return None


def hash_data(unsecured_document: dict[str, Any], options: dict[str, Any]) -> HashData:
    """Transformation, proof configuration and canonicalisation of both (spec 3.3.2-3.3.5)."""
    from cim_cli.trust.jsonld import canonicalize

    proof_config = {k: v for k, v in options.items() if k not in ("proofValue", "@context")}
    proof_config["@context"] = unsecured_document.get("@context")
    return HashData(
        canonical_document=canonicalize(unsecured_document),
        canonical_proof_config=canonicalize(proof_config),
    )


def add_proof(document: dict[str, Any], private_key: Any, options: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` with an ``eddsa-rdfc-2022`` DataIntegrityProof made with ``private_key``.

    ``private_key`` is a ``cryptography`` Ed25519PrivateKey. Refuses (ProofError)
    a document that already has a proof, options that are not this suite's,
    and a document holding a term the contexts do not define (canonicalisation
    would leave it unsigned).
    """
    from cim_cli.trust.jsonld import undefined_terms

    if "proof" in document:
        raise ProofError("the document already has a proof")
    problem = _check_options(options)
    if problem:
        raise ProofError(problem)
    undefined = undefined_terms(document)
    if undefined:
        raise ProofError("refusing to sign: " + "; ".join(undefined))
    data = hash_data(document, options)
    signature = private_key.sign(data.signed_bytes)
    proof = {k: v for k, v in options.items() if k != "@context"}
    proof["proofValue"] = didkey.multibase_encode(signature)
    secured = copy.deepcopy(document)
    secured["proof"] = proof
    return secured


def verification_method_key(verification_method: str) -> bytes:
    """The Ed25519 public key of a ``did:key`` verification method; ProofError for any other.

    ``did:key:X#X`` is required: a fragment naming another key is refused.
    """
    if not isinstance(verification_method, str):
        raise ProofError("the verification method is not a string")
    if verification_method.startswith("did:web:"):
        raise ProofError(
            f"the verification method {verification_method} is a did:web, which cannot be resolved offline; "
            "cim verifies did:key issuers only"
        )
    if not verification_method.startswith(didkey.DID_KEY):
        raise ProofError(
            f"the verification method {verification_method} is not a did:key and cannot be resolved offline"
        )
    did, _, fragment = verification_method.partition("#")
    try:
        key = didkey.public_key_from_did(did)
    except didkey.DidKeyError as exc:
        raise ProofError(f"the verification method {verification_method} is not an Ed25519 did:key ({exc})") from None
    if fragment and fragment != did[len(didkey.DID_KEY):]:
        raise ProofError(f"the verification method's fragment #{fragment} does not name the key of {did}")
    return key


def verify_proof(document: Any, public_key: bytes | None = None) -> str | None:
    """None when ``document``'s ``eddsa-rdfc-2022`` proof is valid, else what failed (one sentence).

    The public key comes from the proof's ``did:key`` verification method
    unless ``public_key`` (32 raw bytes) is given.
    """
    from cim_cli.trust.jsonld import CanonicalisationError, ContextError

    if not isinstance(document, dict):
        return "the document is not a JSON object"
    proof = document.get("proof")
    if isinstance(proof, list):
        # A proof set (Open Badges 3.0 writes even one proof as a list): each
        # proof signs the document without any proof, and every one must hold.
        if not proof:
            return "the document's proof list is empty"
        if len(proof) > 8:
            return "the document carries more than 8 proofs"
        for number, item in enumerate(proof, 1):
            if not isinstance(item, dict):
                return f"proof {number} of {len(proof)} is not a proof object"
            reason = verify_proof({**document, "proof": item}, public_key)
            if reason is not None:
                return reason if len(proof) == 1 else f"proof {number} of {len(proof)}: {reason}"
        return None
    if not isinstance(proof, dict):
        return "the document has no proof"
    problem = _check_options(proof)
    if problem:
        return problem
    if proof.get("proofPurpose") != "assertionMethod":
        return f"the proof purpose is {proof.get('proofPurpose')!r}, not 'assertionMethod'"
    value = proof.get("proofValue")
    try:
        signature = didkey.multibase_decode(value)
    except didkey.DidKeyError as exc:
        return f"the proofValue is not multibase base58btc ({exc})"
    if len(signature) != 64:
        return "the proofValue is not a 64-byte Ed25519 signature"
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in options:
        # Spec 3.3.2 step 4: the document's contexts must start with the proof's.
        proof_ctx = options["@context"] if isinstance(options["@context"], list) else [options["@context"]]
        doc_ctx = unsecured.get("@context")
        doc_ctx = doc_ctx if isinstance(doc_ctx, list) else [doc_ctx]
        if doc_ctx[: len(proof_ctx)] != proof_ctx:
            return "the proof's @context is not the start of the document's @context"
        unsecured["@context"] = options["@context"]
    if public_key is None:
        try:
            public_key = verification_method_key(proof["verificationMethod"])
        except ProofError as exc:
            return str(exc)
    try:
        data = hash_data(unsecured, options)
    except (ContextError, CanonicalisationError) as exc:
        return str(exc)
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data.signed_bytes)
    except InvalidSignature:
        return "the signature does not match the credential: it was changed after signing, or signed by another key"
    except ValueError:
        return "the verification method's public key is not a valid Ed25519 key"
    return None
