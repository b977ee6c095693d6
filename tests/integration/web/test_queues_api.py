"""Over HTTP: taking a case, giving it back and escalating it are committed by the request
(the next request sees them); a refused assignment changes nothing."""

from __future__ import annotations

from tarazu.domain.events import SubjectRef
from tests.integration.web.test_review import API_CASE, _client, seeded  # noqa: F401 (fixture)

ASSIGN = API_CASE + "/assign"
SUBJECT = str(SubjectRef.account("x", "100"))


def _post(c, csrf, path, body):
    return c.post(path, headers={"X-CSRF-Token": csrf}, json=body)


def _case(c) -> dict:
    """The case's row in the queue, as the next request reads it."""
    items = c.get("/api/queue", params={"per_page": 500}).json()["items"]
    return next(i for i in items if i["subject_id"] == "x:100")


def test_take_and_give_back_a_case(seeded):  # noqa: F811
    c, csrf = _client(seeded, "reviewer")
    took = _post(c, csrf, ASSIGN, {"assignee": ""})
    assert took.status_code == 200
    assert took.json() == {"subject": SUBJECT, "assigned_to": "reviewer"}
    assert _case(c)["assigned_to"] == "reviewer"
    back = _post(c, csrf, ASSIGN, {"assignee": None})
    assert back.status_code == 200 and back.json()["assigned_to"] is None
    assert _case(c)["assigned_to"] is None


def test_a_refused_assignment_changes_nothing(seeded):  # noqa: F811
    c, csrf = _client(seeded, "reviewer")
    before = _case(c)
    r = _post(c, csrf, ASSIGN, {"assignee": "auditor"})
    assert r.status_code == 409
    assert "is not a reviewer who can take cases" in r.json()["detail"]
    assert _case(c) == before


def test_escalate_moves_the_case_to_senior_review(seeded):  # noqa: F811
    c, csrf = _client(seeded, "reviewer")
    r = _post(c, csrf, API_CASE + "/escalate", {"reason": "needs a senior look"})
    assert r.status_code == 200 and r.json() == {"subject": SUBJECT, "queue": "senior"}
    case = _case(c)
    assert case["queue"] == "senior" and case["review_state"] == "escalated"
