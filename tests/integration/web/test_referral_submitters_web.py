"""Over HTTP: posting another authority's referral bytes or id reveals nothing of theirs, and
an agency name with markup is refused naming the field."""

from fastapi.testclient import TestClient

from tarazu.entrypoints.web.app import create_app
from tests.integration.referrals.helpers import document, item, seed_platform
from tests.integration.web.conftest import login

JSON = {"content-type": "application/json"}


def _as(web, role):
    c = TestClient(create_app(web))
    c.headers.update({"X-CSRF-Token": login(c, role)})
    return c


def test_another_submitter_posting_the_same_bytes_gets_only_their_own_result(web):
    seed_platform(web)
    doc = document("PTA-1", [item("acc0"), item("journo")]).encode()
    gov = _as(web, "requester")
    first = gov.post("/api/referrals", content=doc, headers=JSON)
    assert first.status_code == 201
    flagger = _as(web, "trusted_flagger")
    r = flagger.post("/api/referrals", content=doc, headers=JSON)
    assert r.status_code == 201 and r.json()["already_imported"] is False
    assert r.json()["request_id"] == "PTA-1" and r.json()["requester"]["type"] == "trusted_flagger"
    assert "PTA-1#" not in r.text  # nothing names the government's items
    assert [x["request_id"] for x in flagger.get("/api/referrals").json()["requests"]] == \
        ["PTA-1"]
    assert flagger.get("/api/referrals/PTA-1").json()["requester"]["type"] == "trusted_flagger"
    assert gov.get("/api/referrals/PTA-1").json()["requester"]["type"] == "government"
    home = flagger.get("/portal").text
    assert 'href="/portal/referrals/PTA-1"' in home and "@" not in home.split("<table")[-1]


def test_an_agency_with_markup_is_refused_naming_the_field(web):
    seed_platform(web)
    doc = document("PTA-2", [item("acc0")]).replace('"Ministry of Interior"',
                                                    '"Agency <script>alert(1)</script>"')
    r = _as(web, "requester").post("/api/referrals", content=doc.encode(), headers=JSON)
    assert r.status_code == 422 and "'requester.agency'" in r.json()["detail"]
