"""Synthetic platform accounts for the mirror-linking speed and scale benchmark.

Invented, neutral data with the shape of the real thing: handles built from syllables with
digits, separators and look-alike letters; display names in Latin and Urdu script; short bios;
Telegram-style links; 64-hex PDQ avatars; posts over weeks with a Zipf-like use of channels
and hashtags (so some tokens are common and some rare, as the candidate indexes expect); and
removals spread over two years. Mirrors continue a removed account a few hours after its
removal: a handle variant, the same picture with a few bits flipped, the same links, similar
posts. Nothing here is real propaganda: the vocabulary is everyday words."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tarazu.domain.platform import Account, Media, Post

if TYPE_CHECKING:
    from tarazu.linkage import LinkerConfig, MirrorLinker

START = datetime(2023, 7, 1, tzinfo=UTC)
SPAN = timedelta(days=730)
SYLLABLES = ("al", "ba", "da", "far", "gul", "ha", "jan", "ka", "lal", "ma", "nur", "pa", "qa",
             "ra", "sa", "ta", "ud", "wa", "ya", "za", "kh", "sh", "zar", "mir", "dil", "bakht",
             "noor", "sher", "khan", "din", "taj", "gul", "mast", "roz", "sab", "ran")
WORDS = ("market", "river", "garden", "school", "weather", "cricket", "bread", "mountain",
         "festival", "harvest", "village", "road", "bridge", "tea", "music", "poetry", "rain",
         "valley", "morning", "evening", "family", "friends", "news", "update", "meeting",
         "bus", "train", "city", "history", "book", "lesson", "water", "light", "season",
         "wheat", "orchard", "apricot", "walnut", "shop", "price", "repair", "travel", "photo",
         "story", "song", "game", "match", "team", "score", "prayer", "wedding", "guest",
         "kitchen", "recipe", "spice", "cloth", "tailor", "street", "lamp", "winter", "summer")
URDU = ("نور", "خان", "میڈیا", "گل", "شیر", "دل", "تاج", "زر", "میر", "باغ", "دریا", "چمن")
COMMON = ("the", "of", "and", "to", "in", "a", "is", "it", "for", "on", "was", "as", "at",
          "be", "by", "we", "you", "he", "she", "not", "are", "but", "all", "can", "our",
          "about", "after", "again", "also", "back", "because", "been", "before", "being",
          "come", "could", "day", "even", "every", "first", "from", "going", "good", "great",
          "have", "here", "into", "just", "know", "last", "like", "little", "long", "look",
          "made", "make", "many", "more", "most", "much", "must", "never", "only", "other",
          "over", "people", "right", "said", "same", "should", "some", "still", "such", "take",
          "than", "that", "their", "them", "then", "there", "these", "they", "thing", "think",
          "this", "those", "time", "today", "very", "want", "well", "were", "what", "when",
          "where", "which", "while", "will", "with", "work", "would", "year", "your")
LOOKALIKE = {"o": "0", "i": "1", "a": "4", "e": "3", "s": "5", "l": "1"}
BIO = ("{w} and {v} from the {x}", "Sharing {w} news every {v}", "{w} | {v} | {x}",
       "Official page for {w} updates", "Love {w}, {v} and {x}")


@dataclass(frozen=True)
class Sizes:
    posts_removed: int = 6
    posts_active: int = 4
    contexts: int = 20_000
    hashtags: int = 8_000


def _vocabulary(rng: random.Random, n: int) -> tuple[str, ...]:
    """Everyday words first, then invented ones: a vocabulary of ``n`` distinct words."""
    words = list(dict.fromkeys(COMMON + WORDS))
    seen = set(words)
    while len(words) < n:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return tuple(words)


class Generator:
    def __init__(self, seed: int = 7, sizes: Sizes = Sizes(), vocabulary: int = 30_000
                 ) -> None:
        self.rng = random.Random(seed)
        self.sizes = sizes
        self.n = 0
        #: new account id -> the removed account it continues (the truth, for measuring)
        self.mirror_source: dict[str, str] = {}
        self.vocab = _vocabulary(random.Random(seed + 1), vocabulary)
        # Zipf's law (s = 1): word k is used in proportion to 1 / k
        acc, cum = 0.0, []
        for k in range(1, len(self.vocab) + 1):
            acc += 1.0 / k
            cum.append(acc)
        self._cum = cum

    # -- pieces --------------------------------------------------------------------------------
    def _zipf(self, n: int) -> int:
        """An index in [0, n) with a heavy head: a few very common, most rare."""
        return min(n - 1, int(n ** self.rng.random()) - 1)

    def handle(self) -> str:
        r = self.rng
        parts = [r.choice(SYLLABLES) for _ in range(r.randint(2, 4))]
        sep = r.choice(("", "", "_", "."))
        h = sep.join(parts) if sep else "".join(parts)
        if r.random() < 0.5:
            h += str(r.randint(1, 9999))
        return h

    def variant(self, handle: str) -> str:
        """A mirror's handle: digits, a look-alike letter, or a separator change."""
        r = self.rng
        k = r.random()
        if k < 0.35:
            return handle.rstrip("0123456789") + str(r.randint(2, 99))
        if k < 0.7:
            chars = list(handle)
            idx = [i for i, c in enumerate(chars) if c in LOOKALIKE]
            if idx:
                i = r.choice(idx)
                chars[i] = LOOKALIKE[chars[i]]
            return "".join(chars)
        return handle.replace("_", ".") if "_" in handle else handle + "_official"

    def display_name(self, handle: str) -> str:
        if self.rng.random() < 0.25:
            return " ".join(self.rng.choice(URDU) for _ in range(2))
        core = "".join(c for c in handle if c.isalpha())
        return core[:1].upper() + core[1:8] + " " + self.rng.choice(self.vocab[100:5000]).title()

    def bio(self) -> str:
        w = self.rng.sample(WORDS, 3)
        return self.rng.choice(BIO).format(w=w[0], v=w[1], x=w[2])

    def pdq(self) -> str:
        return f"{self.rng.getrandbits(256):064x}"

    def flip(self, pdq: str, bits: int) -> str:
        v = int(pdq, 16)
        for b in self.rng.sample(range(256), bits):
            v ^= 1 << b
        return f"{v:064x}"

    def text(self, topic: tuple[str, ...]) -> str:
        """A post: a quarter of its words from the account's topic, the rest by Zipf's law."""
        r = self.rng
        n = r.randint(8, 25)
        general = r.choices(self.vocab, cum_weights=self._cum, k=n)
        return " ".join(r.choice(topic) if r.random() < 0.25 else w for w in general)

    def posts(self, account_id: str, start: datetime, n: int, topic: tuple[str, ...],
              contexts: list[str], tags: list[str], links: tuple[str, ...]) -> list[Post]:
        r = self.rng
        out = []
        t = start
        for i in range(n):
            t += timedelta(minutes=r.randint(20, 60 * 30))
            out.append(Post(
                post_id=f"{account_id}-p{i}", account_id=account_id, created_at=t,
                platform="x", text=self.text(topic), lang=r.choice(("en", "ur", "ps")),
                context=r.choice(contexts), hashtags=tuple(r.sample(tags, min(2, len(tags)))),
                links=links if r.random() < 0.3 else (),
                media=(Media(pdq=self.pdq()),) if r.random() < 0.2 else ()))
        return out

    # -- accounts ------------------------------------------------------------------------------
    def _id(self) -> str:
        self.n += 1
        return f"a{self.n}"

    def _persona(self) -> tuple[tuple[str, ...], list[str], list[str]]:
        s = self.sizes
        topic = tuple(self.rng.choices(self.vocab[200:], k=8))
        contexts = [f"channel:{self._zipf(s.contexts)}" for _ in range(3)]
        tags = [f"tag{self._zipf(s.hashtags)}" for _ in range(3)]
        return topic, contexts, tags

    def removed(self) -> tuple[Account, list[Post]]:
        r = self.rng
        aid = self._id()
        removed_at = START + SPAN * r.random()
        created = removed_at - timedelta(days=r.randint(20, 600))
        handle = self.handle()
        links = (f"https://t.me/{handle.replace('.', '_')}_{r.randint(1, 99)}",)
        a = Account(account_id=aid, handle=handle, created_at=created, status="removed",
                    platform="x", display_name=self.display_name(handle), bio=self.bio(),
                    links=links, avatar_pdq=self.pdq(), removed_at=removed_at,
                    removal_reason="DOI-1",
                    identifiers={"device": f"{r.getrandbits(64):016x}"},
                    following=tuple(f"a{r.randint(1, 10**6)}" for _ in range(5)))
        topic, contexts, tags = self._persona()
        posts = self.posts(aid, removed_at - timedelta(days=20), self.sizes.posts_removed,
                           topic, contexts, tags, links)
        return a, posts

    def mirror_of(self, src: Account, src_posts: list[Post]) -> tuple[Account, list[Post]]:
        r = self.rng
        aid = self._id()
        assert src.removed_at is not None
        created = src.removed_at + timedelta(minutes=r.randint(5, 60 * 24))
        self.mirror_source[aid] = src.account_id
        a = Account(account_id=aid, handle=self.variant(src.handle), created_at=created,
                    status="active", platform="x", display_name=src.display_name,
                    bio=src.bio if r.random() < 0.7 else self.bio(), links=src.links,
                    avatar_pdq=self.flip(src.avatar_pdq or self.pdq(), r.randint(0, 8)),
                    identifiers=dict(src.identifiers) if r.random() < 0.4 else {},
                    following=src.following[:3])
        # sorted: the iteration order of a set of strings changes with Python's hash seed,
        # and the data must be the same in every process
        topic = tuple(sorted({w for p in src_posts for w in p.text.split()}))[:6] or ("news",)
        contexts = sorted({p.context for p in src_posts})
        tags = sorted({h for p in src_posts for h in p.hashtags})
        return a, self.posts(aid, created, self.sizes.posts_active, topic, contexts, tags,
                             src.links)

    def ordinary(self) -> tuple[Account, list[Post]]:
        r = self.rng
        aid = self._id()
        created = START + SPAN * r.random()
        handle = self.handle()
        a = Account(account_id=aid, handle=handle, created_at=created, status="active",
                    platform="x", display_name=self.display_name(handle), bio=self.bio(),
                    avatar_pdq=self.pdq() if r.random() < 0.8 else None)
        topic, contexts, tags = self._persona()
        return a, self.posts(aid, created, self.sizes.posts_active, topic, contexts, tags, ())

    def removed_set(self, n: int) -> Iterator[tuple[Account, list[Post]]]:
        for _ in range(n):
            yield self.removed()

    def new_accounts(self, n: int, removed: list[tuple[Account, list[Post]]],
                     mirror_share: float = 0.3) -> list[tuple[Account, list[Post]]]:
        out = []
        for _ in range(n):
            if self.rng.random() < mirror_share:
                out.append(self.mirror_of(*self.rng.choice(removed)))
            else:
                out.append(self.ordinary())
        return out


def linker_holding(removed: list[tuple[Account, list[Post]]], model: str = "default",
                   config: LinkerConfig | None = None) -> MirrorLinker:
    """A mirror linker with ``model`` (and ``config``, the default one if None) holding the
    profiles of ``removed`` (a generator's removed set), as the benchmarks start from it."""
    from tarazu.linkage import LinkerConfig, MirrorLinker, load_model
    from tarazu.linkage.profile import build_profiles

    linker = MirrorLinker(load_model(model), config or LinkerConfig())
    for p in build_profiles([a for a, _ in removed], {a.account_id: ps for a, ps in removed}):
        linker.add_removed_profile(p)
    return linker
