"""``cim verify``: verify what a path holds, by kind; each kind is a list of named checks.

:data:`VERIFIERS` maps a kind of input to the function that verifies it. A
portfolio folder (its approvals chain) is verified here; credentials
(``.json``) and certificates (``.pdf``) are added by the credential layer by
inserting ``(kind, matches, verify)`` entries, first match wins. Every
verifier takes the path and the :class:`Options` and returns a
:class:`~cim_cli.trust.verification.Verification`, or raises
:class:`Unreadable` (exit 2) when there is nothing that can be verified.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

from cim_cli.trust.verification import Check, Verification


class Unreadable(Exception):
    """The input cannot be verified at all (missing, not a kind cim knows, broken configuration)."""


@dataclass(frozen=True)
class Options:
    """What ``cim verify`` was told: ``--programme`` and ``--trust`` (None: find them)."""

    programme: str | None = None
    trust: str | None = None


def load_explicit_trust(options: Options):
    """The trust list given with ``--trust``, or None; Unreadable when it cannot be used."""
    if options.trust is None:
        return None
    from cim_cli.trust.trustlist import TrustListError, load_trust_list

    if not os.path.isfile(options.trust):
        raise Unreadable(f"{options.trust}: no such trust list")
    try:
        return load_trust_list(options.trust)
    except TrustListError as exc:
        raise Unreadable(exc.describe()) from None


def verify_portfolio(path: str, options: Options) -> Verification:
    """Verify every approval of the portfolio at ``path`` and the stage they reach."""
    from cim_cli.engine import check_portfolio
    from cim_cli.load.portfolio import STUDENT_FILE, is_portfolio, load_portfolio
    from cim_cli.programme import ProgrammeError, resolve_programme
    from cim_cli.trust.approvals import has_approvals
    from cim_cli.trust.stage import evaluate, using_trust_list

    if not is_portfolio(path):
        raise Unreadable(f"{path}: not a portfolio (no {STUDENT_FILE})")
    try:
        programme = resolve_programme(options.programme, path)
    except ProgrammeError as exc:
        raise Unreadable(f"the programme file {exc.path} cannot be used") from None
    trust = load_explicit_trust(options)
    with using_trust_list(trust):
        portfolio = load_portfolio(path)
        result = check_portfolio(portfolio, programme, path)
        evaluation = evaluate(portfolio, programme)
    checks: list[Check] = []
    if evaluation.trust_problem:
        checks.append(Check("trust list", False, evaluation.trust_problem))
    else:
        checks.append(Check("trust list", True, f"{evaluation.trust_source} (sha256 {evaluation.trust_sha256})" if evaluation.trust_source else "none needed"))
    if not has_approvals(portfolio) or not (evaluation.approvals or evaluation.not_approvals):
        checks.append(Check("approvals", False, "nothing to verify: the portfolio has no approvals yet"))
    items = [Verification(rel, "approval", (Check("envelope", False, why),)) for rel, why in evaluation.not_approvals]
    items += evaluation.verifications()
    info = {
        "student_id": result.student_id,
        "stage": result.stage,
        "programme": programme.source,
        "programme_sha256": programme.sha256,
        "trust": {"source": evaluation.trust_source, "sha256": evaluation.trust_sha256},
    }
    return Verification(path, "portfolio", tuple(checks), tuple(items), info)


# (kind, does this verifier take the path?, verifier). The credential layer adds
# its kinds (".json" credentials, ".pdf" certificates) in front of the folder entry.
def _is_credential_file(path: str) -> bool:
    return os.path.isfile(path) and path.lower().endswith((".json", ".pdf"))


def verify_credential(path: str, options: Options) -> Verification:
    """Verify a credential ``.json`` or a certificate ``.pdf`` (cim_cli.trust.credential_verify)."""
    from cim_cli.trust.credential_verify import verify_credential_path

    return verify_credential_path(path, options)


VERIFIERS: list[tuple[str, Callable[[str], bool], Callable[[str, Options], Verification]]] = [
    ("credential (.json) or certificate (.pdf)", _is_credential_file, verify_credential),
    ("portfolio", os.path.isdir, verify_portfolio),
]


def is_token(text: str) -> bool:
    """A ``cimv1`` verification token, or a verify-page URL carrying one after ``#``."""
    return text.startswith("cimv1.") or "#cimv1." in text


def verify_token_text(text: str, options: Options) -> Verification:
    """Verify a certificate's QR token (or ``…/verify.html#<token>``) against the trust list."""
    from cim_cli.trust.token import TokenError, token_checks

    trust = load_explicit_trust(options)
    problem = None
    if trust is None:
        from cim_cli.programme import ProgrammeError, load_programme
        from cim_cli.trust.trustlist import TrustListError, trust_list_for

        if options.programme is None:
            problem = "no trust list: give --trust FILE (the programme's trust.yaml) or --programme FILE"
        else:
            try:
                trust = trust_list_for(load_programme(options.programme))
            except (ProgrammeError, TrustListError) as exc:
                raise Unreadable(f"the programme file or its trust list cannot be used ({exc})") from None
            problem = None if trust is not None else "no trust list: the programme file names none"
    try:
        claims, checks = token_checks(text, trust, problem)
    except TokenError as exc:
        raise Unreadable(f"not a verification token: {exc}") from None
    info = dict(claims)
    if trust is not None:
        info["trust_list"] = {"path": trust.source, "sha256": trust.sha256}
    return Verification("verification token", "token", tuple(checks), (), info)


def verify_path(path: str, options: Options) -> Verification:
    """Verify ``path`` with the first verifier that takes it; Unreadable when none does."""
    if is_token(path) and not os.path.exists(path):
        return verify_token_text(path, options)
    if not os.path.exists(path):
        raise Unreadable(f"{path}: no such file or folder")
    for _kind, matches, verifier in VERIFIERS:
        if matches(path):
            return verifier(path, options)
    raise Unreadable(f"{path}: cim verifies {' and '.join(k for k, _, _ in reversed(VERIFIERS))}; this is none of them")
