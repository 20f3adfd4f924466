"""Two small SVG charts, drawn as text: horizontal bars and weekly lines. Every label is
escaped; sizes are fixed so the pictures look the same in the browser, a file or a print."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

PALETTE = ("#1d5fa8", "#d9822b", "#2e8b57", "#8e44ad", "#c0392b")
FONT = 'font-family="sans-serif" fill="#222"'
TEXT = FONT + ' font-size="12"'
WIDTH = 720


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    note: str = ""  # written after the bar, e.g. "120 (80,0 %)"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label={quoteattr(title)}>'
        f"<title>{escape(title)}</title>"
        f'<rect width="{width}" height="{height}" fill="#fff"/>'
        f'<text x="8" y="20" {FONT} font-size="14" font-weight="bold">{escape(title)}</text>'
        + "".join(body) + "</svg>"
    )


def nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def bar_chart(title: str, bars: Sequence[Bar], label_width: int = 190) -> str:
    """One horizontal bar per item, longest = the largest value."""
    row, top = 24, 36
    height = top + row * max(len(bars), 1) + 12
    plot = WIDTH - label_width - 150
    top_value = max((b.value for b in bars), default=0) or 1
    body = []
    if not bars:
        body.append(f'<text x="8" y="{top + 14}" {TEXT}>Tidak ada data.</text>')
    for i, bar in enumerate(bars):
        y = top + i * row
        length = max(plot * bar.value / top_value, 0)
        body.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" {TEXT}>'
            f"{escape(bar.label)}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" '
            f'fill="{PALETTE[0]}"><title>{escape(bar.label)}: {escape(bar.note)}</title></rect>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 15}" {TEXT}>'
            f"{escape(bar.note)}</text>"
        )
    return _svg(WIDTH, height, title, body)


def _axis(left: int, top: int, plot_w: int, plot_h: int, top_value: float) -> list[str]:
    body = []
    for step in range(5):
        value = top_value * step / 4
        y = top + plot_h - plot_h * step / 4
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#ddd"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {TEXT}>'
            f"{value:g}</text>"
        )
    return body


def _legend(series: Sequence[Series], x: int, y: int) -> list[str]:
    body = []
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        body.append(
            f'<rect x="{x + i * 150}" y="{y - 10}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + i * 150 + 18}" y="{y}" {TEXT}>{escape(s.name)}</text>'
        )
    return body


def line_chart(title: str, x_labels: Sequence[str], series: Sequence[Series]) -> str:
    """One line per series over the same x positions (weeks), with a y axis and a legend."""
    left, top, plot_w, plot_h = 56, 56, WIDTH - 80, 220
    n = max(len(x_labels), 1)
    # Counts: at least 4, so the five ticks are whole numbers.
    top_value = max(nice_max(max((v for s in series for v in s.values), default=0)), 4)
    step_x = plot_w / max(n - 1, 1)
    body = _axis(left, top, plot_w, plot_h, top_value) + _legend(series, left, 44)
    every = max(1, math.ceil(n / 12))  # at most a dozen x labels
    for i, label in enumerate(x_labels):
        if i % every == 0:
            body.append(f'<text x="{left + i * step_x:.1f}" y="{top + plot_h + 18}" '
                        f'text-anchor="middle" {TEXT}>{escape(label)}</text>')
    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(
            f"{left + i * step_x:.1f},{top + plot_h - plot_h * v / top_value:.1f}"
            for i, v in enumerate(s.values)
        )
        body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"/>')
        for i, v in enumerate(s.values):
            body.append(
                f'<circle cx="{left + i * step_x:.1f}" '
                f'cy="{top + plot_h - plot_h * v / top_value:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(s.name)} {escape(x_labels[i])}: {v:g}</title></circle>"
            )
    return _svg(WIDTH, top + plot_h + 32, title, body)
