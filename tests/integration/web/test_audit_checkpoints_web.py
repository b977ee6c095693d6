"""Checkpoints of the audit chain are signed without anyone asking (a job of the worker role),
and the auditor verifies the chain against them and reads them with their public key."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tarazu.entrypoints import jobs
from tarazu.entrypoints.web.app import create_app
from tests.integration.storage.test_checkpoints import _delete_tail, _report
from tests.integration.web.conftest import login


def test_the_worker_signs_checkpoints_and_the_auditor_reads_them(web):
    _report(web, 2)
    jobs.run_round(web)
    with TestClient(create_app(web)) as c:
        login(c, "auditor")
        v = c.get("/api/audit/verify").json()
        assert v["ok"] and v["checkpoint"]["seq"] == 2
        cps = c.get("/api/audit/checkpoints").json()
        assert cps["public_key"].startswith("-----BEGIN PUBLIC KEY-----")
        assert [x["seq"] for x in cps["checkpoints"]] == [2]
        assert cps["checkpoints"][0]["key_id"] == cps["key_id"]
        _delete_tail(web, keep=1)
        v = c.get("/api/audit/verify").json()
        assert not v["ok"] and v["first_bad_event"] == 2
        page = c.get("/audit").text
        assert "removed from the end of the log" in page
