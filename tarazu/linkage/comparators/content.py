"""Comparators of what the accounts post and how they write."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tarazu.linkage.comparators.identity import pdq_distance
from tarazu.linkage.corpus import Corpus
from tarazu.linkage.levels import Comparator, ComparisonResult, ConfigVar, band
from tarazu.linkage.profile import AccountProfile


def _cosine(x: np.ndarray | None, y: np.ndarray | None) -> float | None:
    if x is None or y is None:
        return None
    nx, ny = np.linalg.norm(x), np.linalg.norm(y)
    if nx == 0 or ny == 0:
        return None
    return float(x @ y / (nx * ny))


class PostTextComparator(Comparator):
    """Cosine similarity of the accounts' posts as TF-IDF character 2–4-grams (rarity from the
    accounts seen): the same vocabulary, spellings and recurring phrases."""

    NAME = "post_text"
    FAMILY = "content"
    LEVELS = ("very similar", "similar", "somewhat similar", "a little similar", "dissimilar")
    CONFIG = (ConfigVar("bands", (0.6, 0.45, 0.32, 0.2), "cosine thresholds of the first levels"),)

    FIELD = "char_tf"

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        return self.compare_many(a, [b], corpus)[0]

    def compare_many(
        self, a: AccountProfile, bs: Sequence[AccountProfile], corpus: Corpus
    ) -> list[ComparisonResult]:
        out: list[ComparisonResult | None] = [None] * len(bs)
        idx = [i for i, b in enumerate(bs) if getattr(b, self.FIELD) is not None]
        if a.char_tf is None or not idx:
            return [
                self.missing((f"{a.n_text_posts} posts", f"{b.n_text_posts} posts")) for b in bs
            ]
        sims = corpus.cosines(a.char_tf, [getattr(bs[i], self.FIELD) for i in idx])
        for i, s in zip(idx, sims, strict=True):
            values = (f"{a.n_text_posts} posts", f"{bs[i].n_text_posts} posts")
            out[i] = self.level(band(float(s), self.config["bands"], self.LEVELS), values, float(s))
        for i, b in enumerate(bs):
            if out[i] is None:
                out[i] = self.missing((f"{a.n_text_posts} posts", f"{b.n_text_posts} posts"))
        return out  # type: ignore[return-value]


class RecentTextComparator(PostTextComparator):
    """Cosine similarity (TF-IDF character 2–4-grams) of the new account's posts with the
    *last* posts of the removed one: a continuation picks up where the old account stopped."""

    NAME = "recent_text"
    FIELD = "recent_tf"


class SharedPhrasesComparator(Comparator):
    """Near-duplicate posts: how many rare four-word sequences the two accounts both wrote
    (copy-pasted statements, recycled captions). Common sequences are ignored."""

    NAME = "shared_phrases"
    FAMILY = "content"
    LEVELS = ("many shared phrases", "several shared phrases", "one shared phrase", "none")
    CONFIG = (
        ConfigVar("max_df", 3, "a phrase used by more accounts than this is not evidence"),
        ConfigVar("bands", (8, 3, 1), "shared-phrase counts of the first levels"),
    )

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        values = (f"{len(a.shingles)} phrases", f"{len(b.shingles)} phrases")
        if not a.shingles.size or not b.shingles.size:
            return self.missing(values)
        both = np.intersect1d(a.shingles, b.shingles, assume_unique=True)
        shared = int((corpus.shingle_df.counts(both) <= self.config["max_df"]).sum())
        return self.level(band(shared, self.config["bands"], self.LEVELS), values, float(shared))


class StyleComparator(Comparator):
    """Writing style: cosine of function-word rates and habits (links, hashtags, retweets,
    capitals, punctuation, post length). Needs a handful of posts on both sides."""

    NAME = "style"
    FAMILY = "content"
    LEVELS = ("very close style", "close style", "somewhat close style", "different style")
    CONFIG = (
        ConfigVar("min_posts", 3, "posts with text needed on each side"),
        ConfigVar("bands", (0.95, 0.9, 0.8), "cosine thresholds of the first levels"),
    )

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        values = (f"{a.n_text_posts} posts", f"{b.n_text_posts} posts")
        if min(a.n_text_posts, b.n_text_posts) < self.config["min_posts"]:
            return self.missing(values)
        c = _cosine(a.style, b.style)
        if c is None:
            return self.missing(values)
        return self.level(band(c, self.config["bands"], self.LEVELS), values, c)


class LanguageComparator(Comparator):
    """Overlap of the languages the two accounts post in (cosine of language shares)."""

    NAME = "language"
    FAMILY = "content"
    LEVELS = ("same language mix", "overlapping languages", "different languages")
    CONFIG = (ConfigVar("bands", (0.9, 0.4), "cosine thresholds of the first levels"),)

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        if not a.langs or not b.langs:
            return self.missing()
        top = (max(a.langs, key=a.langs.get), max(b.langs, key=b.langs.get))  # type: ignore[arg-type]
        dot = sum(v * b.langs.get(k, 0.0) for k, v in a.langs.items())
        na = sum(v * v for v in a.langs.values()) ** 0.5
        nb = sum(v * v for v in b.langs.values()) ** 0.5
        c = dot / (na * nb)
        return self.level(band(c, self.config["bands"], self.LEVELS), top, c)


class MediaComparator(Comparator):
    """Shared images and videos: identical files (MD5) or near-identical pictures (PDQ)."""

    NAME = "media"
    FAMILY = "content"
    LEVELS = ("identical media", "near-identical media", "no shared media")
    CONFIG = (
        ConfigVar("pdq_threshold", 31, "PDQ Hamming distance for near-identical"),
        ConfigVar("max_compare", 64, "PDQ hashes compared per side (most recent)"),
    )

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        na, nb = len(a.media_pdq) + len(a.media_md5), len(b.media_pdq) + len(b.media_md5)
        values = (f"{na} media", f"{nb} media")
        if not na or not nb:
            return self.missing(values)
        shared = a.media_md5 & b.media_md5
        if shared:
            return self.level("identical media", values, float(len(shared)))
        k = self.config["max_compare"]
        best = min(
            (pdq_distance(x, y) for x in a.media_pdq[-k:] for y in b.media_pdq[-k:]), default=256
        )
        if best <= self.config["pdq_threshold"]:
            return self.level("near-identical media", values, float(best))
        return self.level("no shared media", values, float(best))
