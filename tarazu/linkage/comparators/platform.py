"""Comparator of platform-internal identifiers (already hashed by the platform)."""

from __future__ import annotations

from tarazu.linkage.corpus import Corpus
from tarazu.linkage.levels import Comparator, ComparisonResult, ConfigVar
from tarazu.linkage.profile import AccountProfile


class IdentifiersComparator(Comparator):
    """Exact matches of hashed device, e-mail, phone, cookie ids: near-deterministic when
    present. An IP prefix alone is weak (NAT, mobile carriers, shared cafés)."""

    NAME = "identifiers"
    FAMILY = "platform"
    LEVELS = (
        "several strong identifiers shared",
        "one strong identifier shared",
        "only IP prefix shared",
        "none shared",
    )
    CONFIG = (ConfigVar("weak_keys", ("ip_prefix", "ip", "asn"), "identifier kinds that are weak"),)

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        if not a.identifiers or not b.identifiers:
            return self.missing()
        shared = sorted(k for k, v in a.identifiers.items() if v and b.identifiers.get(k) == v)
        strong = [k for k in shared if k not in self.config["weak_keys"]]
        values = (", ".join(shared), ", ".join(shared))
        if len(strong) >= 2:
            return self.level("several strong identifiers shared", values, float(len(strong)))
        if strong:
            return self.level("one strong identifier shared", values, 1.0)
        if shared:
            return self.level("only IP prefix shared", values, 0.5)
        return self.level("none shared", values, 0.0)
