"""The explanation of a mirror flag as a waterfall chart (after Splink's), drawn on the server
as a table of inline SVG bars from the stored MIRROR_FLAG payload — nothing is recomputed, so
the reviewer sees exactly what the detector saw when it flagged, and no script or CDN is needed.

Bars, top to bottom: the prior (how likely any candidate pair is, before evidence), one bar per
signal that had data (up = evidence for a match, down = against), and the total. The total is
the prior plus the bars; the calibrated probability is written beside it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape

from tarazu.domain.events import EventKind, ModerationEvent, SubjectRef
from tarazu.entrypoints.web.mirror_view import (
    explain_signal,
    odds_in_words,
    probability_in_words,
    signal_rows,
)
from tarazu.entrypoints.web.templating import templates

UP, DOWN, NEUTRAL, TOTAL = "#2e7d32", "#c62828", "#9e9e9e", "#37474f"


@dataclass(frozen=True)
class Bar:
    key: str
    label: str  # the level ("same picture")
    start: float
    end: float
    kind: str  # prior | signal | total
    #: the share of the signal's weight counted (below 1: other signals restate it)
    scale: float = 1.0

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
                       "signal", float(s.get("scale", 1.0))))
        acc += w
    total = float(flag.get("total", acc))
    out.append(Bar("total", f"probability {float(flag.get('probability', 0)):.1%}", 0.0, total,
                   "total"))
    return out


def _fmt(v: float) -> str:
    return f"{v:+.1f}"


#: Width of the bar's coordinate space; the bar scales to its cell, the text does not.
SCALE = 1000


def waterfall_chart(flag: Mapping[str, Any]) -> Markup:
    """The chart as a table, one row per bar: the name, the level and the sentence that says
    what the signal measures are HTML text (so they stay readable at any screen width), and
    each bar is a small SVG stretched to its cell, drawn from the running total before it to
    the running total after it on one shared scale. Presentation attributes only: the page's
    CSP allows no inline styles."""
    bs = bars(flag)
    lo = min(0.0, *(min(b.start, b.end) for b in bs))
    hi = max(0.0, *(max(b.start, b.end) for b in bs))
    span = (hi - lo) or 1.0

    def x(v: float) -> float:
        return (v - lo) / span * SCALE

    prob = float(flag.get("probability", 0.0))
    caption = (f"Match weight of each signal for {flag.get('removed_account', '')}, in bits "
               f"(bars left of the line: against; right: for): total "
               f"{_fmt(float(flag.get('total', 0.0)))} bits, probability {prob:.1%}")
    rows = [f'<table class="waterfall"><caption class="small muted">{escape(caption)}'
            f'</caption><thead><tr><th scope="col">Signal</th>'
            f'<th scope="col" class="bar">Weight</th>'
            f'<th scope="col" class="num">Bits</th></tr></thead><tbody>']
    for b in bs:
        x0, x1 = sorted((x(b.start), x(b.end)))
        side = "for" if b.weight > 0 else "against" if b.weight < 0 else "neutral"
        value = _fmt(b.end if b.kind == "total" else b.weight)
        name = "prior" if b.kind == "prior" else b.key.replace("_", " ")
        tip = f"{b.key}: {b.label} ({_fmt(b.weight)} bits)"
        rows.append(
            f'<tr class="wf-{b.kind} wf-{side}" data-signal="{escape(b.key)}" '
            f'data-weight="{b.weight:.3f}"><th scope="row"><span class="wf-name">'
            f'{escape(name)}</span> <span class="wf-level">{escape(b.label)}</span>'
            f'<span class="wf-why">{escape(explain_signal(b.key, b.scale))}</span></th>'
            f'<td class="bar"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SCALE} 20" '
            f'preserveAspectRatio="none" width="100%" height="20" aria-hidden="true">'
            f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="0" y2="20" stroke="#555" '
            f'stroke-width="2"/><rect x="{x0:.1f}" y="3" width="{max(2.0, x1 - x0):.1f}" '
            f'height="14" fill="{b.colour}"><title>{escape(tip)}</title></rect></svg></td>'
            f'<td class="num">{value}</td></tr>')
    rows.append("</tbody></table>")
    return Markup("".join(rows))


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


templates.env.filters.setdefault("waterfall_chart", waterfall_chart)
templates.env.globals.setdefault("mirror_flags", latest_flags)
templates.env.globals.setdefault("mirror_compare_url", compare_url)
templates.env.globals.setdefault("mirror_bits_words", odds_in_words)
templates.env.globals.setdefault("mirror_probability_words", probability_in_words)
templates.env.globals.setdefault("mirror_signal_rows", signal_rows)
templates.env.filters.setdefault("ord", ord)
