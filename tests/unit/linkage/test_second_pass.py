"""Second-pass leads (how far a pair is ahead of its rivals), the new account's activity
signals, and the cheap path of the display-name comparison."""

from datetime import timedelta

import pytest

from tarazu.domain.platform import Post
from tarazu.linkage.comparators import get_comparator
from tarazu.linkage.corpus import Corpus
from tarazu.linkage.handles import display_similarity
from tarazu.linkage.linker import MirrorLinker
from tarazu.linkage.model import expert_model
from tarazu.linkage.platforms import WIKIPEDIA
from tarazu.linkage.policy import LinkPolicy, strong_families
from tarazu.linkage.profile import build_profile
from tarazu.linkage.result import MatchResult, SignalWeight

from .conftest import T0, TTP_TEXTS, acct, posts


@pytest.mark.parametrize(
    ("total", "rival", "label"),
    [
        (10.0, 1.0, "ahead of the next candidate by 8+ bits"),
        (6.0, 1.0, "ahead by 3 to 8 bits"),
        (1.0, 1.0, "ahead by under 3 bits"),
        (0.0, 2.0, "behind the best candidate by under 3 bits"),
        (-5.0, 2.0, "behind by 3+ bits"),
        (-5.0, None, "the only candidate"),
    ],
)
def test_lead_bands(total, rival, label):
    r = get_comparator("lead").lead(total, rival, 3)
    assert r.label == label
    assert (r.raw is None) == (rival is None)


def _linker(scenario):
    linker = MirrorLinker(expert_model())
    actives = linker.load(scenario["accounts"], scenario["posts"])
    return linker, {p.account_id: p for p in actives}


def _signal(result, name):
    return next(s for s in result.signals if s.comparator == name)


def test_lead_marks_the_best_candidate_ahead_and_the_rest_behind(scenario):
    linker, actives = _linker(scenario)
    linker.record(actives.values())
    results = linker.score_profile(actives["a:mirror"])
    assert results[0].removed_id == "r:umar"
    assert _signal(results[0], "lead").label.startswith("ahead")
    assert all(_signal(r, "lead").label.startswith("behind") for r in results[1:])
    assert results[0].prior_weight + sum(s.weight for s in results[0].signals) == pytest.approx(
        results[0].total
    )


def test_successor_lead_prefers_the_closer_of_two_new_accounts(scenario):
    """Two new accounts may continue the removed one; the one that continues it far better is
    ahead, the other behind — in a batch whichever order they come in."""
    copy = acct("a:late", "someone_else", created=T0 + timedelta(days=25))
    extra = posts("a:late", TTP_TEXTS[:1], T0 + timedelta(days=25))
    linker = MirrorLinker(expert_model())
    results = linker.link_all([copy, *scenario["accounts"]], [*extra, *scenario["posts"]])
    mirror = next(r for r in results["a:mirror"] if r.removed_id == "r:umar")
    late = next(r for r in results["a:late"] if r.removed_id == "r:umar")
    assert _signal(mirror, "successor_lead").label.startswith("ahead")
    assert _signal(late, "successor_lead").label.startswith("behind")
    assert mirror.total > late.total


def test_a_batch_ranks_as_recording_everyone_then_scoring_each(scenario):
    """score_batch runs each first pass once; the answers are those of the slower way (record
    every first pass, then score each account again)."""
    linker, actives = _linker(scenario)
    batch = linker.score_batch(list(actives.values()))
    slow, again = _linker(scenario)
    slow.record(again.values())
    for aid, p in again.items():
        expected = slow.score_profile(p)
        got = batch[aid]
        assert [(r.removed_id, round(r.total, 9), round(r.probability, 9)) for r in got] == [
            (r.removed_id, round(r.total, 9), round(r.probability, 9)) for r in expected
        ]
        assert [s.label for r in got for s in r.signals] == [
            s.label for r in expected for s in r.signals
        ]


def test_streaming_sees_only_the_new_accounts_before_it(scenario):
    """One at a time, the first new account has no rival successor yet."""
    linker, actives = _linker(scenario)
    first = linker.score_profile(actives["a:mirror"])[0]
    assert _signal(first, "successor_lead").label == "no other new account may continue it"


def _wiki(account_id, handle, rows):
    acc = acct(account_id, handle, created=T0)
    ps = [
        Post(f"{account_id}:{i}", account_id, T0 + timedelta(minutes=i), text=text, context=ctx)
        for i, (text, ctx) in enumerate(rows)
    ]
    return build_profile(acc, ps, WIKIPEDIA)  # Wikipedia's markup is read by its profile


def test_activity_signals_describe_the_new_account():
    patroller = _wiki("a:p", "Patroller", [
        ("Reverted edits by [[Special:Contributions/Sock1|Sock1]] to last version", "Page A"),
        ("Warning: vandalism (TW)", "User talk:Sock1"),
        ("fixed a typo", "Page B"),
    ])
    sock = _wiki("a:s", "Sock2", [
        ("", "User:Sock2"),
        ("", "Page A"),
        ("added the company again", "Page A"),
    ])
    other = _wiki("r:x", "Master", [("text", "Page A")])
    corpus = Corpus()

    def label(name, a):
        return get_comparator(name).compare(a, other, corpus).label

    assert label("acts_on_others", patroller) == "half or more of its posts act on others"
    assert label("acts_on_others", sock) == "few or none"
    assert label("own_pages", sock) == "a third or more on its own pages"
    assert label("own_pages", patroller) == "none"
    assert label("silent_posts", sock) == "half or more without text"
    assert label("volume", sock) == "2 to 3 posts"


def test_activity_and_leads_never_count_as_independent_evidence():
    sw = (
        SignalWeight("lead", "relative", 1, "x", ("", ""), 9.0),
        SignalWeight("own_pages", "activity", 0, "x", ("", ""), 9.0),
        SignalWeight("avatar", "identity", 0, "x", ("", ""), 9.0),
    )
    r = MatchResult("a", "r", -7.0, sw, 20.0, 0.999)
    assert strong_families(r, LinkPolicy().strong_bits) == frozenset({"identity"})


def test_clearly_different_latin_names_skip_the_name_analyser():
    assert display_similarity("Security Desk", "Umar Media") < 0.75
    assert display_similarity("Umar  Media", "umar media") == 1.0


def test_pause_fit_knows_the_removed_accounts_rhythm():
    removed = build_profile(
        acct("r:b", "bot", status="removed", removed=T0),
        posts("r:b", ["x"] * 30, T0 - timedelta(minutes=40 * 29), step=timedelta(minutes=40)),
    )

    def fit(after):
        new = build_profile(acct("a:n", "new", created=T0 + after),
                            posts("a:n", ["y"] * 3, T0 + after))
        return get_comparator("pause_fit").compare(new, removed, Corpus()).label

    assert fit(timedelta(minutes=40)) == "a very typical pause for it"
    assert fit(timedelta(days=5)) == "a pause it never takes"
    assert fit(-timedelta(hours=2)) == "first post before the last old post"
