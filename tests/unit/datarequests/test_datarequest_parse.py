"""Parsing data requests: every bad field is named; good documents become values."""

import json

import pytest

from tarazu.datarequests.model import Category, DataRequestFileError, InstrumentType
from tarazu.datarequests.parse import parse_json, parse_request
from tests.unit.datarequests.samples import NOW, doc


def fields_of(exc: DataRequestFileError) -> set[str]:
    return {e.field for e in exc.errors}


def test_a_valid_request_is_parsed():
    r = parse_request(doc(), NOW)
    assert r.request_id == "FIA-2025-0811-07" and r.country == "PK"
    assert r.instrument.type is InstrumentType.COURT_ORDER
    assert r.categories == (Category.SUBSCRIBER, Category.IP_LOGS)
    assert r.period.days == 61 and r.nondisclosure is None and r.emergency is None


@pytest.mark.parametrize("changes, field", [
    ({"request_id": ""}, "request_id"),
    ({"country": None}, "country"),
    ({"agency": 7}, "agency"),
    ({"instrument": "a letter"}, "instrument"),
    ({"instrument__type": "letter"}, "instrument.type"),
    ({"instrument__date": "10/08/2025"}, "instrument.date"),
    ({"instrument__document_sha256": "xyz"}, "instrument.document_sha256"),
    ({"targets": []}, "targets"),
    ({"targets": ["@ok", ""]}, "targets[1]"),
    ({"categories": ["subscriber", "browsing_history"]}, "categories[1]"),
    ({"period": {"from": "2025-08-01", "to": "2025-06-01"}}, "period"),
    ({"period": {"from": "2025-08-01"}}, "period.to"),
    ({"nondisclosure_until": "soon"}, "nondisclosure_until"),
    ({"emergency": {"threat_to_life": "yes"}}, "emergency.threat_to_life"),
    ({"received_at": "yesterday"}, "received_at"),
])
def test_bad_fields_are_named(changes, field):
    with pytest.raises(DataRequestFileError) as e:
        parse_request(doc(**changes), NOW)
    assert field in fields_of(e.value)
    assert f"'{field}'" in str(e.value)


def test_all_bad_fields_are_reported_at_once():
    with pytest.raises(DataRequestFileError) as e:
        parse_request(doc(country="", targets=[], categories=["x"]), NOW)
    assert {"country", "targets", "categories[0]"} <= fields_of(e.value)
    assert "FIA-2025-0811-07" in str(e.value)


def test_invalid_json_and_non_objects():
    with pytest.raises(DataRequestFileError, match="invalid JSON at line 1"):
        parse_json("{nope", NOW)
    with pytest.raises(DataRequestFileError, match="must be a JSON object"):
        parse_json("[1, 2]", NOW)


def test_nondisclosure_forms():
    assert parse_request(doc(nondisclosure_until="2026-02-01"), NOW).nondisclosure.until \
        .isoformat() == "2026-02-01"
    assert parse_request(doc(nondisclosure_until="indefinite"), NOW).nondisclosure.until is None
    assert parse_request(doc(nondisclosure_until=True), NOW).nondisclosure.until is None
    assert parse_request(doc(nondisclosure_until=None), NOW).nondisclosure is None


def test_missing_legal_details_are_not_parse_errors():
    """The checks refuse them with a reason; the requester learns what is missing."""
    r = parse_json(json.dumps(doc(instrument={"type": "none"})), NOW)
    assert r.instrument.type is InstrumentType.NONE and r.instrument.issuer == ""
