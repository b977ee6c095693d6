"""Platform-specific markup is read only by an opt-in platform profile."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tarazu.domain.platform import Post
from tarazu.linkage import MirrorLinker, load_model
from tarazu.linkage.platforms import NEUTRAL, WIKIPEDIA
from tarazu.linkage.profile import build_profile
from tarazu.linkage.selffit import self_fit_start

from .conftest import T0, acct

WIKI_POSTS = [
    Post("p1", "a:1", T0, text="Reverted edits by [[Special:Contributions/Vandal99|Vandal99]]",
         context="Some article"),
    Post("p2", "a:1", T0 + timedelta(minutes=1), text="Please stop. (TW)",
         context="User talk:Vandal99"),
    Post("p3", "a:1", T0 + timedelta(minutes=2), text="sandbox notes", context="User:Patroller"),
]


def test_the_default_reads_no_wikipedia_markup():
    p = build_profile(acct("a:1", "Patroller"), WIKI_POSTS)
    assert p.n_acting_posts == 0 and p.n_own_page_posts == 0
    assert p.references == frozenset()
    assert set(p.contexts) == {"Some article", "User talk:Vandal99", "User:Patroller"}


def test_the_wikipedia_profile_reads_it():
    p = build_profile(acct("a:1", "Patroller"), WIKI_POSTS, WIKIPEDIA)
    assert p.n_acting_posts == 2  # a revert naming an account; a warning on its talk page
    assert p.n_own_page_posts == 1
    assert "vandal99" in p.references


def test_the_linker_uses_the_profile_its_model_was_fitted_with():
    assert MirrorLinker(self_fit_start()).platform is NEUTRAL
    wiki = load_model("wikisocks")
    assert wiki.meta["platform"] == "wikipedia"
    assert MirrorLinker(wiki).platform is WIKIPEDIA
    assert load_model("default").meta["platform"] == "neutral"
    removed = acct("a:1", "Patroller", status="removed", removed=T0 + timedelta(hours=1))
    neutral = MirrorLinker(self_fit_start()).add_removed(removed, WIKI_POSTS)
    assert neutral.references == frozenset()  # the neutral linker reads no markup...
    assert MirrorLinker(wiki).add_removed(removed, WIKI_POSTS).references  # ...wiki's does


# --- what a mirror is on a platform: created after the removal it continues -------------------
def _twins(platform: str = "default") -> tuple:
    """A removed account, its operator's account that stood beside it for months, and one
    created an hour after the removal; all three alike in everything but time."""
    look = dict(display_name="Umar Media", bio="Official channel of Umar Media",
                links=("https://t.me/umarmedia",), identifiers={"device": "d-111"},
                platform=platform)
    removed = acct("r:1", "umar_media", status="removed", created=T0 - timedelta(days=400),
                   removed=T0, **look)
    standing = acct("a:standing", "umar_media_2", created=T0 - timedelta(days=90), **look)
    mirror = acct("a:mirror", "umar_media_3", created=T0 + timedelta(hours=1), **look)
    return removed, standing, mirror


def _candidates(profile: str | None, platform: str = "default") -> dict[str, list[str]]:
    from tarazu.linkage import LinkerConfig

    linker = MirrorLinker(self_fit_start(), LinkerConfig(platform=profile))
    actives = linker.load(_twins(platform), [])
    return {a.account_id: [c.account_id for c in linker.candidates(a)] for a in actives}


def test_an_account_that_predates_a_removal_is_never_its_mirror_candidate():
    got = _candidates(None)
    assert got["a:mirror"] == ["r:1"]
    assert got["a:standing"] == []  # the operator's other standing account: not a successor


def test_a_removal_recorded_late_still_admits_an_account_made_just_before_it():
    slack = NEUTRAL.successor_slack
    assert slack is not None
    removed_at = T0.timestamp()
    assert NEUTRAL.may_continue(removed_at - slack.total_seconds() / 2, removed_at)
    assert not NEUTRAL.may_continue(removed_at - 2 * slack.total_seconds(), removed_at)
    assert NEUTRAL.may_continue(removed_at - 10**9, None)  # no removal time: no rule


@pytest.mark.parametrize(("profile", "platform"), [("wikipedia", "default"),
                                                   (None, "wikipedia")])
def test_sock_puppets_on_wikipedia_may_predate_the_block(profile, platform):
    """Whether Wikipedia's markup is read (the profile) or the records say they are
    Wikipedia's (the platform field), a sock may predate its master's block."""
    got = _candidates(profile, platform)
    assert got["a:standing"] == ["r:1"] and got["a:mirror"] == ["r:1"]
