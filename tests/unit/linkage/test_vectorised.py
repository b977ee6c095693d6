"""The vectorised comparators give what the pair-at-a-time ones give — level, label and the
values a reviewer reads, for every candidate — on generated profiles with their edge cases
(missing features, zero pauses, every band of every level), and the linker's results are the
same with and without them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from bench.synthetic_accounts import Generator
from tarazu.linkage import LinkerConfig, MirrorLinker, load_model
from tarazu.linkage.columnar.store import RemovedColumns
from tarazu.linkage.columnar.vectorised import VECTORISED
from tarazu.linkage.corpus import Corpus
from tarazu.linkage.profile import build_profiles

#: comparators whose vectorised arithmetic is the pair form's, operation for operation
EXACT = {"creation_gap", "tempo", "pause"}


def _variants(p, rng):
    """The profile and edge cases of it: each feature a comparator reads, missing or odd."""
    hours = float(rng.choice([0.05, 0.5, 3, 12, 72, 400, 3000, 20000, -10, -2000, -20000]))
    yield replace(p, removed_at=p.created_at - timedelta(hours=hours * rng.uniform(0.5, 1.5)))
    yield replace(p, removed_at=None, median_pause=None, hours=None, style=None)
    yield replace(p, median_pause=0.0, log_pauses=None, last_post=None)
    yield replace(p, median_pause=float(rng.choice([30.0, 600.0, 7200.0, 86400.0 * 9])),
                  n_text_posts=int(rng.integers(0, 6)), n_posts=int(rng.integers(0, 9)))
    if p.style is not None:
        yield replace(p, style=np.zeros_like(p.style))
    if p.last_post is not None:
        yield replace(p, last_post=p.last_post + timedelta(days=float(rng.uniform(-30, 30))))


@pytest.fixture(scope="module")
def profiles():
    rng = np.random.default_rng(5)
    gen = Generator(23)
    removed = list(gen.removed_set(120))
    new = gen.new_accounts(30, removed)
    rem = build_profiles([a for a, _ in removed], {a.account_id: ps for a, ps in removed})
    act = build_profiles([a for a, _ in new], {a.account_id: ps for a, ps in new})
    rem_all = [replace(v, account_id=f"{p.account_id}~{i}") for p in rem
               for i, v in enumerate(_variants(p, rng))]
    act_all = [v for p in act for v in _variants(p, rng)]
    return rem_all, act_all


@pytest.mark.parametrize("cls", list(VECTORISED), ids=lambda c: c.NAME)
@pytest.mark.parametrize("config", ["default", "other bands"])
def test_vectorised_comparator_matches_the_pair_form_level_for_level(cls, config, profiles):
    removed, actives = profiles
    overrides = {}
    if config == "other bands":
        defaults = {c.name: c.default for c in cls.CONFIG}
        if "bands" in defaults:
            overrides["bands"] = tuple(b * 0.9 for b in defaults["bands"])
        if "min_posts" in defaults:
            overrides["min_posts"] = 1
    comp = cls(**overrides)
    cols = RemovedColumns(capacity=16)  # grows while filled
    for p in removed:
        cols.add(p)
    for p in removed[::7]:  # rows recycled after withdrawals
        cols.remove(p.account_id)
        cols.add(p)
    fast = VECTORISED[cls]
    corpus = Corpus()
    seen_levels: set[int] = set()
    for k, a in enumerate(actives):
        cands = removed[k % 5 :: 5][:60]
        want = [comp.compare(a, b, corpus) for b in cands]
        got = fast(comp, a, cols.rows([b.account_id for b in cands]), cols)
        for w, g, b in zip(want, got, cands, strict=True):
            assert (g.comparator, g.level, g.label, g.values) == \
                (w.comparator, w.level, w.label, w.values), (a.account_id, b.account_id)
            if w.raw is None or g.raw is None:
                assert w.raw is g.raw is None
            elif cls.NAME in EXACT:
                assert g.raw == w.raw
            else:
                assert g.raw == pytest.approx(w.raw, rel=1e-5, abs=1e-6)
            seen_levels.add(w.level)
    assert len(seen_levels) >= 3  # the data reached several levels, missing among them
    assert -1 in seen_levels


def test_the_linker_gives_the_same_results_with_and_without_vectorised_comparators():
    gen = Generator(31)
    removed = list(gen.removed_set(400))
    new = gen.new_accounts(40, removed)
    profiles = build_profiles([a for a, _ in removed], {a.account_id: ps for a, ps in removed})
    linkers = []
    for vectorise in (True, False):
        lk = MirrorLinker(load_model("default"), LinkerConfig(vectorise=vectorise))
        for p in profiles:
            lk.add_removed_profile(p)
        for p in profiles[::9]:
            lk.withdraw(p.account_id)
        linkers.append(lk)
    fast, slow = linkers
    assert fast._fast and not slow._fast
    compared = 0
    for acc, posts in new:
        a, b = fast.score(acc, posts, top_k=10), slow.score(acc, posts, top_k=10)
        assert [r.removed_id for r in a] == [r.removed_id for r in b]
        for x, y in zip(a, b, strict=True):
            assert [(s.comparator, s.level, s.label, s.weight, s.values) for s in x.signals] \
                == [(s.comparator, s.level, s.label, s.weight, s.values) for s in y.signals]
            assert x.total == y.total and x.probability == y.probability
            compared += 1
    assert compared > 100
