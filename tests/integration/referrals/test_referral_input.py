"""Referral evidence and grounds as a hostile reviewer found them misjudged: post ids with
colons, ISKP under its common names, the vague wording of the cyber-crime law, and every
reason an item has (a protected account returned for its evidence is still named protected)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tarazu.domain.platform import Account, Post
from tarazu.referrals.grounds import is_vague
from tarazu.referrals.parse import parse_json
from tarazu.service import referrals
from tests.integration.referrals.helpers import T0, document, item, seed_platform


def run(app, doc: str):
    request, errors = parse_json(doc, app.clock.now())
    return referrals.import_request(app.uow, app.clock, request, errors, doc.encode(),
                                    app.designation_lookup(), submitted_by="requester")


def reasons(result):
    return [(r.outcome.value, sorted(x.value for x in r.reasons)) for r in result.results]


def _colon_ids(app):
    with app.uow() as uow:
        uow.platform.upsert_account(Account("acc:35", "colon_user", T0, "active", platform="x"))
        for j in (1, 2):
            uow.platform.upsert_post(Post(f"acc:35:1:p{j}", "acc:35", T0 + timedelta(hours=j),
                                          platform="x", text="placeholder"))
        uow.commit()


def test_a_post_id_with_colons_is_looked_up_before_its_shape_is_judged(app):
    seed_platform(app)
    _colon_ids(app)
    res = run(app, document("R-colon", [
        item("colon_user", evidence=["acc:35:1:p2"]),  # its own post: specific
        item("acc0", evidence=["acc:35:1:p1"]),  # someone else's post
    ]))
    assert reasons(res) == [("accepted", []), ("returned", ["no_specific_evidence"])]
    assert "different account" in " ".join(res.results[1].explanation)
    missing = run(app, document("R-colon-2", [item("acc1", evidence=["acc:35:1:p9"])]))
    assert reasons(missing) == [("returned", ["no_specific_evidence"])]
    assert "not found" in " ".join(missing.results[0].explanation)


def test_a_protected_account_returned_for_its_evidence_is_also_named_protected(app):
    seed_platform(app)
    res = run(app, document("R-prot", [
        item("journo", evidence=["https://x.com/journo"]),  # a profile page
        item("journo", evidence=["no such thing"], platform="x"),
    ]))
    for r in res.results:
        assert {x.value for x in r.reasons} >= {"no_specific_evidence", "protected_target"}
        assert r.outcome.value == "returned"


@pytest.mark.parametrize("name", [
    "Islamic State Khorasan Province", "ISIS-K", "ISIS-Khorasan", "IS-K", "Daesh Khorasan",
    "Daesh-Khorasan", "Wilayat Khorasan", "Islamic State in Khorasan Province",
    "داعش خراسان", "داعش (خراسان)", "دولت اسلامیہ خراسان", "د خراسان ولایت",
    "الدولة الإسلامية ولاية خراسان", "ولاية خراسان",
])
def test_iskp_is_found_under_the_names_in_common_use(app, name):
    hit = app.designation_lookup()(name)
    assert hit is not None and hit.designation_id == "tarazu-iskp", name


@pytest.mark.parametrize("ground", [
    "spreading fake news", "false information", "false and fake information",
    "creating a sense of fear and panic", "spreading unrest", "causing fear, panic or disorder",
    "content against the integrity, security or defence of Pakistan", "maligning the army",
    "propaganda against state institutions", "glorification", "threat to national security",
    "جعلی خبریں پھیلانا", "خوف و ہراس پھیلانا", "ملکی سالمیت کے خلاف", "ghalat maloomat",
])
def test_the_vague_wording_of_the_cyber_crime_law_alone_is_refused(app, ground):
    seed_platform(app)
    assert is_vague(ground)
    res = run(app, document("R-vague", [item("acc0", group="", ground=ground)]))
    assert reasons(res) == [("refused", ["vague_ground"])]


def test_specific_grounds_are_not_taken_for_vague_ones():
    for g in ("propaganda of a proscribed organisation", "recruitment for TTP",
              "official media of a proscribed organisation", "fundraising for BLA",
              "unrestricted sharing of execution videos", "incitement to violence"):
        assert not is_vague(g), g
