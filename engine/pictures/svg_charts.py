"""Horizontal bar charts as SVG for the dashboard: drawn on the server (no script), one row of bars per label,
one bar per series; the second series is hatched as well as coloured, and every bar carries its figure as text,
so colour is never the only cue. Presentation attributes only (the pages' policy allows no inline styles)."""

from __future__ import annotations

from html import escape
from typing import NamedTuple

from engine.pictures.svg_diagram import quoteattr
from engine.pictures.text_metrics import FONT_FAMILY, text_width

FONT = 12.0
BAR = 14.0
GAP = 6.0
PAD = 8.0
WIDTH = 460.0  # about the width of its column on a desktop page: its 12 px text is drawn at about 12 px


class Series(NamedTuple):
    """One kind of bar: its name in the legend, its colour, and whether it is hatched."""

    name: str
    colour: str
    hatched: bool = False


class ChartRow(NamedTuple):
    """One label with a value per series and the text written at the end of each bar."""

    label: str
    values: tuple[float, ...]
    texts: tuple[str, ...]


def bar_chart(title: str, series: tuple[Series, ...], rows: list[ChartRow], *, key: str, top: float = 0.0) -> str:
    """An SVG bar chart (text); `key` makes its ids unique on a page; `top` is the value of a full bar (default:
    the largest value)."""
    label_w = min(max((text_width(r.label, FONT) for r in rows), default=0.0) + PAD, WIDTH * 0.4)
    text_w = max((text_width(t, FONT) for r in rows for t in r.texts), default=0.0) + PAD
    room = WIDTH - label_w - text_w - PAD
    full = top or max((v for r in rows for v in r.values), default=0.0) or 1.0
    group = len(series) * BAR + GAP * 2
    legend_h = FONT + 2 * PAD
    height = legend_h + len(rows) * group + PAD
    parts = [f'<title id="{key}-title">{escape(title)}</title>',
             f'<rect x="0" y="0" width="{WIDTH:g}" height="{height:g}" fill="#ffffff"/>']
    defs = "".join(
        f'<pattern id="{key}-hatch{n}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{s.colour}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="2.5"/></pattern>'
        for n, s in enumerate(series) if s.hatched)
    x = PAD
    for n, s in enumerate(series):
        parts.append(f'<rect x="{x:g}" y="{PAD:g}" width="14" height="{FONT:g}" fill="{_paint(key, n, s)}" '
                     f'stroke="{s.colour}"/>')
        parts.append(_text(s.name, x + 18, PAD + FONT - 2, "start"))
        x += 18 + text_width(s.name, FONT) + 16
    y = legend_h
    for row in rows:
        parts.append(_text(_cut(row.label, label_w), label_w - PAD / 2, y + GAP + len(series) * BAR / 2 + FONT / 3,
                           "end"))
        for n, (s, value, text) in enumerate(zip(series, row.values, row.texts, strict=True)):
            top_y = y + GAP + n * BAR
            w = max(room * min(value, full) / full, 0.0)
            if w:
                parts.append(f'<rect x="{label_w:g}" y="{top_y + 1:g}" width="{w:.1f}" height="{BAR - 2:g}" '
                             f'fill="{_paint(key, n, s)}" stroke="{s.colour}"/>')
            parts.append(_text(text, label_w + w + 4, top_y + BAR - 3, "start"))
        y += group
    parts.append(f'<line x1="{label_w:g}" y1="{legend_h:g}" x2="{label_w:g}" y2="{y:g}" stroke="#455a64"/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:g} {height:g}" width="{WIDTH:g}" '
            f'height="{height:g}" role="img" aria-labelledby="{key}-title" class="chart" '
            f'font-family={quoteattr(FONT_FAMILY)} font-size="{FONT:g}"><defs>{defs}</defs>{"".join(parts)}</svg>')


def _paint(key: str, n: int, series: Series) -> str:
    return f"url(#{key}-hatch{n})" if series.hatched else series.colour


def _text(text: str, x: float, y: float, anchor: str) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" fill="#263238" text-anchor="{anchor}">{escape(text)}</text>'


def _cut(text: str, width: float) -> str:
    """A label shortened with "…" to fit its column (the table beside the chart has it whole)."""
    if text_width(text, FONT) <= width - PAD:
        return text
    while text and text_width(text + "…", FONT) > width - PAD:
        text = text[:-1]
    return text + "…"
