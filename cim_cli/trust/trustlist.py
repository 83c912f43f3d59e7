"""The staff trust list: which keys may sign what, and which credentials are revoked.

``trust.yaml`` lives in the programme's repository, next to the programme
file, which names it (``trust: trust.yaml``). It is found only that way, or
given explicitly (``--trust FILE``): never from inside a portfolio, since
whoever is judged must not choose who may approve them. Its shape is
``cim_cli/schemas/trust.schema.json``::

    keys:
      - id: did:key:z6Mk...        # required
        name: Dr Ada Example       # required
        email: ada@uni.example     # optional
        roles: [activities, report, presentation, issuer]
        valid_from: 2026-01-01     # optional: first day it may sign
        valid_until: 2027-12-31    # optional: last day it may sign
        revoked: 2026-06-01        # optional: invalid from that day on
    revoked_credentials:           # optional
      - id: urn:uuid:...
        date: 2026-07-01
        reason: issued in error    # optional

Dates are whole days in UTC. A key's validity is judged at the time a record
says it was signed; ``revoked`` rejects what is dated that day or later. To
reject everything a stolen key ever signed, set ``revoked`` to a day before
its first use (or remove the key).
"""

from __future__ import annotations

import datetime
import hashlib
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cim_cli.model import LoadProblem

if TYPE_CHECKING:  # pragma: no cover
    from cim_cli.programme import Programme

ROLES: tuple[str, ...] = ("activities", "report", "presentation", "issuer")
NOT_TRUSTED = "not in your trust list"
MAX_TRUST_BYTES = 1024 * 1024


class TrustListError(Exception):
    """The trust list cannot be used; ``problems`` carry file, line and column."""

    def __init__(self, path: str, problems: list[LoadProblem]):
        self.path = path
        self.problems = problems
        super().__init__(self.describe())

    def describe(self) -> str:
        """Every problem on its own line, ``file:line:column: message``."""
        lines = [f"the trust list {self.path} cannot be used:"]
        for p in self.problems:
            where = f"{self.path}:{p.line}:{p.column}" if p.line else self.path
            lines.append(f"  {where}: {p.message}")
        return "\n".join(lines)


def _day(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def utc_day(when: datetime.datetime) -> datetime.date:
    """The UTC calendar day of ``when`` (a naive datetime is taken as UTC)."""
    if when.tzinfo is not None:
        when = when.astimezone(datetime.timezone.utc)
    return when.date()


@dataclass(frozen=True)
class TrustedKey:
    """One entry of the trust list."""

    id: str  # did:key:z6Mk…
    name: str
    roles: tuple[str, ...]
    email: str | None = None
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    revoked: datetime.date | None = None
    line: int | None = None  # where the entry stands in the trust list

    def check(self, role: str, when: datetime.datetime) -> str | None:
        """None when this key may sign for ``role`` at ``when``; else the reason it may not."""
        day = utc_day(when)
        if self.revoked is not None and day >= self.revoked:
            return f"revoked on {self.revoked.isoformat()}"
        if self.valid_until is not None and day > self.valid_until:
            return f"expired on {self.valid_until.isoformat()}"
        if self.valid_from is not None and day < self.valid_from:
            return f"not valid before {self.valid_from.isoformat()}"
        if role not in self.roles:
            return f"lacks the role '{role}'"
        return None


@dataclass(frozen=True)
class RevokedCredential:
    """A credential the programme has withdrawn."""

    id: str
    date: datetime.date
    reason: str | None = None


@dataclass(frozen=True)
class TrustList:
    """A loaded trust list: keys by did:key, revoked credentials by id."""

    source: str  # the file's path
    sha256: str  # of the file's bytes, so every result can say which list judged it
    keys: dict[str, TrustedKey] = field(default_factory=dict)
    revoked_credentials: dict[str, RevokedCredential] = field(default_factory=dict)

    def key(self, did: str) -> TrustedKey | None:
        """The entry for ``did`` (a ``#fragment`` is ignored), or None."""
        if not isinstance(did, str):
            return None
        return self.keys.get(did.split("#", 1)[0])

    def check(self, did: str, role: str, when: datetime.datetime) -> str | None:
        """None when ``did`` may sign for ``role`` at ``when``; else why not (including "not in your trust list")."""
        entry = self.key(did)
        if entry is None:
            return NOT_TRUSTED
        return entry.check(role, when)

    def credential_revoked(self, credential_id: str) -> RevokedCredential | None:
        """The revocation of ``credential_id``, or None."""
        return self.revoked_credentials.get(credential_id) if isinstance(credential_id, str) else None


def parse_trust_list(data: bytes, path: str) -> TrustList:
    """Parse and validate trust-list bytes; raises TrustListError with line numbers."""
    from cim_cli.load import files
    from cim_cli.load.yamlsafe import parse_yaml
    from cim_cli.trust import didkey
    from cim_cli.validation import schema_problems

    name = os.path.basename(path)
    try:
        text = files.decode_text(data)
    except files.ReadError as exc:
        raise TrustListError(path, [LoadProblem(exc.rule, name, exc.line, exc.column, f"{name} {exc.message}")]) from None
    doc = parse_yaml(text, name)
    problems = list(doc.problems)
    if problems:
        raise TrustListError(path, problems)
    if not isinstance(doc.data, dict):
        raise TrustListError(path, [LoadProblem("schema", name, 1, 1, "a trust list is a mapping with a 'keys:' list")])
    for line, col, message in schema_problems("trust", doc.data, doc.source):
        problems.append(LoadProblem("schema", name, line, col, message))
    if problems:
        raise TrustListError(path, problems)
    keys: dict[str, TrustedKey] = {}
    for i, entry in enumerate(doc.data["keys"]):
        line, col = doc.source.locate(("keys", i, "id"))
        try:
            didkey.public_key_from_did(entry["id"])
        except didkey.DidKeyError as exc:
            problems.append(LoadProblem("schema", name, line, col, f"{entry['id'][:80]} is not an Ed25519 did:key ({exc})"))
            continue
        if entry["id"] in keys:
            problems.append(LoadProblem("schema", name, line, col, f"the key {entry['id']} is listed twice; keep one entry"))
            continue
        key = TrustedKey(
            id=entry["id"],
            name=entry["name"],
            roles=tuple(entry["roles"]),
            email=entry.get("email"),
            valid_from=_day(entry.get("valid_from")),
            valid_until=_day(entry.get("valid_until")),
            revoked=_day(entry.get("revoked")),
            line=doc.source.locate(("keys", i))[0],
        )
        if key.valid_from and key.valid_until and key.valid_from > key.valid_until:
            line, col = doc.source.locate(("keys", i, "valid_until"))
            problems.append(LoadProblem("schema", name, line, col, "valid_until is before valid_from"))
        keys[key.id] = key
    revoked: dict[str, RevokedCredential] = {}
    for entry in doc.data.get("revoked_credentials") or []:
        revoked[entry["id"]] = RevokedCredential(entry["id"], _day(entry["date"]), entry.get("reason"))
    if problems:
        raise TrustListError(path, problems)
    return TrustList(path, hashlib.sha256(data).hexdigest(), keys, revoked)


def load_trust_list(path: str) -> TrustList:
    """Read and validate the trust list at ``path``; raises TrustListError.

    Refused when it lies inside a portfolio (see :func:`cim_cli.load.portfolio.portfolio_of_file`).
    """
    from cim_cli.load import files

    from cim_cli.load.portfolio import portfolio_of_file

    inside = portfolio_of_file(path)
    if inside is not None:
        raise TrustListError(path, [LoadProblem("path-unsafe", os.path.basename(path), None, None, f"it lies inside the portfolio {inside}; a trust list is never taken from a portfolio")])
    try:
        data = files.read_bytes(path, MAX_TRUST_BYTES)
    except files.ReadError as exc:
        raise TrustListError(path, [LoadProblem(exc.rule, os.path.basename(path), None, None, exc.message)]) from None
    return parse_trust_list(data, path)


def trust_path_for(programme: "Programme") -> str | None:
    """The trust list's real path named by the programme file (``trust:``), or None when it names none.

    Resolved against the programme file's folder by
    :func:`cim_cli.programme.safe_config_path`: no ``..``, no absolute path,
    no link out of that folder, never inside a portfolio (TrustListError).
    """
    name = programme.trust
    folder = programme.folder
    if not name or folder is None:
        return None
    from cim_cli.programme import ProgrammeError, safe_config_path

    try:
        return safe_config_path(folder, name)
    except ProgrammeError as exc:
        raise TrustListError(os.path.join(folder, name), exc.problems) from None


_CACHE: dict[tuple[str, int, int], TrustList] = {}


def trust_list_for(programme: "Programme") -> TrustList | None:
    """The trust list the programme file names, loaded once per process; None when it names none.

    Raises TrustListError when it is named but cannot be used (missing,
    unsafe, inside a portfolio, invalid).
    """
    path = trust_path_for(programme)
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return load_trust_list(path)  # raises with the reason
    cache_key = (os.path.realpath(path), st.st_mtime_ns, st.st_size)
    found = _CACHE.get(cache_key)
    if found is None:
        found = _CACHE[cache_key] = load_trust_list(path)
    return found
