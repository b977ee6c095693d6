"""Exports over the log: DSA statements (each validated against the JSON Schema, no personal
data, puids unique), Lumen notices of government requests, Santa Clara counts, chain anchors."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import jsonschema
from sqlalchemy import update

from tarazu.adapters.db.tables import moderation_events
from tarazu.domain.events import SubjectRef
from tarazu.domain.platform import Media, Post
from tarazu.domain.policies import Action
from tarazu.service import decisions, exports
from tests.integration.due_process.conftest import (
    add_account,
    decide_confirmed,
    flag_mirror,
    report,
    reversed_on_appeal,
)


def _generated_set(app) -> list[SubjectRef]:
    """A spread of decisions: every action, accounts and posts, every source."""
    refs = []
    for i, (source, action, policy, kw) in enumerate([
        ("government", Action.REMOVE, "DOI-1", {"evidence": ["x:p1"], "designation": "ttp"}),
        ("trusted_flagger", Action.SUSPEND, "DOI-2", {"until": "2025-08-20"}),
        ("public", Action.RESTRICT_COUNTRY, "LOC-1", {"country": "PK"}),
        ("public", Action.RESTRICT_COUNTRY, "LOC-1", {"country": "de"}),
        ("public", Action.LABEL, "VIO-1", {}),
        ("government", Action.NO_ACTION, "DOI-1", {}),
    ]):
        ref = add_account(app, f"acc{i}")
        report(app, ref, source=source)
        decide_confirmed(app, ref, action, policy, **kw)
        refs.append(ref)
    with app.uow() as uow:
        uow.platform.upsert_post(Post(post_id="post1", account_id="acc0", platform="x",
                                      created_at=datetime(2025, 7, 1, tzinfo=UTC),
                                      text="neutral placeholder text", lang="ur",
                                      media=(Media(pdq="ab" * 32, kind="image"),)))
        uow.commit()
    post = SubjectRef.post("x", "post1")
    report(app, post, source="public")
    decide_confirmed(app, post, Action.REMOVE, "DOI-2")
    refs.append(post)
    mirror = add_account(app, "mirror9")
    flag_mirror(app, mirror, "x:acc0")
    decide_confirmed(app, mirror, Action.SUSPEND, "EVA-1", actor="system:mirrors",
                     until="2025-08-15")
    refs.append(mirror)
    pending = add_account(app, "pend")
    report(app, pending)
    with app.uow() as uow:  # awaiting its second reviewer: not exported
        decisions.decide(uow, app.clock, subject=pending, actor="rev1", action=Action.REMOVE,
                         policy="DOI-1", reason="r")
        uow.commit()
    return refs


def test_every_dsa_statement_validates_and_carries_no_personal_data(app):
    _generated_set(app)
    validator = jsonschema.Draft202012Validator(exports.dsa_schema())
    with app.uow() as uow:
        records = list(exports.dsa_statements(uow))
        handles = [a.handle for a in uow.platform.iter_accounts()]
    assert len(records) == 7  # 6 enforcing decisions + the post; not no_action, not pending
    for r in records:
        errors = sorted(validator.iter_errors(r), key=str)
        assert not errors, (r["puid"], [e.message for e in errors])
        assert re.fullmatch(r"[a-zA-Z0-9_-]+", r["puid"])
    assert len({r["puid"] for r in records}) == len(records)
    dump = json.dumps(records)
    for secret in ("someone_private", "acc0", "acc1", "mirror9", "Display", *handles):
        assert not _mentions(dump, secret), secret
    by_kind = {(r.get("decision_account"), tuple(r.get("decision_visibility", ()))): r
               for r in records}
    terminated = by_kind[("DECISION_ACCOUNT_TERMINATED", ())]
    assert terminated["source_type"] == "SOURCE_TYPE_OTHER_NOTIFICATION"
    assert terminated["category_specification"] == ["KEYWORD_TERRORIST_CONTENT"]
    suspended = [r for r in records if r.get("decision_account") == "DECISION_ACCOUNT_SUSPENDED"]
    assert {r.get("end_date_account_restriction") for r in suspended} == {"2025-08-20",
                                                                          "2025-08-15"}
    auto = next(r for r in suspended if r["automated_decision"] == "AUTOMATED_DECISION_FULLY")
    assert auto["automated_detection"] == "Yes" and auto["source_type"] == "SOURCE_VOLUNTARY"
    local = [r for r in records if r["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"]
    assert sorted(str(r.get("territorial_scope")) for r in local) == ["None", "['DE']"]
    post = next(r for r in records if r.get("decision_visibility") ==
                ["DECISION_VISIBILITY_CONTENT_REMOVED"])
    assert post["content_type"] == ["CONTENT_TYPE_TEXT", "CONTENT_TYPE_IMAGE"]
    assert post["content_language"] == "UR" and post["content_date"] == "2025-07-01"


def _mentions(text: str, word: str) -> bool:
    """Whether ``word`` stands in ``text`` as a token of its own: a puid is random hex, which
    can hold ``acc0`` by chance, while a leaked handle sits between quotes, spaces or dashes."""
    return re.search(rf"(?<![0-9A-Za-z]){re.escape(word)}(?![0-9A-Za-z])", text) is not None


def test_mentions_finds_a_leaked_handle_but_not_a_hex_accident():
    assert _mentions('{"puid": "tz-acc0"}', "acc0")
    assert _mentions('seen as acc0.', "acc0")
    assert not _mentions('{"puid": "tz-11cfaacc07eb4a82"}', "acc0")



def test_schema_rejects_what_the_database_would():
    validator = jsonschema.Draft202012Validator(exports.dsa_schema())
    good = {"puid": "tz-1", "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
            "incompatible_content_ground": "DOI-1", "incompatible_content_explanation": "x",
            "decision_facts": "f", "content_type": ["CONTENT_TYPE_TEXT"],
            "category": "STATEMENT_CATEGORY_VIOLENCE", "source_type": "SOURCE_VOLUNTARY",
            "automated_detection": "No", "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
            "content_date": "2025-07-01", "application_date": "2025-07-02",
            "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"]}
    assert validator.is_valid(good)
    for bad in ({"puid": "has space"}, {"handle": "@x"}, {"category": "TERRORISM"},
                {"content_date": "2025-7-1"},
                {"decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT"},
                {"content_type": ["CONTENT_TYPE_OTHER"]}):
        assert not validator.is_valid({**good, **bad}), bad
    no_restriction = {k: v for k, v in good.items() if k != "decision_visibility"}
    assert not validator.is_valid(no_restriction)


def test_lumen_notices(app):
    a = add_account(app, "gov1", status="removed")
    b = add_account(app, "gov2")
    with app.uow() as uow:
        uow.referrals.add_request(request_id="PTA-1", requester={
            "type": "government", "country": "PK", "agency": "Ministry of Interior",
            "official": {"name": "An Official"}}, received_at=app.clock.now(),
            document_sha256="0" * 64, submitted_by=None)
        for line, acc in ((1, "gov1"), (2, "gov2")):
            uow.referrals.add_item(request_id="PTA-1", line=line, account_ref=f"@{acc}_handle",
                                   platform="x", account_id=acc,
                                   item={"legal_basis": "Anti-Terrorism Act 1997, s. 11W"},
                                   outcome="accepted", reasons=[])
        uow.commit()
    report(app, a, referral_id="PTA-1#1")
    report(app, b, referral_id="PTA-1#2")
    removal = decide_confirmed(app, a, Action.REMOVE, "DOI-1")
    decide_confirmed(app, b, Action.NO_ACTION, "DOI-1")
    reversed_on_appeal(app, a, removal.decision_id)
    with app.uow() as uow:
        [notice] = list(exports.lumen_notices(uow))
    assert notice["notice_type"] == "GovernmentRequest" and notice["action_taken"] == "Partial"
    assert notice["sender"]["name"] == "Ministry of Interior"
    assert notice["sender"]["official"] == "[REDACTED]"
    assert {w["url"] for w in notice["works"]} == {"[REDACTED]"}
    assert "gov1" not in json.dumps(notice) and "An Official" not in json.dumps(notice)
    assert notice["legal_basis"] == ["Anti-Terrorism Act 1997, s. 11W"]


def test_anchor_holds_until_history_is_rewritten(app):
    ref = add_account(app, "anch")
    report(app, ref)
    anchor = exports.make_anchor(app.uow, app.clock)
    assert anchor["seq"] == anchor["count"] >= 1 and len(anchor["hash"]) == 64
    report(app, ref)  # the chain grows: the anchor still holds
    assert exports.check_anchor(app.uow, anchor).ok
    forged = {**anchor, "hash": "f" * 64}
    assert not exports.check_anchor(app.uow, forged).ok
    assert not exports.check_anchor(app.uow, {**anchor, "seq": 999}).ok
    with app.uow() as uow:  # someone rewrites the anchored event and recomputes nothing
        uow.conn.execute(update(moderation_events).where(
            moderation_events.c.seq == anchor["seq"]).values(actor="someone-else"))
        uow.commit()
    check = exports.check_anchor(app.uow, anchor)
    assert not check.ok and "does not verify" in check.reason
