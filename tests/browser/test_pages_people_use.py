"""The pages as people use them, in a real browser: nothing wider than a 390 px phone, the
mirror case readable and decidable on one page, keyboard shortcuts, and no serious or critical
accessibility violation (axe-core) on the main pages. Screenshots go to var/screenshots/."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

import pytest
from axe_playwright_python.sync_playwright import Axe

from tarazu.domain.events import EventKind, SubjectType
from tarazu.domain.policies import Action
from tarazu.entrypoints.web.waterfall import compare_url, latest_flags
from tarazu.service import appeals, decisions, queues
from tests.browser.conftest import PASSWORD, shot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _login(browser, stack, user: str, viewport: dict):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(stack.tarazu.url + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(stack.tarazu.url + "/")
    return context, page


def _mirror_case(stack) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The case page and the mirror case page of the most probable mirror flag."""
    with stack.app.uow() as uow:
        flagged = uow.events.subjects_with_kind(EventKind.MIRROR_FLAG.value,
                                                SubjectType.ACCOUNT)
        best = max(((ref, f) for ref in flagged
                    for f in latest_flags(uow.events.for_subject(ref))),
                   key=lambda rf: float(rf[1]["probability"]))
    ref, flag = best
    return (f"/cases/account/{quote(ref.id, safe='')}",
            compare_url(ref, str(flag["removed_account"])))


def _appealed_case(stack) -> str:  # type: ignore[no-untyped-def]
    """An account suspended by 'reviewer' and appealed by the platform: its appeal page."""
    app = stack.app
    with app.uow() as uow:
        ref = next(e.row.subject for e in queues.entries(uow, app.clock.now(), "government")
                   if not e.row.protected and not e.row.enforcement)
        out = decisions.decide(uow, app.clock, subject=ref, actor="reviewer",
                               action=Action.SUSPEND, policy="DOI-1",
                               reason="Operates as official media of a designated group.",
                               until=(date.today() + timedelta(days=20)).isoformat())
        appeals.appeal_by_platform(uow, app.clock, "platform-x", out.decision_id,
                                   "I am a journalist and report on the group.")
        uow.commit()
    return f"/cases/account/{quote(ref.id, safe='')}/appeal"


@pytest.fixture(scope="module")
def pages(stack) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    """name -> (user, path) of every page checked."""
    case, mirror = _mirror_case(stack)
    return {
        "dashboard": ("reviewer", "/"),
        "queue": ("reviewer", "/queue"),
        "case": ("reviewer", case),
        "mirror-case": ("reviewer", mirror),
        "appeal-decision": ("reviewer2", _appealed_case(stack)),
        "appeals": ("reviewer", "/appeals"),
        "data-requests": ("legal", "/data-requests"),
        "legal-dashboard": ("legal", "/"),
        "requester-dashboard": ("requester", "/"),
        "audit": ("auditor", "/audit"),
        "report-form-ur": ("", "/report?lang=ur"),
        "report-form": ("", "/report"),
        "transparency": ("", "/transparency"),
        "error-403": ("reviewer", "/audit"),
    }


def _visit(browser, stack, user: str, path: str, viewport: dict):  # type: ignore[no-untyped-def]
    if user:
        context, page = _login(browser, stack, user, viewport)
    else:
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
    page.goto(stack.tarazu.url + path)
    return context, page


def test_no_page_is_wider_than_a_phone(browser, stack, pages):
    too_wide = {}
    for name, (user, path) in pages.items():
        context, page = _visit(browser, stack, user, path, PHONE)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[name] = width
        shot(page, f"phone-{name}")
        context.close()
    assert too_wide == {}


def test_the_mirror_case_can_be_read_and_decided_on_one_page(browser, stack, pages):
    context, page = _visit(browser, stack, *pages["mirror-case"], DESKTOP)
    shot(page, "mirror-case")
    body = page.inner_text("main")
    assert "Does @" in body and "continue @" in body  # both accounts named by handle
    assert "Of 100 accounts flagged" in body and "each bit doubles the odds" in body
    sizes = page.eval_on_selector_all(
        "table.waterfall th, table.waterfall td, table.waterfall .wf-why",
        "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes and min(sizes) >= 12  # every label of the chart is readable
    total = page.locator("table.waterfall tr.wf-total").first
    box, view = total.bounding_box(), page.viewport_size
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= view["width"]
    assert page.locator(".wf-why").count() >= 3  # each signal explained in a sentence
    form = page.locator("#decision-form")
    assert form.count() == 1 and page.input_value("#action") == ""  # nothing preselected
    page.select_option("#action", "remove")
    assert page.locator("#effect-remove").is_visible()
    assert "second reviewer confirms" in page.inner_text("#effect-remove")
    assert not page.locator("#effect-no_action").is_visible()
    context.close()


def test_keyboard_moves_through_the_queue_and_asks_before_deciding(browser, stack):
    context, page = _login(browser, stack, "reviewer", DESKTOP)
    page.goto(stack.tarazu.url + "/queue")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    rows = page.locator("tr.queue-row")
    assert "selected" in (rows.nth(0).get_attribute("class") or "")
    assert "selected" not in (rows.nth(1).get_attribute("class") or "")
    href = rows.nth(0).locator("a.subject").get_attribute("href")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{href}")
    page.keyboard.press("d")
    assert page.evaluate("document.activeElement.id") == "action"
    page.select_option("#action", "label")
    page.select_option("#policy", "DOI-1")
    page.fill("textarea[name=reason]", "Labelled: official media of a designated group.")
    asked: list[str] = []

    def answer(dialog) -> None:  # type: ignore[no-untyped-def]
        asked.append(dialog.message)
        dialog.dismiss()  # the reviewer changes their mind: nothing is recorded

    page.once("dialog", answer)
    page.press("textarea[name=reason]", "Control+Enter")
    page.wait_for_timeout(300)
    assert asked and "label" in asked[0] and "On the platform" in asked[0]
    assert "done=" not in page.url
    page.once("dialog", lambda d: d.accept())
    page.press("textarea[name=reason]", "Control+Enter")
    page.wait_for_url("**done=applied")
    context.close()


def test_main_pages_have_no_serious_accessibility_violation(browser, stack, pages):
    axe = Axe()
    found = {}
    for name, (user, path) in pages.items():
        context, page = _visit(browser, stack, user, path, DESKTOP)
        results = axe.run(page)
        bad = [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
               for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
        if bad:
            found[name] = bad
        context.close()
    assert found == {}
