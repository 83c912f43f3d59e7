"""Exporters: the summary of activities of one portfolio (``cim export``).

:func:`summary_dict` builds the summary once; each format module renders it
(``render(summary, portfolio, stream)``), so json, markdown, csv and html
agree. A format's module is imported only when chosen, so a run pays only for
the format it uses (html alone needs Python-Markdown and nh3).
"""

from __future__ import annotations

import importlib
from typing import TextIO

from cim_cli.exporters.summary import summary_dict
from cim_cli.findings import PortfolioResult
from cim_cli.model import Portfolio
from cim_cli.programme import Programme

__all__ = ["FORMATS", "export_portfolio", "summary_dict"]

# format name -> module in this package that defines ``render``.
FORMATS: dict[str, str] = {
    "json": "json_",
    "markdown": "markdown_",
    "csv": "csv_",
    "html": "html",
}


def export_portfolio(fmt: str, portfolio: Portfolio, result: PortfolioResult, programme: Programme, stream: TextIO, *, delimiter: str = ",") -> None:
    """Write the summary of ``portfolio`` to ``stream`` in format ``fmt``.

    ``delimiter`` is the CSV field separator. Raises ValueError for a format
    not in :data:`FORMATS`.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    module = importlib.import_module(f"{__name__}.{FORMATS[fmt]}")
    if fmt == "csv":
        module.render(summary_dict(portfolio, result, programme), portfolio, stream, delimiter=delimiter)
    else:
        module.render(summary_dict(portfolio, result, programme), portfolio, stream)
