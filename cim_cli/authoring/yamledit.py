"""YAML that cim writes, and edits of YAML a student wrote.

New records are written by hand (:func:`dump_mapping`), not by a YAML
library, so that the output is exactly what we want a student to see: the
``# yaml-language-server: $schema=...`` line first (a relative path to the
portfolio's copy of the schema: :mod:`cim_cli.authoring.schemas`), dates plain (``2025-03-01``), and every
string that some YAML reader could take for something else (``NO``, ``yes``,
``1:30``, ``0123``, ``a: b``, ``# x``) double-quoted.

Records the student may have edited are changed with ruamel.yaml's
round-trip mode (:func:`append_to_list`), which keeps comments, key order and
quoting. Whatever is written is parsed back with cim's own loader
(:func:`cim_cli.load.yamlsafe.parse_yaml`) and compared with the values meant;
a mismatch is an error and nothing is written.
"""

from __future__ import annotations

import copy
import datetime
import math
import re
import unicodedata
from typing import Any, Iterable, Sequence

from cim_cli.authoring import AuthoringError, Refused

# Keys whose values are dates and are written plain.
DATE_KEYS = frozenset({"start", "end", "registered", "added"})

# Words that YAML 1.1 readers (PyYAML, many editors) take for booleans or null.
_YAML11_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"})
# A plain scalar may not start with an indicator.
_UNSAFE_FIRST = set("-?:,[]{}#&*!|>'\"%@`")
# What YAML 1.1 readers (PyYAML's resolvers) take for numbers and timestamps;
# YAML 1.2 core is checked with cim's own resolver.
_YAML11_NUMBER = re.compile(
    r"[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+"
    r"|[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
    r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)?"
)
# Unicode categories never written raw: controls, format characters,
# surrogates, private use, unassigned, line and paragraph separators.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


def _escaped(ch: str) -> bool:
    return unicodedata.category(ch) in _ESCAPED_CATEGORIES or ch in "\x85\ufeff"


def text_problem(value: str, *, one_line: bool = True) -> str | None:
    """Why ``value`` cannot be stored as text, or None. Used to check values before writing."""
    for ch in value:
        if unicodedata.category(ch) == "Cs":
            return "contains bytes that are not valid text (check the terminal's encoding)"
        if one_line and (unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch == "\x85"):
            return "must be one line of text without control characters"
    return None


def needs_quotes(text: str) -> bool:
    """True when ``text`` written plain could be read as anything but this string."""
    if not text or text != text.strip(" \t") or text[0] in _UNSAFE_FIRST:
        return True
    if text.lower() in _YAML11_WORDS or text in ("<<", "="):
        return True
    if text[0] in "+.0123456789":
        from cim_cli.load.yamlsafe import resolve_plain

        if not isinstance(resolve_plain(text), str) or _YAML11_NUMBER.fullmatch(text):
            return True
    if ": " in text or " #" in text or "\t#" in text or text.endswith(":") or "\t" in text:
        return True
    return any(_escaped(ch) for ch in text)


def quote(text: str) -> str:
    """``text`` as a YAML double-quoted scalar: only ``"``, ``\\`` and invisible characters escaped."""
    out = ['"']
    for ch in text:
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif _escaped(ch):
            code = ord(ch)
            out.append(f"\\x{code:02X}" if code < 0x100 else f"\\u{code:04X}" if code < 0x10000 else f"\\U{code:08X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def scalar(value: Any, *, date: bool = False) -> str:
    """One value as YAML text: booleans, whole and decimal numbers, dates, strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("numbers must be finite")
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = repr(value)
        return text if "." in text or "e" not in text else text.replace("e", ".0e", 1)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        from cim_cli.validation import is_date

        if date and is_date(value):
            return value
        return quote(value) if needs_quotes(value) else value
    raise TypeError(f"cannot write a {type(value).__name__} as a YAML scalar")


def dump_mapping(pairs: Iterable[tuple[str, Any]], *, header: Sequence[str] = (), date_keys: frozenset[str] = DATE_KEYS) -> str:
    """A block mapping of scalars and lists of flat mappings, after ``# header`` comment lines.

    ``None`` values are left out. Header lines must not hold student text
    (a newline in it would end the comment).
    """
    lines = []
    for line in header:
        if "\n" in line or "\r" in line:
            raise ValueError("a header comment must be one line")
        lines.append(f"# {line}".rstrip())
    for key, value in pairs:
        if value is None:
            continue
        _check_key(key)
        if isinstance(value, list):
            if not value:
                lines.append(f"{key}: []")
                continue
            lines.append(f"{key}:")
            for item in value:
                first = True
                for item_key, item_value in item.items():
                    if item_value is None:
                        continue
                    _check_key(item_key)
                    prefix = "  - " if first else "    "
                    lines.append(f"{prefix}{item_key}: {scalar(item_value, date=item_key in date_keys)}")
                    first = False
        else:
            lines.append(f"{key}: {scalar(value, date=key in date_keys)}")
    return "\n".join(lines) + "\n"


def _check_key(key: str) -> None:
    if not _KEY.match(key) or needs_quotes(key):
        raise ValueError(f"{key!r} is not a key cim writes")


def expect_round_trip(text: str, expected: Any, file: str) -> None:
    """Raise unless ``text`` parses (as cim reads records) to exactly ``expected``."""
    from cim_cli.load.yamlsafe import parse_yaml

    doc = parse_yaml(text, file)
    if doc.problems or doc.data != expected:
        raise AuthoringError(
            f"cim could not write {file} so that it reads back as the values given; nothing was written. "
            "Please report this to the cim developers."
        )


# --- editing a record the student may have written -----------------------------------------

_PRELUDE_LINE = re.compile(r"[ \t]*(?:#.*)?\Z|%.*\Z")
_DOC_START = re.compile(r"---[ \t]*(?:#.*)?\Z")


def split_prelude(text: str) -> tuple[str, str]:
    """(lines up to an explicit ``---``, the rest).

    ruamel.yaml drops the comments before a document's ``---``; cim keeps
    those lines verbatim and lets ruamel see only the document after them.
    """
    offset = 0
    for line in text.splitlines(keepends=True):
        bare = line.rstrip("\r\n")
        if _DOC_START.match(bare):
            return text[: offset + len(line)], text[offset + len(line) :]
        if not _PRELUDE_LINE.match(bare):
            break
        offset += len(line)
    return "", text


def _plain_or_quoted(value: Any) -> Any:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(value, str) and needs_quotes(value):
        return DoubleQuotedScalarString(value)
    return value


def append_to_list(text: str, key: str, items: list[dict], *, file: str) -> str:
    """``text`` with ``items`` appended to the list under ``key``; everything else kept as written.

    Comments, key order, quoting, the indentation of lists and the line
    endings stay as they are. ``key`` is created at the end of the mapping
    when missing (or replaces an empty value). Values of ``date_keys`` that are
    dates are written plain. Raises :class:`Refused` when the document is not a
    mapping or ``key`` holds something other than a list, and
    :class:`AuthoringError` when ruamel cannot reproduce the document faithfully.
    """
    from cim_cli.load.yamlsafe import parse_yaml

    before = parse_yaml(text, file)
    if before.problems:
        raise Refused(f"{file} has YAML errors; fix them first", [f"{file}:{p.line or '?'}:{p.column or '?'}: {p.message}" for p in before.problems])
    if not isinstance(before.data, dict):
        raise Refused(f"{file} is not a set of 'key: value' lines; fix it first")
    current = before.data.get(key)
    if current is not None and not isinstance(current, list):
        line, col = before.source.locate((key,))
        raise Refused(f"{file}:{line}:{col}: '{key}' should be a list; fix it first")

    expected = copy.deepcopy(before.data)
    expected[key] = list(current or []) + [{k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in item.items() if v is not None} for item in items]

    prelude, body = split_prelude(text)
    crlf = "\r\n" in text
    body = body.replace("\r\n", "\n")
    try:
        new_body = _ruamel_append(body, key, items)
    except Exception as exc:  # noqa: BLE001 - ruamel raises many kinds; none may escape as a traceback
        raise AuthoringError(f"cim cannot edit {file} safely ({type(exc).__name__}); nothing was changed. Add the evidence to it by hand.") from None
    result = prelude + (new_body.replace("\n", "\r\n") if crlf else new_body)
    expect_round_trip(result, expected, file)
    return result


def _core_resolver() -> type:
    """A ruamel resolver that reads plain scalars exactly as cim does (YAML 1.2 core).

    ruamel's own 1.2 resolver also takes ``1_000`` and ``0b101`` for numbers,
    and then a few thousand digits of either make ``int()`` raise; with cim's
    resolver ruamel sees the same values cim checked (already bounded by
    :func:`~cim_cli.load.yamlsafe.parse_yaml`), and what it writes back plain is
    exactly what cim will read.
    """
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver
    from ruamel.yaml.tag import Tag

    from cim_cli.load.yamlsafe import resolve_plain

    core = {type(None): "null", bool: "bool", int: "int", float: "float"}

    class CoreResolver(VersionedResolver):
        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is ScalarNode and implicit[0]:
                try:
                    resolved = resolve_plain(value)
                except ValueError:  # too large: parse_yaml refused it already
                    resolved = value
                name = core.get(type(resolved))
                if name is not None:
                    return Tag(suffix=f"tag:yaml.org,2002:{name}")
                # cim reads a string. ruamel may keep its own reading of a date
                # (written back as it was), never a number, boolean or null.
                tag = super().resolve(kind, value, implicit)
                if str(getattr(tag, "suffix", tag)).rpartition(":")[2] in core.values():
                    return Tag(suffix="tag:yaml.org,2002:str")
                return tag
            return super().resolve(kind, value, implicit)

    return CoreResolver


def _ruamel_append(body: str, key: str, items: list[dict]) -> str:
    import io

    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.util import load_yaml_guess_indent

    yaml = YAML(typ="rt")
    yaml.Resolver = _core_resolver()
    yaml.preserve_quotes = True
    # Loaded once, by this YAML (the helper would otherwise load with ruamel's resolver).
    data, indent, dash_offset = load_yaml_guess_indent(body, yaml=yaml)
    yaml.width = 1 << 16  # never re-wrap the student's long lines
    # The same object twice (one date for all entries) must not become an &anchor/*alias.
    yaml.representer.ignore_aliases = lambda *_: True
    if indent is None:  # no nested block yet: cim's own style, "  - path: ..."
        yaml.indent(mapping=2, sequence=4, offset=2)
    else:
        yaml.indent(mapping=indent, sequence=indent, offset=dash_offset or 0)
    new = []
    for item in items:
        entry = CommentedMap()
        for k, v in item.items():
            if v is not None:
                entry[k] = _plain_or_quoted(v)
        new.append(entry)
    seq = data.get(key)
    if isinstance(seq, CommentedSeq) and (len(seq) or not seq.fa.flow_style()):
        for entry in new:
            if seq.fa.flow_style():
                entry.fa.set_flow_style()
            seq.append(entry)
    else:
        seq = CommentedSeq(new)
        seq.fa.set_block_style()
        data[key] = seq
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()
