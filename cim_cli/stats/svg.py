"""Charts as inline SVG: horizontal bars (one or several series) and a funnel.

Hand-written rather than a chart library: the charts are bars, a library
would bring tens of megabytes or a browser's network, and these need
properties libraries rarely give together: no script, no external request,
``role="img"`` with ``<title>`` and ``<desc>`` named by ``aria-labelledby``,
text that stays legible at 320 px, and colours that follow dark mode.

Layout: the SVG is as wide as its container (``width="100%"``, no
viewBox, so text keeps its size on a phone instead of shrinking); bar
lengths and positions are percentages of that width; each bar has its label
on the line above and its value right after it; with several series each
bar has its own line "series: value" above it, so colour is never the only
way to tell series apart and no text runs off a narrow screen. Text uses ``currentColor``; bar fills use CSS custom properties
(``--cim-chart-0`` ...) with fallbacks that reach 3:1 against white and
against a dark background.

A value of None draws no bar, only its text (e.g. ``<5``): a chart never
shows what its table hides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

# Fallback fills when the page defines no --cim-chart-N (contrast >= 3:1 on #fff and on #161616).
FALLBACK_FILLS = ("#3f7fcf", "#b8741a", "#2e9a5a", "#9b6bd6")
MAX_BAR = 60.0  # per cent of the width: room after the longest bar for its value
LABEL_LINE = 20
SERIES_LINE = 18
BAR_HEIGHT = 16
BAR_GAP = 6
GROUP_GAP = 10
FONT = 'font-family="system-ui, sans-serif" font-size="14"'


@dataclass(frozen=True)
class Bar:
    """One bar: its value (None: not drawn) and the text shown for it."""

    value: float | None
    shown: str


@dataclass(frozen=True)
class Group:
    """A label and one bar per series."""

    label: str
    bars: tuple[Bar, ...]


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _e(text: str) -> str:
    """Text for SVG: characters XML does not allow dropped, the rest escaped."""
    return escape(_NOT_XML.sub("", text), quote=True)


def _fill(series: int) -> str:
    fallback = FALLBACK_FILLS[series % len(FALLBACK_FILLS)]
    return f'style="fill: var(--cim-chart-{series % len(FALLBACK_FILLS)}, {fallback})"'


def _pct(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") + "%"


def _open(id: str, title: str, desc: str, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cim-chart" width="100%" height="{height}" role="img" '
        f'aria-labelledby="{_e(id)}-title {_e(id)}-desc" {FONT}>',
        f'<title id="{_e(id)}-title">{_e(title)}</title>',
        f'<desc id="{_e(id)}-desc">{_e(desc)}</desc>',
    ]


def bar_chart(id: str, title: str, desc: str, groups: list[Group], series: list[str] | None = None) -> str:
    """Horizontal bars: for each group its label, then one bar per series.

    ``id`` must be unique in the page (it names the title and description).
    With several ``series`` each bar gets a line "name: value" above it, so
    the series are told apart by words as well as by colour.
    """
    series = series or []
    values = [b.value for g in groups for b in g.bars if b.value is not None]
    top = max(values) if values else 0
    y = 0
    body: list[str] = []
    for g in groups:
        y += LABEL_LINE
        body.append(f'<text x="0" y="{y - 5}" fill="currentColor" font-weight="600">{_e(g.label)}</text>')
        for i, b in enumerate(g.bars):
            width = MAX_BAR * b.value / top if (b.value and top) else 0.0
            if len(series) > 1 and i < len(series):
                # Several series: "name: value" on its own line, so it never runs off a narrow screen.
                y += SERIES_LINE
                body.append(f'<text x="0" y="{y - 4}" fill="currentColor">{_e(series[i])}: {_e(b.shown)}</text>')
                if width > 0:
                    body.append(f'<rect x="0" y="{y}" width="{_pct(width)}" height="{BAR_HEIGHT}" {_fill(i)}/>')
            else:
                if width > 0:
                    body.append(f'<rect x="0" y="{y}" width="{_pct(width)}" height="{BAR_HEIGHT}" {_fill(i)}/>')
                body.append(f'<text x="{_pct(width)}" dx="{6 if width else 0}" y="{y + BAR_HEIGHT - 3}" fill="currentColor">{_e(b.shown)}</text>')
            y += (BAR_HEIGHT if width > 0 or len(series) <= 1 else 0) + BAR_GAP
        y += GROUP_GAP
    height = max(y, 1)
    return "\n".join(_open(id, title, desc, height) + body + ["</svg>"])


def funnel_chart(id: str, title: str, desc: str, steps: list[tuple[str, Bar]]) -> str:
    """A funnel: one centred bar per step, widest first, label and value above it."""
    values = [b.value for _, b in steps if b.value is not None]
    top = max(values) if values else 0
    y = 0
    body: list[str] = []
    for label, b in steps:
        y += LABEL_LINE
        body.append(f'<text x="50%" y="{y - 5}" text-anchor="middle" fill="currentColor">{_e(label)}: {_e(b.shown)}</text>')
        width = 96.0 * b.value / top if (b.value and top) else 0.0
        if width > 0:
            body.append(f'<rect x="{_pct((100 - width) / 2)}" y="{y}" width="{_pct(width)}" height="{BAR_HEIGHT}" {_fill(0)}/>')
        y += BAR_HEIGHT + GROUP_GAP
    return "\n".join(_open(id, title, desc, max(y, 1)) + body + ["</svg>"])
