"""The explanation of a mirror flag in the review UI: the case page shows the waterfall, and a
side-by-side page compares the two accounts; only case readers may see them."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.testclient import TestClient

from tarazu.entrypoints.web.app import create_app
from tarazu.service import mirrors
from tests.integration.mirrors import data
from tests.integration.mirrors.conftest import detector, store
from tests.integration.web.conftest import client, login, web  # noqa: F401 — fixtures

CASE = "/cases/account/" + quote("x:m1", safe="")
COMPARE = CASE + "/mirror/" + quote("x:r1", safe="")


def _flag(app):
    store(app, data.removed() + data.mirror() + data.journalist())
    det = detector(app, auto_action="none")
    with app.uow() as uow:
        mirrors.score_account(uow, app.clock, det, "x", "m1")
        uow.commit()


def test_case_page_shows_the_waterfall_and_links_the_comparison(web, client):  # noqa: F811
    _flag(web)
    login(client, "reviewer")
    page = client.get(CASE)
    assert page.status_code == 200
    html = page.text
    assert 'class="waterfall"' in html and 'data-signal="own_avatar"' in html
    assert COMPARE in html and "x:r1" in html


def test_comparison_page_puts_the_accounts_side_by_side(web, client):  # noqa: F811
    _flag(web)
    login(client, "auditor")
    page = client.get(COMPARE)
    assert page.status_code == 200
    html = page.text
    assert "@alpha_media_0fficial2" in html and "@alpha_media_official" in html
    assert html.count("<svg") >= 1 and "probability" in html
    assert "Alpha media bulletin" in html  # posts of both


def test_comparison_needs_a_flag_and_a_case_reader(web):  # noqa: F811
    _flag(web)
    app = create_app(web)
    c = TestClient(app)
    login(c, "reviewer")
    never = "/cases/account/" + quote("x:j1", safe="") + "/mirror/" + quote("x:r1", safe="")
    assert c.get(never).status_code == 404
    for role in ("legal", "requester", "trusted_flagger"):
        other = TestClient(app)
        login(other, role)
        assert other.get(COMPARE, headers={"accept": "application/json"}).status_code == 403
    assert TestClient(app).get(COMPARE, headers={"accept": "application/json"}
                               ).status_code == 401


def test_comparison_page_lets_a_reviewer_decide_there(web, client):  # noqa: F811
    _flag(web)
    login(client, "reviewer")
    html = client.get(COMPARE).text
    assert "continue" in html and "@alpha_media_official" in html  # named by handle, not id
    assert '<mark class="diff">' in html  # "0fficial2" against "official": what differs
    assert 'id="decision-form"' in html and f'action="{CASE}/decisions"' in html
    assert '<option value="" selected>' in html  # no action chosen for the reviewer
    assert 'value="remove" selected' not in html
    assert "second reviewer confirms" in html and "statement of reasons" in html
    assert "each bit doubles the odds" in html and "Of 100 accounts flagged" in html
    assert "Hamming distance" in html or "avatar" in html  # each signal says what it measures
    assert 'class="wf-why"' in html


def test_lookalike_letters_in_a_handle_are_named(web, client):  # noqa: F811
    disguised = "@\u0430lph\u0430_media_official"  # Cyrillic а twice
    mirror = data.mirror()
    mirror[0] = {**mirror[0], "handle": disguised}
    store(web, data.removed() + mirror)
    det = detector(web, auto_action="none")
    with web.uow() as uow:
        mirrors.score_account(uow, web.clock, det, "x", "m1")
        uow.commit()
    login(client, "reviewer")
    html = client.get(COMPARE).text
    assert 'role="alert"' in html and "Look-alike letters" in html
    assert "Cyrillic Small Letter A" in html and "U+0430" in html
    assert '<mark class="lookalike"' in html


def test_case_page_names_the_removed_account(web, client):  # noqa: F811
    _flag(web)
    login(client, "reviewer")
    html = client.get(CASE).text
    assert "@alpha_media_official" in html and "Alpha Media" in html
    assert "side by side" in html
