"""Staff signing keys: Ed25519 private keys in PEM (PKCS#8) files.

A key file is ``-----BEGIN ENCRYPTED PRIVATE KEY-----`` (PKCS#8 encrypted
with the best scheme ``cryptography`` offers for a passphrase) or, only when
asked for explicitly (``--unencrypted``), a plain ``PRIVATE KEY``. The public
half is named by its ``did:key``; nothing else identifies a key, so the key
file holds no name: the trust list says whose key it is.

Where a key may live: never inside a portfolio (a folder that holds
``student.yaml``, or any folder below one), since a portfolio is the student's
repository; a key inside any git work tree gets a warning, because a
``git add .`` would publish it. Passphrases come from the environment
variable ``CIM_KEY_PASSPHRASE`` (for scripts) or from a terminal prompt, never
from a command-line argument (which other users of the machine can read in
the process list, and shells keep in their history).

``cryptography`` is imported inside the functions: only commands that sign
or verify pay for it.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import Any, Callable

from cim_cli.trust import didkey

PASSPHRASE_ENV = "CIM_KEY_PASSPHRASE"
# A PEM PKCS#8 Ed25519 key is about 120-300 bytes; anything far larger is not a key.
MAX_KEY_BYTES = 16 * 1024
MIN_PASSPHRASE = 8


class KeyFileError(Exception):
    """A key file that cannot be made, read or used; the message says what to do."""


@dataclass(frozen=True)
class SigningKey:
    """A loaded private key, with its did:key."""

    private: Any  # cryptography's Ed25519PrivateKey
    did: str
    path: str

    @property
    def verification_method(self) -> str:
        """``did:key:z6Mk…#z6Mk…``: the ``keyid`` of a DSSE signature, the ``verificationMethod`` of a proof."""
        return didkey.verification_method(self.did)

    def sign(self, data: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``data``."""
        return self.private.sign(data)

    @property
    def public_bytes(self) -> bytes:
        """The raw 32-byte public key."""
        return didkey.public_key_from_did(self.did)


def _raw_public(private: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def git_work_tree_containing(path: str) -> str | None:
    """The git work tree ``path`` lies in (a folder above it holding ``.git``), or None.

    Looks for ``.git`` on disk rather than running git: no repository
    configuration can run, and it works where git is not installed.
    """
    here = os.path.dirname(os.path.realpath(path))
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def location_warnings(path: str) -> list[str]:
    """Warnings about where a key file lies; raises KeyFileError inside a portfolio."""
    from cim_cli.load.portfolio import portfolio_of_file

    portfolio = portfolio_of_file(path)
    if portfolio is not None:
        raise KeyFileError(
            f"{path} lies inside the portfolio {portfolio}; a private key must never be in a student's portfolio: "
            "keep it in your home folder (e.g. ~/.cim/key.pem)"
        )
    tree = git_work_tree_containing(path)
    if tree is not None:
        return [f"warning: {path} lies inside the git work tree {tree}; make sure it is never committed (keep keys outside repositories)"]
    return []


def passphrase_from_environment_or_prompt(*, confirm: bool, prompt: Callable[[str], str] | None = None) -> bytes:
    """The passphrase: ``$CIM_KEY_PASSPHRASE``, else asked on the terminal (twice when ``confirm``).

    Raises KeyFileError when neither is available (no terminal, as in CI),
    or when a new passphrase is too short or the two entries differ.
    """
    value = os.environ.get(PASSPHRASE_ENV)
    if value is None:
        import sys

        if prompt is None:
            if not (sys.stdin.isatty() and sys.stderr.isatty()):
                raise KeyFileError(f"a passphrase is needed: set {PASSPHRASE_ENV} or run on a terminal")
            import getpass

            prompt = getpass.getpass
        value = prompt("Passphrase for the key: ")
        if confirm and prompt("The same passphrase again: ") != value:
            raise KeyFileError("the two passphrases differ; nothing was written")
    if confirm and len(value) < MIN_PASSPHRASE:
        raise KeyFileError(f"the passphrase has {len(value)} characters; use at least {MIN_PASSPHRASE}")
    if not value:
        raise KeyFileError("the passphrase is empty")
    return value.encode("utf-8", "surrogateescape")


def generate() -> Any:
    """A new Ed25519 private key (cryptography's object)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate()


def key_pem(private: Any, passphrase: bytes | None) -> bytes:
    """The PEM PKCS#8 bytes of ``private``, encrypted unless ``passphrase`` is None."""
    from cryptography.hazmat.primitives import serialization

    encryption = serialization.BestAvailableEncryption(passphrase) if passphrase is not None else serialization.NoEncryption()
    return private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def create_key_file(path: str, passphrase: bytes | None) -> tuple[SigningKey, list[str]]:
    """Make a new key and write it to ``path`` (which must not exist); returns the key and warnings.

    The file is created exclusively with mode 0600 (only its owner can read
    it), so an existing key is never overwritten.
    """
    warnings = location_warnings(path)
    private = generate()
    pem = key_pem(private, passphrase)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        try:  # e.g. ~/.cim: private to its owner
            os.makedirs(folder, mode=0o700)
        except OSError as exc:
            raise KeyFileError(f"{folder} cannot be created ({exc.strerror})") from None
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        raise KeyFileError(f"{path} already exists; cim never overwrites a key (choose another --out)") from None
    except OSError as exc:
        raise KeyFileError(f"{path} cannot be written ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        os.unlink(path)
        raise KeyFileError(f"{path} cannot be written ({exc.strerror})") from None
    return SigningKey(private, didkey.did_from_public_key(_raw_public(private)), path), warnings


def is_encrypted(pem: bytes) -> bool:
    """True for an encrypted PKCS#8 PEM file."""
    return b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in pem


def read_key_file(path: str) -> bytes:
    """The bytes of a key file (a regular file of sane size); KeyFileError otherwise."""
    from cim_cli.load import files

    try:
        return files.read_bytes(path, MAX_KEY_BYTES)
    except files.ReadError as exc:
        raise KeyFileError(f"{path} {exc.message}") from None


def load_key(path: str, passphrase: Callable[[], bytes] | bytes | None = None) -> tuple[SigningKey, list[str]]:
    """Load the private key at ``path``; returns it and warnings about where it lies.

    ``passphrase`` is asked for (a callable) only when the file is encrypted;
    by default it comes from the environment or the terminal. Raises
    KeyFileError inside a portfolio, for a file that is not an Ed25519
    private key, or for a wrong passphrase.
    """
    warnings = location_warnings(path)
    if not os.path.exists(path):
        raise KeyFileError(f"{path}: no such key file (make one with: cim keys init --out {path} --name 'Your Name')")
    pem = read_key_file(path)
    secret: bytes | None = None
    if is_encrypted(pem):
        if passphrase is None:
            secret = passphrase_from_environment_or_prompt(confirm=False)
        else:
            secret = passphrase() if callable(passphrase) else passphrase
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        private = serialization.load_pem_private_key(pem, password=secret)
    except TypeError:
        # An unencrypted key given a passphrase, or an encrypted one without.
        raise KeyFileError(f"{path}: the key file is not encrypted the way it claims") from None
    except ValueError:
        if secret is not None:
            raise KeyFileError(f"{path}: wrong passphrase, or not a PEM private key") from None
        raise KeyFileError(f"{path} is not a PEM private key (make one with: cim keys init)") from None
    except Exception as exc:  # noqa: BLE001 - unsupported algorithms and malformed DER
        raise KeyFileError(f"{path} cannot be read as a private key ({type(exc).__name__})") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise KeyFileError(f"{path} is not an Ed25519 key; cim signs with Ed25519 only (make one with: cim keys init)")
    if secret is None and hasattr(os, "getuid"):
        mode = os.stat(path).st_mode
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            warnings.append(f"warning: {path} is unencrypted and readable by other users; run: chmod 600 {path}")
    return SigningKey(private, didkey.did_from_public_key(_raw_public(private)), path), warnings


def trust_entry(did: str, name: str, email: str | None, roles: list[str]) -> str:
    """The YAML lines to add under ``keys:`` in the trust list for a new key."""
    import json

    # JSON strings are valid YAML scalars: names with colons or quotes stay intact.
    lines = [f"  - id: {did}", f"    name: {json.dumps(name, ensure_ascii=False)}"]
    if email:
        lines.append(f"    email: {json.dumps(email, ensure_ascii=False)}")
    lines.append(f"    roles: [{', '.join(roles)}]")
    return "\n".join(lines) + "\n"
