"""Every importer as an operator runs it, fed what a hostile or careless sender sends: files that
are not UTF-8 or not text at all, fake and truncated archives, malformed XML, oversized fields.
Each bad record is an error naming the file, the line and the field, never a traceback, and
every good record beside it is kept."""

from __future__ import annotations

import gzip
import json
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from tarazu.entrypoints.cli import app as cli

ACCOUNT = {"type": "account", "account_id": "a1", "platform": "x", "handle": "umar",
           "created_at": "2025-07-20T10:00:00Z", "status": "active"}
LATIN1 = "Lahore café".encode("latin-1")  # é as one byte 0xe9: not UTF-8
BIG = "x" * 300_000  # larger than any field limit, small enough for a quick test


def account(account_id: str, **kw) -> bytes:
    return json.dumps({**ACCOUNT, "account_id": account_id, **kw}).encode() + b"\n"


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("TARAZU_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TARAZU_DATABASE_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str, code: int | None = None):
        r = runner.invoke(cli, list(args))
        assert r.exception is None or isinstance(r.exception, SystemExit), (
            f"traceback: {r.exception!r}\n{r.output}")
        assert "Traceback" not in r.output and "Aborted" not in r.output, r.output
        if code is not None:
            assert r.exit_code == code, r.output
        # messages are wrapped to the terminal's width: compare them as one line
        return SimpleNamespace(stdout=r.stdout, output=" ".join(r.output.split()))

    return invoke


def platform_ids(run) -> set[str]:
    from tarazu.bootstrap import bootstrap

    with bootstrap().uow() as uow:
        return {a.account_id for a in uow.platform.iter_accounts(platform="x")}


def test_ingest_keeps_the_utf8_lines_of_a_latin1_file_and_names_the_bad_one(run, tmp_path):
    f = tmp_path / "mixed.jsonl"
    f.write_bytes(account("a1") + b'{"type": "account", "bio": "' + LATIN1 + b'"}\n'
                  + account("a3"))
    r = run("ingest", str(f), code=2)
    assert "mixed.jsonl: line 2: field '(file)': not UTF-8" in r.output
    assert platform_ids(run) == {"a1", "a3"}


def test_ingest_of_a_binary_file_names_its_lines(run, tmp_path):
    f = tmp_path / "photo.jsonl"
    f.write_bytes(bytes(range(256)) * 4 + b"\n" + account("a2"))
    r = run("ingest", str(f), code=2)
    assert "line 1" in r.output and json.loads(r.stdout)["accounts_added"] == 1


def test_a_truncated_archive_keeps_its_readable_records_and_says_where_it_ends(run, tmp_path):
    whole = gzip.compress(b"".join(account(f"t{i}", handle=f"h{i}") for i in range(2000)))
    f = tmp_path / "cut.jsonl.gz"
    f.write_bytes(whole[: len(whole) * 2 // 3])
    r = run("ingest", str(f), code=2)
    out = json.loads(r.stdout)
    assert 0 < out["accounts_added"] < 2000 and out["errors"] == 1
    assert "damaged or truncated" in r.output
    assert len(platform_ids(run)) == out["accounts_added"]


def test_a_fake_or_corrupt_archive_is_a_named_error(run, tmp_path):
    fake = tmp_path / "fake.jsonl.gz"
    fake.write_bytes(account("a1"))
    r = run("ingest", str(fake), code=2)
    assert "line 1: field '(file)': the file is named .gz but is not gzip-compressed" in r.output
    corrupt = tmp_path / "corrupt.jsonl.gz"
    data = bytearray(gzip.compress(account("a1") * 50))
    data[20:40] = b"\xff" * 20
    corrupt.write_bytes(bytes(data))
    r = run("ingest", str(corrupt), code=2)
    assert "damaged or truncated" in r.output


FTM_ORG = {"id": "org-1", "schema": "Organization",
           "properties": {"name": ["Example Front"], "topics": ["crime.terror"]},
           "datasets": ["test"]}


def ftm(entity_id: str, name: str) -> bytes:
    return json.dumps({**FTM_ORG, "id": entity_id,
                       "properties": {**FTM_ORG["properties"], "name": [name]}}).encode() + b"\n"


def test_designations_keep_good_entities_and_name_bad_lines(run, tmp_path):
    f = tmp_path / "list.ftm.jsonl"
    f.write_bytes(ftm("org-1", "Example Front") + b'{"id": "x", "schema": "NoSuchSchema"}\n'
                  + b'{"id": "org-9", "schema": "Organization", "properties": {"name": ["'
                  + LATIN1 + b'"]}}\n' + ftm("org-2", "Other Front")
                  + ftm("org-1", "Example Front"))  # a repeated id is one designation
    r = run("designations", "import", str(f), code=2)
    assert "line 2: not a FollowTheMoney entity" in r.output
    assert "line 3: not UTF-8" in r.output
    assert "2 designations (2 new, 0 updated), 2 not imported" in r.output
    listed = json.loads(run("designations", "list", code=0).stdout)
    assert {d["id"] for d in listed} == {"org-1", "org-2"}


def test_malformed_and_latin1_xml_lists_are_named_errors(run, tmp_path):
    bad = tmp_path / "un.xml"
    bad.write_text("<CONSOLIDATED_LIST>\n<ENTITIES><ENTITY><FIRST_NAME>X</ENTITIES>\n")
    r = run("designations", "import", str(bad), code=1)
    assert "line 2, column" in r.output and "malformed XML" in r.output
    latin = tmp_path / "un-latin.xml"
    latin.write_bytes(b"<CONSOLIDATED_LIST>\n<ENTITIES><ENTITY><FIRST_NAME>" + LATIN1
                      + b"</FIRST_NAME></ENTITY></ENTITIES></CONSOLIDATED_LIST>\n")
    r = run("designations", "import", str(latin), code=1)
    assert "un-latin.xml: line 2, column" in r.output and "malformed XML" in r.output
    declared = tmp_path / "un-declared.xml"  # latin-1 that says so is well-formed XML
    declared.write_bytes(b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<CONSOLIDATED_LIST>'
                         b"<ENTITIES><ENTITY><FIRST_NAME>" + LATIN1 + b"</FIRST_NAME>"
                         b"<REFERENCE_NUMBER>QDe.1</REFERENCE_NUMBER></ENTITY><ENTITY>"
                         b"<FIRST_NAME>No reference</FIRST_NAME></ENTITY>"
                         b"</ENTITIES></CONSOLIDATED_LIST>\n")
    r = run("designations", "import", str(declared), code=2)
    assert "entity 2: FIRST_NAME and REFERENCE_NUMBER" in r.output
    shown = json.loads(run("designations", "show", "unsc-QDe.1", code=0).stdout)
    assert shown["name"] == "Lahore café"


def test_protected_import_names_bad_lines_and_keeps_good_rows(run, tmp_path):
    data = tmp_path / "accounts.jsonl"
    data.write_bytes(account("a1") + account("a2", handle="sana") + account("a3", handle="ali"))
    run("ingest", str(data), code=0)
    f = tmp_path / "protect.csv"
    f.write_bytes(b"platform,account,category,note\n"
                  b"x,@umar,journalist,\n"
                  b"x,@sana,journalist," + LATIN1 + b"\n"
                  b"x,@ali,journalist," + BIG.encode() + b"\n"
                  b"x,a3,journalist,\n")
    r = run("protected", "import", str(f), code=2)
    assert "line 3: not UTF-8" in r.output
    assert "line 4: unreadable CSV row: a field is longer than" in r.output
    out = json.loads(r.stdout)
    assert (out["added"], out["errors"]) == (2, 2)


def test_data_request_and_text_hash_of_a_latin1_file_are_named_errors(run, tmp_path):
    f = tmp_path / "request.json"
    f.write_bytes(b'{"request_id": "R1",\n "agency": "' + LATIN1 + b'"}\n')
    r = run("datarequests", "import", str(f), code=1)
    assert "request.json: line 2: not UTF-8" in r.output
    t = tmp_path / "statement.txt"
    t.write_bytes(b"first line\n" + LATIN1 + b"\n")
    r = run("hash", "--text", str(t), code=1)
    assert "statement.txt: line 2: not UTF-8" in r.output


def test_bank_import_names_oversized_and_latin1_rows(run, tmp_path):
    run("banks", "create", "b1", code=0)
    f = tmp_path / "hashes.csv"
    f.write_bytes(b"signal_type,signal,note\n"
                  b"md5," + b"a" * 32 + b",ok\n"
                  b"md5," + b"b" * 32 + b"," + LATIN1 + b"\n"
                  b"md5," + b"c" * 32 + b"," + BIG.encode() + b"\n"
                  b"md5," + b"d" * 32 + b",ok\n")
    r = run("banks", "import", "b1", str(f), code=0)
    assert "line 3: field '(line)': not UTF-8" in r.output \
        and "line 4: field '(line)': unreadable" in r.output
    assert json.loads(r.stdout) == {"bank": "b1", "added": 2, "duplicates": 0, "errors": 2}


def test_referral_csv_keeps_good_rows_and_json_needs_a_requester_and_items(run, tmp_path):
    data = tmp_path / "accounts.jsonl"
    data.write_bytes(account("a1"))
    run("ingest", str(data), code=0)
    f = tmp_path / "list.csv"
    f.write_bytes(b"account,platform,group,ground,legal_basis,evidence,note\n"
                  b"@umar,x,TTP,propaganda,ATA 1997 s. 11W,p1,\n"
                  b"@umar,x,TTP," + LATIN1 + b",ATA 1997 s. 11W,p1,\n"
                  b"@umar,x,TTP,propaganda,ATA 1997 s. 11W,p1," + BIG.encode() + b"\n")
    r = run("referrals", "import", str(f), "--request-id", "R-csv", code=0)
    assert "item 3: field '(line)': not UTF-8" in r.output
    assert "item 4: field '(line)': unreadable CSV row" in r.output
    assert json.loads(r.stdout)["invalid"] == 2
    nobody = tmp_path / "nobody.json"
    nobody.write_text(json.dumps({"request_id": "R-2", "items": [{"account": "@umar"}]}))
    r = run("referrals", "import", str(nobody), code=1)
    assert "field 'requester'" in r.output
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"request_id": "R-3", "requester": {"type": "government"},
                                 "items": []}))
    r = run("referrals", "import", str(empty), code=1)
    assert "field 'items': is empty" in r.output


def test_stream_publish_names_a_latin1_line_and_a_fake_archive(run, tmp_path):
    """Nothing is published from a file with a bad line (one stream message each, so no
    half-published file); the line is named, not a traceback. No broker is reached."""
    f = tmp_path / "events.jsonl"
    f.write_bytes(account("a1") + b'{"type": "account", "bio": "' + LATIN1 + b'"}\n')
    r = run("stream", "publish", str(f), code=1)
    assert "events.jsonl line 2: not UTF-8" in r.output
    fake = tmp_path / "events.jsonl.gz"
    fake.write_bytes(account("a1"))
    r = run("stream", "publish", str(fake), code=1)
    assert "named .gz but is not gzip" in r.output
