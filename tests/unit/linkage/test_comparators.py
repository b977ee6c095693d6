from datetime import timedelta

import pytest

from tarazu.linkage.comparators import COMPARATORS, RELATIVE, comparator_docs, get_comparator
from tarazu.linkage.corpus import Corpus
from tarazu.linkage.levels import MISSING
from tarazu.linkage.profile import build_profile, build_profiles
from tarazu.linkage.text import link_key

from .conftest import T0, acct, posts


def _pair(scenario, a="mirror", b="src"):
    by = {}
    for p in scenario["posts"]:
        by.setdefault(p.account_id, []).append(p)
    profs = {p.account_id: p for p in build_profiles(scenario["accounts"], by)}
    corpus = Corpus()
    for p in profs.values():
        corpus.add(p)
    return profs[scenario[a].account_id], profs[scenario[b].account_id], corpus


def test_registry_is_documented_and_unique():
    docs = comparator_docs()
    names = [d["name"] for d in docs]
    assert len(names) == len(set(names))
    for d in docs:
        assert d["description"], d["name"]
        assert d["levels"]
    with pytest.raises(KeyError):
        get_comparator("nope")
    with pytest.raises(ValueError):
        get_comparator("handle", not_a_setting=1)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("handle", "long shared run"),  # umarmedia2 vs umarmediaofficial
        ("display_name", "same name"),
        ("bio", "same bio"),
        ("profile_links", "same channel or invite"),
        ("avatar", "same picture"),
        ("identifiers", "one strong identifier shared"),
        ("creation_gap", "created within 10 minutes after removal"),
        ("hashtags", "only common shared"),
    ],
)
def test_mirror_levels(scenario, name, expected):
    a, b, corpus = _pair(scenario)
    r = get_comparator(name).compare(a, b, corpus)
    assert r.label == expected, (name, r)
    assert r.comparator == name


def test_text_similarity_ranks_mirror_above_bystander(scenario):
    m, src, corpus = _pair(scenario)
    comp = get_comparator("post_text")
    by = {}
    for p in scenario["posts"]:
        by.setdefault(p.account_id, []).append(p)
    cat = build_profiles([a for a in scenario["accounts"] if a.account_id == "a:cats"], by)[0]
    sim_m = comp.compare(m, src, corpus).raw
    sim_c = comp.compare(cat, src, corpus).raw
    assert sim_m > 0.5 > sim_c


@pytest.mark.parametrize("cls", COMPARATORS, ids=lambda c: c.NAME)
def test_missing_fields_give_missing_level_not_error(cls):
    bare_a = build_profile(acct("a", "x", created=T0))
    bare_b = build_profile(acct("b", "", status="removed", created=T0))
    r = cls().compare(bare_a, bare_b, Corpus())
    assert r.level == MISSING
    assert r.missing


def test_creation_gap_before_removal():
    a = build_profile(acct("a", "x", created=T0 - timedelta(days=800)))
    b = build_profile(acct("b", "y", status="removed", created=T0 - timedelta(days=900),
                           removed=T0))
    r = get_comparator("creation_gap").compare(a, b, Corpus())
    assert r.label == "over a year before removal"


def test_rank_comparator_orders_candidates():
    gap = get_comparator("creation_gap")
    rank = get_comparator("gap_rank")
    a = build_profile(acct("a", "x", created=T0))
    bs = [build_profile(acct(f"b{i}", "y", status="removed", created=T0 - timedelta(days=9),
                             removed=T0 - timedelta(hours=h))) for i, h in enumerate((5, 1, 30))]
    base = [gap.compare(a, b, Corpus()) for b in bs]
    ranked = rank.rank_all(base)
    assert [r.raw for r in ranked] == [2.0, 1.0, 3.0]
    assert ranked[1].label == "closest of all candidates"
    assert RELATIVE


def test_link_keys_normalise_channels_and_sites():
    assert link_key("https://t.me/s/UmarMedia") == link_key("telegram.me/umarmedia")
    assert link_key("https://chat.whatsapp.com/AbC") == "whatsapp:AbC"
    assert link_key("https://www.news.example.co.uk/a/b") == "site:example.co.uk"
    assert link_key("not a url") is None


def test_co_activity_levels():
    a = build_profile(acct("a", "x"), posts("a", ["edit"], T0, context="Page A"))
    b = build_profile(acct("b", "y", status="removed", removed=T0),
                      posts("b", ["edit"], T0 + timedelta(minutes=20), context="Page A"))
    c = build_profile(acct("c", "z", status="removed", removed=T0),
                      posts("c", ["edit"], T0, context="Page B"))
    comp = get_comparator("co_activity")
    assert comp.compare(a, b, Corpus()).label == "same context within an hour"
    assert comp.compare(a, c, Corpus()).label == "no shared context"


def test_shared_phrases_ignore_phrases_everyone_uses():
    texts = ["placeholder bulletin from the group about north waziristan tonight again"] * 2
    a = build_profile(acct("a", "x"), posts("a", texts, T0))
    b = build_profile(acct("b", "y", status="removed", removed=T0), posts("b", texts, T0))
    corpus = Corpus()
    corpus.add(a)
    corpus.add(b)
    comp = get_comparator("shared_phrases")
    assert comp.compare(a, b, corpus).label == "several shared phrases"  # 7 four-word runs
    for i in range(4):  # the same statement reposted by four more accounts: no longer evidence
        corpus.add(build_profile(acct(f"c{i}", "z"), posts(f"c{i}", texts, T0)))
    assert comp.compare(a, b, corpus).label == "none"


def test_every_comparator_documents_itself():
    from tarazu.linkage.comparators import RELATIVE, comparator_docs

    docs = comparator_docs()
    assert len({d["name"] for d in docs}) == len(docs)
    for d in docs:
        assert d["description"] and d["levels"], d["name"]
    relative = {d["name"]: d for d in docs if d["name"] in {c.NAME for c in RELATIVE}}
    assert relative and all(d["relative_to"] for d in relative.values())


def test_a_tie_for_closest_is_no_candidate_being_closest():
    """Removals of one takedown wave are equally close in time to a new account: none of
    them is "closest of all candidates" (the rank used to say so of every one)."""
    from tarazu.linkage.comparators.relative import GapRankComparator
    from tarazu.linkage.levels import ComparisonResult

    def gap(hours: float) -> ComparisonResult:
        return ComparisonResult("creation_gap", 1, "x", ("", ""), hours)

    tied = GapRankComparator().rank_all([gap(5.0), gap(5.0), gap(5.0), gap(9.0)])
    assert [r.label for r in tied] == ["third to fifth"] * 3 + ["third to fifth"]
    alone = GapRankComparator().rank_all([gap(1.0), gap(5.0), gap(5.0)])
    assert [r.label for r in alone] == ["closest of all candidates", "third to fifth",
                                        "third to fifth"]
