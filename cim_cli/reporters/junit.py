"""JUnit XML, shaped for GitLab's unit test reports (``artifacts:reports:junit``).

One ``<testcase>`` per portfolio: ``name`` is the portfolio path, ``classname``
the student id (the path when there is none), ``file`` the portfolio path.
Each error finding is a ``<failure>``; warnings are listed in
``<system-out>``. ``tests``/``failures`` on ``<testsuites>`` and
``<testsuite>`` count portfolios and failed portfolios (as in the JUnit
schema: failures counts failed test cases, not failure elements).

How GitLab reads this (its parser turns the XML into a hash with
ActiveSupport's ``XMLConverter``, then builds test cases):

* It reads ``testcase`` ``classname`` (shown as the *suite*), ``name``,
  ``file``, ``time``; the body of ``failure``/``error``/``skipped``; and
  ``system-out``/``system-err``. ``testsuite name`` is kept for grouping only.
* A ``failure`` with a text body becomes just that text: its ``message`` and
  ``type`` attributes are dropped. So every failure body repeats the location,
  rule and message in full.
* Several ``failure`` elements in one testcase become an array that GitLab
  joins with blank lines: all of them are shown, in one test case's details
  (the test counts once as failed). One failure per error is therefore kept.
* ``type`` is read as an ActiveSupport type hint: ``yaml``/``symbol`` make the
  whole report fail to parse, ``date``, ``integer``, ``file``... retype or
  break the body. A rule id equal to such a word is written ``cim:<rule>``.
* Test cases with the same name are dropped after the first, so a repeated
  portfolio path gets `` (2)``, `` (3)``... appended.
* ``[[ATTACHMENT|path]]`` in ``system-out`` is turned into an attachment link;
  student text must not be able to do that, so ``[[`` is defused there.

Counts belong in the opening tags, so fragments are kept until ``end`` in a
spooled temporary file (in memory while small), then written out.
"""

from __future__ import annotations

import re
import tempfile
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from cim_cli.findings import Finding, PortfolioResult
from cim_cli.reporters import BaseReporter, ReportContext, finding_path
from cim_cli.textsafe import undecodable_replaced

# Characters XML 1.0 forbids (controls other than \t \n \r, lone surrogates,
# U+FFFE/U+FFFF); they would make the whole report unparsable.
_ILLEGAL_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# ActiveSupport's XmlMini type names (and the two it refuses outright).
_RESERVED_TYPES = frozenset(
    {
        "array", "base64Binary", "binary", "boolean", "date", "datetime", "dateTime",
        "decimal", "double", "file", "float", "integer", "string", "symbol", "yaml",
    }
)

_ATTACHMENT = "[[ATTACHMENT|"


def xml_text(text: str | None) -> str:
    """``text`` with the characters XML 1.0 cannot hold removed.

    Bytes of names that are not UTF-8 become U+FFFD first (cim's one policy,
    see :mod:`cim_cli.textsafe`), so the reader still sees where they were.
    """
    return _ILLEGAL_XML.sub("", undecodable_replaced(text or ""))


def _attr(value: str) -> str:
    return quoteattr(xml_text(value))


def _body(value: str) -> str:
    return escape(xml_text(value))


def location(result: PortfolioResult, f: Finding) -> str:
    """``path:line:col`` (line and column only when known)."""
    loc = finding_path(result, f.file)
    if f.line is not None:
        loc += f":{f.line}"
        if f.column is not None:
            loc += f":{f.column}"
    return loc


def failure_type(rule: str) -> str:
    return f"cim:{rule}" if rule in _RESERVED_TYPES else rule


class Reporter(BaseReporter):
    def __init__(self, out: TextIO, context: ReportContext) -> None:
        super().__init__(out, context)
        self._tests = 0
        self._failures = 0
        self._names: dict[str, int] = {}
        self._buffer = tempfile.SpooledTemporaryFile(
            max_size=1 << 20, mode="w+", encoding="utf-8", newline=""
        )

    def _unique_name(self, name: str) -> str:
        seen = self._names.get(name, 0) + 1
        self._names[name] = seen
        return name if seen == 1 else f"{name} ({seen})"

    def add(self, result: PortfolioResult) -> None:
        self._tests += 1
        errors = [f for f in result.findings if f.severity == "error"]
        warnings = [f for f in result.findings if f.severity != "error"]
        if errors:
            self._failures += 1
        name = self._unique_name(result.path)
        classname = result.student_id or result.path
        w = self._buffer.write
        w(f"    <testcase name={_attr(name)} classname={_attr(classname)} file={_attr(result.path)}>\n")
        # Which programme file judged this portfolio (testcase properties, as JUnit 5 and Jenkins read them).
        w("      <properties>\n")
        w(f'        <property name="programme" value={_attr(result.programme.path)}/>\n')
        w(f'        <property name="programme_sha256" value={_attr(result.programme.sha256 or "")}/>\n')
        w("      </properties>\n")
        for f in errors:
            loc = location(result, f)
            rule = self.context.rules.get(f.rule)
            details = [f"{loc}: {f.message}", f"rule: {f.rule} ({f.severity})"]
            if rule is not None and rule.summary:
                details.append(f"about the rule: {rule.summary}")
            message = f"{loc} {f.message}"
            body = "\n".join(details)
            w(
                f"      <failure type={_attr(failure_type(f.rule))} message={_attr(message)}>"
                f"{_body(body)}</failure>\n"
            )
        if warnings:
            lines = [f"warning: {location(result, f)}: {f.message} [{f.rule}]" for f in warnings]
            text = "\n".join(lines).replace(_ATTACHMENT, "[ [ATTACHMENT|")
            w(f"      <system-out>{_body(text)}</system-out>\n")
        w("    </testcase>\n")

    def end(self) -> None:
        ctx = self.context
        counts = f'tests="{self._tests}" failures="{self._failures}" errors="0"'
        out = self.out
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(f'<testsuites name="cim" {counts}>\n')
        suite = ctx.programme_title or "cim"
        out.write(f'  <testsuite name={_attr(suite)} {counts} skipped="0">\n')
        out.write("    <properties>\n")
        out.write(f'      <property name="cim_version" value={_attr(ctx.cim_version)}/>\n')
        single = ctx.single_programme
        out.write(f'      <property name="programme" value={_attr(single.path if single else ctx.programme)}/>\n')
        if single is not None and single.sha256:
            out.write(f'      <property name="programme_sha256" value={_attr(single.sha256)}/>\n')
        out.write("    </properties>\n")
        self._buffer.seek(0)
        while chunk := self._buffer.read(1 << 16):
            out.write(chunk)
        self._buffer.close()
        out.write("  </testsuite>\n</testsuites>\n")
