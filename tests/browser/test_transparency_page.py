"""The transparency page in a real browser: every number it shows equals the figure the JSON
API gives for the same period (each element names its place in the JSON), the period chooser
changes the period, and the Urdu page reads right to left. The demo's events are of today, a
quarter the public may not ask for until it ends, so the page is read as an auditor (who may
choose any period); the public's chooser offers ended quarters only."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx
import pytest

from tarazu.service.audit import take_checkpoint
from tests.browser.conftest import PASSWORD, shot

pytestmark = pytest.mark.browser


def _figures(page) -> list[tuple[list, str]]:  # type: ignore[no-untyped-def]
    return [(json.loads(el.get_attribute("data-figure")), el.inner_text().strip())
            for el in page.query_selector_all("[data-figure]")]


def _at(doc: dict, path: list):  # type: ignore[no-untyped-def]
    for key in path:
        doc = doc[key]
    return doc


def _shown(value) -> str:  # type: ignore[no-untyped-def]
    return "—" if value is None else str(value)


def _page_and_json(page, stack, query: str, params: dict):  # type: ignore[no-untyped-def]
    """The page and the JSON of the same state of the log: background jobs of the served app
    (deliveries, notices) append events, so load both again until they name the same head."""
    for _ in range(5):
        if query:
            page.goto(f"{stack.tarazu.url}/transparency?{query}")
        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        doc = httpx.get(f"{stack.tarazu.url}/api/transparency", params=params,
                        cookies=cookies).json()
        seq = page.inner_text("[data-figure='[\"source\", \"chain_head_seq\"]']")
        if seq == str(doc["source"]["chain_head_seq"]):
            return doc
        query = query or page.url.split("?", 1)[1]
    raise AssertionError("the log kept growing between the page and the JSON")


def test_every_number_on_the_page_is_the_json_figure(stack, browser):
    today = date.today()
    start, end = (today - timedelta(days=40)).isoformat(), today.isoformat()
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(stack.tarazu.url + "/transparency")  # the public: ended quarters only
    assert page.locator("select[name=quarter]").count() == 1
    assert page.locator("input[name=from]").count() == 0
    page.goto(stack.tarazu.url + "/login")
    page.fill("input[name=username]", "auditor")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(stack.tarazu.url + "/")
    doc = _page_and_json(page, stack, f"from={start}&to={end}", {"from": start, "to": end})
    shown = _figures(page)
    assert len(shown) > 40
    for path, text in shown:
        assert text == _shown(_at(doc, path)), path
    assert doc["actions"]["total"] > 0 and doc["referrals"]["items"] > 0  # not an empty report
    shot(page, "transparency-en")
    # The served app signs a checkpoint a minute; sign one now rather than wait for it.
    take_checkpoint(stack.app.uow, stack.app.clock, stack.app.checkpoints())
    page.reload()
    number = int(page.inner_text(".cp-number"))  # the published checkpoint is the signed one
    signed = next(c for c in stack.app.checkpoints().read() if c.number == number)
    assert page.inner_text(".cp-hash") == signed.head_hash

    page.fill("input[name=from]", today.isoformat())  # the chooser: only today
    page.click("form.period button[type=submit]")
    page.wait_for_url(f"**from={today.isoformat()}**")
    narrow = _page_and_json(page, stack, "", {"from": today.isoformat(), "to": end})
    for path, text in _figures(page):
        assert text == _shown(_at(narrow, path)), path

    doc = _page_and_json(page, stack, f"from={start}&to={end}&lang=ur",
                         {"from": start, "to": end})
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.inner_text("h1") == "شفافیت رپورٹ"
    for path, text in _figures(page):
        assert text == _shown(_at(doc, path)), path
    shot(page, "transparency-ur")
    context.close()
