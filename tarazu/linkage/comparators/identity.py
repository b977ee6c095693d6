"""Comparators of how an account presents itself: handle, display name, bio, links, avatar."""

from __future__ import annotations

from tarazu.linkage.corpus import Corpus
from tarazu.linkage.handles import DisplayNameScorer, key_similarity, longest_common_run
from tarazu.linkage.levels import (
    Comparator,
    ComparisonResult,
    ConfigVar,
    band,
    short,
    sorted_jaccard,
)
from tarazu.linkage.profile import AccountProfile
from tarazu.names.normalise import normalise


class HandleComparator(Comparator):
    """Similarity of the two handles after folding case, separators, leetspeak, look-alike
    letters and script (``Umar_Med1a`` = ``umarmedia`` = ``عمر میڈیا``), plus the longest run
    of characters and the name tokens they share (``Sanjay Mehta 17`` / ``Sanjay Mehta 07``)."""

    NAME = "handle"
    FAMILY = "identity"
    LEVELS = (
        "same handle key",
        "near-identical handle",
        "long shared run",
        "shared name token",
        "short shared run",
        "different",
    )
    CONFIG = (
        ConfigVar("near", 0.88, "key similarity (0..1) for 'near-identical'"),
        ConfigVar("long_run", 6, "characters in common for 'long shared run'"),
        ConfigVar("short_run", 4, "characters in common for 'short shared run'"),
        ConfigVar("min_token", 4, "minimum length of a shared name token"),
    )

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        ka, kb = a.handle_key, b.handle_key
        values = (a.handle, b.handle)
        if not ka or not kb:
            return self.missing(values)
        if ka == kb:
            return self.level("same handle key", values, 1.0)
        sim = key_similarity(ka, kb)
        if sim >= self.config["near"]:
            return self.level("near-identical handle", values, sim)
        run = longest_common_run(ka, kb)
        if run >= self.config["long_run"]:
            return self.level("long shared run", values, sim)
        shared = {
            t
            for t in a.name_tokens & b.name_tokens
            if len(t) >= self.config["min_token"] and not t.isdigit()
        }
        if shared:
            return self.level("shared name token", values, sim)
        if run >= self.config["short_run"]:
            return self.level("short shared run", values, sim)
        return self.level("different", values, sim)


class DisplayNameComparator(Comparator):
    """Similarity of display names through the shared name comparator (transliterated,
    confusables folded), so a Pashto display name can match its Latin spelling."""

    NAME = "display_name"
    FAMILY = "identity"
    LEVELS = ("same name", "near-identical name", "similar name", "different")
    CONFIG = (ConfigVar("bands", (0.99, 0.9, 0.75), "similarity thresholds of the first levels"),)

    def __init__(self, **overrides: object) -> None:
        super().__init__(**overrides)
        self._similarity = DisplayNameScorer()  # pair scores cached per comparator, bounded

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        values = (a.display_name, b.display_name)
        if not a.display_name.strip() or not b.display_name.strip():
            return self.missing(values)
        sim = self._similarity(a.display_name, b.display_name)
        return self.level(band(sim, self.config["bands"], self.LEVELS), values, sim)

    def estimate(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        """Without the name analysis: exact when a name is missing or both fold to the same
        name (what mirrors mostly do); otherwise 'different', which the full comparison may
        raise to 'similar' for the candidates it looks at."""
        na, nb = a.display_name, b.display_name
        if not na.strip() or not nb.strip() or normalise(na) == normalise(nb):
            return self.compare(a, b, corpus)  # missing, or no name analysis needed
        return self.level("different", (na, nb), None)


class BioComparator(Comparator):
    """Word overlap (Jaccard) of the profile texts; operators reuse their slogans."""

    NAME = "bio"
    FAMILY = "identity"
    LEVELS = ("same bio", "mostly the same words", "some words shared", "different")
    CONFIG = (ConfigVar("bands", (0.95, 0.6, 0.25), "Jaccard thresholds of the first levels"),)

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        values = (a.bio[:80], b.bio[:80])
        if not a.bio_words.size or not b.bio_words.size:
            return self.missing(values)
        j = sorted_jaccard(a.bio_words, b.bio_words)
        return self.level(band(j, self.config["bands"], self.LEVELS), values, j)


class ProfileLinksComparator(Comparator):
    """Shared profile links after normalisation: the same Telegram channel or WhatsApp invite
    is near-conclusive; the same website is weaker (news sites are linked by many)."""

    NAME = "profile_links"
    FAMILY = "identity"
    LEVELS = ("same channel or invite", "same site", "different")

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        if not a.link_keys or not b.link_keys:
            return self.missing((short(a.link_keys), short(b.link_keys)))
        shared = a.link_keys & b.link_keys
        values = (short(shared or a.link_keys), short(shared or b.link_keys))
        if any(k.startswith(("telegram:", "whatsapp:", "url:")) for k in shared):
            return self.level("same channel or invite", values, float(len(shared)))
        if shared:
            return self.level("same site", values, float(len(shared)))
        return self.level("different", values, 0.0)


def pdq_distance(a: str, b: str) -> int:
    """Hamming distance of two 256-bit PDQ hashes given as hex."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


class AvatarComparator(Comparator):
    """Hamming distance of the avatars' PDQ hashes, in bands: ≤ 10 bits is the same picture
    re-encoded, ≤ 31 (PDQ's usual match threshold) a resized or lightly edited copy."""

    NAME = "avatar"
    FAMILY = "identity"
    LEVELS = ("same picture", "near-identical picture", "somewhat similar", "different")
    CONFIG = (ConfigVar("bands", (10, 31, 63), "upper bounds (bits) of the first three levels"),)

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        values = (a.avatar_pdq or "", b.avatar_pdq or "")
        if not a.avatar_pdq or not b.avatar_pdq:
            return self.missing(values)
        d = pdq_distance(a.avatar_pdq, b.avatar_pdq)
        for bound, label in zip(self.config["bands"], self.LEVELS, strict=False):
            if d <= bound:
                return self.level(label, values, float(d))
        return self.level("different", values, float(d))
