"""Oversight over HTTP: the auditor reads the log (with hashes and the chain's verification),
every case and appeal page, and is refused every change; reading an account's details is a
logged access to personal data; the transparency report is public."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi.testclient import TestClient

from tarazu.domain.events import EventKind
from tarazu.entrypoints.web.app import create_app
from tarazu.entrypoints.web.security import is_public, iter_routes
from tests.integration.due_process.conftest import suspended
from tests.integration.web.conftest import login


def _setup(web):
    ref, _ = suspended(web, "au1", policy="DOI-1", reason="r", appeal_by="bot")
    return ref


def test_auditor_reads_everything_and_changes_nothing(web):
    ref = _setup(web)
    app = create_app(web)
    c = TestClient(app)
    csrf = login(c, "auditor")
    page = c.get("/audit")
    assert page.status_code == 200 and "The chain verifies" in page.text
    with web.uow() as uow:
        head_seq, head_hash = uow.events.head()
    assert head_hash in page.text
    path = f"{ref.type.value}/{quote(ref.id, safe='')}"
    assert c.get(f"/cases/{path}").status_code == 200
    assert c.get(f"/cases/{path}/appeal").status_code == 200
    assert c.get("/appeals").status_code == 200
    case = c.get(f"/audit/cases/{path}")
    assert case.status_code == 200 and "@au1_handle" in case.text
    with web.uow() as uow:
        access = [e for e in uow.events.for_subject(ref) if e.kind is EventKind.DATA_ACCESS]
    assert [(e.actor, e.payload["purpose"]) for e in access] == [
        # the case page, its appeal page (names the account by handle), the audit view
        ("auditor", "case review"), ("auditor", "appeal review"),
        ("auditor", "oversight: audit of a case")]
    assert all(e.payload["authority"] for e in access)
    events = c.get("/api/audit/events", params={"after_seq": 1, "limit": 2}).json()
    assert [e["seq"] for e in events["events"]] == [2, 3] and events["next_after_seq"] == 3
    assert all(len(e["hash"]) == 64 and len(e["prev_hash"]) == 64 for e in events["events"])
    assert c.get("/api/audit/verify").json()["ok"] is True
    refused = []
    for method, route_path, route in iter_routes(app.routes):
        if method == "GET" or is_public(route) or route_path == "/logout":
            continue
        filled = route_path.replace("{subject_type}", "account").replace(
            "{subject_id}", quote(ref.id, safe=""))
        filled = re.sub(r"\{[^}]+\}", "x", filled)
        r = c.request(method, filled, headers={"X-CSRF-Token": csrf,
                                               "accept": "application/json"}, json={})
        refused.append((method, route_path, r.status_code))
    assert refused and all(code == 403 for _, _, code in refused), [
        x for x in refused if x[2] != 403]
    with web.uow() as uow:  # nothing but the access log changed
        kinds = {r.event.kind for r in uow.events.iter_all(after_seq=head_seq)}
    assert kinds <= {EventKind.DATA_ACCESS}


def test_audit_pages_are_for_oversight_roles_only(web, client):
    login(client, "reviewer")
    assert client.get("/audit", headers={"accept": "application/json"}).status_code == 403
    assert client.get("/api/audit/events").status_code == 403


def test_transparency_report_is_public(web, client):
    _setup(web)
    web.clock.advance(days=70)  # 2025-Q3 has ended: the public sees published quarters only
    r = client.get("/transparency")
    assert r.status_code == 200 and "Transparency report" in r.text
    data = client.get("/api/transparency").json()
    assert data["actions"]["total"] == 1 and data["appeals"]["filed"] == 1
    assert client.get("/api/transparency", params={"from": "July"}).status_code == 422
    assert client.get("/transparency", params={"lang": "xx"}).status_code == 422
    urdu = client.get("/transparency", params={"lang": "ur", "quarter": "2025-Q2"})
    assert urdu.status_code == 200 and 'dir="rtl"' in urdu.text
    assert 'value="2025-Q2" selected' in urdu.text  # the chooser shows the chosen period
    rows = client.get("/api/transparency.csv").text.splitlines()
    assert rows[0] == "section,metric,key,value" and "actions,total,,1" in rows
    assert "au1" not in r.text


def test_audit_log_is_newest_first_readable_and_filtered(web):
    _setup(web)
    c = TestClient(create_app(web))
    login(c, "auditor")
    page = c.get("/audit").text
    seqs = [int(s) for s in re.findall(r'<span class="seq">#(\d+)</span>', page)]
    assert seqs and seqs == sorted(seqs, reverse=True)  # newest first
    assert '[["' not in page and "<dl class=\"facts payload\">" in page  # no raw JSON pairs
    only = c.get("/audit", params={"kind": "report"}).text
    kinds = re.findall(r'class="log-entry ev-(\w+)"', only)
    assert kinds and set(kinds) == {"report"}
    assert "match this filter" in c.get("/audit", params={"actor": "nobody-at-all"}).text
    older = c.get("/audit", params={"before_seq": seqs[0]}).text
    assert f'<span class="seq">#{seqs[0]}</span>' not in older  # paging goes back in time
