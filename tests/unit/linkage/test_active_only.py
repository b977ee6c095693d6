"""Comparators that read the active account alone compare once per new account; their results
must be those of comparing with each candidate."""

from datetime import timedelta

from tarazu.linkage.comparators import COMPARATORS
from tarazu.linkage.corpus import Corpus
from tarazu.linkage.profile import build_profile

from .conftest import T0, TTP_TEXTS, acct, posts


def _candidates():
    return [
        build_profile(acct(f"r{i}", f"removed{i}", status="removed", removed=T0),
                      posts(f"r{i}", TTP_TEXTS[: i + 1], T0 - timedelta(days=i)))
        for i in range(4)
    ] + [build_profile(acct("r9", "silent", status="removed", removed=T0))]


def test_active_only_comparators_give_each_candidate_its_own_verdict():
    cands = _candidates()
    corpus = Corpus()
    for c in cands:
        corpus.add(c)
    active = [build_profile(acct("a", "a"), posts("a", TTP_TEXTS[:3] + [""], T0)),
              build_profile(acct("b", "b"))]
    flagged = [c for c in COMPARATORS if c.ACTIVE_ONLY]
    assert {c.NAME for c in flagged} == {"acts_on_others", "own_pages", "silent_posts", "volume"}
    for cls in flagged:
        comp = cls()
        for a in active:
            assert comp.compare_many(a, cands, corpus) == [comp.compare(a, b, corpus)
                                                           for b in cands]
            assert comp.compare_many(a, [], corpus) == []


def test_other_comparators_still_compare_every_candidate():
    cands = _candidates()
    handle = next(c for c in COMPARATORS if c.NAME == "handle")()
    a = build_profile(acct("a", "removed1"))
    got = handle.compare_many(a, cands, Corpus())
    assert got == [handle.compare(a, b, Corpus()) for b in cands]
    assert len({r.label for r in got}) > 1
