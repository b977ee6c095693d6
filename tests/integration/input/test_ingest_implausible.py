"""Platform records that parse but could not be true, or could not be shown or stored safely,
are refused by line and field (on SQLite and PostgreSQL, which stores no NUL character);
a repeated id in one file is reported, not silently replaced."""

from __future__ import annotations

import json

import pytest

from tarazu.service.ingest import ingest_file

ACCOUNT = {"type": "account", "account_id": "a1", "platform": "x", "handle": "umar",
           "created_at": "2025-07-20T10:00:00Z", "status": "active"}
POST = {"type": "post", "post_id": "p1", "account_id": "a1", "platform": "x",
        "created_at": "2025-07-20T11:00:00Z", "text": "placeholder"}


def ingest(app, tmp_path, rows):
    f = tmp_path / "in.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return ingest_file(app.uow, f)


@pytest.mark.parametrize(("bad", "field", "words"), [
    ({"bio": "x" * 1_000_000}, "bio", "at most 10000"),
    ({"display_name": "n" * 5_000}, "display_name", "at most 1000"),
    ({"created_at": "2099-01-01T00:00:00Z"}, "created_at", "in the future"),
    ({"created_at": "2999-06-01T00:00:00+05:00"}, "created_at", "in the future"),
    ({"status": "removed", "removed_at": "2025-07-01T00:00:00Z"}, "removed_at",
     "before created_at"),
    ({"handle": " "}, "handle", "blank"),
    ({"handle": "umar\u200b"}, "handle", "U+200B"),
    ({"handle": "\u202eramu"}, "handle", "U+202E"),
    ({"handle": "um\x00ar"}, "handle", "NUL"),
    ({"bio": "a bio with a \x00 in it"}, "bio", "NUL"),
    ({"account_id": "a\x00"}, "account_id", "NUL"),
    ({"following": ["ok", "x" * 3000]}, "following[1]", "at most 2048"),
])
def test_implausible_accounts_are_refused_by_line_and_field(app, tmp_path, bad, field, words):
    report = ingest(app, tmp_path, [ACCOUNT, {**ACCOUNT, "account_id": "a2", **bad}, POST])
    assert [(e.line, e.field) for e in report.errors] == [(2, field)]
    assert words in report.errors[0].message
    assert report.counts == {"accounts_added": 1, "posts_added": 1}


def test_implausible_posts_are_refused_and_urdu_text_with_joiners_is_kept(app, tmp_path):
    joined = "پاک\u200cفوج ‍😀"  # ZWNJ and ZWJ are ordinary in Urdu text and emoji
    report = ingest(app, tmp_path, [
        ACCOUNT, {**POST, "created_at": "2999-01-01T00:00:00Z"},
        {**POST, "post_id": "p2", "text": "t" * 200_000},
        {**POST, "post_id": "p\u200b3"}, {**POST, "post_id": "p4", "text": joined},
        {**POST, "post_id": "p5", "text": "nul \x00"},
        {**ACCOUNT, "account_id": "a9", "display_name": "ٹی\u200cٹی پی"}])
    assert [(e.line, e.field) for e in report.errors] == [
        (2, "created_at"), (3, "text"), (4, "post_id"), (6, "text")]
    assert report.counts == {"accounts_added": 2, "posts_added": 1}
    with app.uow() as uow:
        assert uow.platform.get_post("x", "p4").text == joined


def test_a_repeated_id_is_reported_and_the_later_record_kept(app, tmp_path):
    report = ingest(app, tmp_path, [ACCOUNT, POST, {**ACCOUNT, "handle": "umar_2"},
                                    {**POST, "text": "edited"}, {**ACCOUNT, "platform": "y"}])
    assert [(e.line, e.field) for e in report.repeats] == [(3, "account_id"), (4, "post_id")]
    assert "repeats line 1" in report.repeats[0].message
    assert report.errors == [] and report.summary()["repeated_ids"] == 2
    with app.uow() as uow:
        assert uow.platform.get_account("x", "a1").handle == "umar_2"
        assert uow.platform.get_post("x", "p1").text == "edited"
