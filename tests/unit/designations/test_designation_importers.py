"""Importers turn list files into Designations; fixtures are small synthetic files."""

from pathlib import Path

import pytest

from tarazu.designations.importers import detect_format, parse_designations
from tarazu.designations.model import AliasKind, Authority
from tarazu.designations.registry import DesignationRegistry

FIXTURES = Path(__file__).parent / "fixtures"


def _read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_un_xml_entities_aliases_and_listing() -> None:
    designations = parse_designations(_read("un_sample.xml"))
    assert [d.id for d in designations] == ["unsc-QDe.900"]  # individual and nameless skipped
    d = designations[0]
    assert d.name == "EXAMPLE FRONT (EF)"
    kinds = {a.name: a.kind for a in d.aliases}
    assert kinds["Example Front of the North"] is AliasKind.ALIAS
    assert kinds["Old Example Group"] is AliasKind.PREVIOUS_NAME
    assert kinds["EF"] is AliasKind.WEAK_ALIAS
    assert kinds["جبهة المثال"] is AliasKind.ALIAS
    assert {a.script for a in d.aliases} == {"Latin", "Arabic"}
    assert d.countries == ("Pakistan",)
    (listing,) = d.listings
    assert (listing.authority, listing.reference, listing.listed_on) == (
        Authority.UN_SC, "QDe.900", "2012-03-04")


def test_ftm_jsonl_groups_sanctions_under_their_organisation() -> None:
    designations = {d.id: d for d in parse_designations(_read("ftm_sample.jsonl"))}
    assert set(designations) == {"ex-org", "ex-media", "ex-domestic"}  # the person is skipped
    org = designations["ex-org"]
    assert org.name == "Example Front"
    langs = {a.name: a.lang for a in org.aliases}
    assert langs["جبهة المثال"] == "ar"
    assert {a.kind for a in org.aliases} == {AliasKind.ALIAS, AliasKind.WEAK_ALIAS,
                                             AliasKind.PREVIOUS_NAME}
    by_authority = {x.authority: x for x in org.listings}
    assert by_authority[Authority.UN_SC].reference == "QDe.900"
    assert not by_authority[Authority.PK_NACTA].in_force  # it has an end date
    assert org.domestic_list_only is False
    assert designations["ex-media"].kind == "media_wing"
    # A listing flattened onto the organisation itself is honoured.
    assert designations["ex-domestic"].listings[0].authority is Authority.PK_NACTA
    assert designations["ex-domestic"].domestic_list_only is True


def test_media_wing_inherits_parent_listings() -> None:
    registry = DesignationRegistry(parse_designations(_read("ftm_sample.jsonl")))
    wing = registry.get("ex-media")
    assert wing is not None and not wing.listings
    assert [x.reference for x in registry.effective_listings(wing)] == ["QDe.900"]
    assert registry.root_of(wing).id == "ex-org"


def test_format_detection() -> None:
    assert detect_format(_read("ftm_sample.jsonl")) == "ftm"
    assert detect_format(_read("un_sample.xml")) == "un_xml"
    with pytest.raises(ValueError):
        detect_format("name,alias\nfoo,bar\n")
    with pytest.raises(ValueError):
        parse_designations('{"id": "x", "schema": "NoSuchSchema", "properties": {}}')
