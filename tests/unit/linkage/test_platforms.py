"""Platform-specific markup is read only by an opt-in platform profile."""

from __future__ import annotations

from datetime import timedelta

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
