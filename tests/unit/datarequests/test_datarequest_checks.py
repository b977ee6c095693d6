"""Each automated check of a data request, with its reason code and outcome."""

from datetime import date

from tarazu.datarequests.checks import (
    CheckPolicy,
    Outcome,
    Reason,
    RequestPath,
    TargetInfo,
    check_request,
)
from tarazu.datarequests.model import Category
from tarazu.datarequests.parse import parse_request
from tests.unit.datarequests.samples import NOW, doc

KNOWN = [TargetInfo("@umar_media", "x", "a1")]


def check(targets=KNOWN, policy=None, **changes):
    return check_request(parse_request(doc(**changes), NOW), targets, policy)


def test_a_valid_court_order_is_accepted_as_asked():
    r = check()
    assert r.outcome is Outcome.ACCEPTED and r.reasons == () and r.path is RequestPath.DISCLOSURE
    assert r.categories == (Category.SUBSCRIBER, Category.IP_LOGS)
    assert r.period.to_dict() == {"from": "2025-06-01", "to": "2025-08-01"}


def test_no_instrument_is_refused():
    r = check(instrument={"type": "none"})
    assert r.outcome is Outcome.REFUSED and Reason.NO_LEGAL_PROCESS in r.reasons
    assert r.categories == () and r.period is None


def test_missing_issuer_reference_or_date_is_refused():
    for key in ("issuer", "reference", "date"):
        r = check(**{f"instrument__{key}": ""})
        assert r.outcome is Outcome.REFUSED, key
        assert r.reasons == (Reason.NO_LEGAL_PROCESS,)
        assert key in r.explanation[0]


def test_no_named_official_is_refused():
    r = check(official={})
    assert r.outcome is Outcome.REFUSED and "official" in " ".join(r.explanation)


def test_an_agency_letter_called_a_court_order_is_not_legal_process():
    r = check(instrument__issuer="Federal Investigation Agency, Cyber Crime Wing")
    assert r.outcome is Outcome.REFUSED
    assert Reason.NON_JUDICIAL_INSTRUMENT in r.reasons


def test_a_subpoena_needs_a_court_outside_countries_with_administrative_subpoenas():
    pk = check(instrument__type="subpoena", instrument__issuer="FIA Director")
    assert pk.outcome is Outcome.REFUSED and Reason.NON_JUDICIAL_INSTRUMENT in pk.reasons
    us = check(instrument__type="subpoena", instrument__issuer="US Attorney's Office",
               country="US")
    assert us.outcome is Outcome.NARROWED  # valid, but only subscriber data
    assert us.categories == (Category.SUBSCRIBER,)


def test_a_subpoena_reaches_subscriber_data_only():
    r = check(instrument__type="subpoena", instrument__issuer="Judicial Magistrate, Lahore",
              categories=["subscriber", "content", "ip_logs"])
    assert r.outcome is Outcome.NARROWED and Reason.NARROWED_CATEGORIES in r.reasons
    assert r.categories == (Category.SUBSCRIBER,)
    assert "content" in " ".join(r.explanation)


def test_a_long_or_missing_period_is_narrowed_to_the_maximum():
    r = check(period={"from": "2024-01-01", "to": "2025-08-01"})
    assert r.outcome is Outcome.NARROWED and Reason.NARROWED_PERIOD in r.reasons
    assert r.period.end == date(2025, 8, 1) and r.period.days == 90
    r = check(period=None)
    assert Reason.NARROWED_PERIOD in r.reasons and r.period.end == date(2025, 8, 11)
    r = check(period={"from": "2025-07-01", "to": "2025-08-01"}, policy=CheckPolicy(
        max_period_days=20))
    assert r.period.days == 20


def test_protected_target_is_escalated_and_unknown_target_dropped():
    targets = [TargetInfo("@umar_media", "x", "a1"),
               TargetInfo("@reporter", "x", "j1", "journalist"),
               TargetInfo("@nobody", "x", None)]
    r = check(targets=targets)
    assert r.outcome is Outcome.ESCALATED and r.protected
    assert {Reason.PROTECTED_TARGET, Reason.UNKNOWN_TARGET} <= set(r.reasons)
    assert [t.outcome for t in r.targets] == [Outcome.ACCEPTED, Outcome.ESCALATED,
                                              Outcome.RETURNED]
    assert [t.account_id for t in r.known_targets] == ["a1", "j1"]


def test_no_known_target_is_returned():
    r = check(targets=[TargetInfo("@nobody", "x", None)])
    assert r.outcome is Outcome.RETURNED and r.reasons == (Reason.UNKNOWN_TARGET,)


def test_emergency_needs_a_threat_to_life_and_gets_the_minimum():
    ok = check(instrument__type="emergency", instrument__issuer="FIA duty officer",
               categories=["subscriber", "ip_logs", "content"],
               emergency={"threat_to_life": True, "description": "kidnapping, victim held"})
    assert ok.path is RequestPath.EMERGENCY and ok.outcome is Outcome.NARROWED
    assert ok.categories == (Category.SUBSCRIBER, Category.IP_LOGS)
    assert ok.period.days == 7 and ok.period.end == date(2025, 8, 11)
    for em in (None, {"threat_to_life": False, "description": "x"},
               {"threat_to_life": True, "description": " "}):
        r = check(instrument__type="emergency", instrument__issuer="FIA", emergency=em)
        assert r.outcome is Outcome.REFUSED and Reason.NO_EMERGENCY_BASIS in r.reasons


def test_preservation_path_needs_no_court():
    r = check(instrument__type="preservation", instrument__issuer="FIA Cyber Crime Wing",
              categories=["subscriber", "content"])
    assert r.path is RequestPath.PRESERVATION and r.outcome is Outcome.ACCEPTED
    assert r.categories == (Category.SUBSCRIBER, Category.CONTENT)


def test_nondisclosure_without_end_is_capped_not_refused():
    r = check(nondisclosure_until="indefinite")
    assert r.outcome is Outcome.NARROWED and Reason.NONDISCLOSURE_CAPPED in r.reasons
    assert r.nondisclosure_until == date(2026, 2, 7)  # received 2025-08-11 + 180 days
    dated = check(nondisclosure_until="2026-02-01")
    assert dated.outcome is Outcome.ACCEPTED and dated.nondisclosure_until == date(2026, 2, 1)


def test_a_dated_nondisclosure_is_capped_too():
    far = check(nondisclosure_until="2027-06-01", nondisclosure_reason="investigation")
    assert far.outcome is Outcome.NARROWED and Reason.NONDISCLOSURE_CAPPED in far.reasons
    assert far.nondisclosure_until == date(2026, 2, 7)
    assert any("until 2027-06-01" in w for w in far.explanation)


def test_more_targets_than_the_limit_is_flagged_as_disproportionate():
    names = [f"@acc{i}" for i in range(11)]
    many = [TargetInfo(n, "x", f"a{i}") for i, n in enumerate(names)]
    def naming(n, policy=None):
        return check_request(parse_request(doc(targets=names[:n]), NOW), many[:n], policy)

    r = naming(11)
    assert r.outcome is Outcome.ESCALATED and Reason.DISPROPORTIONATE in r.reasons
    assert any("11 accounts" in w and "at most 10" in w for w in r.explanation)
    assert Reason.DISPROPORTIONATE not in naming(10).reasons
    loose = naming(11, CheckPolicy(max_targets=20))
    assert Reason.DISPROPORTIONATE not in loose.reasons
