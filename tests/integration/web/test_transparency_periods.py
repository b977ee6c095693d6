"""The public transparency API, as a hostile caller tried it: two reports of overlapping
periods (a quarter, and the same quarter less its last day) subtract to the exact count of
that one day, which banding had hidden. The public may ask only for the published reporting
periods, whole calendar quarters that have ended; auditors keep any period."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tarazu.entrypoints.web.app import create_app
from tests.integration.web.conftest import login

# The clock of these tests is 2025-07-25: 2025-Q2 has ended, 2025-Q3 has not.


def _detail(r) -> str:  # type: ignore[no-untyped-def]
    assert r.status_code == 422, r.text
    return r.json()["detail"]


def test_overlapping_periods_are_refused_naming_the_field(web):
    c = TestClient(create_app(web))
    whole = c.get("/api/transparency", params={"from": "2025-04-01", "to": "2025-06-30"})
    assert whole.status_code == 200
    assert whole.json()["period"] == {"from": "2025-04-01", "to": "2025-06-30"}
    less_a_day = c.get("/api/transparency", params={"from": "2025-04-01", "to": "2025-06-29"})
    assert _detail(less_a_day).startswith("to: 2025-06-29 is not the last day")
    later_start = c.get("/api/transparency", params={"from": "2025-04-02", "to": "2025-06-30"})
    assert _detail(later_start).startswith("from: 2025-04-02 is not the first day")
    two_quarters = c.get("/api/transparency", params={"from": "2025-01-01", "to": "2025-06-30"})
    assert _detail(two_quarters).startswith("to: ")
    # every form of the report holds to the same rule
    for path in ("/api/transparency.csv", "/transparency"):
        r = c.get(path, params={"from": "2025-04-01", "to": "2025-06-29"})
        assert r.status_code == 422, path


def test_a_quarter_in_progress_is_not_published_it_would_grow_day_by_day(web):
    c = TestClient(create_app(web))
    r = c.get("/api/transparency", params={"from": "2025-07-01", "to": "2025-09-30"})
    assert "2025-Q3 has not ended" in _detail(r) and _detail(r).startswith("to: ")
    assert _detail(c.get("/api/transparency", params={"quarter": "2025-Q3"})).startswith("to: ")


def test_the_public_asks_by_quarter_and_gets_the_latest_ended_one_by_default(web):
    c = TestClient(create_app(web))
    assert c.get("/api/transparency").json()["period"] == {"from": "2025-04-01",
                                                           "to": "2025-06-30"}
    assert c.get("/api/transparency", params={"quarter": "2024-Q4"}).json()["period"] == {
        "from": "2024-10-01", "to": "2024-12-31"}
    assert c.get("/api/transparency", params={"from": "2025-01-01"}).json()["period"] == {
        "from": "2025-01-01", "to": "2025-03-31"}
    assert _detail(c.get("/api/transparency", params={"quarter": "2025-Q5"})).startswith(
        "quarter: ")
    both = c.get("/api/transparency", params={"quarter": "2025-Q1", "from": "2025-01-01"})
    assert _detail(both).startswith("quarter: ")
    page = c.get("/transparency").text  # the chooser offers ended quarters only
    assert '<select name="quarter">' in page and 'type="date"' not in page
    assert '"2025-Q2" selected' in page and '"2025-Q3"' not in page
    doc = c.get("/api/transparency").json()
    assert doc["banding"]["band"] == "1–9"  # the published figures stay banded


def test_auditors_keep_any_period(web):
    c = TestClient(create_app(web))
    login(c, "auditor")
    r = c.get("/api/transparency", params={"from": "2025-04-01", "to": "2025-06-29"})
    assert r.status_code == 200 and r.json()["period"]["to"] == "2025-06-29"
    assert 'type="date"' in c.get("/transparency").text
    reviewer = TestClient(create_app(web))
    login(reviewer, "reviewer")  # a logged-in role without oversight is the public here
    assert reviewer.get("/api/transparency", params={"from": "2025-04-01",
                                                     "to": "2025-06-29"}).status_code == 422
