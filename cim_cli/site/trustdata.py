"""The trust list, as the verify page needs it: issuer keys, their dates, revoked certificates.

The trust list (``keys: [{id: did:key:…, name, email?, roles: [...], valid_from?,
valid_until?, revoked?}]``, ``revoked_credentials: [{id, date, reason?}]``) is named
by the programme file's ``trust:`` key, relative to the programme file, so the staff
who hold the programme decide which keys count, never a student.

Until the trust layer's own loader (``cim_cli.trust.trustlist``, branch ``approvals``)
is merged, this module reads the file itself, minimally: cim's safe YAML loader, the
shape above, every did:key decoded, every date an ISO date or date-time. Anything
else is a :class:`TrustListError` with a line number, so a broken list stops the build
instead of publishing a page that can verify nothing.
"""

from __future__ import annotations

import os
import re
from typing import Any

from cim_cli.site.errors import SiteError

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?\Z")
KEY_FIELDS = {"id", "name", "email", "roles", "valid_from", "valid_until", "revoked"}
REVOKED_FIELDS = {"id", "date", "reason"}
EMPTY: dict[str, list] = {"keys": [], "revoked_credentials": []}


class TrustListError(SiteError):
    """The trust list cannot be used; the message names the file and line."""


def trust_list_path(programme: Any) -> str | None:
    """The trust list the programme names (``trust:``), relative to the programme file; None if none."""
    name = programme.data.get("trust")
    if not name:
        return None
    if os.path.isabs(name) or programme.source in ("", "built-in"):
        return name
    return os.path.join(os.path.dirname(os.path.abspath(programme.source)), name)


def load_trust_list(path: str) -> dict[str, list]:
    """The trust list at ``path`` as plain data for the verify page (only the fields it uses)."""
    from cim_cli.load import files
    from cim_cli.load.yamlsafe import parse_yaml

    try:
        text = files.read_text(path, files.MAX_YAML_BYTES)
    except files.ReadError as exc:
        raise TrustListError(f"{path}: {exc.message}") from None
    doc = parse_yaml(text, os.path.basename(path))
    if doc.problems:
        p = doc.problems[0]
        raise TrustListError(f"{path}:{p.line or 1}:{p.column or 1}: {p.message}")

    def fail(where: tuple, message: str) -> TrustListError:
        line, column = doc.source.locate(where)
        return TrustListError(f"{path}:{line or 1}:{column or 1}: {message}")

    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise fail((), "a trust list is a mapping with 'keys' and 'revoked_credentials'")
    keys = data.get("keys") or []
    revoked = data.get("revoked_credentials") or []
    if not isinstance(keys, list):
        raise fail(("keys",), "'keys' must be a list of keys")
    if not isinstance(revoked, list):
        raise fail(("revoked_credentials",), "'revoked_credentials' must be a list")
    return {
        "keys": [_key(entry, i, fail) for i, entry in enumerate(keys)],
        "revoked_credentials": [_revocation(entry, i, fail) for i, entry in enumerate(revoked)],
    }


def _text(entry: dict, field: str, where: tuple, fail, *, required: bool = False) -> str | None:
    value = entry.get(field)
    if value is None:
        if required:
            raise fail(where, f"'{field}' is missing")
        return None
    if not isinstance(value, str) or not value.strip():
        raise fail(where + (field,), f"'{field}' must be text")
    return value


def _date(entry: dict, field: str, where: tuple, fail, *, required: bool = False) -> str | None:
    value = _text(entry, field, where, fail, required=required)
    if value is not None and not _DATE.match(value):
        raise fail(where + (field,), f"'{field}' must be a date (YYYY-MM-DD) or a date-time with a time zone")
    return value


def _key(entry: Any, i: int, fail) -> dict:
    from cim_cli.trust.didkey import DidKeyError, public_key_from_did

    where = ("keys", i)
    if not isinstance(entry, dict):
        raise fail(where, "each key is a mapping with id, name and roles")
    did = _text(entry, "id", where, fail, required=True)
    try:
        public_key_from_did(did)
    except DidKeyError as exc:
        raise fail(where + ("id",), f"'{did}' is not an Ed25519 did:key ({exc})") from None
    roles = entry.get("roles") or []
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise fail(where + ("roles",), "'roles' must be a list of role names")
    return {
        "id": did,
        "name": _text(entry, "name", where, fail, required=True),
        "roles": roles,
        "valid_from": _date(entry, "valid_from", where, fail),
        "valid_until": _date(entry, "valid_until", where, fail),
        "revoked": _date(entry, "revoked", where, fail),
    }


def _revocation(entry: Any, i: int, fail) -> dict:
    where = ("revoked_credentials", i)
    if not isinstance(entry, dict):
        raise fail(where, "each revoked credential is a mapping with id and date")
    return {
        "id": _text(entry, "id", where, fail, required=True),
        "date": _date(entry, "date", where, fail, required=True),
        "reason": _text(entry, "reason", where, fail),
    }
