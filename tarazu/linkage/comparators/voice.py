"""The removed account's voice in the new account's profile text.

A careful operator changes the handle, the picture, the device and the name, and an account
seen only at sign-up has posted nothing: what it has written is its profile text. Writers
carry habits from one text to the next — the function words they string together, a sign-off,
an emoji, a run of punctuation — and each habit alone is common (every Urdu writer uses
"اور"), but the set of them is one writer's. So the profile text's tokens are read against
the tokens the removed account's posts use most (``AccountProfile.voice``), each weighted by
how few accounts write with it (inverse document frequency over the voices counted by the
corpus), and the level is the share of that weight the removed account's voice holds."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from tarazu.linkage.comparators.own import MU, _OwnComparator
from tarazu.linkage.corpus import Corpus
from tarazu.linkage.levels import ComparisonResult, ConfigVar
from tarazu.linkage.profile import AccountProfile, voice_hashes, voice_tokens


@lru_cache(maxsize=4096)
def profile_text_voice(bio: str) -> np.ndarray:
    """The voice hashes of a profile text (the same text recurs across candidates)."""
    return voice_hashes(voice_tokens(bio))


class OwnVoiceComparator(_OwnComparator):
    """The new account's profile text against the removed account's posts: the share, by
    rarity, of the profile text's words, emoji and punctuation runs that are among the words
    the removed account writes most. Only tokens that some account writes with count: a word
    nobody posts says nothing about who wrote it."""

    NAME = "own_voice"
    FAMILY = "content"
    LEVELS = (
        "profile text in its own words and marks",
        "several of its words and marks",
        "a few of its words",
        "none of its words",
    )
    CONFIG = (
        ConfigVar("own", 0.6, "rarity-weighted share (and 3+ tokens) for the first level"),
        ConfigVar("several", 0.35, "rarity-weighted share (and 2+ tokens) for the second"),
    )
    EXPERT_MU: MU = ((0.3, 0.002), (0.3, 0.02), (0.25, 0.2), (0.15, 0.778))

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        values = (a.bio[:80], f"{b.voice.size} words it writes most")
        text = profile_text_voice(a.bio)
        if not text.size or not b.voice.size:
            return self.missing(values)
        held = corpus.trace_df.counts(text)
        written = held > 0
        if not written.any():
            return self.missing(values)
        idf = np.log2((corpus.n + 1) / (held[written] + 1.0))
        inside = np.isin(text[written], b.voice, assume_unique=True)
        share = float(idf[inside].sum()) / max(float(idf.sum()), 1e-9)
        n = int(inside.sum())
        if n >= 3 and share >= self.config["own"]:
            label = self.LEVELS[0]
        elif n >= 2 and share >= self.config["several"]:
            label = self.LEVELS[1]
        elif n:
            label = self.LEVELS[2]
        else:
            label = self.LEVELS[3]
        return self.level(label, (values[0], f"{n} of its words and marks"), share)
