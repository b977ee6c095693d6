"""Platform data import: errors named by line and field, good records kept, idempotent."""

import gzip
import json

from tarazu.service.ingest import ingest_file

GOOD_ACCOUNT = {"type": "account", "account_id": "a1", "platform": "x", "handle": "@umar_1",
                "created_at": "2025-07-20T10:00:00Z", "status": "active",
                "identifiers": {"device": "d1"}}
GOOD_POST = {"type": "post", "post_id": "p1", "account_id": "a1", "platform": "x",
             "created_at": "2025-07-20T11:00:00Z", "text": "placeholder"}


def write(path, rows, gz=False):
    lines = "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n"
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(lines)
    else:
        path.write_text(lines, encoding="utf-8")


def test_bad_records_are_named_and_good_kept(app, tmp_path):
    f = tmp_path / "in.jsonl.gz"
    write(f, [GOOD_ACCOUNT, "{not json", {**GOOD_ACCOUNT, "account_id": "a2", "status": "gone"},
              {**GOOD_POST, "created_at": "yesterday"}, GOOD_POST,
              {"type": "account", "account_id": "a3", "created_at": "2025-07-20T10:00:00Z",
               "status": "active"}], gz=True)
    report = ingest_file(app.uow, f)
    errs = {(e.line, e.field) for e in report.errors}
    assert errs == {(2, "(json)"), (3, "status"), (4, "created_at"), (6, "handle")}
    assert report.counts["accounts_added"] == 1 and report.counts["posts_added"] == 1
    with app.uow() as uow:
        acc = uow.platform.get_account("x", "a1", with_identifiers=True)
        assert acc.identifiers == {"device": "d1"}
        assert uow.platform.get_account("x", "a1").identifiers == {}


def test_reimport_changes_nothing_and_updates_are_applied(app, tmp_path):
    f = tmp_path / "in.jsonl"
    write(f, [GOOD_ACCOUNT, GOOD_POST])
    ingest_file(app.uow, f)
    with app.uow() as uow:
        head_before = uow.events.head()
    again = ingest_file(app.uow, f)
    assert again.counts == {"accounts_unchanged": 1, "posts_unchanged": 1}
    write(f, [{**GOOD_ACCOUNT, "status": "removed", "removed_at": "2025-07-21T00:00:00Z"}])
    changed = ingest_file(app.uow, f)
    assert changed.counts == {"accounts_updated": 1}
    with app.uow() as uow:
        assert uow.platform.get_account("x", "a1").is_removed
        assert uow.events.head() == head_before


def test_identifiers_are_encrypted_at_rest(sqlite_app, tmp_path):
    from sqlalchemy import text

    f = tmp_path / "in.jsonl"
    write(f, [{**GOOD_ACCOUNT, "identifiers": {"phone": "hash-of-phone-123"}}])
    ingest_file(sqlite_app.uow, f)
    with sqlite_app.engine.connect() as c:
        raw = c.execute(text("SELECT identifiers_enc FROM accounts")).scalar()
    assert b"hash-of-phone-123" not in raw
