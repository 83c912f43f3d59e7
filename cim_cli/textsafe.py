"""Student text on its way to people: one place for each kind of output.

Whatever a student wrote (a title, a country, a file name, a message that
quotes them) passes through here before a terminal or log shows it:

* :func:`visible` makes control characters visible, so escape sequences
  (clear screen, window titles, OSC 8 links), bells and carriage returns
  cannot act on the reader's terminal, and a newline cannot start a line that
  CI reads as a command (GitHub's ``::error``).
* :func:`rich_safe` also escapes Rich markup, for text printed through a Rich
  console (``[/x]`` would otherwise be markup, or an error).

Names that are not UTF-8. A file or folder name whose bytes are not UTF-8
reaches cim as a string with lone surrogates (``os.listdir``'s
``surrogateescape``), which no UTF-8 output can hold. The policy, one for
every output: each such byte is shown as U+FFFD (the replacement character
``�``), which every format (JSON, CSV, XML, SARIF, a terminal) holds as an
ordinary character. It is applied in one place, where text leaves cim: every
output stream cim writes (stdout and ``-o`` files) encodes with the error
handler :data:`OUTPUT_ERRORS`, and :func:`visible` (terminals) and
:func:`undecodable_replaced` (before text is escaped for a format, such as a
SARIF URI or a JSON ``\\u`` escape) use the same replacement. The run goes on;
the name is still found and checked on disk.
"""

from __future__ import annotations

import codecs
import re

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")
# The codec error handler every output stream of cim uses (see the module doc).
OUTPUT_ERRORS = "cim-undecodable"


def undecodable_replaced(text: str) -> str:
    """``text`` with each lone surrogate (a byte of a name that is not UTF-8) as U+FFFD."""
    return _SURROGATE.sub(REPLACEMENT, text)


def _on_encode_error(exc: UnicodeError) -> tuple[bytes, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    # U+FFFD where the encoding has it (UTF-8 always), else '?'. Bytes: the
    # UTF-8 encoder accepts only ASCII text from a handler, but any bytes.
    try:
        mark = REPLACEMENT.encode(exc.encoding)
    except (UnicodeError, LookupError):
        mark = b"?"
    return mark * (exc.end - exc.start), exc.end


codecs.register_error(OUTPUT_ERRORS, _on_encode_error)

# C0 and C1 controls, DEL, the Unicode line/paragraph separators, bidi
# overrides and isolates (which reorder what the reader sees), and lone
# surrogates. Tab is kept out only of this class when allowed by the caller.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UNSAFE_WITH_TAB = re.compile("[\t" + _UNSAFE.pattern[1:])


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    if ch == "\n":
        return "\\n"
    if ch == "\r":
        return "\\r"
    if ch == "\t":
        return "\\t"
    if 0xD800 <= code <= 0xDFFF:
        return REPLACEMENT
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and value.bit_length() > 14000:
        return f"(a number of {value.bit_length():,} bits)"  # str() would raise ValueError
    return str(value)


def visible(text: object, *, keep_tabs: bool = False) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\n``).

    Lone surrogates (bytes of a name that are not UTF-8) become U+FFFD.
    """
    value = _as_text(text)
    pattern = _UNSAFE if keep_tabs else _UNSAFE_WITH_TAB
    return pattern.sub(_escape, value)


def quoted(text: object, limit: int = 40) -> str:
    """Student text quoted inside a message: ``'…'``, visible, at most ``limit`` characters.

    For messages that echo a value back (a wrong field, an unknown tag): the
    reader sees which value is meant, never a whole file's content.
    """
    value = _as_text(text)
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return "'" + visible(value) + "'"


def rich_safe(text: object) -> str:
    """:func:`visible` text with Rich markup escaped, for a Rich console or Text.from_markup."""
    from rich.markup import escape

    return escape(visible(text))
