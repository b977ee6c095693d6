"""Property tests for every importer: generated files mixing good records with bad ones (wrong
types, missing fields, impossible values, oversized fields, NUL and hidden characters, bytes
that are not UTF-8, broken archives). Whatever is generated, an importer raises no exception
but its own named error, keeps every good record and names every bad one.

Example counts are kept small (``FAST``, ``DB``) so the suite fits in ``make test``; the
strategies are what matters, and a failure prints the smallest file that shows it."""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tarazu.datarequests.model import DataRequestFileError
from tarazu.datarequests.parse import parse_json as parse_data_request
from tarazu.designations.importers import read_ftm_jsonl, read_un_xml
from tarazu.domain.platform import Account, Post
from tarazu.interchange import read_file
from tarazu.referrals.model import Requester
from tarazu.referrals.parse import ReferralFileError, parse_csv, parse_json
from tarazu.service import hashmatch, protected
from tarazu.service.ingest import ingest_file
from tarazu.textfiles import LineProblem, iter_lines
from tests.unit.datarequests.samples import NOW, doc

FAST = settings(max_examples=40, deadline=None)
DB = settings(max_examples=12, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
_ids = itertools.count()

# Text a platform may send: any script, emoji, joiners; never a surrogate (not encodable) and,
# for ids and handles, no control or format character and never blank.
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               max_size=40)
NAME = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Zl", "Zp")),
               min_size=1, max_size=30).filter(lambda s: s.strip() != "")
LATIN1 = "Lahore café".encode("latin-1")


def uid(prefix: str) -> str:
    return f"{prefix}{next(_ids)}"


# -- interchange ----------------------------------------------------------------------------

@st.composite
def good_record(draw, kind: str | None = None):
    n = uid("r")
    if (kind or draw(st.sampled_from(["account", "post"]))) == "account":
        return {"type": "account", "account_id": n, "platform": "x", "handle": draw(NAME),
                "display_name": draw(TEXT), "bio": draw(TEXT),
                "created_at": "2025-07-20T10:00:00Z",
                "status": draw(st.sampled_from(["active", "removed"])),
                "removed_at": "2025-07-21T10:00:00+05:00",
                "links": draw(st.lists(TEXT, max_size=3))}
    return {"type": "post", "post_id": n, "account_id": draw(NAME), "platform": "x",
            "created_at": "2025-07-20T10:00:00Z", "text": draw(TEXT),
            "hashtags": draw(st.lists(TEXT, max_size=3))}


#: (record type, a change that makes it bad)
BAD_CHANGES = st.sampled_from([
    ("account", {"created_at": "2999-01-01T00:00:00Z"}), ("post", {"created_at": "yesterday"}),
    ("account", {"created_at": None}), ("post", {"created_at": 5}),
    ("account", {"handle": " "}), ("account", {"handle": "a\u200bb"}),
    ("account", {"handle": "\u202eab"}), ("account", {"account_id": "a\x00"}),
    ("post", {"post_id": ""}), ("account", {"bio": "b" * 20_000}),
    ("post", {"text": "t" * 200_000}), ("account", {"links": "not a list"}),
    ("post", {"links": [1, 2]}), ("post", {"media": [{"pdq": "zz"}]}),
    ("post", {"type": "user"}), ("account", {"status": "gone"}),
    ("account", {"identifiers": ["x"]}), ("account", {"removed_at": "2020-01-01T00:00:00Z"}),
    ("post", {"account_id": "\u200f"}),
])


@st.composite
def bad_line(draw) -> bytes:
    kind = draw(st.sampled_from(["change", "json", "latin1", "binary", "array"]))
    if kind == "change":
        record_type, change = draw(BAD_CHANGES)
        return json.dumps({**draw(good_record(record_type)), **change}).encode()
    if kind == "json":
        return json.dumps(draw(good_record()))[: draw(st.integers(1, 30))].encode()
    if kind == "latin1":
        return b'{"type": "account", "bio": "' + LATIN1 + b'"}'
    if kind == "array":
        return b"[1, 2, 3]"
    junk = draw(st.binary(min_size=1, max_size=60)).replace(b"\n", b"").replace(b"\r", b"")
    return junk if junk.strip() else b"\xff"


@st.composite
def interchange_file(draw):
    lines = draw(st.lists(st.one_of(good_record().map(lambda r: ("good", r)),
                                    bad_line().map(lambda b: ("bad", b))), max_size=25))
    out, good, bad = [], {}, set()
    for n, (kind, value) in enumerate(lines, start=1):
        if kind == "good":
            out.append(json.dumps(value, ensure_ascii=draw(st.booleans())).encode("utf-8"))
            good[n] = value.get("account_id") if value["type"] == "account" else value["post_id"]
        else:
            out.append(value)
            bad.add(n)
    return b"\n".join(out) + b"\n", good, bad


def _record_id(record: Account | Post) -> str:
    return record.account_id if isinstance(record, Account) else record.post_id


@FAST
@given(interchange_file(), st.booleans())
def test_interchange_keeps_every_good_record_and_names_every_bad_line(tmp_path_factory, data,
                                                                      compress):
    content, good, bad = data
    path = tmp_path_factory.mktemp("ic") / ("in.jsonl.gz" if compress else "in.jsonl")
    path.write_bytes(gzip.compress(content) if compress else content)
    parsed = list(read_file(path))
    kept = {p.line: _record_id(p.record) for p in parsed if p.record is not None}
    named = {p.error.line for p in parsed if p.error is not None}
    assert kept == good
    assert named == bad
    assert all(p.error.field for p in parsed if p.error is not None)


@FAST
@given(st.lists(good_record(), min_size=1, max_size=40), st.data())
def test_a_truncated_archive_keeps_the_records_before_the_break(tmp_path_factory, records,
                                                                 data):
    whole = gzip.compress(b"".join(json.dumps(r).encode() + b"\n" for r in records), mtime=0)
    # where to cut as a share of the archive, so that what is drawn does not depend on the
    # archive's length (a replay must draw the same way: hypothesis checks it)
    cut = int(data.draw(st.floats(0, 1, exclude_max=True)) * len(whole))
    path = tmp_path_factory.mktemp("gz") / "cut.jsonl.gz"
    path.write_bytes(whole[:cut])
    parsed = list(read_file(path))
    kept = [_record_id(p.record) for p in parsed if p.record is not None]
    expected = [r.get("account_id") if r["type"] == "account" else r["post_id"]
                for r in records]
    assert kept == expected[: len(kept)]  # a prefix, in order, nothing invented
    assert len([p for p in parsed if p.error]) == 1 and parsed[-1].error is not None
    assert parsed[-1].error.field == "(file)"


@DB
@given(interchange_file())
def test_ingest_stores_every_good_record(sqlite_app, tmp_path_factory, data):
    content, good, bad = data
    path = tmp_path_factory.mktemp("ingest") / "in.jsonl"
    path.write_bytes(content)
    report = ingest_file(sqlite_app.uow, path)
    assert {e.line for e in report.errors} == bad
    assert sum(report.counts.values()) == len(good)


@FAST
@given(st.lists(st.binary(max_size=40), max_size=20))
def test_every_line_is_text_or_a_named_problem(tmp_path_factory, raw_lines):
    path = tmp_path_factory.mktemp("tf") / "lines.txt"
    path.write_bytes(b"\n".join(raw_lines))
    for n, got in iter_lines(path):
        raw = path.read_bytes().split(b"\n")[n - 1]
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            assert isinstance(got, LineProblem) and got.line == n
        else:
            assert isinstance(got, str)


# -- referrals ------------------------------------------------------------------------------

@st.composite
def good_item(draw):
    return {"account": "@" + uid("acc"), "platform": "x", "group": draw(TEXT),
            "ground": draw(TEXT), "legal_basis": draw(TEXT),
            "evidence": draw(st.lists(NAME, max_size=3)), "note": draw(TEXT)}


BAD_ITEM = st.one_of(
    st.sampled_from([{"account": ""}, {"account": None}, {"account": 7}, {"evidence": 3},
                     {"evidence": [1]}, {"note": "n" * 6_000}, {"ground": ["a"]},
                     {"legal_basis": "x\x00"}, {"evidence": ["e"] * 600}]),
    st.just("not an item"), st.just(None), st.integers())


@FAST
@given(st.lists(st.one_of(good_item().map(lambda i: ("good", i)),
                          st.tuples(good_item(), BAD_ITEM).map(lambda p: ("bad", p))),
                min_size=1, max_size=25))
def test_referral_json_keeps_good_items_and_names_bad_ones(entries):
    items, good, bad = [], {}, set()
    for n, (kind, value) in enumerate(entries, start=1):
        if kind == "good":
            items.append(value)
            good[n] = value["account"]
        else:
            base, change = value
            items.append({**base, **change} if isinstance(change, dict) else change)
            bad.add(n)
    text = json.dumps({"request_id": "R", "requester": {"type": "government"},
                       "items": items})
    request, errors = parse_json(text, datetime.now(UTC))
    assert {i.line: i.account for i in request.items} == good
    assert {e.line for e in errors} == bad


@FAST
@given(st.lists(st.one_of(good_item().map(lambda i: ("good", i)),
                          good_item().map(lambda i: ("big", i)),
                          good_item().map(lambda i: ("blank", i))), min_size=1, max_size=20))
def test_referral_csv_keeps_good_rows_and_names_bad_ones(entries):
    out = io.StringIO()
    w = csv.writer(out)
    keys = ["account", "platform", "group", "ground", "legal_basis", "evidence", "note"]
    w.writerow(keys)
    good, n_bad = set(), 0
    for kind, item in entries:
        row = {**item, "evidence": " ".join(item["evidence"])}
        if kind == "big":
            row["note"] = "n" * 200_000
        elif kind == "blank":
            row["account"] = " "
        w.writerow([row[k] for k in keys])
        if kind == "good":
            good.add(item["account"])
        else:
            n_bad += 1
    request, errors = parse_csv(out.getvalue(), "R", Requester("government"),
                                datetime.now(UTC))
    assert {i.account for i in request.items} == good
    assert len(errors) == n_bad


@FAST
@given(st.recursive(st.none() | st.booleans() | st.integers() | TEXT,
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(TEXT, inner, max_size=3), max_leaves=10))
def test_a_referral_document_of_any_shape_is_read_or_refused_with_a_reason(value):
    for text in (json.dumps(value), json.dumps({"request_id": "R", "requester": value,
                                                "items": value})):
        try:
            parse_json(text, datetime.now(UTC))
        except ReferralFileError as e:
            assert str(e)


# -- designations ---------------------------------------------------------------------------

BAD_FTM = st.sampled_from([
    '{"id": "x", "schema": "NoSuchSchema", "properties": {}}', "[1, 2]", "{not json",
    '{"id": "x", "schema": "Organization", "properties": {"name": ["N"]}, "datasets": "d"}',
    '{"id": "x", "schema": "Organization", "properties": {"name": ["N\\u0000"]}}',
    '{"id": "x", "schema": "Organization", "name_langs": [1]}', '"just a string"',
])


@FAST
@given(st.lists(st.one_of(NAME.map(lambda n: ("good", n)), BAD_FTM.map(lambda b: ("bad", b))),
                max_size=20))
def test_ftm_lists_keep_every_organisation_and_name_every_bad_line(entries):
    lines, good, bad = [], set(), set()
    for n, (kind, value) in enumerate(entries, start=1):
        if kind == "good":
            org = uid("org-")
            lines.append(json.dumps({"id": org, "schema": "Organization",
                                     "properties": {"name": [value]}}, ensure_ascii=False))
            good.add(org)
        else:
            lines.append(value)
            bad.add(f"line {n}")
    found, problems = read_ftm_jsonl("\n".join(lines))
    assert {d.id for d in found} == good
    assert {p.where for p in problems} == bad


XML_NAME = NAME.filter(lambda s: all(c.isprintable() for c in s))


@FAST
@given(st.lists(st.one_of(XML_NAME.map(lambda n: ("good", n)), st.just(("bad", ""))),
                max_size=15))
def test_un_lists_keep_every_entity_and_name_every_bad_one(entries):
    parts, good, n_bad = [], set(), 0
    for kind, name in entries:
        ref = uid("QDe.")
        parts.append(f"<ENTITY><FIRST_NAME>{escape(name)}</FIRST_NAME>"
                     f"<REFERENCE_NUMBER>{ref if kind == 'good' else ''}</REFERENCE_NUMBER>"
                     "</ENTITY>")
        if kind == "good":
            good.add(f"unsc-{ref}")
        else:
            n_bad += 1
    found, problems = read_un_xml("<CONSOLIDATED_LIST><ENTITIES>" + "".join(parts)
                                  + "</ENTITIES></CONSOLIDATED_LIST>")
    assert {d.id for d in found} == good and len(problems) == n_bad


@FAST
@given(st.binary(max_size=200) | TEXT.map(lambda t: "<CONSOLIDATED_LIST>" + t))
def test_any_bytes_as_an_xml_list_are_read_or_refused_by_line(content):
    try:
        read_un_xml(content)
    except ValueError as e:
        assert "line" in str(e) or "root element" in str(e) or "nested" in str(e)


# -- data requests --------------------------------------------------------------------------

@FAST
@given(st.sampled_from(sorted(doc())), st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8))
def test_a_data_request_with_any_field_changed_is_read_or_refused_naming_it(field, value):
    try:
        parse_data_request(json.dumps(doc(**{field: value})), NOW)
    except DataRequestFileError as e:
        assert field in str(e) or "(document)" in str(e)


# -- protected accounts and hash banks (stored) ---------------------------------------------

@DB
@given(st.lists(st.sampled_from(["good", "big", "category", "unknown", "nul"]), min_size=1,
                max_size=12))
def test_protected_import_keeps_every_good_row(sqlite_app, kinds):
    handles = [uid("h") for _ in kinds]
    with sqlite_app.uow() as uow:
        for h in handles:
            uow.platform.upsert_account(Account(h, h, NOW, "active", platform="x"))
        uow.commit()
    rows = ["platform,account,category,note"]
    for h, kind in zip(handles, kinds, strict=True):
        rows.append({"good": f"x,@{h},journalist,ok", "big": f"x,@{h},ngo,{'n' * 200_000}",
                     "category": f"x,@{h},spy,", "unknown": f"x,@no-{h},ngo,",
                     "nul": f"x,@{h},ngo,a\x00b"}[kind])
    report = protected.import_csv(sqlite_app.uow, sqlite_app.clock, "\n".join(rows) + "\n",
                                  "fuzz")
    assert report.added == kinds.count("good")
    assert len(report.errors) == len(kinds) - kinds.count("good")
    assert all(e.startswith("line ") for e in report.errors)


@DB
@given(st.lists(st.sampled_from(["good", "type", "short", "big", "nul", "quality"]),
                min_size=1, max_size=12))
def test_bank_import_keeps_every_good_row_and_names_every_bad_line(sqlite_app, kinds):
    with sqlite_app.uow() as uow:
        bank = hashmatch.get_bank(uow, "fuzz") if uow.hashbanks.bank("fuzz") else \
            uow.hashbanks.create_bank("fuzz", by="t", at=NOW)
        rows, bad = ["signal_type,signal,note,quality"], set()
        for n, kind in enumerate(kinds, start=2):
            digest = f"{next(_ids):032x}"
            rows.append({"good": f"md5,{digest},ok,", "type": f"sha9,{digest},,",
                         "short": "md5,abc,,", "big": f"md5,{digest},{'n' * 200_000},",
                         "nul": f"md5,{digest},a\x00b,", "quality": f"md5,{digest},,high"
                         }[kind])
            if kind != "good":
                bad.add(n)
        report = hashmatch.import_csv(uow, bank, "\n".join(rows) + "\n", by="t", at=NOW)
        uow.commit()
    assert report.added == kinds.count("good")
    assert {e.line for e in report.errors} == bad


def test_a_line_of_control_characters_is_a_named_problem_not_a_blank_line():
    """Found by the property above: U+001C is whitespace to ``str.strip`` but not to JSON."""
    from tarazu.interchange import parse_line

    got = parse_line(1, "\x1c")
    assert got is not None and got.error is not None and got.error.line == 1
    assert parse_line(2, " \t\r") is None
