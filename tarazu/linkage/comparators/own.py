"""Comparators of the removed account's *own* traces, weighted by how rare the shared thing is.

Accounts of one designated group share a logo, a channel link, hashtags, a bio template and an
audience. Evidence that every member of the group shares says that a new account belongs to
the group, not *which* removed account came back; what tells one operator from another is
what that operator alone left: its own handle with an edit, its own device, the few accounts
only it followed, its own picture. Each comparator here therefore asks how many accounts hold
what the two share (the corpus counts of :mod:`tarazu.linkage.corpus`, or, for pictures, how
many of the candidates hold a near copy) and puts "shared, and few others have it" in a
different level from "shared, but many have it". The levels carry m/u like every other
comparator, so a reviewer still reads one weight per level.

Sign-up shows a handle, a display name, a bio, an avatar, links, device and network ids and a
creation time: every comparator here except the circle reads only those, so an account that
has not posted or followed anyone yet is still ranked on them."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from math import fsum
from typing import ClassVar

import numpy as np

from tarazu.linkage.comparators.identity import DisplayNameComparator, HandleComparator
from tarazu.linkage.comparators.network import _RareOverlap
from tarazu.linkage.corpus import Corpus
from tarazu.linkage.handles import common_run, handle_key, key_similarity
from tarazu.linkage.levels import Comparator, ComparisonResult, ConfigVar, band, short
from tarazu.linkage.profile import SCRIPTS, AccountProfile, trace_hash
from tarazu.linkage.result_column import ResultColumn

#: Expert (m, u) per level, in level order: starting values that work before any fit.
MU = tuple[tuple[float, float], ...]


class _OwnComparator(Comparator):
    #: expert (m, u) per level; read by :func:`tarazu.linkage.model.expert_model`
    EXPERT_MU: ClassVar[MU] = ()


def _counts(corpus: Corpus, kind: str, values: Sequence[str]) -> np.ndarray:
    """How many accounts seen hold each value of ``kind`` (at least 1)."""
    hashes = np.array([trace_hash(kind, v) for v in values], dtype=np.uint64)
    return corpus.trace_counts(hashes)


def adamic_adar(held: np.ndarray) -> np.ndarray:
    """Adamic–Adar weight of shared neighbours held by ``held`` accounts each: 1 / ln(held),
    with held at least 2 (the two accounts compared). Independent of how many accounts the
    platform has, unlike an inverse document frequency in bits."""
    return 1.0 / np.log(np.maximum(held, 2).astype(np.float64))


class OwnCircleComparator(_OwnComparator):
    """The removed account's own follow and follower lists against the new account's, each
    shared account weighted Adamic–Adar (1 / ln of how many accounts seen follow or are
    followed by it): a leader the whole group follows counts little, an account only this
    operator followed counts much. Levels by the weight shared and by the share of *its own*
    circle (same weights) that the new account re-formed — not plain Jaccard, which a
    group-wide audience inflates for every member alike."""

    NAME = "own_circle"
    FAMILY = "network"
    LEVELS = (
        "re-formed most of its own circle",
        "a rare part of its circle shared",
        "some of its circle shared",
        "only accounts many follow shared",
        "none shared",
    )
    CONFIG = (
        ConfigVar("rare", 1.2, "Adamic–Adar weight shared for 'a rare part' (one account "
                               "held by two is 1.44)"),
        ConfigVar("some", 0.6, "Adamic–Adar weight shared for 'some of its circle'"),
        ConfigVar("most", 0.5, "weighted share of its circle (and 2+ shared) for the first"),
    )
    EXPERT_MU = ((0.35, 0.0003), (0.15, 0.002), (0.15, 0.03), (0.1, 0.2), (0.25, 0.7677))

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        na, nb = a.connections, b.connections
        if not na.size or not nb.size:
            return self.missing((f"{na.size} connections", f"{nb.size} connections"))
        shared = np.intersect1d(na, nb, assume_unique=True)
        if not shared.size:
            return self.level("none shared", (f"{na.size} connections", "0 shared"), 0.0)
        weight = float(adamic_adar(corpus.trace_df.counts(shared)).sum())
        share = weight / float(adamic_adar(corpus.trace_df.counts(nb)).sum())
        values = (f"{shared.size} of its {nb.size} shared",
                  f"weight {weight:.2f}, {share:.0%} of its circle")
        c = self.config
        if share >= c["most"] and shared.size >= 2:
            label = self.LEVELS[0]
        elif weight >= c["rare"]:
            label = self.LEVELS[1]
        elif weight >= c["some"]:
            label = self.LEVELS[2]
        else:
            label = self.LEVELS[3]
        return self.level(label, values, weight)


class OwnIdentifiersComparator(_OwnComparator):
    """Re-use of the removed account's own device, e-mail, phone or cookie (already hashed by
    the platform), weighted by how many accounts hold the same value: one device behind two
    accounts is near-conclusive, a value a hundred accounts share (a phone farm, a common
    device model, a carrier's address range) is not. Network identifiers (IP prefix, ASN) are
    weak even when rare."""

    NAME = "own_identifiers"
    FAMILY = "platform"
    LEVELS = (
        "its device or account identifier, few others have it",
        "a device or account identifier many accounts have",
        "its network identifier, few others have it",
        "only network identifiers many have",
        "none shared",
    )
    CONFIG = (
        ConfigVar("weak_keys", ("ip_prefix", "ip", "asn"), "identifier kinds that are weak"),
        ConfigVar("rare", 3, "accounts holding a value for it to count as few"),
    )
    EXPERT_MU = ((0.6, 0.0001), (0.1, 0.01), (0.1, 0.005), (0.05, 0.05), (0.15, 0.9349))

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        if not a.identifiers or not b.identifiers:
            return self.missing()
        shared = sorted(k for k, v in a.identifiers.items() if v and b.identifiers.get(k) == v)
        if not shared:
            return self.level("none shared", ("", ""), 0.0)
        held = np.array([int(_counts(corpus, f"id:{k}", [b.identifiers[k]])[0]) for k in shared])
        weak = np.array([k in self.config["weak_keys"] for k in shared])
        rare = held <= self.config["rare"]
        values = (", ".join(f"{k} ({n} accounts)" for k, n in zip(shared, held, strict=True)),
                  ", ".join(shared))
        if (rare & ~weak).any():
            return self.level(self.LEVELS[0], values, float(held[~weak].min()))
        if (~weak).any():
            return self.level(self.LEVELS[1], values, float(held[~weak].min()))
        if rare.any():
            return self.level(self.LEVELS[2], values, float(held.min()))
        return self.level(self.LEVELS[3], values, float(held.min()))


class OwnLinksComparator(_OwnComparator):
    """The removed account's own profile links on the new account, weighted by how many
    accounts link the same channel or site: a group's public channel is on every member's
    profile, an operator's own invite link on one or two."""

    NAME = "own_links"
    FAMILY = "identity"
    LEVELS = (
        "its channel or invite, few others link it",
        "its site, few others link it",
        "a link many accounts have",
        "different",
    )
    CONFIG = (ConfigVar("rare", 3, "accounts linking it for a link to count as few"),)
    EXPERT_MU = ((0.4, 0.0005), (0.15, 0.005), (0.15, 0.05), (0.3, 0.9445))

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        if not a.link_keys or not b.link_keys:
            return self.missing((short(a.link_keys), short(b.link_keys)))
        shared = sorted(a.link_keys & b.link_keys)
        if not shared:
            return self.level("different", (short(a.link_keys), short(b.link_keys)), 0.0)
        held = _counts(corpus, "link", shared)
        rare = [k for k, n in zip(shared, held, strict=True) if n <= self.config["rare"]]
        values = (short(shared), f"{int(held.min())} accounts link it")
        if any(k.startswith(("telegram:", "whatsapp:", "url:")) for k in rare):
            return self.level(self.LEVELS[0], values, float(held.min()))
        if rare:
            return self.level(self.LEVELS[1], values, float(held.min()))
        return self.level(self.LEVELS[2], values, float(held.min()))


class OwnHandleComparator(_OwnComparator):
    """The edit from the removed account's own handle, on skeleton keys (case, separators,
    leetspeak, look-alike letters and script folded: ``Umar_Med1a`` = ``umarmedia``), with
    how many candidates' handles contain what the two share: a group's stem (``umarmedia``)
    is in every member's handle and says little, ``umarmediabannu`` is in one. A run counts
    as its own only if it also covers most of its handle (``ttpumar`` of ``ttpumarupdates``
    is the group's stem, however few candidates happen to hold it)."""

    NAME = "own_handle"
    READS_PEERS = True
    FAMILY = "identity"
    LEVELS = (
        "same handle key",
        "its handle with a small edit",
        "a long run of its handle few others have",
        "a common or partial run of its handle",
        "a short run or name token shared",
        "different",
    )
    CONFIG = (
        *HandleComparator.CONFIG,  # near, long_run, short_run, min_token: the same edits
        ConfigVar("rare", 2, "candidates' handles containing the run for it to count as few"),
        ConfigVar("cover", 0.6, "share of its handle a long run must cover to count"),
    )
    EXPERT_MU = ((0.15, 0.0003), (0.25, 0.001), (0.1, 0.003), (0.1, 0.05), (0.1, 0.1),
                 (0.3, 0.8457))

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        return self.compare_many(a, [b], corpus)[0]

    def compare_many(
        self, a: AccountProfile, bs: Sequence[AccountProfile], corpus: Corpus
    ) -> list[ComparisonResult]:
        keys = [b.handle_key for b in bs]
        return [self._one(a, b, keys) for b in bs]

    def _one(self, a: AccountProfile, b: AccountProfile, keys: Sequence[str]) -> ComparisonResult:
        ka, kb = a.handle_key, b.handle_key
        values = (a.handle, b.handle)
        if not ka or not kb:
            return self.missing(values)
        if ka == kb:
            return self.level(self.LEVELS[0], values, 1.0)
        c = self.config
        sim = key_similarity(ka, kb)
        run = common_run(ka, kb)
        edit = sim >= c["near"] or (run == kb and len(kb) >= c["long_run"])
        if edit or len(run) >= c["long_run"]:
            holders = sum(1 for k in keys if run in k)  # the candidates' handles holding it
            values = (a.handle, f"{b.handle} ({holders} of {len(keys)} candidates hold {run!r})")
            if holders <= c["rare"] and (edit or len(run) >= c["cover"] * len(kb)):
                return self.level(self.LEVELS[1] if edit else self.LEVELS[2], values, sim)
            return self.level(self.LEVELS[3], values, sim)
        tokens = {t for t in a.name_tokens & b.name_tokens
                  if len(t) >= c["min_token"] and not t.isdigit()}
        if tokens or len(run) >= c["short_run"]:
            return self.level(self.LEVELS[4], values, sim)
        return self.level(self.LEVELS[5], values, sim)


class OwnNameComparator(DisplayNameComparator, _OwnComparator):
    """The removed account's own display name (transliterated, confusables folded, through
    the shared name comparator), with how many accounts use it (or the new account's name):
    a group's wing name ("Umar Media") is every member's name and says little, and so does a
    near match to it; a name few accounts use says more."""

    NAME = "own_name"
    LEVELS = (
        "its name, few others use it",
        "its name or a near one, which many accounts use",
        "near-identical name",
        "similar name",
        "different",
    )
    CONFIG = (
        ConfigVar("bands", (0.99, 0.9, 0.75), "similarity thresholds: same, near, similar"),
        ConfigVar("rare", 3, "accounts using a name for it to count as few"),
    )
    EXPERT_MU = ((0.3, 0.0005), (0.15, 0.03), (0.15, 0.01), (0.1, 0.05), (0.3, 0.9095))

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        values = (a.display_name, b.display_name)
        if not a.display_name.strip() or not b.display_name.strip():
            return self.missing(values)
        sim = self._similarity(a.display_name, b.display_name)
        same, near, similar = self.config["bands"]
        if sim >= near:
            # a near match to a name many use ("Umar Media" / "Umar Media Bannu") is the
            # group's name again, not this account's
            keys = sorted({_name_key(a), _name_key(b)} - {""})
            held = int(_counts(corpus, "name", keys).max()) if keys else 1
            values = (a.display_name, f"{b.display_name} ({held} accounts use it)")
            if held > self.config["rare"]:
                return self.level(self.LEVELS[1], values, sim)
            return self.level(self.LEVELS[0] if sim >= same else self.LEVELS[2], values, sim)
        return self.level(band(sim, (similar,), self.LEVELS[3:]), values, sim)


def _name_key(p: AccountProfile) -> str:
    return handle_key(p.display_name)


class OwnBioComparator(_OwnComparator):
    """The removed account's own profile text, word by word, with how many profile texts seen
    use each word: the group's template bio shares only words many accounts use, an
    operator's own slogan words few others use. Levels by the distinctive words shared and the
    rarity-weighted (inverse document frequency) overlap of the two texts."""

    NAME = "own_bio"
    FAMILY = "identity"
    LEVELS = (
        "same bio, with its distinctive words",
        "several of its distinctive words",
        "one of its distinctive words",
        "only common words shared",
        "different",
    )
    CONFIG = (
        ConfigVar("rare", 10, "profile texts using a word for it to count as distinctive"),
        ConfigVar("same", 0.9, "rarity-weighted overlap for 'same bio'"),
    )
    EXPERT_MU = ((0.25, 0.0002), (0.2, 0.002), (0.15, 0.02), (0.2, 0.3), (0.2, 0.6778))

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        values = (a.bio[:80], b.bio[:80])
        ha, hb = a.bio_words, b.bio_words
        if not ha.size or not hb.size:
            return self.missing(values)
        held_a, held_b = corpus.trace_counts(ha), corpus.trace_counts(hb)
        idf_a, idf_b = bio_idf(corpus.n, held_a), bio_idf(corpus.n, held_b)
        shared = np.isin(hb, ha)
        return self.weigh(values[0], idf_a.tolist(), idf_b.tolist(), shared.tolist(),
                          (held_b <= self.config["rare"]).tolist())

    def weigh(self, mine: str, idf_a: list[float], idf_b: list[float], shared: list[bool],
              rare_b: list[bool]) -> ComparisonResult:
        """The verdict on two texts from the rarity (idf) of each of their terms, which of the
        candidate's terms the new account's text also uses and which of them few texts use
        (``mine``: the new account's text as shown): apart so that the vectorised form, which
        looks up the counts of all candidates at once, weighs them the same. The sums are
        exact (``math.fsum``), so they do not depend on the order of the terms."""
        both = [v for v, s in zip(idf_b, shared, strict=True) if s]
        overlap = fsum(both) / max(fsum([*idf_a, *(v for v, s in zip(idf_b, shared,
                                                                      strict=True)
                                                  if not s)]), 1e-9)
        rare = sum(1 for s, r in zip(shared, rare_b, strict=True) if s and r)
        if rare >= 2:
            label = self.LEVELS[0] if overlap >= self.config["same"] else self.LEVELS[1]
        elif rare:
            label = self.LEVELS[2]
        else:
            label = self.LEVELS[3] if both else self.LEVELS[4]
        return self.level(label, (mine, f"{rare} distinctive words shared"), overlap)


def bio_idf(n: int, held: np.ndarray) -> np.ndarray:
    """The rarity of profile-text terms (bits) that ``held`` of ``n`` texts use."""
    return np.log2((n + 1) / (held + 1))


def _pdq_words(hashes: Sequence[str]) -> np.ndarray:
    """(n × 4) uint64 words of valid hex PDQ hashes (the caller drops invalid ones)."""
    return np.array([_pdq_row(h) for h in hashes], dtype=np.uint64).reshape(-1, 4)


@lru_cache(maxsize=65536)
def _pdq_row(h: str) -> tuple[int, int, int, int]:
    v = int(h, 16)
    return (v >> 192, (v >> 128) & _WORD, (v >> 64) & _WORD, v & _WORD)


_WORD = (1 << 64) - 1


def _valid_pdq(h: str | None) -> bool:
    if not h or len(h) != 64:
        return False
    try:
        int(h, 16)
    except ValueError:
        return False
    return True


def _distances(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(len x × len y) Hamming distances of PDQ hashes as uint64 words."""
    if not x.size or not y.size:
        return np.zeros((x.shape[0], y.shape[0]), dtype=np.int64)
    return np.bitwise_count(x[:, None, :] ^ y[None, :, :]).sum(axis=2).astype(np.int64)


class _PictureComparator(_OwnComparator):
    """Base of the picture comparators: the new account's pictures against each candidate's,
    and for each of the new account's pictures how many candidates hold a near copy (a
    group's logo: many; an operator's own avatar: one). Counted among the candidates, which
    blocking draws from every removed account holding a near copy (the picture index)."""

    CONFIG = (
        ConfigVar("near", 31, "PDQ distance (bits) for a near copy"),
        ConfigVar("same", 10, "PDQ distance (bits) for the same picture re-encoded"),
        ConfigVar("rare", 2, "candidates holding a picture for it to count as few"),
        ConfigVar("max_compare", 64, "pictures compared per account (most recent)"),
    )
    READS_PEERS = True

    def mine(self, p: AccountProfile) -> list[str]:
        """The new account's pictures compared."""
        raise NotImplementedError

    def theirs(self, p: AccountProfile) -> list[str]:
        """A candidate's pictures compared."""
        raise NotImplementedError

    def verdict_levels(self, best: np.ndarray, holders: np.ndarray) -> np.ndarray:
        """The level of each candidate holding a near copy, from the distance to its rarest
        shared picture and how many candidates hold that picture."""
        raise NotImplementedError

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        return self.compare_many(a, [b], corpus)[0]

    def compare_many(
        self, a: AccountProfile, bs: Sequence[AccountProfile], corpus: Corpus
    ) -> Sequence[ComparisonResult]:
        mine = [h for h in self.mine(a) if _valid_pdq(h)]
        theirs = [[h for h in self.theirs(b) if _valid_pdq(h)] for b in bs]
        if not mine:
            return [self.missing((f"{len(mine)} pictures", f"{len(t)} pictures"))
                    for t in theirs]
        x = _pdq_words(mine)
        # (mine × candidate) best distance
        best = np.full((len(mine), len(bs)), 256, dtype=np.int64)
        for j, t in enumerate(theirs):
            if t:
                best[:, j] = _distances(x, _pdq_words(t)).min(axis=1)
        return self.verdicts(mine, theirs, best)

    def verdicts(self, mine: list[str], theirs: list[list[str]], best: np.ndarray
                 ) -> ResultColumn:
        """The results, from the (mine × candidate) best distances: apart so that the
        vectorised form (``columnar.own``), which finds the distances in one pass, gives
        them the same way."""
        near = best <= self.config["near"]  # (mine × candidate)
        holders = near.sum(axis=1)  # per picture of mine
        n = len(theirs)
        # per candidate, all at once: whether it holds a near copy, its closest distance,
        # and its rarest shared picture (the first of the rarest, as ``argmin`` picks)
        any_near = near.any(axis=0)
        rarest = np.where(near, holders[:, None], 1 << 30).argmin(axis=0)
        d = best[rarest, np.arange(n)]
        held = holders[rarest]
        levels = np.where(any_near, self.verdict_levels(d, held), len(self.LEVELS) - 1)
        raw = np.where(any_near, d, best.min(axis=0)).astype(np.float64).tolist()
        sizes = [len(t) for t in theirs]
        mine_n = f"{len(mine)} pictures"
        ds, helds, near_l = d.tolist(), held.tolist(), any_near.tolist()

        def values(i: int) -> tuple[str, str]:
            if near_l[i]:
                return f"{ds[i]} bits apart", f"{helds[i]} of {n} candidates hold it"
            return mine_n, f"{sizes[i]} pictures"

        return ResultColumn.of(self.NAME, self.LEVELS, np.array(sizes, dtype=bool), levels,
                               values, raw, lambda i: (mine_n, "0 pictures"))


class OwnAvatarComparator(_PictureComparator):
    """The removed account's own avatar (PDQ) as the new account's avatar, with how many
    candidates hold a near copy of it: a group's logo is many members' avatar and says little,
    an operator's own picture re-used (even re-encoded or resized) says much."""

    NAME = "own_avatar"
    FAMILY = "identity"
    LEVELS = (
        "its own picture, few others have it",
        "a near copy of its picture, few others have it",
        "a picture many accounts have",
        "different",
    )
    EXPERT_MU = ((0.35, 0.0003), (0.15, 0.001), (0.15, 0.05), (0.35, 0.9487))

    def mine(self, p: AccountProfile) -> list[str]:
        return [p.avatar_pdq] if p.avatar_pdq else []

    def theirs(self, p: AccountProfile) -> list[str]:
        return [p.avatar_pdq] if p.avatar_pdq else []

    def verdict_levels(self, best: np.ndarray, holders: np.ndarray) -> np.ndarray:
        return np.where(holders > self.config["rare"], 2,
                        np.where(best <= self.config["same"], 0, 1))


class OwnMediaComparator(_PictureComparator):
    """The removed account's own pictures (avatar and post media, PDQ) re-posted by the new
    account, with how many candidates hold a near copy: re-posting the group's logo or its
    published statements is what a whole audience does (journalists included); re-posting
    pictures only this removed account had is what its operator does."""

    NAME = "own_media"
    FAMILY = "content"
    LEVELS = (
        "re-posts its own pictures, few others have them",
        "shares only pictures many accounts have",
        "no shared picture",
    )
    EXPERT_MU = ((0.3, 0.002), (0.2, 0.1), (0.5, 0.898))

    def mine(self, p: AccountProfile) -> list[str]:
        k = self.config["max_compare"]
        return list(dict.fromkeys(p.media_pdq[-k:]))

    def theirs(self, p: AccountProfile) -> list[str]:
        k = self.config["max_compare"]
        own = [p.avatar_pdq] if p.avatar_pdq else []
        return list(dict.fromkeys([*own, *p.media_pdq[-k:]]))

    def verdict_levels(self, best: np.ndarray, holders: np.ndarray) -> np.ndarray:
        return np.where(holders <= self.config["rare"], 0, 1)


class ScriptMixComparator(_OwnComparator):
    """The mix of scripts the two accounts write in (Latin, Arabic-script Urdu and Pashto,
    Cyrillic, Devanagari): an operator who writes Roman Urdu keeps writing it."""

    NAME = "script_mix"
    FAMILY = "content"
    LEVELS = ("same script mix", "similar script mix", "different script mix")
    CONFIG = (ConfigVar("bands", (0.98, 0.8), "cosine thresholds of the first levels"),)
    EXPERT_MU = ((0.8, 0.45), (0.15, 0.25), (0.05, 0.3))

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        if a.scripts is None or b.scripts is None:
            return self.missing()
        c = float(a.scripts @ b.scripts / (np.linalg.norm(a.scripts) * np.linalg.norm(b.scripts)))
        top = (SCRIPTS[int(np.argmax(a.scripts))], SCRIPTS[int(np.argmax(b.scripts))])
        return self.level(band(c, self.config["bands"], self.LEVELS), top, c)


class EmojiComparator(_RareOverlap):
    """Emoji both accounts post, rare ones counting more (a personal habit, unlike the
    group's flag)."""

    NAME = "emoji"
    KIND = "emoji"
    FAMILY = "content"
    CONFIG = (
        ConfigVar("rare_bits", 4.0, "idf (bits) from which an emoji counts as rare"),
        ConfigVar("many", 2, "rare shared emoji for 'many rare shared'"),
    )
    EXPERT_MU: ClassVar[MU] = ((0.2, 0.01), (0.3, 0.05), (0.3, 0.3), (0.2, 0.64))


#: The comparators of this module, in registry order.
OWN_COMPARATORS: tuple[type[Comparator], ...] = (
    OwnHandleComparator,
    OwnNameComparator,
    OwnBioComparator,
    OwnLinksComparator,
    OwnAvatarComparator,
    OwnMediaComparator,
    OwnIdentifiersComparator,
    OwnCircleComparator,
    ScriptMixComparator,
    EmojiComparator,
)
#: The comparators each of these supersedes in the expert model: they read the same field
#: without rarity, so keeping both there would count a group's logo twice. The self-fit keeps
#: both families (the older ones with term-frequency adjustment; BENCHMARKS.md has why), and
#: the old ones stay registered so that fitted models which use them still load.
SUPERSEDES = {
    "own_handle": "handle",
    "own_name": "display_name",
    "own_bio": "bio",
    "own_links": "profile_links",
    "own_avatar": "avatar",
    "own_media": "media",
    "own_identifiers": "identifiers",
    "own_circle": "social_graph",
}
