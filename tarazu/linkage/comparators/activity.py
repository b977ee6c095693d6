"""Comparators of what the new account *does*, whoever the candidate: these describe the active
account alone, so they never change which removed account ranks first; they move how much a
first place is worth. On Wikipedia the hard negatives are the patrollers who revert and warn a
sock on the same pages: they act on other people's edits, a returning sock mostly edits its
own pages and the articles it was after. Family ``activity``: never counted as independent
evidence and never as identity evidence for the policy."""

from __future__ import annotations

from tarazu.linkage.corpus import Corpus
from tarazu.linkage.levels import Comparator, ComparisonResult, ConfigVar, band
from tarazu.linkage.profile import AccountProfile


class _ShareComparator(Comparator):
    """Share of the new account's posts with some property, in bands."""

    FAMILY = "activity"
    CONFIG = (ConfigVar("bands", (0.5, 0.1), "shares of the first two levels"),)
    FIELD = ""
    ACTIVE_ONLY = True

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        if a.n_posts == 0:
            return self.missing()
        n = getattr(a, self.FIELD)
        share = n / a.n_posts
        values = (f"{n} of {a.n_posts} posts", "")
        return self.level(band(share, self.config["bands"], self.LEVELS), values, share)


class ActsOnOthersComparator(_ShareComparator):
    """Share of the new account's posts that act on other accounts: reverts, undos, warnings,
    posts naming another account or written on another account's talk page."""

    NAME = "acts_on_others"
    LEVELS = ("half or more of its posts act on others", "some do (10 to 50 %)", "few or none")
    FIELD = "n_acting_posts"


class OwnPagesComparator(_ShareComparator):
    """Share of the new account's posts on its own user or talk pages (setting up a new
    identity, answering its own block notices)."""

    NAME = "own_pages"
    LEVELS = ("a third or more on its own pages", "some (5 to 33 %)", "none")
    CONFIG = (ConfigVar("bands", (1 / 3, 0.05), "shares of the first two levels"),)
    FIELD = "n_own_page_posts"


class SilentPostsComparator(_ShareComparator):
    """Share of the new account's posts without any text (an edit without a summary)."""

    NAME = "silent_posts"
    LEVELS = ("half or more without text", "some (10 to 50 %)", "few or none")
    FIELD = "n_empty_posts"


class VolumeComparator(Comparator):
    """How many posts the new account has: one edit by a passer-by is weaker evidence of
    anything than a run of twenty."""

    NAME = "volume"
    FAMILY = "activity"
    ACTIVE_ONLY = True
    LEVELS = ("one post", "2 to 3 posts", "4 to 10 posts", "more than 10 posts")

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        n = a.n_posts
        if n == 0:
            return self.missing()
        i = 0 if n == 1 else 1 if n <= 3 else 2 if n <= 10 else 3
        return self.level(self.LEVELS[i], (f"{n} posts", ""), float(n))
