"""Over HTTP: a requester's overreach is refused naming the field, a bulk request reaches legal
flagged, and a non-disclosure is extended only by legal with a renewed order."""

import json

from tarazu.domain.platform import Account
from tests.integration.datarequests.helpers import seed
from tests.integration.datarequests.test_datarequest_web import as_user, post_request
from tests.integration.web import conftest as web_fixtures
from tests.unit.datarequests.samples import doc

RID = "FIA-2025-0811-07"
web = web_fixtures.web


def test_overreaching_fields_are_422_naming_the_field(web):
    seed(web)
    me = as_user(web, "requester")
    for changes, field in (
            ({"agency": "Agency <script>alert(1)</script> / PK"}, "agency"),
            ({"nondisclosure_until": "2999-01-01", "nondisclosure_reason": "x"},
             "nondisclosure_until"),
            ({"nondisclosure_until": "2026-01-01"}, "nondisclosure_reason"),
            ({"instrument__date": "2099-01-01", "received_at": "2099-01-02T00:00:00Z"},
             "instrument.date")):
        r = post_request(me, **changes)
        assert r.status_code == 422, r.text
        assert field in [e["field"] for e in r.json()["errors"]]
    assert me.get("/api/data-requests").json()["requests"] == []


def test_legal_sees_the_bulk_flag_and_must_justify_or_narrow(web):
    seed(web)
    with web.uow() as uow:
        for i in range(12):
            uow.platform.upsert_account(Account(f"b{i}", f"@bulk_{i}", web.clock.now(),
                                                "active", platform="x"))
        uow.commit()
    r = post_request(as_user(web, "requester"), targets=[f"@bulk_{i}" for i in range(12)])
    assert r.status_code == 201 and "disproportionate" in r.json()["checks"]["reasons"]
    legal = as_user(web, "legal")
    page = legal.get(f"/data-requests/{RID}", headers={"accept": "text/html"}).text
    assert "disproportionate" in page and 'name="proportionality"' in page
    bare = legal.post(f"/api/data-requests/{RID}/approve", json={"reason": "all"})
    assert bare.status_code == 409 and "more than 10" in bare.json()["detail"]
    ok = legal.post(f"/api/data-requests/{RID}/approve", json={
        "reason": "all", "proportionality": "each is named in the court's annex"})
    assert ok.status_code == 200 and ok.json()["status"] == "approved"


def test_only_legal_extends_a_nondisclosure_with_a_renewed_order(web):
    seed(web)
    as_user(web, "requester").post("/api/data-requests?platform=x", content=json.dumps(doc(
        nondisclosure_until="2025-12-01", nondisclosure_reason="open investigation")))
    order = {"type": "court_order", "issuer": "Sessions Court Islamabad",
             "reference": "CrM-1234/2025-R1", "date": "2025-08-11"}
    body = {"until": "2026-01-15", "reason": "the court renewed the order", "order": order}
    assert as_user(web, "requester").post(f"/api/data-requests/{RID}/nondisclosure",
                                          json=body).status_code == 403
    legal = as_user(web, "legal")
    far = legal.post(f"/api/data-requests/{RID}/nondisclosure",
                     json={**body, "until": "2999-01-01"})
    assert far.status_code == 409 and "at most" in far.json()["detail"]
    r = legal.post(f"/api/data-requests/{RID}/nondisclosure", json=body)
    assert r.status_code == 200 and r.json()["nondisclosure_until"] == "2026-01-15"
    history = legal.get(f"/api/data-requests/{RID}").json()["history"]
    assert history[-1]["step"] == "extend_nondisclosure"
    assert history[-1]["reason"] == "the court renewed the order"
