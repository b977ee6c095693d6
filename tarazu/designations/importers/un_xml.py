"""Read designated entities from the UN Security Council consolidated list XML.

Structure (entities only; individuals are not organisations and are skipped):

    <CONSOLIDATED_LIST dateGenerated="...">
      <ENTITIES><ENTITY>
        <DATAID/> <FIRST_NAME/> <NAME_ORIGINAL_SCRIPT/> <UN_LIST_TYPE/> <REFERENCE_NUMBER/>
        <LISTED_ON/> <COMMENTS1/>
        <ENTITY_ALIAS><QUALITY>a.k.a.|f.k.a.|Good|Low</QUALITY><ALIAS_NAME/></ENTITY_ALIAS>...
        <ENTITY_ADDRESS><COUNTRY/></ENTITY_ADDRESS>...
      </ENTITY></ENTITIES>
    </CONSOLIDATED_LIST>

The id of an imported entity is `unsc-<REFERENCE_NUMBER>` so that re-importing a newer list
updates the same designation.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tarazu.designations.model import Alias, AliasKind, Authority, Designation, Listing, ListProblem

__all__ = ["UN_LIST_URL", "parse_un_xml", "read_un_xml"]

UN_LIST_URL = "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
_QUALITY = {"f.k.a.": AliasKind.PREVIOUS_NAME, "low": AliasKind.WEAK_ALIAS}


def _text(element: ET.Element, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "").strip() if found is not None else ""


def _entity(element: ET.Element) -> Designation | None:
    name = _text(element, "FIRST_NAME")
    reference = _text(element, "REFERENCE_NUMBER") or _text(element, "DATAID")
    if not name or not reference:
        return None
    aliases: list[Alias] = []
    original = _text(element, "NAME_ORIGINAL_SCRIPT")
    if original:
        aliases.append(Alias(original, AliasKind.ALIAS))
    for alias in element.findall("ENTITY_ALIAS"):
        alias_name = _text(alias, "ALIAS_NAME")
        if alias_name:
            kind = _QUALITY.get(_text(alias, "QUALITY").lower(), AliasKind.ALIAS)
            aliases.append(Alias(alias_name, kind))
    countries = tuple(dict.fromkeys(
        c for a in element.findall("ENTITY_ADDRESS") if (c := _text(a, "COUNTRY"))))
    listing = Listing(
        authority=Authority.UN_SC,
        list_name=_text(element, "UN_LIST_TYPE") or "UN Security Council consolidated list",
        listed_on=_text(element, "LISTED_ON") or None,
        reference=_text(element, "REFERENCE_NUMBER") or None,
        source_url=UN_LIST_URL,
    )
    return Designation(
        id=f"unsc-{reference}",
        name=name,
        aliases=tuple(aliases),
        listings=(listing,),
        countries=countries,
        topics=("sanction",),
        notes=_text(element, "COMMENTS1"),
    )


def read_un_xml(content: str | bytes) -> tuple[list[Designation], list[ListProblem]]:
    """Entities of the consolidated list, in document order. A document that is not well-formed
    XML raises ValueError naming the line and column; an entity without a name or reference
    is a problem naming its position, and the other entities are read. An entity listed twice
    is imported once (the later entry)."""
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        line, column = exc.position
        raise ValueError(f"line {line}, column {column}: malformed XML ({exc.msg})") from None
    except RecursionError:
        raise ValueError("malformed XML: nested too deeply") from None
    if root.tag != "CONSOLIDATED_LIST":
        raise ValueError(f"not a UN consolidated list: root element <{root.tag}>")
    found: dict[str, Designation] = {}
    where: dict[str, str] = {}
    problems: list[ListProblem] = []
    for n, element in enumerate(root.iter("ENTITY"), start=1):
        label = f"entity {n}" + (f" (DATAID {d})" if (d := _text(element, "DATAID")) else "")
        designation = _entity(element)
        if designation is None:
            problems.append(ListProblem(label, "FIRST_NAME and REFERENCE_NUMBER (or DATAID) "
                                               "are required"))
            continue
        if designation.id in found:
            problems.append(ListProblem(label, f"repeats {where[designation.id]} "
                                               f"({designation.id}); the later entry is kept"))
        found[designation.id], where[designation.id] = designation, label
    return list(found.values()), problems


def parse_un_xml(content: str | bytes) -> list[Designation]:
    """As :func:`read_un_xml`, ignoring entities that cannot be read."""
    return read_un_xml(content)[0]
