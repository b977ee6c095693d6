"""Each role's journey through the pages, one per role, in a real browser: a screenshot of every
step lands in ``var/artefacts/screenshots/<test>/`` (numbered in order) so a person can look at
what each role goes through, and no step may answer an error or break a script.

- reviewer: the queue, a mirror case, its side-by-side page, a proposal to remove;
- second reviewer: the queue filtered to "awaiting second reviewer", the case, confirm;
- member of the public: report an account, follow its status, appeal a decision;
- legal: a waiting data request from the dashboard, approved with reasons;
- auditor: the audit log, filtered by kind."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tarazu.datarequests.parse import parse_json
from tarazu.domain.policies import Action
from tarazu.service import datarequests, decisions, queues
from tests.browser.conftest import PASSWORD
from tests.browser.test_appeal_flow import _suspended_case
from tests.browser.test_pages_people_use import DESKTOP, _mirror_case
from tests.unit.datarequests.samples import doc

pytestmark = pytest.mark.browser


class Journey:
    """One person's browser session that saves a numbered screenshot of each step and
    collects every script error and error response on the way."""

    def __init__(self, browser, stack, folder: Path) -> None:  # type: ignore[no-untyped-def]
        self.stack, self.folder, self.steps, self.errors = stack, folder, 0, []
        self.context = browser.new_context(viewport=DESKTOP)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", lambda r: self.errors.append(f"HTTP {r.status} {r.url}")
                     if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)

    def login(self, user: str) -> None:
        self.page.goto(self.stack.tarazu.url + "/login")
        self.page.fill("input[name=username]", user)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(self.stack.tarazu.url + "/")

    def step(self, name: str) -> None:
        self.steps += 1
        self.page.screenshot(path=str(self.folder / f"{self.steps:02d}-{name}.png"),
                             full_page=True)

    def menu(self, label: str) -> None:
        self.page.click(f"nav[aria-label=Main] >> text={label}")

    def finish(self) -> None:
        self.context.close()
        assert len(list(self.folder.glob("*.png"))) == self.steps > 0
        assert self.errors == []


@pytest.fixture
def journey(browser, stack, artefacts):  # type: ignore[no-untyped-def]
    return Journey(browser, stack, artefacts)


def _government_case(stack):  # type: ignore[no-untyped-def]
    """An open, unprotected, undecided government-queue account (its reference)."""
    app = stack.app
    with app.uow() as uow:
        return next(e.row.subject for e in queues.entries(uow, app.clock.now(), "government")
                    if not e.row.protected and not e.row.enforcement)


def test_reviewer_goes_from_the_queue_to_a_mirror_case_and_proposes(journey):
    case, mirror = _mirror_case(journey.stack)
    page = journey.page
    journey.login("reviewer")
    journey.menu("Review queue")
    page.wait_for_url("**/queue")
    journey.step("queue")
    page.goto(journey.stack.tarazu.url + case)
    journey.step("case")
    page.click(f'a[href="{mirror}"] >> nth=0')
    page.wait_for_url(f"**{mirror}")
    assert "Does @" in page.inner_text("h1")
    journey.step("mirror-case")
    page.select_option("#action", "remove")
    page.select_option("#policy", "DOI-1")
    page.fill("textarea[name=reason]", "Continues the removed account: same avatar and links.")
    journey.step("proposal-filled")
    page.click("#decision-form button[type=submit]")
    page.wait_for_url("**done=pending")
    assert "awaiting second reviewer" in page.content()
    journey.step("proposed")
    journey.finish()


def test_second_reviewer_finds_the_proposal_by_filter_and_confirms(journey):
    stack, page = journey.stack, journey.page
    ref = _government_case(stack)
    with stack.app.uow() as uow:
        decisions.decide(uow, stack.app.clock, subject=ref, actor="reviewer",
                         action=Action.REMOVE, policy="DOI-1",
                         reason="Channel of a designated group's media wing.")
        uow.commit()
    journey.login("reviewer2")
    journey.menu("Review queue")
    page.wait_for_url("**/queue")
    page.select_option("select[name=state]", "awaiting_second")
    page.click("form.queue-filters button[type=submit]")
    page.wait_for_url("**state=awaiting_second**")
    journey.step("queue-awaiting-second")
    href = f"/cases/account/{quote(ref.id, safe='')}"
    page.click(f'table.queue a.subject[href="{href}"]')
    page.wait_for_url(f"**{href}")
    journey.step("case")
    page.click("button[name=confirm]")
    page.wait_for_url("**done=confirmed")
    journey.step("confirmed")
    journey.finish()


def test_member_of_the_public_reports_follows_and_appeals(journey):
    stack, page = journey.stack, journey.page
    ref = _government_case(stack)
    with stack.app.uow() as uow:
        handle = uow.platform.get_account(ref.platform, ref.native_id).handle
    page.goto(stack.tarazu.url + "/report")
    page.fill("input[name=platform]", ref.platform)
    page.select_option("select[name=target_type]", "account")
    page.fill("input[name=target]", handle)
    page.fill("textarea[name=text]", "This account posts a designated group's official media.")
    journey.step("report-form")
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    receipt = page.inner_text("main strong bdi")
    journey.step("receipt")
    page.click("a[href*='/report/status/']")
    page.wait_for_url("**/report/status/**")
    assert receipt and receipt in page.inner_text("h1")
    journey.step("status")
    _, appeal_url = _suspended_case(stack)  # a decision on the user's own account, noticed
    page.goto(appeal_url)
    journey.step("appeal-page")
    page.fill("textarea[name=statement]", "I report on this group as a journalist.")
    page.click("form.appeal-form button[type=submit]")
    # the answer page may still be loading when the click returns: wait for its text
    expect(page.locator("body")).to_contain_text("Your appeal has been received")
    journey.step("appeal-received")
    journey.finish()


def test_legal_approves_a_data_request_from_the_dashboard(journey):
    stack, page = journey.stack, journey.page
    app = stack.app
    ref = _government_case(stack)
    with app.uow() as uow:
        handle = uow.platform.get_account(ref.platform, ref.native_id).handle
    now = app.clock.now()
    body = json.dumps(doc(targets=[handle], received_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                          instrument__date=(now.date() - timedelta(days=1)).isoformat(),
                          period={"from": (now.date() - timedelta(days=60)).isoformat(),
                                  "to": (now.date() - timedelta(days=1)).isoformat()},
                          request_id="FIA-JOURNEY-1")).encode()
    result = datarequests.import_request(app.uow, app.clock, parse_json(body, now), body,
                                         platform="x", submitted_by="requester")
    assert result.to_dict()["status"] == "pending_legal", result.to_dict()
    journey.login("legal")
    journey.step("dashboard")
    page.click("main a[href='/data-requests/FIA-JOURNEY-1']")
    page.wait_for_url("**/data-requests/FIA-JOURNEY-1")
    journey.step("request")
    form = page.locator("form[action$='/approve']")
    form.locator("textarea[name=reason]").fill("Court order, specific and recent.")
    journey.step("approval-filled")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/data-requests/FIA-JOURNEY-1")
    assert "approved" in page.inner_text("main")
    journey.step("approved")
    journey.finish()


def test_auditor_reads_the_audit_log_with_filters(journey):
    page = journey.page
    journey.login("auditor")
    journey.menu("Audit")
    page.wait_for_url("**/audit")
    journey.step("audit")
    page.select_option("select[name=kind]", "report")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**kind=report**")
    kinds = page.locator("ol.log li.log-entry header strong").all_inner_texts()
    assert kinds and set(kinds) == {"report"}
    journey.step("audit-filtered")
    journey.finish()


def test_journey_screenshots_land_in_the_artefact_folder(artefacts):
    """The folder the README names: under var/artefacts/screenshots/, one per test."""
    assert artefacts.is_dir() and artefacts.parent.name == "screenshots"
    assert artefacts.parent.parent.name == "artefacts" and not any(artefacts.iterdir())
