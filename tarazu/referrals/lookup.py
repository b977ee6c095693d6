"""Resolving the group a referral names against the designation registry."""

from __future__ import annotations

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


def registry_lookup(registry: DesignationRegistry,
                    min_similarity: float = MIN_SIMILARITY) -> DesignationLookup:
    """A group name matches a designation when it equals an alias after normalisation (which
    covers acronyms and other scripts) or is very similar to one. A media wing resolves to
    the organisation whose listings cover it."""

    designations = registry.in_force()
    exact = {skeleton_key(a.name): d for d in designations for a in d.all_aliases}

    def lookup(group: str) -> DesignationHit | None:
        if not group.strip():
            return None
        best = exact.get(skeleton_key(group))
        if best is None:  # only names that are not an alias as written need the comparator
            best_score = 0.0
            for d in designations:
                for alias in d.all_aliases:
                    score = name_similarity(group, alias.name)
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
