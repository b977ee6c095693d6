"""Name normalisation and comparison, shared by designation screening and mirror linkage."""

from tarazu.names.compare import (
    DEFAULT_THRESHOLD,
    NameComparison,
    compare_names,
    get_algorithm,
    name_similarity,
)
from tarazu.names.normalise import normalise, skeleton_key, tokens, transliterate

__all__ = [
    "DEFAULT_THRESHOLD",
    "NameComparison",
    "compare_names",
    "get_algorithm",
    "name_similarity",
    "normalise",
    "skeleton_key",
    "tokens",
    "transliterate",
]
