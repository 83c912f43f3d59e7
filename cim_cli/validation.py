"""JSON Schema validation of YAML records, with messages a student understands.

The schemas ship in the package (``cim_cli/schemas``). Each validator is built
once per process. ``format`` is asserted by cim's own checkers: ``date`` as
exactly YYYY-MM-DD and a real day (Python 3.11's ``fromisoformat`` alone also
takes ``20240102``), ``email`` as local@domain.tld (jsonschema's only looks
for an ``@``).
"""

from __future__ import annotations

import datetime
import json
import os
import re
from functools import lru_cache
from typing import Any, Iterator

from cim_cli.model import SourceMap
from cim_cli.textsafe import quoted

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@lru_cache(maxsize=None)
def schema(name: str) -> dict:
    """The shipped JSON Schema ``name`` (activity, student, programme)."""
    # Next to this module in the package (and so in the wheel); a plain path
    # because importlib.resources costs 20 ms of imports at start-up.
    with open(os.path.join(SCHEMA_DIR, f"{name}.schema.json"), encoding="utf-8") as fh:
        return json.load(fh)


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


def _same(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, 1 is 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


_TYPES: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}
_FORMATS = {"date": _is_date_format, "email": _is_email}


def _conforms(node: dict, value: Any) -> bool:
    """Whether ``value`` matches the schema ``node``: the keywords cim's schemas use, as Draft 2020-12 defines them.

    Why not jsonschema here: most records are valid, and this answers in a few
    microseconds where jsonschema takes ~0.4 ms and its import ~0.1 s (a
    third of ``cim validate``'s budget). jsonschema stays the authority: it
    explains every record this finds invalid, and a test checks the two agree
    on thousands of generated records. A keyword this does not know makes it
    defer to jsonschema (``KeyError``), so a schema change cannot slip by.
    """
    for key, arg in node.items():
        if key in _ANNOTATIONS:
            continue
        if key == "type":
            if not any(_TYPES[t](value) for t in ([arg] if isinstance(arg, str) else arg)):
                return False
        elif key == "enum":
            # A string equals only strings: the C-level list search is exact (249 countries).
            if not (value in arg if isinstance(value, str) else any(_same(value, option) for option in arg)):
                return False
        elif key == "const":
            if not _same(value, arg):
                return False
        elif key == "minLength":
            if isinstance(value, str) and len(value) < arg:
                return False
        elif key == "maxLength":
            if isinstance(value, str) and len(value) > arg:
                return False
        elif key == "minimum":
            if _TYPES["number"](value) and value < arg:
                return False
        elif key == "pattern":
            if isinstance(value, str) and not _regex(arg).search(value):
                return False
        elif key == "format":
            if not _FORMATS[arg](value):
                return False
        elif key == "minItems":
            if isinstance(value, list) and len(value) < arg:
                return False
        elif key == "items":
            if isinstance(value, list) and not all(_conforms(arg, item) for item in value):
                return False
        elif key == "required":
            if isinstance(value, dict) and not all(name in value for name in arg):
                return False
        elif key == "properties":
            if isinstance(value, dict) and not all(_conforms(arg[k], v) for k, v in value.items() if k in arg):
                return False
        elif key == "patternProperties":
            if isinstance(value, dict) and not all(_conforms(sub, v) for pat, sub in arg.items() for k, v in value.items() if _regex(pat).search(k)):
                return False
        elif key == "additionalProperties":
            if isinstance(value, dict) and not _additional_ok(node, arg, value):
                return False
        elif key == "if":
            branch = node.get("then") if _conforms(arg, value) else node.get("else")
            if branch is not None and not _conforms(branch, value):
                return False
        elif key not in ("then", "else"):
            raise KeyError(key)
    return True


@lru_cache(maxsize=None)
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern)


_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "default", "examples"})


def _additional_ok(node: dict, arg: Any, value: dict) -> bool:
    named = node.get("properties", {})
    patterns = node.get("patternProperties", {})
    extra = [v for k, v in value.items() if k not in named and not any(_regex(p).search(k) for p in patterns)]
    if arg is False:
        return not extra
    return all(_conforms(arg, v) for v in extra) if isinstance(arg, dict) else True


def is_valid(name: str, data: Any) -> bool:
    """True when ``data`` matches schema ``name`` (the quick check; see :func:`_conforms`)."""
    try:
        return _conforms(schema(name), data)
    except (KeyError, TypeError, re.error):
        return validator(name).is_valid(data)


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
        # Keys are the student's text: shown visible and cut short.
        parts.append(f"[{p + 1}]" if isinstance(p, int) else ("." if parts else "") + quoted(p)[1:-1])
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
        import difflib

        guess = difflib.get_close_matches(str(name), allowed, n=1)
        hint = f"; did you mean '{guess[0]}'?" if guess else f"; known fields: {', '.join(allowed)}"
        return path + (name,), True, f"unknown field {quoted(name)}{hint}"
    if v == "type":
        want = val if isinstance(val, str) else val[0]
        return path, False, f"{where} must be {_TYPE_WORDS.get(want, want)}, not {_shown(inst)}"
    if v == "enum":
        if len(val) > 12:
            from cim_cli.countries import suggest

            if path[-1:] == ("country",):
                code = suggest(inst)
                hint = f"did you mean {code}?" if code else "use its ISO 3166-1 alpha-2 code, such as SE, DE or JP"
                return path, False, f"{where}: {_shown(inst)} is not a two-letter country code; {hint}"
            return path, False, f"{where}: {_shown(inst)} is not a valid value"
        return path, False, f"{where} must be one of {', '.join(map(str, val))}, not {_shown(inst)}"
    if v == "const":
        return path, False, f"{where} must be {val!r}"
    if v == "format":
        if val == "date":
            return path, False, f"{where}: {_shown(inst)} is not a date; write it as YYYY-MM-DD"
        return path, False, f"{where}: {_shown(inst)} is not a valid {val}"
    if v == "minLength":
        return path, False, f"{where} must not be empty"
    if v == "maxLength":
        return path, False, f"{where} must be at most {val} characters long; shorten it"
    if v in ("minimum", "exclusiveMinimum"):
        return path, False, f"{where} must be at least {val}, not {_shown(inst)}"
    if v in ("maximum", "exclusiveMaximum"):
        return path, False, f"{where} must be at most {val}, not {_shown(inst)}"
    if v == "minItems":
        return path, False, f"{where} needs at least {val} item(s)"
    if v == "pattern":
        return path, False, f"{where}: {_shown(inst)} is not in the expected form"
    # jsonschema's own message quotes the whole value: never echo a file back.
    return path, False, f"{where}: {_shown(inst)} does not meet the schema's '{v}' rule ({quoted(val, 60)}); correct it"


def _shown(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "a list" if isinstance(value, list) else "a mapping"
    return quoted(value)
