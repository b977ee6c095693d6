"""Name normalisation: one comparable Latin form for names written in any script or disguise.

Accounts of proscribed organisations evade exact-match filters with the same few tricks:
look-alike letters from other scripts (Cyrillic "а" in "Tаliban"), leetspeak ("Med1a"),
separators and invisible characters ("U.m.a.r", "Umar\u200bMedia"), decorative Unicode
("ｕｍａｒ", "𝐔𝐦𝐚𝐫"), and writing the name in Urdu, Pashto or Arabic script. Every step below undoes
one of those so that the comparator sees the name, not the disguise.

Order matters: NFKC first (folds full-width and mathematical letters), then look-alike folding
(it needs the original letters), then case folding, transliteration, leetspeak and separators.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import icu
from anyascii import anyascii
from rigour.text.translit import maybe_ascii, should_ascii

__all__ = ["normalise", "skeleton_key", "tokens", "transliterate", "fold_confusables",
           "disguised_letters"]

# Invisible characters used to split a name without showing a gap: ZWSP, ZWNJ, ZWJ, word
# joiner, BOM, soft hyphen, Arabic letter mark, LTR/RTL marks and embeddings, variation selectors.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ufe00-\ufe0f\U000e0100-\U000e01ef]"
)
# Marks that transliterators emit for hamza / ayn and apostrophes inside names ("Dall'Oglio"):
# dropped without a gap, so "ʿUmar" and "Umar" agree and "O'Brien" stays one token.
_GLUE = re.compile("['\u2019\u2018`\u02bc\u02be\u02bf\u02b9\u02bb\u00b4]")
# Arabic short-vowel signs (harakat), tatweel and superscript alif: optional in writing, so
# "تحریکِ" and "تحریک" must agree.
_HARAKAT = re.compile("[\u0640\u064b-\u065f\u0670]")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# Three or more single letters in a row were one word spelt out: "U.m.a.r" -> "umar".
_SPELT_OUT = re.compile(r"\b(?:[a-z] ){2,}[a-z]\b")

# Leetspeak digits and symbols, applied only inside tokens that also contain letters, so that
# years and numbers ("2021", "313") survive. "1" is read as "i": "Med1a", "Tal1ban", "Jam1at".
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s"})
_LEET_TOKEN = re.compile(r"[0-9a-z@$]+")
_LEET_SYMBOL = re.compile(r"[0-9@$]")  # what the leetspeak table maps, and the handle's "@"

# Urdu and Pashto letters that ICU's Any-Latin leaves untouched (it targets Arabic proper).
_PERSO_ARABIC = str.maketrans({
    "ڈ": "d", "ٹ": "t", "ڑ": "r", "ں": "n", "ہ": "h", "ھ": "h", "ے": "e", "ۃ": "t",
    "ښ": "sh", "ږ": "zh", "ځ": "dz", "څ": "ts", "ډ": "d", "ټ": "t", "ړ": "r", "ڼ": "n",
    "ۍ": "ey", "ې": "e", "ك": "k", "ي": "y", "ى": "a",
})


@lru_cache(maxsize=1)
def _icu_latin() -> icu.Transliterator:
    """ICU transliterator, built once: construction costs milliseconds, use microseconds."""
    return icu.Transliterator.createInstance("Any-Latin; Latin-ASCII")


@lru_cache(maxsize=1)
def _spoof_checker() -> icu.SpoofChecker:
    """ICU's TR39 implementation; only its per-character skeletons are used."""
    return icu.SpoofChecker()


@lru_cache(maxsize=4096)
def _latin_lookalike(char: str) -> str | None:
    """The ASCII letter(s) a non-Latin character is confusable with (TR39 skeleton), or None."""
    for form in (char, char.upper()):  # lower-case "т" is the small capital of "Т" -> "T"
        skeleton = _spoof_checker().getSkeleton(0, form)
        if skeleton.isascii() and skeleton.isalpha():
            return skeleton if form == char else skeleton.lower()
    return None


def _is_latin(char: str) -> bool:
    return char.isascii() or unicodedata.name(char, "").startswith("LATIN")


def _fold_token(token: str) -> str:
    """Fold look-alikes in one token if it is a disguise rather than genuine foreign text.

    A token mixing Latin with other letters is a disguise ("Tаliban"). A token wholly in another
    script is a disguise only if every letter has a Latin look-alike ("ТТР", "ВLА"); genuine
    Cyrillic words ("Шевченко") almost always contain letters without one and are left for
    transliteration.
    """
    if token.isascii():  # no letter of another script: nothing to fold
        return token
    return _fold_token_each(token)


def _fold_token_each(token: str) -> str:
    """:func:`_fold_token` letter by letter (any script)."""
    letters = [c for c in token if c.isalpha()]
    foreign = [c for c in letters if not _is_latin(c)]
    if not foreign:
        return token
    if len(foreign) < len(letters) or all(_latin_lookalike(c) for c in foreign):
        return "".join(_latin_lookalike(c) or c if not _is_latin(c) else c for c in token)
    return token


def fold_confusables(text: str) -> str:
    """Replace TR39-confusable look-alike letters with Latin ones, token by token."""
    return " ".join(_fold_token(t) for t in text.split())


def disguised_letters(text: str) -> list[tuple[int, str, str]]:
    """The letters :func:`fold_confusables` would replace, as (position in ``text``, letter,
    the Latin letter it imitates): what a reviewer must be warned of, because on screen
    "@аlpha" (Cyrillic а) and "@alpha" look the same."""
    found = []
    for m in re.finditer(r"\S+", text):
        token = m.group(0)
        if _fold_token(token) == token:
            continue
        for i, c in enumerate(token):
            if not _is_latin(c) and (latin := _latin_lookalike(c)):
                found.append((m.start() + i, c, latin))
    return found


def _kept_as_is(c: str) -> bool:
    """Whether :func:`_separators_to_spaces` keeps character ``c``."""
    return c in "@$" or bool(_GLUE.match(c)) or unicodedata.category(c)[0] in "LMN"


#: :func:`_separators_to_spaces` of each ASCII character, as one translation table (most
#: handles and many names are ASCII: one call, not a Python step per character)
_ASCII_SEPARATORS = str.maketrans({chr(i): " " for i in range(128) if not _kept_as_is(chr(i))})


def _separators_to_spaces(text: str) -> str:
    """Punctuation, symbols and emoji become spaces before transliteration (which would
    otherwise spell emoji out as words); letters, digits, marks and the leetspeak symbols stay."""
    if text.isascii():
        return text.translate(_ASCII_SEPARATORS)
    return _separators_to_spaces_each(text)


def _separators_to_spaces_each(text: str) -> str:
    """:func:`_separators_to_spaces` a character at a time (any script)."""
    return "".join(c if _kept_as_is(c) else " " for c in text)


def _join_spelt_out(text: str) -> str:
    return _SPELT_OUT.sub(lambda m: m.group(0).replace(" ", ""), text)


def _transliterate_token(token: str) -> str:
    if token.isascii():
        return token
    if should_ascii(token):
        # rigour's tables give the conventional spellings for Cyrillic ("Shevchenko").
        token = maybe_ascii(token)
    else:
        token = _icu_latin().transliterate(token.translate(_PERSO_ARABIC))
    return token if token.isascii() else anyascii(token)


def transliterate(text: str) -> str:
    """Latin-script ASCII rendering of text in Urdu, Pashto, Arabic, Persian, Cyrillic, etc.

    ICU's Any-Latin keeps long vowels written with alif ("talban"), which matching needs and
    anyascii drops ("tlbn"); anyascii is only the fallback for what ICU leaves non-ASCII.
    """
    return " ".join(_transliterate_token(t) for t in text.split())


def _fold_leet(text: str) -> str:
    """Undo leetspeak inside words; a leading "@" is a handle marker and is dropped."""
    if _LEET_SYMBOL.search(text) is None:  # most names: nothing to fold, nor to drop
        return text
    return _fold_leet_tokens(text)


def _fold_leet_tokens(text: str) -> str:
    """:func:`_fold_leet` token by token."""

    def fold(match: re.Match[str]) -> str:
        token = match.group(0).lstrip("@")
        if any(c.isalpha() for c in token):
            return token.translate(_LEET)
        return token

    return _LEET_TOKEN.sub(fold, text)


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Lower-case ASCII words separated by single spaces; "" when nothing name-like remains.

    >>> normalise("Umar_Med1a")
    'umar media'
    >>> normalise("تحریک طالبان پاکستان")
    'thryk talban pakstan'
    """
    text = unicodedata.normalize("NFKC", text)
    text = _HARAKAT.sub("", _INVISIBLE.sub("", text))
    text = fold_confusables(_separators_to_spaces(text)).casefold()
    text = _GLUE.sub("", transliterate(text))
    text = _fold_leet(text.lower())
    return _join_spelt_out(_NON_ALNUM.sub(" ", text).strip())


def tokens(text: str) -> list[str]:
    """Normalised words of a name."""
    return normalise(text).split()


def skeleton_key(text: str) -> str:
    """Compact alphanumeric key for handles, where word boundaries are arbitrary.

    >>> skeleton_key("@Umar_Med1a") == skeleton_key("umar.media") == "umarmedia"
    True
    """
    return normalise(text).replace(" ", "")
