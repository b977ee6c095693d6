"""A reviewer in a real browser: logs in, opens the queue and a case, decides; a second
reviewer confirms a removal; the demo platform receives and applies the action within seconds,
and reports the removal back to tarazu."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from tests.browser.conftest import PASSWORD, shot, wait_for

pytestmark = pytest.mark.browser


def _login(browser, stack, user: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.goto(stack.tarazu.url + "/queue")
    assert page.url.endswith("/login")  # not logged in: sent to the login page
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(stack.tarazu.url + "/")
    return context, page, errors


def _open_case(page, stack, row: int) -> str:  # type: ignore[no-untyped-def]
    """Open the ``row``-th case of the government queue; returns its native account id."""
    page.click("text=Review queue")
    page.wait_for_url("**/queue")
    page.click("nav.tabs >> text=government")
    page.wait_for_url("**/queue/government")
    shot(page, "queue")
    link = page.locator("table.queue a.subject").nth(row)
    link.click()
    page.wait_for_url("**/cases/account/**")
    return page.url.rsplit("%3A", 1)[-1].split("?")[0]


def test_reviewer_suspends_and_the_platform_applies_it(browser, stack):
    context, page, errors = _login(browser, stack, "reviewer")
    assert "Open cases by queue" in page.content()
    shot(page, "1-dashboard")
    account_id = _open_case(page, stack, 0)
    assert page.locator(".referrals").count() == 1
    assert "Ministry of Interior" in page.content()
    if page.locator(".media-guard").count():  # media is blurred until revealed
        guard = page.locator(".media-guard").first
        assert "revealed" not in (guard.get_attribute("class") or "")
        guard.locator("button.reveal").click()
        assert "revealed" in (guard.get_attribute("class") or "")
    shot(page, "2-case")
    page.select_option("#action", "suspend")
    assert page.locator("input[name=until]").is_visible()  # the script shows what is needed
    assert not page.locator("input[name=country]").is_visible()
    until = (date.today() + timedelta(days=30)).isoformat()
    page.fill("input[name=until]", until)
    page.select_option("#policy", "DOI-1")
    page.fill("textarea[name=reason]", "Operates as official media of a designated group.")
    page.locator("input[name=evidence]").first.check()
    page.click("#decision-form button[type=submit]")
    page.wait_for_url("**done=applied")
    assert "Decision applied" in page.content()
    wait_for(lambda: stack.platform_account(account_id)["status"] == "suspended", 15,
             "the platform to suspend the account")
    assert stack.platform_account(account_id)["suspended_until"] == until

    def delivered() -> bool:
        page.reload()
        return "action delivered" in page.content()

    wait_for(delivered, 15, "the delivery to be recorded in the case")
    shot(page, "3-case-decided")
    assert errors == []  # no script error, nothing blocked by the content security policy
    context.close()


def test_removal_takes_two_reviewers_then_reaches_the_platform(browser, stack):
    ctx1, page1, errors1 = _login(browser, stack, "reviewer")
    account_id = _open_case(page1, stack, 1)
    case_url = page1.url.split("?")[0]
    page1.select_option("#action", "remove")
    page1.select_option("#policy", "DOI-1")
    page1.fill("textarea[name=reason]", "Channel of a designated group's media wing.")
    page1.click("#decision-form button[type=submit]")
    page1.wait_for_url("**done=pending")
    assert "awaiting second reviewer" in page1.content()
    # the decider is offered no Confirm (the server refuses it too: tests/integration/web)
    assert page1.locator("button[name=confirm]").count() == 0
    assert stack.platform_account(account_id)["status"] == "active"

    ctx2, page2, errors2 = _login(browser, stack, "reviewer2")
    page2.goto(case_url)
    page2.click("button[name=confirm]")
    page2.wait_for_url("**done=confirmed")
    wait_for(lambda: stack.platform_account(account_id)["status"] == "removed", 15,
             "the platform to remove the account")
    actions = [a for a in httpx.get(f"{stack.platform.url}/api/actions").json()["actions"]
               if a["subject_id"] == account_id]
    assert len(actions) == 1 and actions[0]["action"] == "remove"

    def mirrored_back() -> bool:  # the platform's account.removed event reached tarazu
        with stack.app.uow() as uow:
            return uow.platform.get_account("x", account_id).status == "removed"

    wait_for(mirrored_back, 15, "tarazu to hear of the removal")
    page2.reload()
    assert "removed" in page2.locator(".account").inner_text()
    shot(page2, "4-removed-confirmed")
    assert errors1 == [] and errors2 == []
    ctx1.close()
    ctx2.close()


def test_auditor_sees_cases_but_no_decision_form(browser, stack):
    ctx, page, errors = _login(browser, stack, "auditor")
    _open_case(page, stack, 0)
    assert page.locator("#decision-form").count() == 0
    assert page.locator(".timeline li").count() > 0
    shot(page, "5-auditor")
    ctx.close()
