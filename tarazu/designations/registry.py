"""An in-memory, read-only set of designations with parent look-ups.

Screening and referral checks need "which listings cover this name?", which for a media wing
means its parent's listings. The registry answers that without any storage; the database
repository produces one, and so does the packaged data file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources

from tarazu.designations.importers import parse_ftm_jsonl
from tarazu.designations.model import Designation, Listing

__all__ = ["DesignationRegistry", "default_registry", "packaged_designations"]

PACKAGED_FILES = ("designations.ftm.jsonl", "designations.domestic.ftm.jsonl")


class DesignationRegistry:
    """Immutable collection of designations keyed by id."""

    def __init__(self, designations: Iterable[Designation]) -> None:
        self._by_id: dict[str, Designation] = {}
        for d in designations:
            self._by_id[d.id] = d

    def __iter__(self) -> Iterator[Designation]:
        return iter(sorted(self._by_id.values(), key=lambda d: d.id))

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, designation_id: str) -> Designation | None:
        return self._by_id.get(designation_id)

    def root_of(self, designation: Designation) -> Designation:
        """The listed organisation a wing belongs to (itself if it has no parent)."""
        seen = {designation.id}
        while designation.parent_id and designation.parent_id not in seen:
            parent = self._by_id.get(designation.parent_id)
            if parent is None:
                break
            seen.add(parent.id)
            designation = parent
        return designation

    def effective_listings(self, designation: Designation) -> tuple[Listing, ...]:
        """Listings in force that cover this designation: its own, else its parent's."""
        own = designation.listings_in_force
        return own if own else self.root_of(designation).listings_in_force

    def domestic_list_only(self, designation: Designation) -> bool:
        own = designation if designation.listings_in_force else self.root_of(designation)
        return own.domestic_list_only

    def in_force(self) -> list[Designation]:
        """Designations covered by at least one listing in force (directly or via a parent)."""
        return [d for d in self if self.effective_listings(d)]


def packaged_designations() -> list[Designation]:
    """The designations shipped with tarazu (see tarazu/data/designations*.ftm.jsonl)."""
    out: list[Designation] = []
    data = resources.files("tarazu") / "data"
    for name in PACKAGED_FILES:
        out += parse_ftm_jsonl((data / name).read_text(encoding="utf-8"))
    return out


@lru_cache(maxsize=1)
def default_registry() -> DesignationRegistry:
    return DesignationRegistry(packaged_designations())
