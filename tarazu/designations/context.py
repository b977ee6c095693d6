"""Claim or mention: does a text speak *as* a designated organisation or *about* it?

A name match alone cannot separate "Umar Media official channel" from "journalist covering
TTP" or "victims of TTP attacks"; acting on the second would silence exactly the reporters,
researchers and victims a due-process system has to protect. Cue words decide the stance:
role and opposition cues (journalist, researcher, victims, anti-, against, صحافی, خلاف...) mark
a mention and win over claim cues (official, spokesman, ترجمان...), because a false claim costs
a protected voice while a missed claim is still found by other signals (known content, links).
Cue lists are English, Urdu (Arabic script) and Roman Urdu; they are compared after the same
normalisation as names, so "صحافی" and "sahafi" are looked up the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from tarazu.names.normalise import normalise

__all__ = ["CLAIM_CUES", "MENTION_CUES", "Stance", "StanceReading", "read_stance"]


class Stance(StrEnum):
    CLAIM = "claim"  # speaks as the organisation or one of its wings
    MENTION = "mention"  # reports on, studies, opposes or suffers from it
    NEUTRAL = "neutral"  # no cue either way


# Role cues: who is speaking about the organisation.
_ROLE = (
    "journalist", "journalism", "reporter", "reporting", "reports on", "correspondent",
    "analyst", "analysis", "researcher", "research", "researching", "scholar", "academic",
    "professor", "phd", "student of", "studies", "studying", "author", "writer", "editor",
    "covering", "coverage", "covers", "fact check", "factcheck", "documenting", "documentary",
    "monitor", "monitoring", "tracking", "tracker", "expert", "think tank", "observer",
    "historian", "investigating", "investigative", "news about", "bureau chief", "anchor",
    "صحافی", "رپورٹر", "نامہ نگار", "تجزیہ کار", "محقق", "تحقیق", "اینکر", "خبر نگار",
    "sahafi", "nama nigar", "tajzia kar", "tajziakar", "mohaqqiq",
)
# Opposition and victimhood cues.
_OPPOSITION = (
    "anti", "against", "condemn", "condemns", "condemned", "victim", "victims", "survivor",
    "survivors", "martyrs of", "shaheed of", "attacked by", "killed by", "no to", "oppose",
    "opposes", "opposing", "counter", "counterterrorism", "deradicalisation",
    "deradicalization", "peace", "human rights", "rights", "amnesty", "hrcp", "justice for",
    "mourning", "memorial", "ban on", "banned outfit", "proscribed", "terror attack",
    "crimes", "abuses", "atrocities", "exposing", "expose", "debunk",
    "خلاف", "مخالف", "مذمت", "متاثرین", "شہدا", "امن", "انسانی حقوق", "دہشت گردی",
    "khilaf", "mukhalif", "muzammat", "mutasireen", "aman",
)
# Unrelated-namesake cues: a business or hobby that happens to share a name ("Umar Media
# Productions - wedding videography").
_UNRELATED = (
    "wedding", "weddings", "videography", "photography", "studio", "events", "traders",
    "trading", "store", "shop", "restaurant", "catering", "bakery", "hotel", "foods",
    "real estate", "properties", "tuition", "academy", "gaming", "gamer", "kpop", "fan",
    "productions", "recipes", "travel", "tours",
)
# Claim cues: speaking as the organisation.
_CLAIM = (
    "official", "officials channel", "channel", "media wing", "media cell", "spokesman",
    "spokesperson", "spokesmen", "our", "we are", "join", "join us", "recruitment", "mujahid",
    "mujahideen", "mujahidin", "fighters", "soldier of", "soldiers of", "sarmachar", "wilayah",
    "statement", "statements", "releases", "publication", "nashir", "voice of",
    "ترجمان", "آفیشل", "سرکاری", "مجاہدین", "بیان", "رسمی",
    "tarjuman", "rasmi", "bayan", "mujahideen e",
)

MENTION_CUES = _ROLE + _OPPOSITION + _UNRELATED
CLAIM_CUES = _CLAIM


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    def compile_(cues: tuple[str, ...]) -> re.Pattern[str]:
        forms = sorted({f for c in cues if (f := normalise(c))}, key=len, reverse=True)
        return re.compile(r"\b(?:" + "|".join(re.escape(f) for f in forms) + r")\b")

    return compile_(MENTION_CUES), compile_(CLAIM_CUES)


@dataclass(frozen=True)
class StanceReading:
    stance: Stance
    mention_cues: tuple[str, ...]
    claim_cues: tuple[str, ...]


def read_stance(text: str) -> StanceReading:
    """Stance of a whole (short) text such as a bio; role and opposition cues win."""
    normalised = normalise(text)
    mention_re, claim_re = _patterns()
    mentions = tuple(dict.fromkeys(mention_re.findall(normalised)))
    claims = tuple(dict.fromkeys(claim_re.findall(normalised)))
    if mentions:
        return StanceReading(Stance.MENTION, mentions, claims)
    if claims:
        return StanceReading(Stance.CLAIM, mentions, claims)
    return StanceReading(Stance.NEUTRAL, mentions, claims)
