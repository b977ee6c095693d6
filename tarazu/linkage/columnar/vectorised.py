"""Comparators computed for all candidates of a new account at once, over the removed set's
columns (:class:`.store.RemovedColumns`), giving the very results the pair-at-a-time
``compare`` gives: the same level, label and rendered values (what the reviewer reads) and
the same measured quantity — exactly where the arithmetic is the same (times, ratios), to the
last bits of a float32 sum otherwise (cosines, kernel densities: a sum in another order).

Only comparators with a parity test against their pair form are here (``VECTORISED``, and
``ESTIMATES`` for the cheap first-stage verdict of a deferred comparator); the linker
compares every other one pair by pair. Keyed by class, not name: a comparator replaced under
the same name, or a subclass, falls back to its own ``compare``."""

from __future__ import annotations

from typing import Any

import numpy as np

from tarazu.linkage.columnar import content, identity, network, own
from tarazu.linkage.columnar.common import Vectorised, band_many, results
from tarazu.linkage.columnar.store import RemovedColumns, micros
from tarazu.linkage.comparators.content import (
    LanguageComparator,
    MediaComparator,
    PostTextComparator,
    RecentTextComparator,
    SharedPhrasesComparator,
    StyleComparator,
)
from tarazu.linkage.comparators.identity import (
    AvatarComparator,
    BioComparator,
    DisplayNameComparator,
    HandleComparator,
)
from tarazu.linkage.comparators.network import (
    ContextsComparator,
    HashtagsComparator,
    MentionsComparator,
    SocialGraphComparator,
)
from tarazu.linkage.comparators.own import (
    EmojiComparator,
    OwnAvatarComparator,
    OwnBioComparator,
    OwnCircleComparator,
    OwnHandleComparator,
    OwnIdentifiersComparator,
    OwnLinksComparator,
    OwnMediaComparator,
    OwnNameComparator,
    ScriptMixComparator,
)
from tarazu.linkage.comparators.timing import (
    HOUR,
    ActivityHoursComparator,
    CreationGapComparator,
    PauseComparator,
    PauseFitComparator,
    TempoComparator,
)
from tarazu.linkage.comparators.voice import OwnVoiceComparator
from tarazu.linkage.corpus import Corpus
from tarazu.linkage.levels import ComparisonResult
from tarazu.linkage.profile import AccountProfile


def creation_gap(comp: CreationGapComparator, a: AccountProfile, rows: np.ndarray,
                 cols: RemovedColumns, corpus: Corpus) -> list[ComparisonResult]:
    ok = cols.has_removed[rows]
    hours = (micros(a.created_at) - cols.removed_us[rows]) / 1e6 / HOUR
    bounds = np.asarray(comp.config["after_hours"], dtype=np.float64)
    after = np.searchsorted(bounds, hours, side="left")  # first bound with hours <= bound
    after = np.where(after < len(bounds), after, comp.LEVELS.index("over a year after"))
    before = np.where(hours >= -24 * 30, comp.LEVELS.index("created up to 30 days before removal"),
                      np.where(hours >= -24 * 365,
                               comp.LEVELS.index("30 to 365 days before removal"),
                               comp.LEVELS.index("over a year before removal")))
    levels = np.where(hours >= 0, after, before)
    a_iso = a.created_at.isoformat()
    ps = cols.profiles(rows)  # what they were when compared, whatever changes after

    def values(i: int) -> tuple[str, str]:
        return a_iso, ps[i].removed_at.isoformat()  # type: ignore[union-attr]

    return results(comp, ok, levels, values, hours.tolist(), (a_iso, ""))


def tempo(comp: TempoComparator, a: AccountProfile, rows: np.ndarray, cols: RemovedColumns,
          corpus: Corpus) -> list[ComparisonResult]:
    mp = cols.median_pause[rows]
    ok = ~np.isnan(mp) & (mp != 0) & bool(a.median_pause)
    if not ok.any():
        return results(comp, ok, np.zeros(len(rows), dtype=np.int64), [], [], ("", ""))
    am = float(a.median_pause or 0.0)
    r = max(am, 60.0) / np.maximum(np.nan_to_num(mp), 60.0)
    r = np.maximum(r, 1 / r)
    levels = np.where(r <= 1.5, 0, np.where(r <= 3, 1, 2))
    av = f"{am / 60:.0f} min"
    mps = mp.tolist()
    return results(comp, ok, levels, lambda i: (av, f"{mps[i] / 60:.0f} min"), r.tolist(),
                   ("", ""))


def _gaps(a_time: Any, rows: np.ndarray, cols: RemovedColumns) -> np.ndarray:
    """Seconds from each row's last post to ``a_time``, as ``timedelta.total_seconds`` gives."""
    return (micros(a_time) - cols.last_post_us[rows]) / 1e6


def pause(comp: PauseComparator, a: AccountProfile, rows: np.ndarray, cols: RemovedColumns,
          corpus: Corpus) -> list[ComparisonResult]:
    mp = cols.median_pause[rows]
    ok = cols.has_last_post[rows] & ~np.isnan(mp) & (mp != 0) & (a.first_post is not None)
    if not ok.any():
        return results(comp, ok, np.zeros(len(rows), dtype=np.int64), [], [], ("", ""))
    gap = _gaps(a.first_post, rows, cols)
    mp = np.where(ok, mp, 1.0)
    ratio = gap / np.maximum(60.0, mp)
    bounds = np.asarray(comp.config["bands"], dtype=np.float64)
    within = np.searchsorted(bounds, ratio, side="left")
    within = np.where(within < len(bounds), within, comp.LEVELS.index("over 100 usual pauses"))
    early = gap < 0
    levels = np.where(early, comp.LEVELS.index("first post before the last old post"), within)
    raw = np.where(early, gap / mp, ratio)
    first = f"first post {a.first_post.isoformat()}" if a.first_post else ""
    mps = mp.tolist()
    return results(comp, ok, levels, lambda i: (first, f"usual pause {mps[i] / 60:.0f} min"),
                   raw.tolist(), ("", ""))


def pause_fit(comp: PauseFitComparator, a: AccountProfile, rows: np.ndarray,
              cols: RemovedColumns, corpus: Corpus) -> list[ComparisonResult]:
    ok = cols.has_last_post[rows] & (cols.pause_len[rows] >= 0) & (a.first_post is not None)
    n = len(rows)
    if not ok.any():
        return results(comp, ok, np.zeros(n, dtype=np.int64), [], [], ("", ""))
    gap = _gaps(a.first_post, rows, cols)
    bw = float(comp.config["bandwidth"])
    fit = ok & (gap >= 0)
    density = np.zeros(n)
    fit_rows = rows[fit]
    if fit_rows.size:
        pauses, lens = cols.pauses(fit_rows)
        at = np.log10(np.maximum(gap[fit], 60.0))
        z = (np.repeat(at, lens) - pauses) / bw
        starts = np.zeros(len(lens), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        sums = np.add.reduceat(np.exp(-0.5 * z * z), starts)
        density[fit] = sums / lens / (bw * np.sqrt(2 * np.pi))
    levels = np.where(fit, band_many(density, comp.config["bands"]),
                      comp.LEVELS.index("first post before the last old post"))
    counts, gaps = np.maximum(cols.pause_len[rows], 0).tolist(), gap.tolist()

    def values(i: int) -> tuple[str, str]:
        return f"{gaps[i] / HOUR:.1f} h after its last post", f"{counts[i]} pauses"

    raw: list[float | None] = [d if f else None for d, f in zip(density.tolist(), fit.tolist(),
                                                                  strict=True)]
    return results(comp, ok, levels, values, raw, ("", ""))


def _cosines(x: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cosines of ``x`` with each row of ``m`` (float32, as the pair form), and where both
    norms are non-zero."""
    nx = np.linalg.norm(x)
    nm = np.sqrt(np.einsum("ij,ij->i", m, m))
    good = (nm != 0) & (nx != 0)
    denom = np.where(good, nx * nm, np.float32(1))
    return (m @ x) / denom, good


def style(comp: StyleComparator, a: AccountProfile, rows: np.ndarray, cols: RemovedColumns,
          corpus: Corpus) -> list[ComparisonResult]:
    n_text = cols.n_text_posts[rows]
    av = f"{a.n_text_posts} posts"
    ks = n_text.tolist()

    def values(i: int) -> tuple[str, str]:
        return av, f"{ks[i]} posts"

    ok = (np.minimum(a.n_text_posts, n_text) >= comp.config["min_posts"]) & cols.has_style[rows]
    if a.style is None or cols.style_dim is None or not ok.any() \
            or a.style.shape[0] != cols.style_dim:
        return results(comp, np.zeros(len(rows), dtype=bool), n_text, values, [], values)
    c, good = _cosines(a.style, cols.style(rows))
    ok &= good
    return results(comp, ok, band_many(c, comp.config["bands"]), values,
                    [float(v) for v in c.tolist()], values)


def activity_hours(comp: ActivityHoursComparator, a: AccountProfile, rows: np.ndarray,
                   cols: RemovedColumns, corpus: Corpus) -> list[ComparisonResult]:
    ok = cols.has_hours[rows] & (np.minimum(a.n_posts, cols.n_posts[rows])
                                 >= comp.config["min_posts"]) & (a.hours is not None)
    if not ok.any():
        return results(comp, ok, np.zeros(len(rows), dtype=np.int64), [], [], ("", ""))
    h = cols.hours(rows)
    nx = np.linalg.norm(a.hours)
    with np.errstate(invalid="ignore", divide="ignore"):  # rows without hours: not ok
        c = (h @ a.hours) / (nx * np.sqrt(np.einsum("ij,ij->i", h, h)))
    ap = f"peak {int(np.argmax(a.hours)):02d}h"
    peaks = np.argmax(h, axis=1).tolist()
    levels = band_many(c, comp.config["bands"])
    return results(comp, ok, levels, lambda i: (ap, f"peak {peaks[i]:02d}h"),
                   [float(v) for v in c.tolist()], ("", ""))


#: comparator class -> its vectorised form (each with a parity test)
VECTORISED: dict[type, Vectorised] = {
    HandleComparator: identity.handle,
    DisplayNameComparator: identity.display_name,
    BioComparator: identity.bio,
    AvatarComparator: identity.avatar,
    SharedPhrasesComparator: content.shared_phrases,
    LanguageComparator: content.language,
    MediaComparator: content.media,
    PostTextComparator: content.post_text,
    RecentTextComparator: content.post_text,
    HashtagsComparator: network.rare_overlap,
    MentionsComparator: network.rare_overlap,
    ContextsComparator: network.rare_overlap,
    SocialGraphComparator: network.social_graph,
    CreationGapComparator: creation_gap,
    TempoComparator: tempo,
    PauseComparator: pause,
    PauseFitComparator: pause_fit,
    StyleComparator: style,
    ActivityHoursComparator: activity_hours,
    EmojiComparator: network.rare_overlap,
    OwnBioComparator: own.own_bio,
    OwnLinksComparator: own.own_links,
    OwnIdentifiersComparator: own.own_identifiers,
    OwnCircleComparator: own.own_circle,
    OwnVoiceComparator: own.own_voice,
    ScriptMixComparator: own.script_mix,
    OwnAvatarComparator: own.pictures,
    OwnMediaComparator: own.pictures,
    OwnHandleComparator: own.own_handle,
}


#: comparator class -> the vectorised form of its ``estimate`` (for those that estimate)
ESTIMATES: dict[type, Vectorised] = {
    DisplayNameComparator: identity.display_name_estimate,
    OwnNameComparator: identity.own_name_estimate,
}


def vectorised_form(comp: object) -> Vectorised | None:
    return VECTORISED.get(type(comp))


def vectorised_estimate(comp: object) -> Vectorised | None:
    return ESTIMATES.get(type(comp))
