"""Comparators of where the accounts are and whom they talk about: hashtags, mentions,
contexts (pages, threads, groups), follow graph, and references to each other."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from tarazu.linkage.corpus import Corpus
from tarazu.linkage.levels import Comparator, ComparisonResult, ConfigVar, short, sorted_jaccard
from tarazu.linkage.profile import AccountProfile

_OVERLAP_LEVELS = ("many rare shared", "some rare shared", "only common shared", "none shared")


class _RareOverlap(Comparator):
    """Shared tokens weighted by rarity among the accounts seen (base for hashtags etc.)."""

    KIND = ""
    FAMILY = "network"
    LEVELS = _OVERLAP_LEVELS
    CONFIG = (
        ConfigVar("rare_bits", 4.0, "idf (bits) from which a token counts as rare"),
        ConfigVar("many", 3, "rare shared tokens for 'many rare shared'"),
    )

    def tokens(self, p: AccountProfile) -> Iterable[str]:
        return getattr(p, self.KIND)

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        ta, tb = set(self.tokens(a)), set(self.tokens(b))
        if not ta or not tb:
            return self.missing((short(ta), short(tb)))
        shared = ta & tb
        idf = {t: corpus.idf(self.KIND, t) for t in shared}
        rare = [t for t, w in idf.items() if w >= self.config["rare_bits"]]
        values = (short(shared), short(shared))
        raw = sum(idf.values())
        if len(rare) >= self.config["many"]:
            return self.level("many rare shared", values, raw)
        if rare:
            return self.level("some rare shared", values, raw)
        if shared:
            return self.level("only common shared", values, raw)
        return self.level("none shared", (short(ta), short(tb)), 0.0)


class HashtagsComparator(_RareOverlap):
    """Hashtags both accounts used, rare ones counting more."""

    NAME = "hashtags"
    KIND = "hashtags"


class MentionsComparator(_RareOverlap):
    """Accounts both mention or repost, rare ones counting more."""

    NAME = "mentions"
    KIND = "mentions"


class ContextsComparator(_RareOverlap):
    """Contexts both posted in (pages, threads, groups, channels), rare ones counting more:
    a returning operator goes back to the same few obscure pages."""

    NAME = "contexts"
    KIND = "contexts"
    CONFIG = (
        ConfigVar("rare_bits", 3.0, "idf (bits) from which a context counts as rare"),
        ConfigVar("many", 2, "rare shared contexts for 'many rare shared'"),
    )

    def tokens(self, p: AccountProfile) -> Iterable[str]:
        return p.contexts.keys()


class CoActivityComparator(Comparator):
    """How close in time the two accounts posted in a shared context (Kumar et al. 2017:
    sockpuppets post in the same discussions close in time)."""

    NAME = "co_activity"
    FAMILY = "network"
    LEVELS = (
        "same context within an hour",
        "same context within a day",
        "same context within a month",
        "same context, further apart",
        "no shared context",
    )

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        if not a.contexts or not b.contexts:
            return self.missing()
        best = float("inf")
        best_ctx = ""
        for ctx in a.contexts.keys() & b.contexts.keys():
            tb = b.contexts[ctx]
            for t in a.contexts[ctx]:
                i = bisect_left(tb, t)
                for j in (i - 1, i):
                    if 0 <= j < len(tb) and abs(tb[j] - t) < best:
                        best, best_ctx = abs(tb[j] - t), ctx
        if best_ctx == "":
            return self.level("no shared context", ("", ""), None)
        hours = best / 3600
        values = (best_ctx, f"{hours:.1f} h apart")
        for bound, label in zip((1, 24, 24 * 30), self.LEVELS, strict=False):
            if hours <= bound:
                return self.level(label, values, hours)
        return self.level("same context, further apart", values, hours)


class SocialGraphComparator(Comparator):
    """Overlap (Jaccard) of the accounts followed and following; a returning operator
    re-follows the same circle and is re-followed by it."""

    NAME = "social_graph"
    FAMILY = "network"
    LEVELS = ("high overlap", "some overlap", "little overlap", "no overlap")

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        na, nb = a.connections, b.connections
        values = (f"{na.size} connections", f"{nb.size} connections")
        if not na.size or not nb.size:
            return self.missing(values)
        j = sorted_jaccard(na, nb)
        for bound, label in zip((0.3, 0.1, 1e-9), self.LEVELS, strict=False):
            if j >= bound:
                return self.level(label, values, j)
        return self.level("no overlap", values, 0.0)


class ReferencesComparator(Comparator):
    """Whether the active account names the removed one (mentions it, posts on its user page,
    reverts it). Learned, not assumed: on Wikipedia it is mostly the editors who *fight* a
    sock that name it, so this level usually carries a negative weight."""

    NAME = "references"
    FAMILY = "network"
    LEVELS = ("names the removed account", "does not name it")

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        if a.n_posts == 0:
            return self.missing()
        if b.handle_key and b.handle_key in a.references:
            return self.level("names the removed account", (b.handle, b.handle), 1.0)
        return self.level("does not name it", ("", b.handle), 0.0)
