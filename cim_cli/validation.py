"""JSON Schema validation of YAML records, with messages a student understands.

The schemas ship in the package (``cim_cli/schemas``). Each validator is built
once per process. ``format`` is asserted by cim's own checkers: ``date`` as
exactly YYYY-MM-DD and a real day (Python 3.11's ``fromisoformat`` alone also
takes ``20240102``), ``email`` as local@domain.tld (jsonschema's only looks
for an ``@``).
"""

from __future__ import annotations

import datetime
import difflib
import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any, Iterator

from cim_cli.model import SourceMap

_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@lru_cache(maxsize=None)
def schema(name: str) -> dict:
    """The shipped JSON Schema ``name`` (activity, student, programme)."""
    text = resources.files("cim_cli").joinpath("schemas", f"{name}.schema.json").read_text("utf-8")
    return json.loads(text)


def is_date(value: object) -> bool:
    """True for a real calendar date written YYYY-MM-DD."""

    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(_EMAIL.fullmatch(value))


def _is_date_format(value: object) -> bool:
    return not isinstance(value, str) or is_date(value)


def _import_jsonschema() -> Any:
    """Import jsonschema without rfc3987_syntax.

    jsonschema imports rfc3987_syntax eagerly when it is installed (another
    package may bring it), and that module builds a Lark grammar at import:
    six seconds of start-up. cim's schemas use no IRI formats, so it is
    blocked unless something in this process already imported it.
    """
    import sys

    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    import jsonschema

    return jsonschema


@lru_cache(maxsize=None)
def validator(name: str) -> Any:
    """A Draft 2020-12 validator for schema ``name``, built once."""
    jsonschema = _import_jsonschema()
    # Only the formats cim's schemas use, each checked strictly.
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("email")(_is_email)
    checker.checks("date")(_is_date_format)
    return jsonschema.Draft202012Validator(schema(name), format_checker=checker)


@lru_cache(maxsize=None)
def fast_validator(name: str) -> Any:
    """A compiled check of schema ``name`` that only says valid or not (fastjsonschema).

    Most records are valid, and jsonschema spends ~0.4 ms on each; the compiled
    check takes ~0.05 ms. ``use_default=False``: it must never change the data.
    """
    import fastjsonschema

    return fastjsonschema.compile(schema(name), formats={"date": _is_date_format, "email": _is_email}, use_default=False)


def is_valid(name: str, data: Any) -> bool:
    """True when ``data`` matches schema ``name`` (the fast compiled check)."""
    import fastjsonschema

    try:
        fast_validator(name)(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def schema_problems(name: str, data: Any, source: SourceMap) -> Iterator[tuple[int | None, int | None, str]]:
    """(line, column, message) for each schema error, sorted by position."""
    if is_valid(name, data):
        return
    found = []
    for error in validator(name).iter_errors(data):
        for leaf in _leaves(error):
            path, on_key, message = explain(leaf)
            line, col = source.locate(path, key=on_key)
            found.append((line, col, message))
    found.sort(key=lambda t: (t[0] or 0, t[1] or 0, t[2]))
    seen = set()
    for item in found:
        if item not in seen:
            seen.add(item)
            yield item


def _leaves(error: Any) -> Iterator[Any]:
    """The most specific errors: the context of if/then and similar combinators."""
    if error.context:
        best = sorted(error.context, key=lambda e: len(e.path), reverse=True)
        yield from _leaves(best[0])
    else:
        yield error


_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a set of 'key: value' lines",
    "null": "empty",
}


def _field(path: tuple) -> str:
    parts = []
    for p in path:
        parts.append(f"[{p + 1}]" if isinstance(p, int) else ("." if parts else "") + str(p))
    return "".join(parts) or "the file"


def explain(error: Any) -> tuple[tuple, bool, str]:
    """(path, points at a key, message) for one jsonschema error."""
    path = tuple(error.absolute_path)
    where = _field(path)
    v, val, inst = error.validator, error.validator_value, error.instance
    if v == "required":
        missing = next((r for r in val if isinstance(inst, dict) and r not in inst), val[0])
        owner = "" if not path else f" to {where}"
        return path, False, f"add the required field '{missing}'{owner}"
    if v == "additionalProperties" and isinstance(inst, dict):
        allowed = list(error.schema.get("properties", {}))
        extra = sorted(k for k in inst if k not in allowed and not str(k).startswith("x-"))
        name = extra[0] if extra else "?"
        guess = difflib.get_close_matches(str(name), allowed, n=1)
        hint = f"; did you mean '{guess[0]}'?" if guess else f"; known fields: {', '.join(allowed)}"
        return path + (name,), True, f"unknown field '{name}'{hint}"
    if v == "type":
        want = val if isinstance(val, str) else val[0]
        return path, False, f"{where} must be {_TYPE_WORDS.get(want, want)}, not {_shown(inst)}"
    if v == "enum":
        if len(val) > 12:
            return path, False, f"{where}: {_shown(inst)} is not a valid value (for a country, use an ISO 3166-1 alpha-2 code such as SE, DE or JP)"
        return path, False, f"{where} must be one of {', '.join(map(str, val))}, not {_shown(inst)}"
    if v == "const":
        return path, False, f"{where} must be {val!r}"
    if v == "format":
        if val == "date":
            return path, False, f"{where}: {_shown(inst)} is not a date; write it as YYYY-MM-DD"
        return path, False, f"{where}: {_shown(inst)} is not a valid {val}"
    if v == "minLength":
        return path, False, f"{where} must not be empty"
    if v in ("minimum", "exclusiveMinimum"):
        return path, False, f"{where} must be at least {val}, not {_shown(inst)}"
    if v in ("maximum", "exclusiveMaximum"):
        return path, False, f"{where} must be at most {val}, not {_shown(inst)}"
    if v == "minItems":
        return path, False, f"{where} needs at least {val} item(s)"
    if v == "pattern":
        return path, False, f"{where}: {_shown(inst)} is not in the expected form"
    return path, False, f"{where}: {error.message}"


def _shown(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "a list" if isinstance(value, list) else "a mapping"
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")
