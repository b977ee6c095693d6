"""Names from outside reach a notice as plain text: no markup, no control or
direction-changing characters, in English and Urdu; and the intake rule for such names."""

import pytest

from tarazu.domain.notices import render_decision
from tarazu.domain.policies import Action
from tarazu.domain.statement import build_statement
from tarazu.domain.text import name_problem, plain

HOSTILE = "Agency <script>alert(1)</script>\u202e\x00 / PK"


@pytest.mark.parametrize("language", ["en", "ur"])
def test_a_hostile_agency_name_cannot_put_markup_into_a_notice(language):
    s = build_statement(action=Action.LABEL, policy="DOI-1", facts="<b>facts</b>",
                        automated_detection=False, automated_decision=False,
                        government_request=HOSTILE, evidence=["x:<img src=x>"])
    body = render_decision(s, language, "https://tarazu.example/appeal/T").body
    assert "<" not in body and ">" not in body
    assert "\u202e" not in body and "\x00" not in body
    assert "Agency \u2039script\u203aalert(1)" in body  # still readable


def test_names_are_plain_printable_and_bounded():
    assert name_problem("Federal Investigation Agency") is None
    assert name_problem("وزارت\u200cداخلہ") is None  # the joiner Urdu spelling needs
    assert "markup" in name_problem("A <b>B</b>")
    assert "U+202E" in name_problem("FIA\u202eAP")
    assert "U+200B" in name_problem("F\u200bIA")
    assert "at most 200" in name_problem("A" * 201)
    assert name_problem("  ") == "is required"
    assert plain("a\nb\x07<c>") == "a\nb\u2039c\u203a"
