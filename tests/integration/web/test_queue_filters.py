"""The review queue narrowed by state (awaiting second reviewer, appealed, open) and by due
date: the page, its filter form, its pager and the JSON API read the same filter."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from tarazu.domain.events import EventKind, SubjectRef
from tarazu.domain.policies import Action
from tarazu.entrypoints.web.routes import review
from tarazu.service import cases, decisions
from tests.integration.web.test_review import _client, seeded  # noqa: F401 (fixture)

ROW = re.compile(r'<tr class="queue-row[^"]*">.*?href="/cases/account/([^"]+)"', re.S)


def _report(app, account: str) -> None:
    with app.uow() as uow:
        s = cases.load(uow, SubjectRef.account("x", account))
        s.record(EventKind.REPORT, "system:test", app.clock.now(),
                 {"source": "government", "reporter": "MoI / PK", "priority": 1})
        cases.save(uow, s)
        uow.commit()


@pytest.fixture
def queue(seeded):  # noqa: F811
    """x:100 awaits a second reviewer, x:200 (protected) and x:300 are open; two days pass
    between the first two and x:300, so only x:300 is not overdue."""
    with seeded.uow() as uow:
        decisions.decide(uow, seeded.clock, subject=SubjectRef.account("x", "100"),
                         actor="reviewer", action=Action.REMOVE, policy="DOI-1",
                         reason="Umar Media channel")
        uow.commit()
    seeded.clock.advance(days=3)
    _report(seeded, "300")
    return seeded


def _rows(html: str) -> list[str]:
    return [s.replace("%3A", ":") for s in ROW.findall(html)]


def test_the_state_filter_narrows_the_rows(queue):
    c, _ = _client(queue, "reviewer")
    assert sorted(_rows(c.get("/queue").text)) == ["x:100", "x:200", "x:300"]
    assert _rows(c.get("/queue", params={"state": "awaiting_second"}).text) == ["x:100"]
    assert sorted(_rows(c.get("/queue", params={"state": "open"}).text)) == ["x:200", "x:300"]
    empty = c.get("/queue", params={"state": "appealed"}).text
    assert _rows(empty) == [] and "that matches these filters" in empty
    api = c.get("/api/queue", params={"state": "awaiting_second"}).json()
    assert [i["subject_id"] for i in api["items"]] == ["x:100"]
    assert api["items"][0]["state"] == "awaiting_second"


def test_the_due_filters_narrow_the_rows(queue):
    c, _ = _client(queue, "reviewer")
    assert sorted(_rows(c.get("/queue", params={"due": "overdue"}).text)) == ["x:100", "x:200"]
    today = queue.clock.now().date().isoformat()
    assert sorted(_rows(c.get("/queue", params={"due_by": today}).text)) == ["x:100", "x:200"]
    later = (queue.clock.now() + timedelta(days=2)).date().isoformat()
    assert len(_rows(c.get("/queue", params={"due_by": later}).text)) == 3
    both = c.get("/queue/senior", params={"due": "overdue", "state": "open"}).text
    assert _rows(both) == ["x:200"]


def test_the_filter_is_kept_across_pages_and_queue_tabs(queue, monkeypatch):
    monkeypatch.setattr(review, "PER_PAGE", 1)
    c, _ = _client(queue, "reviewer")
    first = c.get("/queue", params={"state": "open"}).text
    nxt = re.search(r'href="(/queue\?page=2[^"]*)"', first)
    assert nxt and "state=open" in nxt.group(1)
    second = c.get(nxt.group(1).replace("&amp;", "&")).text
    assert sorted(_rows(first) + _rows(second)) == ["x:200", "x:300"]
    assert 'href="/queue/senior?state=open"' in first  # a queue tab keeps the filter too
    api = c.get("/api/queue", params={"state": "open", "per_page": 1, "page": 2}).json()
    assert len(api["items"]) == 1 and api["filters"] == "state=open"


def test_the_filter_form_renders_with_the_chosen_values(queue):
    c, _ = _client(queue, "reviewer")
    page = c.get("/queue/senior", params={"state": "appealed", "due": "overdue",
                                           "due_by": "2025-08-01"}).text
    form = page[page.index('aria-label="Filter the queue"'):]
    form = form[:form.index("</form>")]
    assert 'action="/queue/senior"' in page
    assert '<option value="appealed" selected>appealed</option>' in form
    assert '<option value="awaiting_second" >awaiting second reviewer</option>' in form
    assert 'name="due" value="overdue" checked' in form
    assert 'name="due_by" value="2025-08-01"' in form
    assert 'href="/queue/senior">Clear</a>' in form
    plain = c.get("/queue").text
    assert 'aria-label="Filter the queue"' in plain and "Clear</a>" not in plain


@pytest.mark.parametrize("params, field", [({"state": "pending"}, "state"),
                                           ({"due": "soon"}, "due"),
                                           ({"due_by": "tomorrow"}, "due_by")])
def test_an_unknown_filter_value_is_422_naming_the_field(queue, params, field):
    c, _ = _client(queue, "reviewer")
    r = c.get("/queue", params=params)
    assert r.status_code == 422
    assert f"field '{field}'" in html.unescape(r.text)
    assert c.get("/api/queue", params=params).status_code == 422
