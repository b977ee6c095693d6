"""Consonant skeletons: the part of a name that survives transliteration.

Arabic-script writing omits short vowels and renders long ones as alif / waw / ya, and Latin
spellings of the same Urdu or Pashto word differ mostly in vowels ("Tehreek", "Tehrik",
"Tahrik"; "Taliban", "Taleban"). Comparing consonant skeletons therefore aligns both
transliteration variants and Arabic-script names with their Latin spellings ("تحریک" ->
"thryk" -> "trk" and "Tehreek" -> "trk").

The folds are deliberately lossy; the comparator uses a skeleton agreement as supporting
evidence next to an ordinary string similarity, never alone.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["consonant_skeleton"]

# Digraphs first (order matters), then single letters Arabic script does not distinguish
# from a neighbour: p/b (no "p" in Arabic), v/f, q/c/k, g/j (ج is written "j" or "g").
_DIGRAPHS = (("ph", "f"), ("kh", "k"), ("gh", "g"), ("sh", "s"), ("ch", "k"), ("ck", "k"),
             ("th", "t"), ("dh", "d"), ("zh", "z"), ("x", "ks"))
_SINGLE = str.maketrans({"p": "b", "v": "f", "q": "k", "c": "k", "j": "g"})
# Vowels and the letters Arabic uses as long vowels (w, y), plus "h" left between consonants
# by transliteration ("tehreek" -> "threk" / "thryk").
_DROP = re.compile(r"[aeiouyw]|h(?![aeiouyw])")
_REPEAT = re.compile(r"(.)\1+")


@lru_cache(maxsize=65536)
def consonant_skeleton(token: str) -> str:
    """Lossy consonant key of one normalised (lower-case ASCII) token.

    >>> consonant_skeleton("tehreek") == consonant_skeleton("tahrik") == consonant_skeleton("thryk")
    True
    """
    for digraph, single in _DIGRAPHS:
        token = token.replace(digraph, single)
    token = _DROP.sub("", token.translate(_SINGLE))
    return _REPEAT.sub(r"\1", token)
