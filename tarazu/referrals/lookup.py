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
    covers acronyms and other scripts) or is very similar to one."""

    def lookup(group: str) -> DesignationHit | None:
        if not group.strip():
            return None
        key = skeleton_key(group)
        best, best_score = None, 0.0
        for d in registry.in_force():
            for alias in d.all_aliases:
                score = 1.0 if skeleton_key(alias.name) == key else name_similarity(
                    group, alias.name)
                if score > best_score:
                    best, best_score = d, score
        if best is None or best_score < min_similarity:
            return None
        root = registry.root_of(best)
        listings = registry.effective_listings(best)
        return DesignationHit(root.id, root.name,
                              frozenset(AUTHORITY_COUNTRY[x.authority] for x in listings))

    return lookup
