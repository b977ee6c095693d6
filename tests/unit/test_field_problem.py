"""One record type names a bad field wherever people hand tarazu a file: the interchange
reader, the referral parser, the hash-bank importer, the data-request parser and the hashes of
stored posts all report a FieldProblem, and all say it the same way (where, which field, what
is wrong)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tarazu.datarequests.model import DataRequestFileError
from tarazu.datarequests.parse import parse_request
from tarazu.domain.platform import Media, Post
from tarazu.interchange import parse_line
from tarazu.referrals.parse import parse_json
from tarazu.service import hashmatch
from tarazu.signals.banks import Bank
from tarazu.textfiles import FieldProblem


def test_the_interchange_reader_and_the_referral_parser_report_the_same_type():
    parsed = parse_line(7, json.dumps({"type": "account", "platform": "x"}))
    assert parsed is not None and isinstance(parsed.error, FieldProblem)
    assert str(parsed.error) == "line 7: field 'status': is required"

    doc = {"request_id": "R1", "requester": {"name": "Ministry", "type": "government"},
           "items": [{"account": "@ok"}, {"evidence": []}]}
    _, errors = parse_json(json.dumps(doc), datetime(2025, 7, 25, tzinfo=UTC))
    assert errors == [FieldProblem(2, "account", "is required", unit="item")]
    assert str(errors[0]) == "item 2: field 'account': is required"


def test_the_bank_importer_reports_the_same_type():
    # rows that fail their checks never reach the store, so no unit of work is needed here
    report = hashmatch.import_csv(None, Bank(1, "b"), "signal_type,signal\nnope,abc\npdq\n",
                                  by="admin", at=datetime(2025, 7, 25, tzinfo=UTC))
    assert [type(e) for e in report.errors] == [FieldProblem, FieldProblem]
    assert [str(e).split(":")[0:2] for e in report.errors] == [
        ["line 2", " field 'signal_type'"], ["line 3", " field 'signal'"]]


def test_a_data_request_and_a_stored_post_report_the_same_type():
    """A data request is one document (no line to name); a stored post is named, not
    numbered."""
    with pytest.raises(DataRequestFileError) as e:
        parse_request({"request_id": "DR-1", "targets": []}, datetime(2025, 7, 25, tzinfo=UTC))
    assert {type(x) for x in e.value.errors} == {FieldProblem}
    targets = next(x for x in e.value.errors if x.field == "targets")
    assert targets.line is None
    assert str(targets) == "field 'targets': must be a non-empty list of account ids or handles"

    post = Post("p4", "a1", datetime(2025, 7, 25, tzinfo=UTC), platform="x",
                media=(Media(pdq="broken"),))
    _, errors = hashmatch.post_signals(post)
    assert errors == [FieldProblem(None, "media[0].pdq", errors[0].message, record="post/x:p4")]
    assert str(errors[0]).startswith("post/x:p4: field 'media[0].pdq': ")
