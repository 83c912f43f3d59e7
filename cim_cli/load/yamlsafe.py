"""Safe YAML: one pass over libyaml's events builds the data and its source map.

Why not ``yaml.safe_load``: it accepts duplicate keys silently, expands
aliases (300 bytes can become hundreds of megabytes), resolves scalars as
YAML 1.1 (``NO`` -> False, ``1:30`` -> 90, dates -> ``datetime.date``),
recurses in C on deep nesting (a segfault at ~30,000 brackets) and loses line
numbers. Building the values from the event stream ourselves fixes all of it
at once: aliases and anchors are refused when met, so nothing ever expands;
depth is counted as events arrive, so nesting never reaches a recursive
composer; plain scalars are resolved with the YAML 1.2 core schema; and every
value's position is recorded for findings.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from cim_cli.model import LoadProblem, SourceMap, YamlDocument
from cim_cli.textsafe import quoted

try:  # libyaml's C parser when present: the events come out much faster.
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader

MAX_DEPTH = 64
_MAX_ALIAS_REPORTS = 3

_NULL = re.compile(r"(?:~|null|Null|NULL|)\Z")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"([-+]?)\.(?:inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(?:nan|NaN|NAN)\Z")

_TAG = "tag:yaml.org,2002:"

# CPython converts between int and decimal text only up to this many digits
# (``sys.get_int_max_str_digits``); beyond it ``int()`` and ``str()`` raise
# ValueError. Hexadecimal and octal parse at any length but then cannot be
# printed, so every integer is held to the same bound, counted in decimal.
MAX_INT_DIGITS = 4300
# The smallest integer with more than MAX_INT_DIGITS decimal digits.
_INT_LIMIT = 10**MAX_INT_DIGITS


class NumberTooLarge(ValueError):
    """A YAML integer too large to read or print (see :data:`MAX_INT_DIGITS`)."""

    def __init__(self) -> None:
        super().__init__(
            f"this number has more than {MAX_INT_DIGITS:,} digits; write a smaller number (or put it in quotes if it is text)"
        )


def _int(digits: str, base: int) -> int:
    """``int(digits, base)``, refusing values of more than MAX_INT_DIGITS decimal digits."""
    if base == 10 and len(digits) - (digits[:1] in ("+", "-")) > MAX_INT_DIGITS:
        raise NumberTooLarge()  # int() would raise ValueError (leading zeros count too)
    value = int(digits, base)
    if abs(value) >= _INT_LIMIT:
        raise NumberTooLarge()  # str() would raise ValueError
    return value


class _Stop(Exception):
    """Raised to end the build early (too deep); the problem is already recorded."""


# A plain scalar can only be null, bool, int or float if it starts with one of these.
_NON_STRING_START = frozenset("~nNtTfF0123456789+-.")


def resolve_plain(value: str) -> Any:
    """Resolve a plain (unquoted) scalar with the YAML 1.2 core schema.

    Raises :class:`NumberTooLarge` for an integer of more than
    :data:`MAX_INT_DIGITS` digits; every other value resolves.
    """
    if value and value[0] not in _NON_STRING_START:
        return value  # most values (titles, names, paths): no pattern can match
    if _NULL.match(value):
        return None
    if value in _BOOL:
        return _BOOL[value]
    if _INT.match(value):
        return _int(value, 10)
    if _OCT.match(value):
        return _int(value[2:], 8)
    if _HEX.match(value):
        return _int(value[2:], 16)
    if _FLOAT.match(value):
        return float(value)
    m = _INF.match(value)
    if m:
        return float(m.group(1) + "inf")
    if _NAN.match(value):
        return float("nan")
    return value


def _tagged(value: str, tag: str) -> Any:
    """Apply an explicit core tag; raises ValueError for unsupported tags or values."""
    name = tag[len(_TAG) :] if tag.startswith(_TAG) else None
    if name == "str":
        return value
    if name in ("int", "float", "bool", "null"):
        resolved = resolve_plain(value)
        expected = {"int": int, "float": (int, float), "bool": bool, "null": type(None)}[name]
        if isinstance(resolved, expected) and not (name != "bool" and isinstance(resolved, bool)):
            return float(resolved) if name == "float" else resolved
        raise ValueError(f"{quoted(value)} is not a valid !!{name}")
    raise ValueError(f"the tag {quoted(_short_tag(tag))} is not supported; remove it")


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _position(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse one YAML document safely; problems become values, never exceptions."""
    builder = _Builder(file)
    loader = _Loader(text)
    try:
        builder.run(loader)
    except _Stop:
        pass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _position(mark) if mark else (None, None)
        builder.fail("yaml-syntax", line, col, _tab_message(text, line) or _syntax_message(exc))
    except yaml.reader.ReaderError as exc:
        line, col = _offset_position(text, exc.position)
        builder.fail("yaml-syntax", line, col, f"YAML cannot contain this character ({_describe(exc.character)})")
    except yaml.YAMLError as exc:  # any other parser error, still a value
        builder.fail("yaml-syntax", None, None, f"YAML syntax error: {exc}")
    finally:
        loader.dispose()
    data = None if builder.broken else builder.root
    return YamlDocument(file, data, SourceMap(builder.values, builder.keys), tuple(builder.problems))


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    """libyaml's problem, with where the construct began and a hint for common slips."""
    problem = exc.problem or "invalid YAML"
    if exc.context and exc.context_mark is not None:
        problem += f" {exc.context} that began at line {exc.context_mark.line + 1}"
    hint = ""
    if "quoted scalar" in problem:
        hint = "; close the quote"
    elif "mapping values are not allowed" in problem:
        hint = "; put quotes around a value that contains ': '"
    elif "tab" in problem:
        hint = "; indent with spaces, not tabs"
    return f"YAML syntax error: {problem}{hint}"


def _tab_message(text: str, line: int | None) -> str | None:
    """The message for the commonest slip of all, a tab in the indentation of ``line``.

    libyaml says "found character that cannot start any token", which no
    student can act on; an editor that inserts tabs is the usual cause.
    """
    if not line:
        return None
    lines = text.split("\n", line)
    if line > len(lines):
        return None
    body = lines[line - 1]
    indent = body[: len(body) - len(body.lstrip(" \t"))]
    if "\t" in indent:
        return f"YAML does not allow tabs for indentation; use spaces (line {line} is indented with a tab)"
    return None


def _describe(character: Any) -> str:
    if isinstance(character, int):
        return f"code {character:#x}"
    return f"U+{ord(character):04X}" if isinstance(character, str) and len(character) == 1 else repr(character)


def _offset_position(text: str, offset: int) -> tuple[int, int]:
    """Line/column of a reader error; libyaml gives a byte offset into UTF-8."""
    raw = text.encode("utf-8", "surrogatepass")
    head = raw[: max(offset, 0)].decode("utf-8", "replace")
    line = head.count("\n") + 1
    return line, len(head) - (head.rfind("\n") + 1) + 1


class _Builder:
    """Builds Python values from parser events, keeping positions."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.root: Any = None
        self.values: dict[tuple, tuple[int, int]] = {}
        self.keys: dict[tuple, tuple[int, int]] = {}
        self.problems: list[LoadProblem] = []
        self.broken = False
        self._aliases = 0

    def fail(self, rule: str, line: int | None, col: int | None, message: str, *, broken: bool = True) -> None:
        self.problems.append(LoadProblem(rule, self.file, line, col, message))
        if broken:
            self.broken = True

    def run(self, loader: Any) -> None:
        ScalarEvent, AliasEvent = yaml.ScalarEvent, yaml.AliasEvent
        MappingStart, SequenceStart = yaml.MappingStartEvent, yaml.SequenceStartEvent
        MappingEnd, SequenceEnd = yaml.MappingEndEvent, yaml.SequenceEndEvent
        DocumentStart, StreamEnd = yaml.DocumentStartEvent, yaml.StreamEndEvent

        # Each frame: [container, path, is_mapping, pending key or None, first-seen lines of keys]
        stack: list[list] = []
        documents = 0

        while True:
            event = loader.get_event()
            kind = type(event)
            if kind is StreamEnd:
                return
            if kind is DocumentStart:
                documents += 1
                if documents > 1:
                    line, col = _position(event.start_mark)
                    self.fail("yaml-syntax", line, col, "a record holds one YAML document; remove the extra '---' and what follows")
                    raise _Stop
                continue
            if kind is MappingEnd or kind is SequenceEnd:
                stack.pop()
                continue
            if kind not in (ScalarEvent, AliasEvent, MappingStart, SequenceStart):
                continue  # stream/document start and end

            if kind is AliasEvent or event.anchor is not None:
                self._refuse_alias(event, kind is AliasEvent)
                if kind is AliasEvent:
                    self._place(stack, None, event)  # never expanded
                    continue

            if kind is ScalarEvent:
                self._place(stack, self._scalar(event), event)
                continue

            # A collection starts.
            if len(stack) >= MAX_DEPTH:
                line, col = _position(event.start_mark)
                self.fail("yaml-syntax", line, col, f"nesting deeper than {MAX_DEPTH} levels is not allowed")
                raise _Stop
            container: Any = {} if kind is MappingStart else []
            if event.tag not in (None, "!", _TAG + ("map" if kind is MappingStart else "seq")):
                line, col = _position(event.start_mark)
                self.fail("yaml-syntax", line, col, f"the tag {quoted(_short_tag(event.tag))} is not supported; remove it")
            if stack and stack[-1][2] and stack[-1][3] is None:
                line, col = _position(event.start_mark)
                self.fail("yaml-syntax", line, col, "a mapping key must be plain text, not a list or mapping")
                raise _Stop
            path = self._place(stack, container, event)
            stack.append([container, path, kind is MappingStart, None, {}])

    def _refuse_alias(self, event: Any, is_alias: bool) -> None:
        self._aliases += 1
        if self._aliases > _MAX_ALIAS_REPORTS:
            self.broken = True
            return
        line, col = _position(event.start_mark)
        what = "aliases (*name)" if is_alias else "anchors (&name)"
        self.fail("yaml-alias", line, col, f"YAML {what} are not allowed; write the value out in full")

    def _scalar(self, event: Any) -> Any:
        value = event.value
        tag = event.tag
        plain = event.style in (None, "")
        try:
            if tag is None or (tag == "!" and not plain):
                return resolve_plain(value) if plain else value
            if tag == "!":
                return value
            return _tagged(value, tag)
        except NumberTooLarge as exc:
            # Unreadable like a syntax error: the record is not used at all.
            line, col = _position(event.start_mark)
            self.fail("yaml-syntax", line, col, str(exc))
            return None
        except ValueError as exc:
            line, col = _position(event.start_mark)
            self.fail("yaml-syntax", line, col, str(exc))
            return value

    def _place(self, stack: list[list], value: Any, event: Any) -> tuple:
        """Put a new value into the current container; returns the value's path."""
        pos = _position(event.start_mark)
        if not stack:
            self.root = value
            self.values[()] = pos
            return ()
        frame = stack[-1]
        container, parent = frame[0], frame[1]
        if frame[2]:  # mapping
            if frame[3] is None:
                # This scalar is a key. Keys are kept as the text the student wrote
                # (an alias used as a key, already refused, has no text).
                text = getattr(event, "value", None)
                key = "" if text is None else str(text)
                firsts = frame[4]
                if key in firsts:
                    self.fail(
                        "yaml-duplicate-key",
                        pos[0],
                        pos[1],
                        f"duplicate key '{key}' (first at line {firsts[key]}); keep only one",
                        broken=False,
                    )
                    frame[3] = _Duplicate(key)
                else:
                    firsts[key] = pos[0]
                    frame[3] = key
                    self.keys[parent + (key,)] = pos
                return parent
            key = frame[3]
            frame[3] = None
            if isinstance(key, _Duplicate):
                # The first value stays; the duplicate's value is read and dropped.
                return parent + (key.key, "<duplicate>")
            container[key] = value
            path = parent + (key,)
        else:
            path = parent + (len(container),)
            container.append(value)
        self.values[path] = pos
        return path


class _Duplicate:
    """Marks the pending key of a mapping as a duplicate whose value is dropped."""

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key
