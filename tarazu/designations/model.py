"""Designated organisations as the lists publish them: names in every script, and listings.

A platform may act against an organisation's accounts because a named authority lists it, so a
`Designation` keeps each listing separately (who listed it, on which list, when, on what
reference) instead of a single "is terrorist" flag. Whether an organisation is listed only by
one national government (`domestic_list_only`) matters for due process: a referral resting on a
domestic list alone gets a different review than one resting on a UN or multi-country listing.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Alias",
    "AliasKind",
    "Authority",
    "DOMESTIC_AUTHORITIES",
    "Designation",
    "ListProblem",
    "Listing",
    "script_of",
]


@dataclass(frozen=True)
class ListProblem:
    """One record of a list file that could not be imported (the others are), named by where
    it is (``line 3``, ``entity 2 (reference QDe.132)``)."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class Authority(StrEnum):
    """Listing authorities tarazu recognises; anything else imports as OTHER."""

    UN_SC = "un_security_council"
    US_STATE = "us_state_department"
    UK_HOME_OFFICE = "uk_home_office"
    EU = "eu_council"
    PK_NACTA = "pakistan_nacta"
    OTHER = "other"


#: Authorities whose list is a single country's domestic list for the purpose of
#: `domestic_list_only`: the platform's home jurisdiction in this deployment.
DOMESTIC_AUTHORITIES = frozenset({Authority.PK_NACTA})


class AliasKind(StrEnum):
    NAME = "name"  # the list's primary name
    ALIAS = "alias"  # a.k.a.
    WEAK_ALIAS = "weak_alias"  # short or generic forms, acronyms: need context to match
    PREVIOUS_NAME = "previous_name"  # f.k.a.


@dataclass(frozen=True)
class Alias:
    """One name of an organisation, with its script (detected) and language (if the source says).

    Scripts are detected rather than declared because sources rarely declare them; language
    cannot be detected reliably between Urdu, Pashto and Persian, so it stays optional.
    """

    name: str
    kind: AliasKind = AliasKind.ALIAS
    lang: str | None = None  # ISO 639-1/3 where known: "ur", "ps", "ar", "en"

    @property
    def script(self) -> str:
        return script_of(self.name)


@dataclass(frozen=True)
class Listing:
    """One authority's listing of an organisation."""

    authority: Authority
    list_name: str
    listed_on: str | None = None  # ISO date or prefix ("2006-04"); None when not known
    reference: str | None = None  # e.g. the UN reference "QDe.132"
    source_url: str | None = None
    ended_on: str | None = None  # delisting date; a listing with one is no longer in force

    @property
    def in_force(self) -> bool:
        return self.ended_on is None


@dataclass(frozen=True)
class Designation:
    """A designated organisation, or a media wing covered by its parent's listings."""

    id: str
    name: str
    aliases: tuple[Alias, ...] = ()
    listings: tuple[Listing, ...] = ()
    parent_id: str | None = None  # set for media wings and other sub-units
    kind: str = "organisation"  # "organisation" | "media_wing"
    countries: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    notes: str = ""

    @property
    def all_aliases(self) -> tuple[Alias, ...]:
        """Primary name first, then every alias, without duplicates."""
        seen: set[str] = set()
        out: list[Alias] = []
        for alias in (Alias(self.name, AliasKind.NAME), *self.aliases):
            if alias.name not in seen:
                seen.add(alias.name)
                out.append(alias)
        return tuple(out)

    @property
    def listings_in_force(self) -> tuple[Listing, ...]:
        return tuple(x for x in self.listings if x.in_force)

    @property
    def domestic_list_only(self) -> bool:
        """Listed (in force) only by domestic authorities; False when it has no own listing."""
        current = self.listings_in_force
        return bool(current) and all(x.authority in DOMESTIC_AUTHORITIES for x in current)


def script_of(text: str) -> str:
    """Dominant Unicode script of the letters in `text` ("Latin", "Arabic", "Cyrillic"...)."""
    counts: dict[str, int] = {}
    for char in text:
        if char.isalpha():
            script = unicodedata.name(char, "UNKNOWN").split(" ")[0].title()
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else "Common"
