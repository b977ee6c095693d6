"""The shipped list: the organisations the platform acts on, with their listings."""

from tarazu.designations.model import Authority
from tarazu.designations.registry import default_registry


def test_packaged_organisations_and_references() -> None:
    registry = default_registry()
    ttp = registry.get("tarazu-ttp")
    iskp = registry.get("tarazu-iskp")
    assert ttp is not None and iskp is not None
    refs = {x.reference for x in ttp.listings if x.authority is Authority.UN_SC}
    assert refs == {"QDe.132"}
    assert {x.reference for x in iskp.listings if x.authority is Authority.UN_SC} == {"QDe.161"}
    assert any(a.script == "Arabic" and a.lang == "ur" for a in ttp.aliases)


def test_domestic_only_and_delisted_groups_are_distinguishable() -> None:
    registry = default_registry()
    blf, bla, tlp = (registry.get(i) for i in ("tarazu-blf", "tarazu-bla", "tarazu-tlp"))
    assert blf is not None and bla is not None and tlp is not None
    assert registry.domestic_list_only(blf)
    assert not registry.domestic_list_only(bla)
    assert not tlp.listings_in_force  # removed from the list in 2021
    assert tlp not in registry.in_force()


def test_media_wings_point_to_their_parents() -> None:
    registry = default_registry()
    umar = registry.get("tarazu-umar-media")
    assert umar is not None and umar.kind == "media_wing"
    assert registry.root_of(umar).id == "tarazu-ttp"
    assert registry.effective_listings(umar)
