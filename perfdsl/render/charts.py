"""得分率 as a bar chart in inline SVG: readable on screen and on paper, with no script and no library.

One horizontal bar per indicator, its 得分率 written at the bar's end; the bars are drawn from exact
decimal rates (percent strings of the document), scaled to whole SVG units.  Every label goes
through ``escape.for_html`` (SVG inside HTML takes the same escaping).
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Optional, Sequence

from perfdsl.render.escape import for_html

BAR = 18  # height of one bar, in SVG units (px on screen)
GAP = 8
BAR_WIDTH = 400  # the length of a 100% bar
TITLE = 24


def _width(text: str) -> int:
    """Display width of a label in SVG units at 12px: a Chinese character is about twice a Latin one."""
    return sum(12 if unicodedata.east_asian_width(ch) in "WF" else 7 for ch in text)


def _rate(text: Optional[str]) -> Optional[Decimal]:
    if not text or not text.endswith("%"):
        return None
    try:
        return Decimal(text[:-1])
    except InvalidOperation:
        return None


def bar_chart(title: str, bars: Sequence[tuple[str, Optional[str]]], chart_id: str) -> str:
    """An SVG chart of (label, rate as the document writes it, e.g. "91.25%") pairs; "" when there are none."""
    if not bars:
        return ""
    label_w = min(max(_width(label) for label, _ in bars) + 12, 260)
    height = TITLE + len(bars) * (BAR + GAP) + 24
    width = label_w + BAR_WIDTH + 70
    out = [f'<svg id="{for_html(chart_id)}" class="chart" role="img" '
           f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
           f"<title>{for_html(title)}</title>",
           f'<text x="0" y="16" font-size="14" font-weight="bold">{for_html(title)}</text>']
    for i, (label, rate_text) in enumerate(bars):
        y = TITLE + i * (BAR + GAP)
        rate = _rate(rate_text)
        out.append(f'<text x="{label_w - 8}" y="{y + BAR - 5}" font-size="12" text-anchor="end">'
                   f"{for_html(label)}</text>")
        out.append(f'<rect x="{label_w}" y="{y}" width="{BAR_WIDTH}" height="{BAR}" fill="#f2f2f2"/>')
        if rate is not None:
            length = int((min(max(rate, Decimal(0)), Decimal(100)) * BAR_WIDTH / 100).to_integral_value())
            colour = "#2f6f9f" if rate >= 90 else "#d08a1e" if rate >= 60 else "#a40000"
            out.append(f'<rect x="{label_w}" y="{y}" width="{length}" height="{BAR}" fill="{colour}">'
                       f"<title>{for_html(label)} {for_html(rate_text or '')}</title></rect>")
        out.append(f'<text x="{label_w + BAR_WIDTH + 6}" y="{y + BAR - 5}" font-size="12">'
                   f"{for_html(rate_text or '—')}</text>")
    axis_y = TITLE + len(bars) * (BAR + GAP) + 14
    for pct in (0, 60, 90, 100):
        x = label_w + BAR_WIDTH * pct // 100
        out.append(f'<text x="{x}" y="{axis_y}" font-size="10" text-anchor="middle" fill="#666">{pct}%</text>')
    out.append("</svg>")
    return "".join(out)
