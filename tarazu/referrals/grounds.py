"""Vague grounds: phrases that name no rule and no group ("anti-state", "ملک دشمن",
"idaron ke khilaf"). Alone they are never a ground for action, in any language or spelling.

Besides the general charges, :data:`PECA` lists the wording of Pakistan's Prevention of
Electronic Crimes Act 2016 (as amended in 2025: false or fake information causing "fear, panic
or disorder or unrest", content against "the integrity, security or defence of Pakistan",
"maligning" institutions, "propaganda against state institutions", "glorification") that is
used against journalists: quoted without the post and the designated group it concerns, such a
phrase says nothing a reviewer can check. Beside a designated group and specific evidence it is
only noted (see ``checks``).

Matching is on a compact key (case, diacritics, separators and doubled vowels folded) so
"Anti-State", "anti state" and "antistate", or "khilaaf" and "khilaf", are one phrase. Roman
Urdu has no standard spelling, so the common variants are listed rather than guessed."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ENGLISH = (
    "anti-state", "against the state", "against national interest", "against the national interest",
    "defamation of institutions", "defaming institutions", "maligning institutions",
    "anti-army", "against the army", "against state institutions", "anti-national",
    "ideology of pakistan", "fake news", "propaganda against the state",
    "hurting national sentiment", "anti-pakistan", "negative propaganda",
    "spreading hatred against the state", "anti-government", "against the government",
    "disrespecting institutions", "enemy of the state", "traitor", "undesirable content",
    "objectionable content", "sensitive content", "anti-institution",
)
ROMAN_URDU = (
    "riyasat mukhalif", "riasat mukhalif", "riyasat ke khilaf", "riasat ke khilaf",
    "mulk dushman", "mulk dushmani", "idaron ke khilaf", "idaaron ke khilaf",
    "fauj ke khilaf", "fouj ke khilaf", "pak fauj ke khilaf", "qaumi mafad", "qomi mafad",
    "nazriya e pakistan", "nazriya pakistan", "ghaddar", "gaddar", "watan dushman",
    "manfi propaganda", "jhooti khabrein", "jhoti khabrain", "hukumat ke khilaf",
)
URDU = (
    "ریاست مخالف", "ریاست کے خلاف", "ملک دشمن", "ملک دشمنی", "اداروں کے خلاف",
    "فوج کے خلاف", "پاک فوج کے خلاف", "قومی مفاد", "نظریہ پاکستان", "غدار", "وطن دشمن",
    "منفی پروپیگنڈا", "منفی پراپیگنڈا", "جھوٹی خبریں", "حکومت کے خلاف", "ریاستی اداروں",
    "پاکستان دشمن",
)
PECA = (
    # s. 26A: false or fake information likely to cause fear, panic, disorder or unrest
    "false information", "fake information", "false or fake information",
    "false and fake information", "false news", "misinformation", "disinformation",
    "spreading fear", "spreading panic", "spreading unrest", "spreading disorder",
    "creating fear", "creating panic", "creating unrest", "causing fear", "causing panic",
    "causing unrest", "sense of fear", "fear or panic", "fear and panic", "fear panic",
    "panic or disorder", "disorder or unrest", "fear, panic or disorder or unrest",
    # s. 37 / the 2025 list of unlawful content
    "integrity of pakistan", "security of pakistan", "defence of pakistan",
    "defense of pakistan", "against the integrity", "against the security",
    "against the defence", "integrity, security or defence", "national security",
    "glory of islam", "public order", "maligning", "malign", "propaganda against institutions",
    "propaganda against state institutions", "against the ideology", "glorification",
    "glorifying", "glorify", "glorifies", "sedition", "seditious",
    # the same in Roman Urdu and Urdu
    "jaali khabrein", "jali khabar", "jaali khabar", "fake khabrein", "ghalat maloomat",
    "ghalat malumat", "jhooti maloomat", "khauf o hiras", "khauf o haras", "khof o hiras",
    "intishar", "be chaini", "bechaini phelana", "mulki salamti", "qaumi salamti",
    "mulki salmiyat", "idaron ko badnam", "badnam karna",
    "جعلی خبریں", "جعلی خبر", "جھوٹی خبر", "غلط معلومات", "جھوٹی معلومات", "خوف و ہراس",
    "خوف وہراس", "انتشار", "بے چینی", "بےچینی", "ملکی سالمیت", "پاکستان کی سالمیت",
    "قومی سلامتی", "ملکی سلامتی", "اداروں کو بدنام", "بدنام کرنا", "اداروں کی تضحیک",
)
VAGUE_GROUNDS = ENGLISH + ROMAN_URDU + URDU + PECA

_MARKS = re.compile(r"[\u064B-\u065F\u0670\u06D6-\u06ED\u200c\u200d\u200e\u200f]")
_SEPARATORS = re.compile(r"[\W_]+", re.UNICODE)
_DOUBLE_VOWEL = re.compile(r"([aeiou])\1+")
# Arabic-script letters with an Urdu twin: fold so either keyboard's text matches.
_URDU_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ه": "ہ", "ة": "ہ", "ۀ": "ہ"})


@lru_cache(maxsize=4096)
def compact(text: str) -> str:
    """Comparison key: NFKC, case-folded, no diacritics, no separators, vowels not doubled."""
    t = unicodedata.normalize("NFKC", text).casefold().translate(_URDU_FOLD)
    t = _MARKS.sub("", t)
    t = _SEPARATORS.sub("", t)
    return _DOUBLE_VOWEL.sub(r"\1", t)


_KEYS = tuple(sorted({compact(v) for v in VAGUE_GROUNDS}, key=len, reverse=True))


def vague_phrases(ground: str) -> tuple[str, ...]:
    """The vague phrases found in a ground (as keys), longest first; empty if none."""
    g = compact(ground)
    return tuple(k for k in _KEYS if k in g)


def is_vague(ground: str) -> bool:
    return bool(vague_phrases(ground))
