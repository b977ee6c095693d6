"""Term-frequency adjustment: sharing a value many accounts share says little.

Splink's term-frequency adjustment, for the exact-match level of a comparator: when an active
and a removed account match *on value x*, the chance that two unrelated accounts do so is not
the level's average u but x's own frequency among the removed accounts. The members of one
group share its logo, its channel link and its hashtags; those shared values then weigh little,
and a device id or an avatar that only one removed account had weighs much.

A comparator takes part by naming the values its top level matches on: a ``tf_values(profile)``
static method on the comparator class, or an entry in :data:`TF_VALUES` here for the
built-in ones. Which comparators a model adjusts is the model's choice
(``ComparatorSpec.tf_adjust``)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

from tarazu.linkage.profile import AccountProfile

ValuesOf = Callable[[AccountProfile], Iterable[str]]

#: The values the top level of each built-in comparator matches on.
TF_VALUES: Mapping[str, ValuesOf] = {
    "avatar": lambda p: (p.avatar_pdq,) if p.avatar_pdq else (),
    "profile_links": lambda p: p.link_keys,
    "identifiers": lambda p: (f"{k}={v}" for k, v in p.identifiers.items() if v),
    "media": lambda p: p.media_md5,
    "hashtags": lambda p: p.hashtags,
}


def values_of(name: str) -> ValuesOf | None:
    """How to read comparator ``name``'s matched values: the comparator's own
    ``tf_values`` if it has one, else the built-in table; None if it has neither."""
    from tarazu.linkage.comparators import _BY_NAME

    own = getattr(_BY_NAME.get(name), "tf_values", None)
    return own if own is not None else TF_VALUES.get(name)


class TermFrequencies:
    """How many removed accounts hold each value, per adjusted comparator; kept up to date as
    accounts are removed and reinstated."""

    def __init__(self, names: Iterable[str]) -> None:
        self.readers: dict[str, ValuesOf] = {}
        for n in names:
            reader = values_of(n)
            if reader is None:
                raise ValueError(f"comparator {n!r} has no values to adjust by frequency")
            self.readers[n] = reader
        self.counts: dict[str, Counter[str]] = {n: Counter() for n in self.readers}
        self.accounts = 0

    def __bool__(self) -> bool:
        return bool(self.readers)

    def add(self, p: AccountProfile, sign: int = 1) -> None:
        self.accounts += sign
        for n, read in self.readers.items():
            c = self.counts[n]
            for v in set(read(p)):
                c[v] += sign
                if c[v] <= 0:
                    del c[v]

    def remove(self, p: AccountProfile) -> None:
        self.add(p, -1)

    def shared_frequency(
        self, name: str, a: AccountProfile, b: AccountProfile
    ) -> tuple[float, str] | None:
        """The frequency among removed accounts of the rarest value ``a`` and ``b`` share
        (at least one account: ``b`` itself), and that value; None if they share none."""
        read = self.readers[name]
        shared = set(read(a)) & set(read(b))
        if not shared or self.accounts <= 0:
            return None
        c = self.counts[name]
        rarest = min(shared, key=lambda v: (c.get(v, 0), v))
        return max(c.get(rarest, 0), 1) / self.accounts, rarest


def adjusted_weight(m: float, u_level: float, u_value: float) -> float:
    """Weight of a top-level match on a value of frequency ``u_value``: log2(m / u_value),
    but never below 0 when the level itself is evidence for a match (a value everybody holds
    is no evidence either way, not evidence against)."""
    w = math.log2(m / max(u_value, 1e-12))
    return max(w, 0.0) if m > u_level else w
