"""The two-stage comparison: a deferred comparator only estimates for every candidate and
compares in full for the shortlist. What is kept must carry full comparisons, the estimate
must be exact where it claims to be, and a linker must refuse a deferral it cannot honour."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tarazu.linkage import LinkerConfig, MirrorLinker, expert_model, load_model
from tarazu.linkage.comparators import COMPARATORS, get_comparator
from tarazu.linkage.corpus import Corpus
from tarazu.linkage.levels import MISSING
from tarazu.linkage.profile import build_profile

from .conftest import T0, acct

NAMES = ["Umar Media", "عمر میڈیا", "Umar Medya", "Khalid Noor", "خالد نور", "Sara Khan",
         "Noor Khalid", "", "🌙", "Bilal Ahmed", "Umar  media", "Ahmed Bilal"]


def _removed(n: int) -> list:
    """``n`` removed accounts sharing a handle stem (so every one is a candidate), with
    display names in several scripts, some equal after folding, some missing."""
    return [
        build_profile(acct(f"r{i:03d}", f"umar_channel_{i}", status="removed",
                           created=T0 - timedelta(days=300), removed=T0 - timedelta(hours=i),
                           display_name=NAMES[i % len(NAMES)]))
        for i in range(n)
    ]


def _linker(removed: list, **config) -> MirrorLinker:
    # every registered comparator, so that the rarity-blind display_name is among them (the
    # packaged default, a self-fit, holds own_name in its place)
    linker = MirrorLinker(expert_model(tuple(c.NAME for c in COMPARATORS)), LinkerConfig(**config))
    for p in removed:
        linker.add_removed_profile(p)
    return linker


def test_display_name_estimate_is_exact_for_equal_and_missing_names():
    comp = get_comparator("display_name")
    corpus = Corpus()
    profiles = [build_profile(acct(f"a{i}", f"h{i}", display_name=n)) for i, n in enumerate(NAMES)]
    for a in profiles:
        for b in profiles:
            full, est = comp.compare(a, b, corpus), comp.estimate(a, b, corpus)
            if full.level == MISSING or full.label == "same name" and est.label == "same name":
                assert est == full
            else:  # never claims more than the full comparison finds
                assert est.label in ("different", full.label)
    # the cross-script spelling is only found by the full comparison
    latin, urdu = profiles[0], profiles[1]
    assert comp.estimate(latin, urdu, corpus).label == "different"
    assert comp.compare(latin, urdu, corpus).label != "different"


def test_kept_candidates_carry_full_comparisons():
    removed = _removed(80)
    two = _linker(removed)
    one = _linker(removed, deferred=())
    active = build_profile(acct("a1", "umar_channel_new", created=T0 + timedelta(minutes=5),
                                display_name="عمر میڈیا"))
    got = two.first_pass(active, keep=30)
    want = one.first_pass(active, keep=None)
    assert got is not None and want is not None
    comps, totals = got
    assert len(comps.candidates) == 30 < len(want[0].candidates)
    j = comps.names.index("display_name")
    full = {c.account_id: (col_j, t) for c, col_j, t in
            zip(want[0].candidates, want[0].results[j], want[1], strict=True)}
    for c, r, t in zip(comps.candidates, comps.results[j], totals, strict=True):
        assert (r, t) == full[c.account_id]  # the same verdict and total as one stage


def test_two_stages_rank_as_one_when_no_name_needs_the_full_comparison():
    # names equal after folding or missing: the estimate is exact, so are the rankings
    removed = [build_profile(acct(f"r{i:03d}", f"umar_channel_{i}", status="removed",
                                  created=T0 - timedelta(days=300),
                                  removed=T0 - timedelta(hours=i),
                                  display_name="Umar Media" if i % 3 else ""))
               for i in range(80)]
    active = build_profile(acct("a1", "umar_channel_7", created=T0 + timedelta(minutes=5),
                                display_name="UMAR media"))
    two = _linker(removed).score_profile(active)
    one = _linker(removed, deferred=()).score_profile(active)
    assert [(r.removed_id, r.total, r.probability) for r in two] == [
        (r.removed_id, r.total, r.probability) for r in one]


def test_a_linker_refuses_deferrals_it_cannot_honour():
    with pytest.raises(ValueError, match="rank comparator"):  # a model with rank comparators
        MirrorLinker(load_model("ira"), LinkerConfig(deferred=("post_text",)))
    with pytest.raises(ValueError, match="cheap estimate"):
        MirrorLinker(load_model("default"), LinkerConfig(deferred=("own_bio",)))
