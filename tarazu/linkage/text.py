"""Text features shared by the content comparators and the text index.

Everything here is deterministic across processes (no salted ``hash()``), because profiles are
rebuilt from records rather than stored: the same posts must give the same features tomorrow."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

import numpy as np

URL_RE = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
MENTION_RE = re.compile(r"@\w+")
WORD_RE = re.compile(r"\w+", re.UNICODE)
# Wiki-style references to an account in a post ("Reverted edits by [[Special:Contributions/X|X]]").
WIKI_USER_RE = re.compile(r"\[\[(?:User(?: talk)?:|Special:Contributions/)([^|\]/#]+)", re.I)
#: Posts that act on someone else's contribution (patrolling rather than writing).
ACTING_RE = re.compile(r"\brevert|\bundid\b|\brvv?\b|vandal|warning|\(TW\)|rollback", re.I)

#: Words whose frequencies describe how someone writes rather than what about (English, Russian,
#: German, Urdu/Pashto romanised). Style survives topic changes better than vocabulary does.
FUNCTION_WORDS: tuple[str, ...] = tuple(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "i",
        "you",
        "he",
        "she",
        "we",
        "they",
        "me",
        "him",
        "her",
        "us",
        "them",
        "my",
        "your",
        "our",
        "their",
        "not",
        "no",
        "so",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "just",
        "all",
        "more",
        "very",
        "what",
        "who",
        "which",
        "there",
        "here",
        "than",
        "then",
        "about",
        "up",
        "out",
        "too",
        "also",
        "rt",
        "amp",
        "и",
        "в",
        "не",
        "на",
        "что",
        "с",
        "по",
        "я",
        "а",
        "как",
        "это",
        "то",
        "он",
        "к",
        "но",
        "за",
        "из",
        "у",
        "же",
        "так",
        "все",
        "от",
        "мы",
        "вы",
        "о",
        "они",
        "бы",
        "для",
        "уже",
        "ли",
        "еще",
        "если",
        "только",
        "да",
        "нет",
        "его",
        "их",
        "она",
        "мне",
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "zu",
        "ein",
        "eine",
        "mit",
        "auf",
        "für",
        "den",
        "von",
        "hai",
        "ke",
        "ki",
        "ka",
        "ko",
        "se",
        "aur",
        "mein",
        "nahi",
        "bhi",
        "ye",
        "wo",
    ]
)
_FW_INDEX = {w: i for i, w in enumerate(FUNCTION_WORDS)}

#: Hosts whose URLs are opaque redirects: only the full URL can be compared, not the host.
SHORTENERS = frozenset(
    {
        "t.co",
        "bit.ly",
        "goo.gl",
        "ow.ly",
        "tinyurl.com",
        "dlvr.it",
        "ift.tt",
        "buff.ly",
        "fb.me",
        "youtu.be",
        "is.gd",
        "trib.al",
    }
)
_TWO_LEVEL_SUFFIXES = frozenset(
    {"co.uk", "com.pk", "org.pk", "gov.pk", "com.au", "co.in", "com.tr"}
)


def strip_urls(text: str) -> str:
    return URL_RE.sub(" ", text)


def words(text: str) -> list[str]:
    """Lower-case word tokens with URLs and @mentions removed."""
    return unlinked_words(strip_urls(text))


def unlinked_words(text: str) -> list[str]:
    """:func:`words` of a text whose URLs are already stripped (:func:`strip_urls`): a
    profile strips them once for its words and its n-gram documents."""
    return WORD_RE.findall(MENTION_RE.sub(" ", text).lower())


def stable_hash(token: str) -> int:
    """A 32-bit hash that is the same in every process (Python's ``hash`` is salted)."""
    return zlib.crc32(token.encode("utf-8"))


def shingle_hashes(texts_tokens: Iterable[Sequence[str]], n: int) -> np.ndarray:
    """The hashes of the n-word sequences of each text (shared ones mean shared phrasing):
    each sequence's :func:`stable_hash` as its words joined by spaces, all in one sorted
    array of distinct values (uint32). The texts' words are joined by spaces, the texts by
    line breaks, and a sequence is hashed where it lies in those bytes (from its first
    word's start to its last word's end), never across two texts: one compiled pass
    (``columnar.kernels.crc32_word_runs``), not a Python call per sequence."""
    texts = [t for t in texts_tokens if len(t) >= n]
    if not texts:
        return np.zeros(0, dtype=np.uint32)
    from tarazu.linkage.columnar.kernels import crc32_word_runs

    joined = "\n".join(map(" ".join, texts))
    buf = np.frombuffer(joined.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    hashes, found = crc32_word_runs(buf, n)
    if found != sum(map(len, texts)):
        raise ValueError("a word holds a space or a line break")
    return hashes


def word_hashes(tokens: Sequence[str]) -> np.ndarray:
    """The distinct :func:`stable_hash` values of ``tokens``, sorted (uint32): the one-word
    sequences of :func:`shingle_hashes`, hashed in one pass."""
    return shingle_hashes([tokens], 1)


def function_word_counts(tokens: Iterable[str]) -> list[int]:
    counts = [0] * len(FUNCTION_WORDS)
    for t in tokens:
        i = _FW_INDEX.get(t)
        if i is not None:
            counts[i] += 1
    return counts


def _registrable(host: str) -> str:
    parts = host.split(".")
    if len(parts) >= 3 and ".".join(parts[-2:]) in _TWO_LEVEL_SUFFIXES:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def link_key(url: str) -> str | None:
    """A comparable key for a URL: the Telegram channel, the WhatsApp invite or number, the full
    URL for shorteners, otherwise the registrable site domain. None if it is not a URL.

    ``https://t.me/s/UmarMedia`` and ``telegram.me/umarmedia`` both give ``telegram:umarmedia``;
    ``https://www.example.org/a`` gives ``site:example.org``."""
    raw = url.strip()
    if not raw:
        return None
    if "://" not in raw:
        raw = "http://" + raw
    try:
        parts = urlsplit(raw)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    for prefix in ("www.", "m.", "mobile."):
        if host.startswith(prefix):
            host = host[len(prefix) :]
    if not host or "." not in host:
        return None
    segs = [s for s in parts.path.split("/") if s]
    if host in ("t.me", "telegram.me", "telegram.dog"):
        segs = [s for s in segs if s not in ("s", "joinchat")]
        return f"telegram:{segs[0].lower().lstrip('+@')}" if segs else None
    if host == "wa.me":
        return f"whatsapp:{segs[0]}" if segs else None
    if host == "chat.whatsapp.com":
        return f"whatsapp:{segs[0]}" if segs else None
    if host in SHORTENERS:
        return f"url:{host}/{'/'.join(segs)}"
    return f"site:{_registrable(host)}"


def wiki_user_refs(text: str) -> list[str]:
    return [m.strip() for m in WIKI_USER_RE.findall(text)]
