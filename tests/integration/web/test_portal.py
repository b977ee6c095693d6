"""The reporting portal over HTTP: public reports with receipts, tokens and rate limits; the
authenticated referral portal and API for authorities and trusted flaggers; staff APIs for
protected accounts, campaigns and muted reporters."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient

from tarazu.entrypoints.web.app import create_app
from tests.integration.referrals.helpers import document, item, seed_platform
from tests.integration.web.conftest import login

REPORT = {"platform": "x", "target_type": "account", "target": "@acc0",
          "category": "designated_organisation", "text": "placeholder", "contact": ""}


def test_a_public_report_gets_a_receipt_and_a_token_that_shows_its_status(client, web):
    seed_platform(web)
    r = client.post("/api/reports", json=REPORT)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["receipt_id"].startswith("RPT-") and len(body["status_token"]) > 20
    s = client.get(f"/report/status/{body['receipt_id']}",
                   params={"token": body["status_token"]}, headers={"accept": "application/json"})
    assert s.status_code == 200 and s.json()["state"] == "under_review"
    page = client.get(body["status_url"])
    assert "Under review." in page.text
    # without the token (or with a wrong one) nothing is shown
    for token in ("", "guess"):
        s = client.get(f"/report/status/{body['receipt_id']}", params={"token": token})
        assert s.status_code == 404 and "acc0" not in s.text


def test_the_public_form_works_without_an_account_and_names_bad_fields(client, web):
    seed_platform(web)
    assert "Report an account or a post" in client.get("/report").text
    r = client.post("/report", data=REPORT | {"category": "anti_state"})
    assert r.status_code == 422 and "Category: choose one from the list" in r.text
    r = client.post("/report", data=REPORT)
    assert r.status_code == 201 and "/report/status/RPT-" in r.text
    assert "tarazu_reporter" in r.headers.get("set-cookie", "")


def test_public_reports_are_rate_limited_per_client_with_retry_after(client, web):
    seed_platform(web)
    codes = [client.post("/api/reports", json=REPORT).status_code for _ in range(6)]
    assert codes == [201] * 5 + [429]
    r = client.post("/api/reports", json=REPORT)
    assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 60
    # the limit is stored: a new app process on the same database still refuses
    assert TestClient(create_app(web)).post("/api/reports", json=REPORT).status_code == 429


def test_a_requester_submits_json_and_follows_only_their_own_requests(web):
    seed_platform(web)
    gov, other = TestClient(create_app(web)), TestClient(create_app(web))
    csrf = login(gov, "requester")
    doc = document("PTA-1", [item("acc0"), item("acc1", legal_basis=""), item("journo")])
    r = gov.post("/api/referrals", content=doc.encode(),
                 headers={"X-CSRF-Token": csrf, "content-type": "application/json"})
    assert r.status_code == 201, r.text
    out = r.json()
    assert [i["outcome"] for i in out["items"]] == ["accepted", "returned", "escalated"]
    assert out["items"][1]["to_fix"] and out["items"][2]["to_fix"] == []
    st = gov.get("/api/referrals/PTA-1").json()
    assert st["items"][0]["status"]["in_words"] == "awaiting review"
    assert st["items"][2]["status"]["in_words"] == "awaiting senior review"
    # a trusted flagger cannot see the government's request
    login(other, "trusted_flagger")
    assert other.get("/api/referrals/PTA-1").status_code == 404
    assert other.get("/api/referrals").json()["requests"] == []
    # the HTML and text renderings of the response document
    page = gov.get("/portal/referrals/PTA-1")
    assert page.status_code == 200 and "Cite the provision" in page.text
    txt = gov.get("/portal/referrals/PTA-1/response.txt").text
    assert txt.startswith("Response to referral request PTA-1") and "To fix:" in txt


def test_a_trusted_flagger_uploads_csv_through_the_portal(web):
    seed_platform(web)
    c = TestClient(create_app(web))
    csrf = login(c, "trusted_flagger")
    csv_text = ("account,platform,group,ground,legal_basis,instrument,evidence,note\n"
                "@acc0,x,TTP,propaganda,,,https://x.com/acc0/status/p-acc0-0,\n"
                "@acc1,x,,anti-state,,,https://x.com/acc1/status/p-acc1-0,\n")
    r = c.post("/portal/referrals", data={"csrf_token": csrf, "request_id": "TF-7"},
               files={"file": ("list.csv", io.BytesIO(csv_text.encode()), "text/csv")},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/portal/referrals/TF-7"
    doc = c.get("/api/referrals/TF-7").json()
    assert [(i["outcome"], i["reasons"]) for i in doc["items"]] == [
        ("accepted", []), ("refused", ["vague_ground"])]
    assert doc["requester"]["type"] == "trusted_flagger"
    assert "TF-7" in c.get("/portal").text


def test_staff_protect_an_account_and_the_next_referral_is_escalated(web):
    seed_platform(web)
    senior, gov = TestClient(create_app(web)), TestClient(create_app(web))
    s_csrf = login(senior, "senior_reviewer")
    r = senior.post("/api/protected", json={"platform": "x", "account": "@acc2",
                                           "category": "human_rights_defender", "note": "NGO"},
                    headers={"X-CSRF-Token": s_csrf})
    assert r.status_code == 201, r.text
    assert any(p["account_id"] == "id-acc2" for p in senior.get("/api/protected").json()[
        "protected"])
    bad = senior.post("/api/protected", json={"platform": "x", "account": "@nobody",
                                             "category": "journalist"},
                      headers={"X-CSRF-Token": s_csrf})
    assert bad.status_code == 422 and "field 'account'" in bad.json()["detail"]
    g_csrf = login(gov, "requester")
    out = gov.post("/api/referrals", content=document("PTA-2", [item("acc2")]).encode(),
                   headers={"X-CSRF-Token": g_csrf, "content-type": "application/json"}).json()
    assert out["items"][0]["outcome"] == "escalated"
    assert out["items"][0]["reasons"] == ["protected_target"]


def test_reviewers_see_campaigns_and_seniors_mute_reporters(web):
    from tarazu.reports.model import validate
    from tarazu.service import reports

    seed_platform(web)
    for i in range(15):
        reports.submit_report(web.uow, web.clock, validate("x", "account", "@journo",
                                                           "designated_organisation"),
                              reports.ReporterIdentity(f"fresh{i}"))
        web.clock.advance(seconds=20)
    c = TestClient(create_app(web))
    login(c, "reviewer")
    camps = c.get("/api/campaigns", params={"subject": "account/x:id-journo"}).json()
    assert len(camps["campaigns"]) == 1
    assert camps["campaigns"][0]["description"] == (
        "possible coordinated campaign: 15 reports from 15 new reporters in 5 minutes")
    from tarazu.entrypoints.web.templating import templates

    html = templates.get_template("partials/campaign.html").render(
        campaigns=camps["campaigns"])
    assert "possible coordinated campaign: 15 reports from 15 new reporters" in html
    s = TestClient(create_app(web))
    csrf = login(s, "senior_reviewer")
    r = s.post("/api/reporters/fresh1/mute", json={"reason": "abusive reports"},
               headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["muted"]
    assert s.post("/api/reporters/fresh1/mute", json={},
                  headers={"X-CSRF-Token": csrf}).status_code == 422
    web.clock.advance(hours=2)
    rec = reports.submit_report(web.uow, web.clock, validate("x", "account", "@acc0",
                                                             "designated_organisation"),
                                reports.ReporterIdentity("fresh1"))
    assert not rec.counted


def test_the_public_report_pages_speak_urdu(client, web):
    seed_platform(web)
    form = client.get("/report?lang=ur")
    assert form.status_code == 200
    assert '<html lang="ur" dir="rtl">' in form.text and "رپورٹ بھیجیں" in form.text
    assert "کالعدم دہشت گرد" in form.text and 'name="lang" value="ur"' in form.text
    assert 'href="/report?lang=en"' in form.text  # and back to English
    r = client.post("/report", data=REPORT | {"lang": "ur"})
    assert r.status_code == 201 and "شکریہ" in r.text and "lang=ur" in r.text
    status_url = r.text.split('<a href="')[1].split('"')[0].replace("&amp;", "&")
    status = client.get(status_url)
    assert status.status_code == 200 and "اس کا کیا ہوا" in status.text
    shown = status.text.split('<bdi dir="ltr" lang="en">')[1].split("</bdi>")[0]
    assert re.fullmatch(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d UTC", shown)  # no ISO, no microseconds
    assert '<html lang="en"' in client.get("/report?lang=xx").text  # unknown: English


def test_urdu_pages_name_a_nastaliq_font_the_app_serves(client):
    form = client.get("/report?lang=ur").text
    assert 'href="/static/urdu.css"' in form
    css = client.get("/static/urdu.css").text
    assert ':lang(ur) { font-family: "Noto Nastaliq Urdu"' in css
    font_url = re.search(r'url\("(/static/fonts/[^"]+400-normal\.woff2)"\)', css).group(1)
    font = client.get(font_url)  # fetched at install time (scripts/fetch-fonts.sh)
    assert font.status_code == 200 and font.content[:4] == b"wOF2"


def test_what_a_reporter_wrote_reaches_the_reviewer_and_is_not_stored_in_the_clear(client, web):
    from urllib.parse import quote

    from sqlalchemy import text

    seed_platform(web)
    written = "He recruits for the banned group every Friday, ask Nadia Rehman"
    assert client.post("/api/reports", json=REPORT | {"text": written}).status_code == 201
    with web.engine.connect() as conn:
        stored = conn.execute(text("SELECT * FROM public_reports")).one()
    assert not any("Nadia" in (bytes(v).decode("latin-1") if isinstance(v, bytes) else str(v))
                   for v in stored)
    reviewer = TestClient(create_app(web))
    login(reviewer, "reviewer")
    page = reviewer.get(f"/cases/account/{quote('x:id-acc0', safe='')}")
    assert page.status_code == 200 and written in page.text
