"""Notices in English and Urdu: every element of the statement of reasons, right to left for
Urdu, the government named unless a legal bar forbids it, and the appeal link."""

import pytest

from tarazu.domain.notices import render_decision, render_outcome
from tarazu.domain.policies import Action
from tarazu.domain.statement import StatementOfReasons, build_statement

URL = "https://tarazu.example/appeal/TOKEN"


def statement(**kw):
    base = dict(action=Action.RESTRICT_COUNTRY, policy="LOC-1", facts="Withheld under an order.",
                automated_detection=True, automated_decision=False,
                government_request="Ministry of Interior / PK", country="PK",
                evidence=["x:p1"], detection=["government", "automated"], subject_type="post")
    return build_statement(**{**base, **kw})


def test_english_notice_names_what_rule_detection_government_and_appeal():
    n = render_decision(statement(), "en", URL)
    assert n.direction == "ltr"
    for part in ("withheld in PK only", "LOC-1", "Withheld under an order.", "x:p1",
                 "a referral from a government authority and automated detection",
                 "taken by a person", "Ministry of Interior / PK", URL, "6 months"):
        assert part in n.body, part


def test_urdu_notice_is_right_to_left_and_complete():
    n = render_decision(statement(), "ur", URL)
    assert n.direction == "rtl" and n.language == "ur"
    for part in ("آپ کی پوسٹ", "صرف PK میں", "مقامی قانون", "سرکاری ادارے", "اپیل", URL,
                 "Ministry of Interior / PK"):
        assert part in n.body, part
    assert "Your" not in n.body


def test_a_legal_bar_keeps_the_authority_unnamed_in_both_languages():
    s = statement(government_request=None, government_involved=True)
    assert "does not allow us to name it" in render_decision(s, "en", URL).body
    assert "نام بتانے کی اجازت نہیں" in render_decision(s, "ur", URL).body
    none = statement(government_request=None, government_involved=False,
                     detection=["public"])
    assert "No government asked us to act." in render_decision(none, "en", URL).body


def test_statement_round_trips_and_unknown_language_is_an_error():
    s = statement()
    assert StatementOfReasons.from_dict(s.to_dict()) == s
    old = {"action": "label", "policy": "DOI-1", "facts": "f"}  # stored by an older version
    assert StatementOfReasons.from_dict(old).detection == ()
    with pytest.raises(ValueError, match="no notice templates"):
        render_decision(s, "fr", URL)
    o = render_outcome("upheld", "ur", subject_type="account", reason="وجہ", decision_ref="tz-1")
    assert "برقرار" in o.body and o.direction == "rtl"
