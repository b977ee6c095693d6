"""Read designations from FollowTheMoney entity JSON lines (the OpenSanctions export format).

In FtM an organisation (`Organization` / `LegalEntity`) carries its names and topics, and each
listing is a separate `Sanction` entity pointing at it through `entity`, with `authority`,
`program`, `listingDate`, `endDate`, `sourceUrl` and `unscId`/`authorityId`. Listing
properties found directly on an organisation (some producers flatten them) are honoured too.

FtM has no per-value language in this format, so tarazu's own data files may add a top-level
`name_langs` object (name -> ISO language); FtM readers ignore unknown top-level keys.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from followthemoney import model
from followthemoney.exc import InvalidData
from followthemoney.proxy import EntityProxy

from tarazu.designations.model import (
    Alias,
    AliasKind,
    Authority,
    Designation,
    Listing,
    ListProblem,
)

__all__ = ["authority_of", "parse_ftm_jsonl", "read_ftm_jsonl"]

_NAME_PROPS = (("name", AliasKind.NAME), ("alias", AliasKind.ALIAS),
               ("abbreviation", AliasKind.WEAK_ALIAS), ("weakAlias", AliasKind.WEAK_ALIAS),
               ("previousName", AliasKind.PREVIOUS_NAME))
#: Longest entity line read (an organisation with every alias and note is a few KB).
MAX_LINE_CHARS = 1_000_000
# Lower-case fragments of authority / program / dataset text -> authority. Checked per text in
# the order given to `authority_of`, so an explicit `authority` wins over a program name.
_AUTHORITY_HINTS = (
    (("security council", "un_sc", "unsc", "united nations"), Authority.UN_SC),
    (("state department", "department of state", "us_fto", "foreign terrorist", "sdgt"),
     Authority.US_STATE),
    (("nacta", "pakistan", "pk_"), Authority.PK_NACTA),
    (("home office", "united kingdom", "gb_", "uk_"), Authority.UK_HOME_OFFICE),
    (("european union", "eu_", "council of the eu"), Authority.EU),
)


def authority_of(*texts: str) -> Authority:
    """Best-effort authority from the free-text fields a source fills, most specific first."""
    for text in texts:
        lowered = text.lower()
        for hints, authority in _AUTHORITY_HINTS:
            if any(h in lowered for h in hints):
                return authority
    return Authority.OTHER


def _listing(proxy: EntityProxy, datasets: list[str]) -> Listing | None:
    authority_text = proxy.get("authority", quiet=True) + proxy.get("publisher", quiet=True)
    program = proxy.get("program", quiet=True)
    authority = authority_of(*authority_text, *program, *datasets)
    if not (authority_text or program or proxy.get("listingDate", quiet=True)):
        return None
    reference = (proxy.first("unscId", quiet=True) or proxy.first("authorityId", quiet=True)
                 or proxy.first("programId", quiet=True))
    return Listing(
        authority=authority,
        list_name=(program or authority_text or [authority.value])[0],
        listed_on=proxy.first("listingDate", quiet=True) or proxy.first("startDate", quiet=True),
        reference=reference,
        source_url=proxy.first("sourceUrl", quiet=True) or proxy.first("programUrl", quiet=True),
        ended_on=proxy.first("endDate", quiet=True),
    )


def _aliases(proxy: EntityProxy, langs: dict[str, str]) -> tuple[str, tuple[Alias, ...]]:
    names = [(v, kind) for prop, kind in _NAME_PROPS for v in proxy.get(prop, quiet=True)]
    if not names:
        return proxy.id or "", ()
    primary = names[0][0]
    aliases = tuple(Alias(v, AliasKind.ALIAS if kind is AliasKind.NAME else kind, langs.get(v))
                    for v, kind in names[1:])
    return primary, aliases


def _kind(proxy: EntityProxy) -> str:
    classes = {c.lower().replace(" ", "_") for c in proxy.get("classification", quiet=True)}
    return "media_wing" if "media_wing" in classes else "organisation"


def _entity(line: str) -> tuple[EntityProxy, list[str], dict[str, str]]:
    """One line as an entity proxy, its datasets and name languages; ValueError if it is not."""
    if len(line) > MAX_LINE_CHARS:
        raise ValueError(f"the line is {len(line)} characters long; at most {MAX_LINE_CHARS} "
                         "are accepted")
    try:
        raw = json.loads(line)
    except RecursionError:
        raise ValueError("not JSON: nested too deeply") from None
    if not isinstance(raw, dict):
        raise ValueError("not a FollowTheMoney entity: a line must be a JSON object")
    try:
        proxy = model.get_proxy(raw, cleaned=False)
    except (ValueError, TypeError, AttributeError, InvalidData) as exc:
        raise ValueError(f"not a FollowTheMoney entity: {exc}") from exc
    datasets, langs = raw.get("datasets", []), raw.get("name_langs", {})
    if not isinstance(datasets, list) or not all(isinstance(d, str) for d in datasets):
        raise ValueError("field 'datasets': must be a list of strings")
    if not isinstance(langs, dict) or not all(isinstance(v, str) for v in langs.values()):
        raise ValueError("field 'name_langs': must be an object of name to language")
    if _has_nul(raw):
        raise ValueError("contains a NUL character")
    return proxy, datasets, langs


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def read_ftm_jsonl(content: str) -> tuple[list[Designation], list[ListProblem]]:
    """Organisations in the file with their listings; persons and other schemata are skipped.
    A line that is not an entity is a problem named by its line; the other lines are read.
    Lines with the same entity id are fragments of one entity (as FtM streams are) and are
    merged: the organisation is imported once."""
    orgs: dict[str, tuple[EntityProxy, list[str], dict[str, str]]] = {}
    listings: dict[str, list[Listing]] = defaultdict(list)
    problems: list[ListProblem] = []
    for lineno, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            proxy, datasets, langs = _entity(line)
            if proxy.schema.is_a("Sanction"):
                listing = _listing(proxy, datasets)
                for target in proxy.get("entity"):
                    if listing:
                        listings[target].append(listing)
            elif proxy.schema.is_a("Organization") or proxy.schema.name == "LegalEntity":
                if proxy.id in orgs:
                    first, seen, seen_langs = orgs[str(proxy.id)]
                    proxy = first.merge(proxy)
                    datasets, langs = seen + datasets, seen_langs | langs
                orgs[str(proxy.id)] = (proxy, datasets, langs)
        except (ValueError, InvalidData) as exc:
            problems.append(ListProblem(f"line {lineno}", str(exc)))
    out = []
    for proxy, datasets, langs in orgs.values():
        own = _listing(proxy, datasets)
        name, aliases = _aliases(proxy, langs)
        out.append(Designation(
            id=str(proxy.id),
            name=name,
            aliases=aliases,
            listings=tuple(listings.get(str(proxy.id), [])) + ((own,) if own else ()),
            parent_id=proxy.first("parent", quiet=True),
            kind=_kind(proxy),
            countries=tuple(proxy.get("country", quiet=True)),
            topics=tuple(proxy.get("topics", quiet=True)),
            notes=" ".join(proxy.get("notes", quiet=True)),
        ))
    return out, problems


def parse_ftm_jsonl(content: str) -> list[Designation]:
    """As :func:`read_ftm_jsonl`, for files that must be whole (the shipped lists): the first
    problem raises ValueError."""
    found, problems = read_ftm_jsonl(content)
    if problems:
        raise ValueError(str(problems[0]))
    return found
