"""What the mirror case page shows: the flagged and the removed account field by field, with
what differs marked character by character and look-alike letters from other scripts named,
and each signal of the stored flag explained in one sentence.

Why a view model: a reviewer must be able to say *which* removed account an account continues
and *why* from the page alone. A handle that mixes Cyrillic into Latin (``@аlpha``) looks the
same as the Latin one on screen, so the page must say so rather than rely on the eye."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache
from typing import Any

from tarazu.domain.platform import Account, Post
from tarazu.linkage.comparators import comparator_docs
from tarazu.linkage.comparators.identity import AvatarComparator, pdq_distance
from tarazu.linkage.handles import handle_key
from tarazu.linkage.result import discount_note
from tarazu.names.normalise import disguised_letters

#: The verdict on two values that differ only by the disguises name matching undoes.
DISGUISED = "same once disguises are undone (look-alike letters, digits for letters, separators)"
#: How many of each account's earliest posts the page puts side by side: a mirror's first
#: posts are where it re-announces itself.
FIRST_POSTS = 3


@dataclass(frozen=True)
class Segment:
    """A run of characters of one side's value: ``differs`` when the other side has no match
    for it; ``imitates`` the Latin letter a look-alike from another script stands in for."""

    text: str
    differs: bool = False
    imitates: str | None = None

    @property
    def script(self) -> str:
        """The Unicode name of a look-alike ("CYRILLIC SMALL LETTER A"), for the warning."""
        return unicodedata.name(self.text, "") if self.imitates else ""


@dataclass(frozen=True)
class FieldRow:
    label: str
    flagged: tuple[Segment, ...]
    removed: tuple[Segment, ...]
    verdict: str  # "same" | DISGUISED | "similar" | "different"

    @property
    def same(self) -> bool:
        return self.verdict == "same"


@dataclass(frozen=True)
class Lookalike:
    side: str  # "flagged" | "removed"
    field: str
    letter: str
    imitates: str
    name: str


@dataclass(frozen=True)
class Comparison:
    flagged: Account | None
    removed: Account | None
    rows: tuple[FieldRow, ...]
    avatar_verdict: str
    shared_links: frozenset[str]
    lookalikes: tuple[Lookalike, ...]
    flagged_posts: tuple[Post, ...]
    removed_posts: tuple[Post, ...]


def segments(value: str, other: str) -> tuple[Segment, ...]:
    """``value`` cut into runs that the other side shares or not, each look-alike letter its
    own run so the page can mark it."""
    matched = [False] * len(value)
    for block in SequenceMatcher(None, value, other, autojunk=False).get_matching_blocks():
        for i in range(block.a, block.a + block.size):
            matched[i] = True
    imitated = {i: latin for i, _, latin in disguised_letters(value)}
    out: list[Segment] = []
    for i, ch in enumerate(value):
        seg = Segment(ch, not matched[i], imitated.get(i))
        prev = out[-1] if out else None
        if prev and not seg.imitates and not prev.imitates and prev.differs == seg.differs:
            out[-1] = Segment(prev.text + ch, prev.differs)
        else:
            out.append(seg)
    return tuple(out)


def _verdict(a: str, b: str, key: Any = None) -> str:
    if a == b:
        return "same"
    if key is not None and a and b and key(a) == key(b):
        return DISGUISED
    if a and b and SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.75:
        return "similar"
    return "different"


def avatar_verdict(a: Account | None, b: Account | None) -> str:
    """The avatar comparator's own level for the two pictures (its bands, its words)."""
    if not (a and b and a.avatar_pdq and b.avatar_pdq):
        return "no picture to compare"
    d = pdq_distance(a.avatar_pdq, b.avatar_pdq)
    for bound, label in zip(AvatarComparator().config["bands"], AvatarComparator.LEVELS,
                            strict=False):
        if d <= bound:
            return f"{label} ({d} of 256 bits differ)"
    return f"different ({d} of 256 bits differ)"


def _row(label: str, a: str, b: str, key: Any = None) -> FieldRow:
    return FieldRow(label, segments(a, b), segments(b, a), _verdict(a, b, key))


def _first(posts: Sequence[Post]) -> tuple[Post, ...]:
    return tuple(sorted(posts, key=lambda p: p.created_at)[:FIRST_POSTS])


def compare(flagged: Account | None, removed: Account | None, flagged_posts: Sequence[Post],
            removed_posts: Sequence[Post]) -> Comparison:
    def field(acc: Account | None, name: str) -> str:
        return str(getattr(acc, name, "") or "") if acc else ""

    rows = (
        _row("Handle", "@" + field(flagged, "handle").lstrip("@"),
             "@" + field(removed, "handle").lstrip("@"), handle_key),
        _row("Display name", field(flagged, "display_name"), field(removed, "display_name"),
             handle_key),
        _row("Bio", field(flagged, "bio"), field(removed, "bio")),
    )
    looks = tuple(
        Lookalike(side, row.label, s.text, s.imitates or "", s.script)
        for row in rows for side, segs in (("flagged", row.flagged), ("removed", row.removed))
        for s in segs if s.imitates)
    shared = frozenset(flagged.links if flagged else ()) & frozenset(
        removed.links if removed else ())
    return Comparison(flagged, removed, rows, avatar_verdict(flagged, removed), shared, looks,
                      _first(flagged_posts), _first(removed_posts))


# -- the signals ---------------------------------------------------------------------------------
_CODE = re.compile(r"``([^`]*)``")


@cache
def _descriptions() -> Mapping[str, str]:
    """Each comparator's first sentence of its own documentation, by name: the explanation
    lives with the code that computes the signal, so it cannot drift from it."""
    out = {}
    for doc in comparator_docs():
        text = " ".join(_CODE.sub(r"\1", doc["description"]).split())
        first = _first_sentence(text).rstrip(";:")
        out[doc["name"]] = first if first.endswith(".") else first + "."
    return out


def _first_sentence(text: str) -> str:
    """Up to the first full stop, semicolon or colon outside brackets and not after "et al"."""
    for m in re.finditer(r"[.;:](?=\s|$)", text):
        head = text[:m.end()]
        if head.count("(") == head.count(")") and not head.endswith("al."):
            return head
    return text


def explain_signal(key: str, scale: float = 1.0) -> str:
    """One sentence saying what a signal of the waterfall measures; for a signal counted at
    less than its full weight (``scale``), a second saying why."""
    if key == "prior":
        return ("How likely it is, before looking at any evidence, that a new account picked "
                "as a candidate continues this removed account.")
    if key == "total":
        return "The prior plus every signal: the evidence taken together."
    text = _descriptions().get(key, "A signal of the model that flagged the account.")
    if scale < 1.0:
        note = discount_note(scale)
        text += f" {note[0].upper()}{note[1:]} (they move together on this platform's data)."
    return text


def odds_in_words(bits: float) -> str:
    """"+55.1 bits" beside "87.9 %" in plain words: the bits are the model's raw score, the
    percentage is what such scores turned out to mean on known cases."""
    return (f"{bits:+.1f} bits is the raw score: the prior plus every signal below, where each "
            f"bit doubles the odds (+10 bits is about 1,000 times the odds, -10 a thousandth). "
            f"Raw scores overstate certainty, so the percentage is calibrated on known cases "
            f"rather than read off the score.")


def probability_in_words(p: float) -> str:
    """A calibrated probability as counts of cases, which people read correctly."""
    hits = round(p * 100)
    if hits >= 100:
        return ("Of 100 accounts flagged with a score like this one, nearly all are expected to "
                "be run by the same operator (fewer than 1 not): a person still decides.")
    if hits <= 0:
        return ("Of 100 accounts flagged with a score like this one, fewer than 1 is expected "
                "to be run by the same operator.")
    return (f"Of 100 accounts flagged with a score like this one, about {hits} are expected to "
            f"be run by the same operator and {100 - hits} not: a person must look.")


def signal_rows(flag: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The waterfall's signals (prior and total aside), strongest first, each with its
    sentence."""
    rows = [{"key": str(s.get("comparator", "?")), "label": str(s.get("label", "")),
             "weight": float(s.get("weight", 0.0)), "scale": float(s.get("scale", 1.0))}
            for s in flag.get("signals", ())]
    rows = [r for r in rows if abs(r["weight"]) >= 0.005]
    for r in rows:
        r["explanation"] = explain_signal(r["key"], r["scale"])
    return sorted(rows, key=lambda r: -abs(r["weight"]))
