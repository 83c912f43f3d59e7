"""JSON: one document, ``{"cim_version", "programme", "portfolios": [...]}``, streamed.

``programme`` is ``{"path", "sha256"}`` of the file that judged every
portfolio, or null when different files judged them; each portfolio carries
its own ``programme`` object either way (the built-in default is
``{"path": "built-in", "sha256": null}``).
"""

from __future__ import annotations

import json
from typing import TextIO

from cim_cli.findings import PortfolioResult
from cim_cli.reporters import BaseReporter, ReportContext


class Reporter(BaseReporter):
    def __init__(self, out: TextIO, context: ReportContext) -> None:
        super().__init__(out, context)
        self._count = 0
        single = context.single_programme
        head = json.dumps({"cim_version": context.cim_version, "programme": single.as_dict() if single else None}, ensure_ascii=False)
        # Streamed: the head now, one portfolio per line, the closing brackets in end().
        self.out.write(head[:-1] + ', "portfolios": [')

    def add(self, result: PortfolioResult) -> None:
        self.out.write(",\n" if self._count else "\n")
        self.out.write(json.dumps(result.as_dict(), ensure_ascii=False))
        self._count += 1

    def end(self) -> None:
        self.out.write("\n]}\n")
