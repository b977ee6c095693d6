"""Resolving the group a referral names against the designation registry."""

from __future__ import annotations

from rapidfuzz import fuzz

from tarazu.designations.model import Authority
from tarazu.designations.registry import DesignationRegistry
from tarazu.names.compare import name_similarity
from tarazu.names.normalise import skeleton_key
from tarazu.referrals.checks import DesignationHit, DesignationLookup

AUTHORITY_COUNTRY = {
    Authority.UN_SC: "UN",
    Authority.US_STATE: "US",
    Authority.UK_HOME_OFFICE: "GB",
    Authority.EU: "EU",
    Authority.PK_NACTA: "PK",
    Authority.OTHER: "OTHER",
}
MIN_SIMILARITY = 0.9
#: Character similarity of the compact keys below which the name comparator is not asked
#: (no spelling of a name shares this little with it), and above which it need not be.
BLOCK_BELOW = 0.6
SURE_ABOVE = 0.92


def registry_lookup(registry: DesignationRegistry,
                    min_similarity: float = MIN_SIMILARITY) -> DesignationLookup:
    """A group name matches a designation when it equals an alias after normalisation (which
    covers acronyms and other scripts) or is very similar to one. A media wing resolves to
    the organisation whose listings cover it."""

    designations = registry.in_force()
    keyed = [(skeleton_key(a.name), a.name, d) for d in designations for a in d.all_aliases]
    exact = {k: d for k, _, d in keyed}

    def lookup(group: str) -> DesignationHit | None:
        if not group.strip():
            return None
        key = skeleton_key(group)
        best = exact.get(key)
        if best is None:  # a name not written as any alias: block cheaply, then compare
            cheap = sorted(((fuzz.ratio(key, k) / 100, alias, d) for k, alias, d in keyed),
                           key=lambda c: -c[0])
            best_score = 0.0
            if cheap and cheap[0][0] >= SURE_ABOVE:
                best, best_score = cheap[0][2], cheap[0][0]
            else:
                for score0, alias, d in cheap:
                    if score0 < BLOCK_BELOW:
                        break
                    score = name_similarity(group, alias, "Organization")  # groups, not people
                    if score > best_score:
                        best, best_score = d, score
            if best_score < min_similarity:
                return None
        if best is None:
            return None
        root = registry.root_of(best)
        listings = registry.effective_listings(best)
        return DesignationHit(root.id, root.name,
                              frozenset(AUTHORITY_COUNTRY[x.authority] for x in listings),
                              domestic_list_only=registry.domestic_list_only(best))

    return lookup
