"""Referral checks: one test per reason code, vague grounds in three writings, duplicates,
accounts on several platforms, and the rule that a protected account is never accepted."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tarazu.designations.registry import default_registry
from tarazu.domain.platform import Account
from tarazu.referrals.checks import CheckContext, cached, check_item, check_request
from tarazu.referrals.evidence import RefKind, Verdict, classify
from tarazu.referrals.grounds import is_vague
from tarazu.referrals.lookup import registry_lookup
from tarazu.referrals.model import Outcome, Reason, ReferralItem, ReferralRequest, Requester

T0 = datetime(2025, 7, 1, tzinfo=UTC)
GOV = Requester("government", "PK", "Ministry of Interior")
FLAGGER = Requester("trusted_flagger", "", "Example Flaggers")
LOOKUP = cached(registry_lookup(default_registry()))


def acct(handle: str, platform: str = "x", verified: tuple[str, ...] = ()) -> Account:
    return Account(account_id=f"id-{handle}", handle=handle, created_at=T0, status="active",
                   platform=platform, verified_categories=verified)


def item(**kw) -> ReferralItem:
    base = dict(line=1, account="@umar_media", platform="x",
                group="Tehreek-e-Taliban Pakistan", ground="propaganda of a proscribed "
                "organisation", legal_basis="Anti-Terrorism Act 1997, s. 11W",
                evidence=("https://x.com/umar_media/status/101",))
    base.update(kw)
    return ReferralItem(**base)


def check(it: ReferralItem, requester: Requester = GOV, account: Account | None = None,
          protection: str | None = None, **kw):
    account = account if account is not None else acct("umar_media")
    return check_item(it, requester, account, protection, LOOKUP, **kw)


def test_a_sound_item_is_accepted():
    r = check(item())
    assert (r.outcome, r.reasons) == (Outcome.ACCEPTED, ())
    assert r.designation == "tarazu-ttp"


def test_missing_legal_basis_is_returned_with_what_to_fix():
    r = check(item(legal_basis=""))
    assert (r.outcome, r.reasons) == (Outcome.RETURNED, (Reason.MISSING_LEGAL_BASIS,))
    assert "legal_basis" in Reason.MISSING_LEGAL_BASIS.fix
    # a trusted flagger reports a rule violation, not a legal demand
    assert check(item(legal_basis=""), requester=FLAGGER).outcome is Outcome.ACCEPTED


def test_a_group_on_no_list_is_refused_and_no_group_at_all_is_returned():
    r = check(item(group="Pashtun Tahafuz Movement"))
    assert (r.outcome, r.reasons) == (Outcome.REFUSED, (Reason.NO_DESIGNATION,))
    r = check(item(group=""))
    assert (r.outcome, r.reasons) == (Outcome.RETURNED, (Reason.NO_DESIGNATION,))


@pytest.mark.parametrize("evidence", [
    (), ("https://x.com/umar_media",), ("https://x.com/search?q=ttp",),
    ("posts anti-state content daily",), ("https://x.com/hashtag/ttp",),
])
def test_no_specific_evidence_is_returned(evidence):
    r = check(item(evidence=evidence))
    assert (r.outcome, r.reasons) == (Outcome.RETURNED, (Reason.NO_SPECIFIC_EVIDENCE,))


def test_a_post_of_another_account_is_not_evidence_against_this_one():
    r = check(item(evidence=("https://x.com/some_reporter/status/55",)))
    assert r.reasons == (Reason.NO_SPECIFIC_EVIDENCE,)
    assert "different account" in " ".join(r.explanation)


@pytest.mark.parametrize("ground", [
    "anti-state content", "Anti State propaganda", "against national interest",
    "riyasat mukhalif material", "idaaron ke khilaf baatein", "mulk dushman",
    "ریاست مخالف مواد", "اداروں کے خلاف پروپیگنڈا", "ملک دشمن سرگرمیاں",
])
def test_a_vague_ground_alone_is_refused(ground):
    assert is_vague(ground)
    r = check(item(group="", ground=ground))
    assert r.outcome is Outcome.REFUSED
    assert Reason.VAGUE_GROUND in r.reasons


def test_a_vague_phrase_beside_a_designated_group_with_evidence_is_not_refused():
    r = check(item(ground="anti-state propaganda", group="TTP"))
    assert r.outcome is Outcome.ACCEPTED and Reason.VAGUE_GROUND not in r.reasons
    assert any("vague" in e for e in r.explanation)
    # ... but without evidence it goes back for evidence, still not refused
    r = check(item(ground="ملک دشمن", group="تحریک طالبان پاکستان", evidence=()))
    assert (r.outcome, r.reasons) == (Outcome.RETURNED, (Reason.NO_SPECIFIC_EVIDENCE,))


def test_ordinary_grounds_are_not_vague():
    for g in ("propaganda of a proscribed organisation", "recruitment for TTP",
              "international interest in the case"):
        assert not is_vague(g)


def test_a_protected_target_is_escalated_never_accepted():
    r = check(item(), account=acct("umar_media", verified=("journalist",)),
              protection="journalist")
    assert (r.outcome, r.reasons) == (Outcome.ESCALATED, (Reason.PROTECTED_TARGET,))


def test_an_unknown_account_is_returned():
    r = check_item(item(), GOV, None, None, LOOKUP)
    assert (r.outcome, r.reasons) == (Outcome.RETURNED, (Reason.UNKNOWN_ACCOUNT,))


def test_a_duplicate_of_an_open_item_is_refused_and_names_it():
    r = check(item(), duplicate_of="PTA-1#4")
    assert (r.outcome, r.reasons) == (Outcome.REFUSED, (Reason.DUPLICATE,))
    assert r.duplicate_of == "PTA-1#4"


def test_a_domestic_list_only_group_is_escalated_at_most():
    r = check(item(group="Balochistan Liberation Front"))  # listed by Pakistan alone
    assert (r.outcome, r.reasons) == (Outcome.ESCALATED, (Reason.DOMESTIC_LIST_ONLY,))
    r = check(item(group="BLA"))  # listed by the US and the UK as well
    assert r.outcome is Outcome.ACCEPTED


@pytest.mark.parametrize("group", ["TTP", "تحریک طالبان پاکستان", "Pakistani Taliban",
                                   "Umar Media", "ISKP", "ولاية خراسان"])
def test_groups_in_any_script_or_alias_resolve(group):
    assert check(item(group=group)).outcome is Outcome.ACCEPTED


def test_the_instrument_is_recorded():
    r = check(item(instrument="ATC Islamabad order 12/2025"))
    assert r.instrument == "ATC Islamabad order 12/2025"
    assert r.to_json()["instrument"] == "ATC Islamabad order 12/2025"


def test_evidence_references_are_read():
    assert classify("https://x.com/a/status/1").kind is RefKind.POST
    assert classify("t.me/channel/77").post_id == "77"
    assert classify("https://www.youtube.com/watch?v=abc").post_id == "abc"
    assert classify("md5:" + "a" * 32).kind is RefKind.MEDIA
    assert classify("https://x.com/a").kind is RefKind.PROFILE
    assert classify("https://example.org/leaflet.pdf").kind is RefKind.LINK
    assert classify("12345").kind is RefKind.POST


def _ctx(accounts: dict[tuple[str, str], Account], open_items: dict[str, str] | None = None,
         protected: frozenset[str] = frozenset()):
    return CheckContext(
        lookup=LOOKUP,
        find_account=lambda p, ref: accounts.get((p, ref.lstrip("@"))),
        protection=lambda a: "journalist" if a.account_id in protected else None,
        open_item=lambda a: (open_items or {}).get(a.account_id))


def test_duplicates_within_a_request_and_against_earlier_open_items():
    accounts = {("x", "a"): acct("a"), ("telegram", "a"): acct("a", "telegram"),
                ("x", "b"): acct("b")}
    ev = ("https://x.com/a/status/1",)
    items = (
        item(line=1, account="@a", evidence=ev),
        item(line=2, account="@a", evidence=ev),  # same account again: duplicate
        item(line=3, account="@a", platform="telegram", evidence=("t.me/a/9",)),  # other
        item(line=4, account="@b", evidence=("https://x.com/b/status/2",)),
    )
    req = ReferralRequest("R-2", GOV, T0, items)
    # the accounts are distinct objects per platform; "b" already has an open item elsewhere
    ctx = _ctx({**accounts, ("telegram", "a"): Account("id-a-tg", "a", T0, "active",
                                                       platform="telegram")},
               open_items={"id-b": "R-1#7"})
    out = check_request(req, ctx)
    assert [r.outcome for r in out] == [Outcome.ACCEPTED, Outcome.REFUSED, Outcome.ACCEPTED,
                                        Outcome.REFUSED]
    assert out[1].duplicate_of == "R-2#1" and out[3].duplicate_of == "R-1#7"
    assert any("also named on telegram" in e for e in out[0].explanation)


def test_a_returned_item_does_not_make_the_next_one_a_duplicate():
    accounts = {("x", "a"): acct("a")}
    req = ReferralRequest("R-3", GOV, T0, (
        item(line=1, account="@a", evidence=()),
        item(line=2, account="@a", evidence=("https://x.com/a/status/1",))))
    out = check_request(req, _ctx(accounts))
    assert [r.outcome for r in out] == [Outcome.RETURNED, Outcome.ACCEPTED]


# -- a journalist named in a government list is never accepted ----------------------------

_text = st.text(alphabet=st.sampled_from(list("abc -_/:.1اریس")), max_size=30)
_items = st.builds(
    ReferralItem, line=st.integers(1, 500), account=st.just("@journo"), platform=st.just("x"),
    group=st.sampled_from(["TTP", "BLA", "Balochistan Liberation Front", "", "ISKP",
                           "تحریک طالبان پاکستان", "Unknown Front", "Umar Media"]),
    ground=st.one_of(st.sampled_from(["anti-state", "propaganda", "ملک دشمن", ""]), _text),
    legal_basis=st.sampled_from(["", "ATA 1997 s.11W", "PECA 2016 s.37"]),
    instrument=st.sampled_from(["", "order 1"]),
    evidence=st.lists(st.sampled_from(["https://x.com/journo/status/1", "1", "md5:" + "b" * 32,
                                       "https://x.com/journo", "text here"]),
                      max_size=3).map(tuple))


@settings(max_examples=400, deadline=None)
@given(it=_items, requester=st.sampled_from([GOV, FLAGGER, Requester("public")]),
       category=st.sampled_from(["journalist", "news_organisation", "ngo", "official"]),
       dup=st.sampled_from([None, "R#1"]))
def test_a_journalist_is_never_accepted(it, requester, category, dup):
    journo = acct("journo", verified=(category,))
    r = check_item(it, requester, journo, category, LOOKUP, duplicate_of=dup)
    assert r.outcome is not Outcome.ACCEPTED
    assert Reason.PROTECTED_TARGET in r.reasons


def test_verdicts_that_count():
    assert Verdict.SPECIFIC.counts and Verdict.UNVERIFIED.counts
    assert not Verdict.NOT_FOUND.counts and not Verdict.OTHER_ACCOUNT.counts


def test_a_referral_file_refuses_oversized_or_nul_fields_and_future_receipt_by_item():
    from tarazu.referrals.parse import ReferralFileError, parse_json

    now = datetime(2025, 7, 25, tzinfo=UTC)
    good = {"account": "@umar", "group": "TTP", "evidence": ["p1"]}
    doc = {"request_id": "R", "requester": {"type": "government"}, "items": [
        good, {**good, "note": "n" * 50_000_000}, {**good, "ground": "a\x00b"},
        {**good, "evidence": ["e"] * 501}]}
    request, errors = parse_json(json.dumps(doc), now)
    assert [i.line for i in request.items] == [1]
    assert [(e.line, e.field) for e in errors] == [(2, "note"), (3, "ground"), (4, "evidence")]
    assert "50000000 characters" in errors[0].message
    with pytest.raises(ReferralFileError, match="received_at.*future"):
        parse_json(json.dumps({**doc, "received_at": "2099-01-01T00:00:00Z"}), now)
    with pytest.raises(ReferralFileError, match="requester"):
        parse_json(json.dumps({**doc, "requester": None}), now)
    assert parse_json(json.dumps({**doc, "requester": None}), now,
                      require_requester=False)[0].requester.type == "public"
