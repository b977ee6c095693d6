"""The explanation of a mirror flag as a waterfall chart (after Splink's), drawn on the server
as inline SVG from the stored MIRROR_FLAG payload — nothing is recomputed, so the reviewer
sees exactly what the detector saw when it flagged, and no script or CDN is needed.

Bars, left to right: the prior (how likely any candidate pair is, before evidence), one bar per
signal that had data (up = evidence for a match, down = against), and the total. The total is
the prior plus the bars; the calibrated probability is written beside it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape

from tarazu.domain.events import EventKind, ModerationEvent, SubjectRef
from tarazu.entrypoints.web.templating import templates

UP, DOWN, NEUTRAL, TOTAL = "#2e7d32", "#c62828", "#9e9e9e", "#37474f"


@dataclass(frozen=True)
class Bar:
    key: str
    label: str  # the level ("same picture")
    start: float
    end: float
    kind: str  # prior | signal | total

    @property
    def weight(self) -> float:
        return self.end - self.start

    @property
    def colour(self) -> str:
        if self.kind == "total":
            return TOTAL
        if abs(self.weight) < 1e-9:
            return NEUTRAL
        return UP if self.weight > 0 else DOWN


def bars(flag: Mapping[str, Any]) -> list[Bar]:
    """The bars of one stored flag; the last (total) bar ends at the stored total."""
    prior = float(flag.get("prior_weight", 0.0))
    out = [Bar("prior", "before any evidence", 0.0, prior, "prior")]
    acc = prior
    for s in flag.get("signals", ()):
        w = float(s.get("weight", 0.0))
        if abs(w) < 0.005:
            continue
        out.append(Bar(str(s.get("comparator", "?")), str(s.get("label", "")), acc, acc + w,
                       "signal"))
        acc += w
    total = float(flag.get("total", acc))
    out.append(Bar("total", f"probability {float(flag.get('probability', 0)):.1%}", 0.0, total,
                   "total"))
    return out


def _fmt(v: float) -> str:
    return f"{v:+.1f}"


def waterfall_svg(flag: Mapping[str, Any], bar_width: int = 34, height: int = 260) -> Markup:
    """The chart as an ``<svg>`` element (presentation attributes only: the page's CSP allows
    no inline styles)."""
    bs = bars(flag)
    lo = min(0.0, *(min(b.start, b.end) for b in bs))
    hi = max(0.0, *(max(b.start, b.end) for b in bs))
    span = (hi - lo) or 1.0
    top, bottom, left = 24, 120, 44  # room for value labels, rotated names, the axis
    plot_h = height - top - bottom
    gap = 10
    width = left + len(bs) * (bar_width + gap) + 20

    def y(v: float) -> float:
        return top + (hi - v) / span * plot_h

    prob = float(flag.get("probability", 0.0))
    title = (f"Match weight waterfall for {flag.get('removed_account', '')}: total "
             f"{_fmt(float(flag.get('total', 0.0)))} bits, probability {prob:.1%}")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="waterfall" role="img" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    # axis: zero line and ticks every few bits
    step = _tick_step(span)
    t = step * (lo // step)
    while t <= hi + 1e-9:
        yy = y(t)
        parts.append(f'<line x1="{left - 4}" x2="{width - 10}" y1="{yy:.1f}" y2="{yy:.1f}" '
                     f'stroke="{"#555" if abs(t) < 1e-9 else "#e0e0e0"}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" font-size="10" '
                     f'text-anchor="end" fill="#555">{t:g}</text>')
        t += step
    parts.append(f'<text x="10" y="{top + plot_h / 2:.0f}" font-size="10" fill="#555" '
                 f'transform="rotate(-90 10 {top + plot_h / 2:.0f})" text-anchor="middle">'
                 f'match weight (bits)</text>')
    prev_end: float | None = None
    for i, b in enumerate(bs):
        x = left + i * (bar_width + gap)
        y0, y1 = sorted((y(b.start), y(b.end)))
        h = max(1.0, y1 - y0)
        if prev_end is not None and b.kind != "total":  # connector from the previous bar
            parts.append(f'<line x1="{x - gap:.0f}" x2="{x}" y1="{y(prev_end):.1f}" '
                         f'y2="{y(prev_end):.1f}" stroke="#888" stroke-dasharray="2,2"/>')
        tip = f"{b.key}: {b.label} ({_fmt(b.weight)} bits)"
        parts.append(f'<rect x="{x}" y="{y0:.1f}" width="{bar_width}" height="{h:.1f}" '
                     f'fill="{b.colour}" data-signal="{escape(b.key)}" '
                     f'data-weight="{b.weight:.3f}"><title>{escape(tip)}</title></rect>')
        value = _fmt(b.end if b.kind == "total" else b.weight)
        parts.append(f'<text x="{x + bar_width / 2:.0f}" y="{y0 - 4:.1f}" font-size="10" '
                     f'text-anchor="middle" fill="#222">{value}</text>')
        lx, ly = x + bar_width / 2, top + plot_h + 10
        parts.append(f'<text x="{lx:.0f}" y="{ly:.0f}" font-size="10" text-anchor="end" '
                     f'fill="#222" transform="rotate(-45 {lx:.0f} {ly:.0f})">'
                     f'{escape(b.key.replace("_", " "))}</text>')
        prev_end = b.end
    parts.append(f'<text x="{width - 12}" y="{top - 8}" font-size="12" text-anchor="end" '
                 f'fill="{TOTAL}" font-weight="bold">probability {prob:.1%}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _tick_step(span: float) -> float:
    for step in (1, 2, 5, 10, 20, 50):
        if span / step <= 8:
            return float(step)
    return 100.0


def latest_flags(events: Iterable[ModerationEvent]) -> list[Mapping[str, Any]]:
    """The most recent flag per removed account, most probable first."""
    latest: dict[str, Mapping[str, Any]] = {}
    for e in events:
        if e.kind is EventKind.MIRROR_FLAG:
            latest[str(e.payload.get("removed_account"))] = e.payload
    return sorted(latest.values(), key=lambda p: -float(p.get("probability", 0)))


def compare_url(ref: SubjectRef, removed_account: str) -> str:
    return (f"/cases/{ref.type.value}/{quote(ref.id, safe='')}/mirror/"
            f"{quote(removed_account, safe='')}")


def flag_table(flag: Mapping[str, Any]) -> Sequence[Bar]:
    """The same bars for the table under the chart (screen readers, copying)."""
    return bars(flag)


templates.env.filters.setdefault("waterfall_svg", waterfall_svg)
templates.env.globals.setdefault("mirror_flags", latest_flags)
templates.env.globals.setdefault("mirror_compare_url", compare_url)
templates.env.globals.setdefault("waterfall_bars", flag_table)
