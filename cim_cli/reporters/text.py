"""Text: ``path:line:col: severity [rule] message``, grouped by portfolio.

Each portfolio starts with a line naming it, its stage and its counts, so the
output reads well in a terminal and each finding stays clickable in editors.
Student text (ids, names, paths, messages that quote them) passes through
:func:`cim_cli.textsafe.visible`: no escape sequence, bell or carriage return
acts on the terminal, and no line can start with ``::`` (a GitHub workflow
command). Colour only when the stream is a terminal (and ``NO_COLOR`` is unset). When
different programme files judged the portfolios of a run, each portfolio ends
with a line naming its file and digest.
"""

from __future__ import annotations

from cim_cli.findings import PortfolioResult
from cim_cli.reporters import BaseReporter, finding_path, short_digest
from cim_cli.textsafe import visible

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "bold": "\033[1m", "dim": "\033[2m", "ok": "\033[32m"}
_RESET = "\033[0m"


class Reporter(BaseReporter):
    def paint(self, text: str, style: str) -> str:
        return f"{_COLOURS[style]}{text}{_RESET}" if self.context.color else text

    def add(self, result: PortfolioResult) -> None:
        # Every piece of student text (ids, names, paths, messages quoting them) through visible().
        who = " ".join(visible(x) for x in (result.student_id, f"({result.name})" if result.name else None) if x)
        counts = f"{result.counting_activities}/{result.required_activities} activities"
        verdict = self.paint("ok", "ok") if result.valid else self.paint(f"{result.errors} error(s)", "error")
        extra = f", {result.warnings} warning(s)" if result.warnings else ""
        self.out.write(f"{self.paint(visible(result.path), 'bold')}: {who + ': ' if who else ''}{result.stage}, {counts}, {verdict}{extra}\n")
        for f in result.findings:
            where = finding_path(result, f.file)
            if f.line is not None:
                where += f":{f.line}" + (f":{f.column}" if f.column is not None else "")
            self.out.write(f"  {visible(where)}: {self.paint(f.severity, f.severity)} [{f.rule}] {visible(f.message)}\n")
        if self.context.single_programme is None:
            # Different programme files judged this run: say which one judged this portfolio.
            self.out.write(f"  {self.paint('judged by ' + short_digest(result.programme), 'dim')}\n")
