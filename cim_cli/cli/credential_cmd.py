"""``cim certify``: issue a portfolio's Open Badges credential and its certificate.

Thin: finds the portfolio, programme, trust list and key, calls
:func:`cim_cli.trust.certify.certify`, prints the three files written (stdout)
and what to do next (stderr). Exit 0 issued; 1 refused (not at ``presented``,
or the key may not issue) or written but not committed; 2 a bad key, trust
list, programme or folder.
"""

from __future__ import annotations

import os
from typing import Optional

import typer

from cim_cli.cli.common import EXIT_FINDINGS, EXIT_USAGE, NAMED, fail, load_programme_or_exit, portfolio_argument, programme_option, say

KEY_HELP = "The issuer's private key file (cim keys init); its passphrase comes from CIM_KEY_PASSPHRASE or a prompt."
TRUST_HELP = "The staff trust list (default: the one the programme file names with trust:)."


def certify_command(
    portfolio: Optional[str] = typer.Argument(None, click_type=NAMED, metavar="[PORTFOLIO]", help="The portfolio folder, or any folder inside it (default: the portfolio you are in).", show_default=False),
    key: str = typer.Option(..., "--key", metavar="FILE", help=KEY_HELP),
    commit: bool = typer.Option(False, "--commit", help="Commit exactly the three files written (git)."),
    programme: Optional[str] = programme_option(),
    trust: Optional[str] = typer.Option(None, "--trust", metavar="FILE", help=TRUST_HELP),
) -> None:
    """Issue the certificate of a portfolio that has presented (Open Badges 3.0, HTML and PDF).

    Writes credentials/ID.json, an Open Badges 3.0 credential signed
    eddsa-rdfc-2022 with the issuer's did:key, and its certificate as HTML and
    PDF/A-3 (the credential attached, a QR code to verify it).
    """
    # One way to find the portfolio, the trust list and the key: the ones cim approve uses.
    from cim_cli.cli.trust_cmd import _load_key, _trust_for
    from cim_cli.trust.certify import CertifyError, certify

    root = portfolio_argument(portfolio)
    prog = load_programme_or_exit(programme, root)
    trust_list = _trust_for(trust, prog)
    signing_key = _load_key(key)

    import sys

    def progress(step: str) -> None:
        # Chatter only for a person watching: issuing takes a few seconds.
        if sys.stderr.isatty():
            say(f"cim certify: {step}…")

    try:
        issued = certify(root, prog, signing_key, trust_list, progress=progress)
    except CertifyError as exc:
        raise fail(str(exc), EXIT_FINDINGS) from None
    except OSError as exc:
        raise fail(f"cannot write the credential: {exc.strerror or exc}", EXIT_USAGE) from None
    paths = [issued.json_path, issued.html_path, issued.pdf_path]
    for path in paths:
        typer.echo(os.path.relpath(path))
    say(f"Issued {issued.credential['id']} (SHA-256 {issued.sha256}).")
    say(f"Check it with: cim verify {os.path.relpath(issued.pdf_path)}")
    if commit:
        _commit(root, paths, issued.credential["id"], trust_list.key(signing_key.did))


def _commit(root: str, paths: list[str], credential_id: str, entry) -> None:
    """Commit exactly the three files, with the issuer as their author (as cim approve does)."""
    from cim_cli import gitrepo
    from cim_cli.authoring.gitops import _git_reason

    name = entry.name if not any(c in entry.name for c in "<>\n\r\0") else "cim"
    email = entry.email or "certificates@cim.invalid"
    try:
        commit_id = gitrepo.commit_paths(root, paths, f"Certificate issued: {credential_id}", author=(name, email))
    except gitrepo.GitUnavailable as exc:
        raise fail(f"the certificate was written but not committed: {exc}", EXIT_FINDINGS) from None
    except Exception as exc:  # noqa: BLE001 - git's own error becomes a message
        raise fail(f"the certificate was written but not committed: {_git_reason(exc)}", EXIT_FINDINGS) from None
    say(f"Committed the certificate ({commit_id[:12]}).")


def register(app: typer.Typer) -> None:
    """Add ``cim certify`` to ``app``."""
    app.command("certify")(certify_command)
