"""SARIF 2.1.0 log, streamed: for GitHub code scanning and SARIF viewers.

One run whose ``tool.driver`` (``cim``) lists every rule of the run with its
summary, documentation and default level; one ``result`` per finding, written
as each portfolio comes. The head of the document (everything up to
``"results": [``) is written at once, results one per line, and ``end``
closes the brackets, so a run with no portfolios is still a valid log.

Locations: ``artifactLocation.uri`` is the finding's path as seen from where
cim ran, ``/``-separated and percent-encoded as a URI reference (spaces, ``%``,
``#``, ``?``, ``:`` and non-ASCII characters would otherwise make it another
URI or an invalid one); an absolute path becomes a ``file://`` URI. A finding
on the portfolio as a whole (empty ``file``) points at the portfolio folder,
with a trailing ``/``. ``region`` is written only when the line is known
(SARIF requires ``startLine >= 1``), ``startColumn`` only when the column is
known too; columns count Unicode code points (``columnKind``).
"""

from __future__ import annotations

import json
import os
import re
from typing import TextIO
from urllib.parse import quote

from cim_cli.findings import Finding, PortfolioResult
from cim_cli.reporters import BaseReporter, ReportContext, finding_path
from cim_cli.textsafe import undecodable_replaced

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://cim.invalid/"

_LEVELS = {"error": "error", "warning": "warning"}
_SENTINEL = "\u0000cim-sarif-results\u0000"
_INDENT = 2
_DRIVE = re.compile("[A-Za-z]:")


def artifact_uri(path: str, directory: bool = False) -> str:
    """``path`` (as cim shows it) as a URI reference for ``artifactLocation.uri``.

    Bytes of a name that are not UTF-8 become U+FFFD first (cim's one policy,
    see :mod:`cim_cli.textsafe`): percent-encoding needs text it can encode.
    """
    path = undecodable_replaced(path)
    absolute = os.path.isabs(path) or path.startswith("/")
    if os.sep != "/":
        path = path.replace(os.sep, "/")
    # "./a/b" and "a/./b" name the same file as "a/b"; GitHub matches the latter.
    parts = [p for p in path.split("/") if p not in ("", ".")]
    encoded = [quote(p, safe="") for p in parts]
    if absolute and parts and _DRIVE.fullmatch(parts[0]):
        encoded[0] = parts[0]  # file:///C:/... keeps the drive letter's colon
    uri = "/".join(encoded)
    if directory and uri:
        uri += "/"
    if absolute:
        return "file:///" + uri
    return uri or "./"


def rule_descriptor(rule) -> dict:
    level = _LEVELS.get(rule.severity, "warning")
    summary = rule.summary or rule.id
    doc = rule.doc or summary
    return {
        "id": rule.id,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": doc},
        "defaultConfiguration": {"level": level},
        "help": {"text": doc},
    }


def location(result: PortfolioResult, finding: Finding) -> dict:
    uri = artifact_uri(finding_path(result, finding.file), directory=not finding.file)
    physical: dict = {"artifactLocation": {"uri": uri}}
    if finding.line is not None and finding.line >= 1:
        region: dict = {"startLine": finding.line}
        if finding.column is not None and finding.column >= 1:
            region["startColumn"] = finding.column
        physical["region"] = region
    return {"physicalLocation": physical}


class Reporter(BaseReporter):
    def __init__(self, out: TextIO, context: ReportContext) -> None:
        super().__init__(out, context)
        rules = [context.rules[k] for k in sorted(context.rules)]
        single = context.single_programme
        self._rule_index = {rule.id: i for i, rule in enumerate(rules)}
        run = {
            "tool": {
                "driver": {
                    "name": "cim",
                    "version": context.cim_version,
                    "informationUri": INFORMATION_URI,
                    "rules": [rule_descriptor(r) for r in rules],
                }
            },
            "columnKind": "unicodeCodePoints",
            "properties": {
                # The one programme file of the run, or null when portfolios were
                # judged by different files (each result names its own).
                "programme": single.path if single else None,
                "programmeSha256": single.sha256 if single else None,
                "programmeTitle": context.programme_title,
                "programmes": [ref.as_dict() for ref in context.programmes],
            },
            # Last key of the last object: everything after it is closing brackets.
            "results": [_SENTINEL],
        }
        log = {"$schema": SCHEMA, "version": SARIF_VERSION, "runs": [run]}
        # ensure_ascii=False: names reach the output stream, whose error handler
        # applies cim's policy for bytes that are not UTF-8 (never a \\udcXX escape).
        text = json.dumps(log, indent=_INDENT, ensure_ascii=False)
        head, sentinel, tail = text.rpartition(json.dumps(_SENTINEL))
        assert sentinel, "results placeholder not found"
        # head ends with the indentation of the first result; keep it for each.
        self._item_indent = head[head.rindex("\n") + 1 :]
        self._tail = tail
        self._count = 0
        self.out.write(head.rstrip(" "))

    def add(self, result: PortfolioResult) -> None:
        for finding in result.findings:
            self.out.write(",\n" if self._count else "")
            self.out.write(self._item_indent + json.dumps(self._result(result, finding), ensure_ascii=False))
            self._count += 1

    def _result(self, result: PortfolioResult, finding: Finding) -> dict:
        item: dict = {"ruleId": finding.rule}
        index = self._rule_index.get(finding.rule)
        if index is not None:
            item["ruleIndex"] = index
        item["level"] = _LEVELS.get(finding.severity, "warning")
        item["message"] = {"text": finding.message or finding.rule}
        item["locations"] = [location(result, finding)]
        item["properties"] = {"programme": result.programme.path, "programmeSha256": result.programme.sha256}
        return item

    def end(self) -> None:
        self.out.write(self._tail + "\n")
