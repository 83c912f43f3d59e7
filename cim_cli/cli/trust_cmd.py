"""Commands for staff: ``cim keys`` (make and show a signing key), ``cim approve``, ``cim verify``.

Thin: each command parses options and calls :mod:`cim_cli.trust`. Data (a
did:key, the trust-list entry, the approval file written, verification
results) goes to stdout; what was done and warnings to stderr. Exit codes:
``approve`` 0 written, 1 refused (the portfolio is not at the stage, the key
may not sign), 2 a bad option, key or trust list; ``verify`` 0 valid,
1 invalid, 2 unreadable.
"""

from __future__ import annotations

import os
from enum import Enum
from typing import List, Optional

import typer

from cim_cli.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, NAMED, fail, load_programme_or_exit, portfolio_argument, programme_option, say

TRUST_HELP = "The staff trust list (default: the one the programme file names with 'trust:')."
keys_app = typer.Typer(help="Staff signing keys: make one, show its did:key.", no_args_is_help=True)


class Role(str, Enum):
    activities = "activities"
    report = "report"
    presentation = "presentation"
    issuer = "issuer"


class Stage(str, Enum):
    activities = "activities"
    report = "report"
    presentation = "presentation"


class Decision(str, Enum):
    approved = "approved"
    revise = "revise"


class Kind(str, Enum):
    ceremony = "ceremony"
    poster = "poster"


class VerifyFormat(str, Enum):
    text = "text"
    json = "json"


def _load_key(path: str):
    """The signing key at ``path``; exit 2 with the reason when it cannot be used."""
    from cim_cli.trust.keys import KeyFileError, load_key

    try:
        key, warnings = load_key(path)
    except KeyFileError as exc:
        raise fail(str(exc)) from None
    for warning in warnings:
        say(warning)
    return key


@keys_app.command("init")
def keys_init(
    out: str = typer.Option(..., "--out", metavar="FILE", help="Where to write the private key (never inside a portfolio or a repository)."),
    name: str = typer.Option(..., "--name", metavar="TEXT", help="Your name, as approvals and certificates show it."),
    email: Optional[str] = typer.Option(None, "--email", metavar="EMAIL", help="Your email address, for the trust list."),
    roles: List[Role] = typer.Option(["activities", "report", "presentation"], "--role", help="What the key will sign (repeat the option); the trust list decides."),
    unencrypted: bool = typer.Option(False, "--unencrypted", help="Do not encrypt the key with a passphrase (only for tests and throw-away keys)."),
) -> None:
    """Make an Ed25519 signing key; print its did:key and the entry to add to the trust list.

    The key is encrypted with a passphrase read from CIM_KEY_PASSPHRASE or
    asked for on the terminal (never given as an option).
    """
    from cim_cli.trust.keys import KeyFileError, create_key_file, passphrase_from_environment_or_prompt, trust_entry

    if not name.strip():
        raise fail("--name is empty")
    try:
        passphrase = None if unencrypted else passphrase_from_environment_or_prompt(confirm=True)
        key, warnings = create_key_file(out, passphrase)
    except KeyFileError as exc:
        raise fail(str(exc)) from None
    for warning in warnings:
        say(warning)
    typer.echo(key.did)
    typer.echo(trust_entry(key.did, name.strip(), email, [r.value for r in roles]), nl=False)
    state = "unencrypted" if unencrypted else "encrypted with your passphrase"
    say(f"Wrote {out} ({state}). Keep it private; send the entry above to whoever keeps the trust list (trust.yaml).")


@keys_app.command("show")
def keys_show(path: str = typer.Argument(..., click_type=NAMED, metavar="FILE", help="A key file made by cim keys init.")) -> None:
    """Print the did:key of a key file."""
    typer.echo(_load_key(path).did)


def _trust_for(trust_path: Optional[str], programme):
    """The trust list: --trust, else the programme's; exit 2 when there is none or it is broken."""
    from cim_cli.trust.trustlist import TrustListError, load_trust_list, trust_list_for

    try:
        if trust_path is not None:
            if not os.path.isfile(trust_path):
                raise fail(f"{trust_path}: no such trust list")
            return load_trust_list(trust_path)
        found = trust_list_for(programme)
    except TrustListError as exc:
        raise fail(exc.describe()) from None
    if found is None:
        where = programme.source if programme.source != "built-in" else "no programme file was found"
        raise fail(f"no trust list: {where} names none; add 'trust: trust.yaml' to the programme file or pass --trust FILE")
    return found


def approve(
    portfolio: Optional[str] = typer.Argument(None, click_type=NAMED, metavar="[PORTFOLIO]", help="The portfolio folder, or any folder inside it (default: the portfolio you are in).", show_default=False),
    stage: Stage = typer.Option(..., "--stage", help="What you approve: activities, report or presentation."),
    key: str = typer.Option(..., "--key", metavar="FILE", help="Your private key (cim keys init)."),
    decision: Decision = typer.Option(Decision.approved, "--decision", help="approved, or revise: signed feedback that does not advance the stage."),
    comment: str = typer.Option("", "--comment", metavar="TEXT", help="A comment for the student (required with --decision revise)."),
    date: Optional[str] = typer.Option(None, "--date", metavar="DATE", help="The day of the decision, or of the presentation, YYYY-MM-DD (default: today)."),
    kind: Optional[Kind] = typer.Option(None, "--kind", help="For --stage presentation: ceremony or poster."),
    commit: bool = typer.Option(False, "--commit", help="Commit the approval file (git), with you as its author."),
    programme: Optional[str] = programme_option(),
    trust: Optional[str] = typer.Option(None, "--trust", metavar="FILE", help=TRUST_HELP),
) -> None:
    """Sign an approval of a portfolio's activities, report or presentation (approvals/NNNN-STAGE.json)."""
    from cim_cli.trust.approvals import ApprovalError
    from cim_cli.trust.approvals import approve as sign_approval

    root = portfolio_argument(portfolio)
    prog = load_programme_or_exit(programme, root)
    trust_list = _trust_for(trust, prog)
    signing_key = _load_key(key)
    try:
        rel, reached = sign_approval(
            root, stage.value, signing_key, prog, trust_list, decision=decision.value, comment=comment, date=date,
            kind=kind.value if kind else None,
        )
    except ApprovalError as exc:
        raise fail(str(exc), EXIT_FINDINGS) from None
    typer.echo(rel)
    say(f"Signed {rel} ({stage.value}: {decision.value}). The portfolio is now at: {reached}")
    if commit:
        _commit(root, rel, stage.value, decision.value, trust_list.key(signing_key.did))


def _commit(root: str, rel: str, stage: str, decision: str, entry) -> None:
    """Commit the approval file with the approver as author; exit 1 (written, not committed) on failure."""
    from cim_cli import gitrepo
    from cim_cli.authoring.gitops import _git_reason, subject

    email = entry.email or "approvals@cim.invalid"
    name = entry.name if not any(c in entry.name for c in "<>\n\r\0") else "cim"
    message = subject(f"Approval: {stage} {decision} by {name}")
    try:
        commit_id = gitrepo.commit_paths(root, [os.path.join(root, rel)], message, author=(name, email))
    except gitrepo.GitUnavailable as exc:
        raise fail(f"{rel} was written but not committed: {exc}", EXIT_FINDINGS) from None
    except Exception as exc:  # noqa: BLE001 - git's own error becomes a message
        raise fail(f"{rel} was written but not committed: {_git_reason(exc)}", EXIT_FINDINGS) from None
    say(f"Committed {rel} ({commit_id[:12]}).")


def verify(
    paths: List[str] = typer.Argument(..., click_type=NAMED, metavar="FILE...", help="Credentials (.json), certificates (.pdf, the credential attached), portfolio folders (their approvals), or a certificate's QR token (cimv1.… or …/verify.html#cimv1.…)."),
    programme: Optional[str] = programme_option(),
    trust: Optional[str] = typer.Option(None, "--trust", metavar="FILE", help=TRUST_HELP),
    fmt: VerifyFormat = typer.Option(VerifyFormat.text, "--format", "-f", help="text or json."),
) -> None:
    """Verify signed records and name every check: exit 0 valid, 1 invalid, 2 unreadable."""
    import json

    from cim_cli.trust.verify import Options, Unreadable, verify_path

    options = Options(programme, trust)
    results: list[dict] = []
    code = EXIT_OK
    for path in paths:
        try:
            verification = verify_path(path, options)
        except Unreadable as exc:
            code = EXIT_USAGE
            results.append({"subject": path, "kind": "unreadable", "valid": False, "error": str(exc)})
            say(f"cim: {exc}")
            if fmt == VerifyFormat.text:
                typer.echo(f"ERROR: {_shown(path)} cannot be verified")
            continue
        if not verification.valid and code == EXIT_OK:
            code = EXIT_FINDINGS
        results.append(verification.as_dict())
        if fmt == VerifyFormat.text:
            typer.echo(render_verification(verification), nl=False)
    if fmt == VerifyFormat.json:
        typer.echo(json.dumps({"valid": code == EXIT_OK, "results": results}, indent=2, ensure_ascii=True))
    raise typer.Exit(code)


def _shown(text: object) -> str:
    from cim_cli.textsafe import visible

    return visible(text)


def render_verification(v, indent: str = "") -> str:
    """A verification as text, after sigstore's ``verify``: OK/FAIL per check and a last OK/FAIL line per input."""
    lines: list[str] = []
    if v.kind == "portfolio":
        info = v.info
        digest = f" (sha256 {info['programme_sha256']})" if info.get("programme_sha256") else ""
        lines.append(f"{_shown(v.subject)}: portfolio of {_shown(info.get('student_id') or '?')}, judged by {_shown(info.get('programme'))}{digest}")
    elif v.kind == "token":
        info = v.info
        lines.append(f"verification token for credential {_shown(info.get('id'))}")
        lines.append(f"  {_shown(info.get('title'))} for {_shown(info.get('name'))}, issued {_shown(info.get('issued'))} by {_shown(info.get('issuer'))}")
        lines.append(f"  credential file SHA-256 {_shown(info.get('sha256'))} (compare it with the certificate)")
    elif v.kind in ("credential", "certificate") and v.info.get("id"):
        info = v.info
        lines.append(f"{_shown(v.subject)}: {v.kind} {_shown(info['id'])}")
        lines.append(f"  {_shown(info.get('title') or '?')} for {_shown(info.get('name') or '?')}, issued {_shown(info.get('issued') or '?')} by {_shown(info.get('issuer') or '?')}")
        lines.append(f"  credential file SHA-256 {info.get('sha256')}")
    for check in v.checks:
        lines.append(f"{indent}  {'OK  ' if check.passed else 'FAIL'}  {check.name}: {_shown(check.detail)}")
    for item in v.items:
        head = f"{indent}  {_shown(item.subject)}"
        if item.kind == "approval" and item.info:
            i = item.info
            head += f" — {_shown(i.get('stage'))}: {_shown(i.get('decision'))} by {_shown(i['approver'].get('name') or i['approver'].get('id') or '?')}"
            if i.get("time"):
                head += f", {_shown(i['time'])}"
        lines.append(head)
        for check in item.checks:
            lines.append(f"{indent}    {'OK  ' if check.passed else 'FAIL'}  {check.name}: {_shown(check.detail)}")
    failed = sum(1 for c in v.checks if not c.passed) + sum(len(i.failed()) for i in v.items)
    stage = f" (stage: {v.info['stage']})" if v.info.get("stage") else ""
    lines.append(f"OK: {_shown(v.subject)}{stage}" if v.valid else f"FAIL: {_shown(v.subject)}{stage}: {failed} check(s) failed")
    return "\n".join(lines) + "\n"


def register(app: typer.Typer) -> None:
    """Add keys, approve and verify to ``app``."""
    app.add_typer(keys_app, name="keys")
    app.command("approve")(approve)
    app.command("verify")(verify)
