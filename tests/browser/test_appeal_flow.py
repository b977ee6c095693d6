"""The appeal of a decision and its reversal by a second reviewer, in a real browser: the user
appeals on the public page with the link from the notice (English and Urdu, right to left), the
reviewer who decided is refused, another reviewer reverses, and the demo platform reinstates the
account within seconds."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tarazu.adapters.db.tables import outbox
from tarazu.domain.policies import Action
from tarazu.service import decisions, notices, queues
from tests.browser.conftest import PASSWORD, shot, wait_for

pytestmark = pytest.mark.browser


def _context(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    return context, page, errors


def _login(browser, stack, user: str):  # type: ignore[no-untyped-def]
    context, page, errors = _context(browser)
    page.goto(stack.tarazu.url + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(stack.tarazu.url + "/")
    return context, page, errors


def _suspended_case(stack):  # type: ignore[no-untyped-def]
    """A government-queue account suspended by 'reviewer', and the token of its notice."""
    app = stack.app
    with app.uow() as uow:
        ref = next(e.row.subject for e in queues.entries(uow, app.clock.now(), "government")
                   if not e.row.protected)
        out = decisions.decide(uow, app.clock, subject=ref, actor="reviewer",
                               action=Action.SUSPEND, policy="DOI-1",
                               reason="Operates as official media of a designated group.",
                               until=(date.today() + timedelta(days=30)).isoformat())
        uow.commit()
    notices.send_due(app.uow, app.clock, stack.tarazu.url)
    with app.uow() as uow:
        rows = uow.conn.execute(select(outbox.c.payload).where(outbox.c.kind == "notice")).all()
    notice = next(p for p in map(json.loads, (r.payload for r in rows))
                  if p["decision_id"] == out.decision_id)
    return ref, notice["appeal_url"]


def test_user_appeals_and_a_second_reviewer_reverses(browser, stack):
    ref, appeal_url = _suspended_case(stack)
    assert appeal_url.startswith(stack.tarazu.url + "/appeal/")
    wait_for(lambda: stack.platform_account(ref.native_id)["status"] == "suspended", 15,
             "the platform to suspend the account")

    ctx, page, errors = _context(browser)  # the user: no account in tarazu
    page.goto(appeal_url)
    urdu = page.locator("article.notice[lang=ur]")
    assert urdu.get_attribute("dir") == "rtl" and "معطل" in urdu.inner_text()
    assert "suspended until" in page.locator("article.notice[lang=en]").inner_text()
    page.fill("textarea[name=statement]", "I report on this group as a journalist.")
    shot(page, "appeal-1-public")
    page.click("form.appeal-form button[type=submit]")
    # the answer page may still be loading when the click returns: wait for its text
    expect(page.locator("body")).to_contain_text("Your appeal has been received")
    assert errors == []
    ctx.close()

    ctx1, page1, errors1 = _login(browser, stack, "reviewer")  # decided it: may not judge it
    page1.goto(stack.tarazu.url + "/appeals")
    page1.locator(f"tr:has-text('{ref.id}') >> text=Open appeal").click()
    expect(page1.locator("body")).to_contain_text("I report on this group as a journalist.")
    form_url = page1.url
    page1.check("input[name=outcome][value=reversed]")
    page1.fill("textarea[name=reason]", "Reporting, not support.")
    page1.click("form.appeal-decide button[type=submit]")
    assert "no part" in page1.locator(".error").inner_text()
    assert [e.split()[1] for e in errors1] == ["409"]
    ctx1.close()

    ctx2, page2, errors2 = _login(browser, stack, "reviewer2")
    page2.goto(form_url)
    page2.check("input[name=outcome][value=reversed]")
    page2.fill("textarea[name=reason]", "The posts report on the group; they do not support it.")
    page2.click("form.appeal-decide button[type=submit]")
    page2.wait_for_url(form_url)
    assert page2.locator(".appeal-outcome .outcome").inner_text() == "reversed"
    assert page2.locator(".decision-status").inner_text() == "reversed"
    shot(page2, "appeal-2-reversed")
    wait_for(lambda: stack.platform_account(ref.native_id)["status"] == "active", 15,
             "the platform to reinstate the account")
    assert errors2 == []
    ctx2.close()
