"""The public transparency page in a real browser: every number it shows equals the figure the
JSON API gives for the same period (each element names its place in the JSON), the period
chooser changes the period, and the Urdu page reads right to left."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx
import pytest

from tarazu.service.audit import take_checkpoint
from tests.browser.conftest import shot

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


def test_every_number_on_the_page_is_the_json_figure(stack, browser):
    today = date.today()
    start, end = (today - timedelta(days=40)).isoformat(), today.isoformat()
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(f"{stack.tarazu.url}/transparency?from={start}&to={end}")
    doc = httpx.get(f"{stack.tarazu.url}/api/transparency",
                    params={"from": start, "to": end}).json()
    shown = _figures(page)
    assert len(shown) > 40
    for path, text in shown:
        assert text == _shown(_at(doc, path)), path
    assert doc["actions"]["total"] > 0 and doc["referrals"]["items"] > 0  # not an empty report
    shot(page, "transparency-en")
    # The served app signs a checkpoint a minute; sign one now rather than wait for it.
    take_checkpoint(stack.app.uow, stack.app.clock, stack.app.checkpoints())
    page.reload()
    latest = stack.app.checkpoints().latest()
    assert page.inner_text(".cp-hash") == latest.head_hash  # the published checkpoint

    page.fill("input[name=from]", today.isoformat())  # the chooser: only today
    page.click("form.period button[type=submit]")
    page.wait_for_url(f"**from={today.isoformat()}**")
    narrow = httpx.get(f"{stack.tarazu.url}/api/transparency",
                       params={"from": today.isoformat(), "to": end}).json()
    for path, text in _figures(page):
        assert text == _shown(_at(narrow, path)), path

    page.goto(f"{stack.tarazu.url}/transparency?from={start}&to={end}&lang=ur")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.inner_text("h1") == "شفافیت رپورٹ"
    for path, text in _figures(page):
        assert text == _shown(_at(doc, path)), path
    shot(page, "transparency-ur")
    context.close()
