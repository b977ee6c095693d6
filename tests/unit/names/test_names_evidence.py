"""The evidence behind the comparator: rigour symbols (number words, legal forms, romanisation),
initials, "Surname, Given" order, words run together, and schema-specific penalties."""

import pytest

from tarazu.names.compare import DEFAULT_THRESHOLD, compare_names, name_similarity
from tarazu.names.features import name_evidence
from tarazu.names.symbols import name_kind, pair_by_symbols


def test_number_words_become_digits() -> None:
    rw = pair_by_symbols(["brigade", "forty", "four"], ["brigade", "44"])
    assert rw.left == ["brigade", "44"]
    assert [p.category for p in rw.pairs] == ["same number"]
    c = compare_names("Brigade Forty-Four", "Brigade 44")
    assert c.score >= 0.9
    assert any("'forty four' = '44'" in r for r in c.reasons)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Vodafone Limited", "Vodafone Ltd"),
        ("Microsoft Corporation", "Microsoft Corp."),
        ("Volkswagen Gesellschaft mit beschränkter Haftung", "Volkswagen GmbH"),
        ("OAO Gazprom", "Open Joint Stock Company Gazprom"),
    ],
)
def test_legal_forms_are_neutralised(a: str, b: str) -> None:
    assert name_similarity(a, b, "Company") >= 0.9
    assert name_similarity(a, b) >= 0.9  # and without a schema


def test_legal_form_rewrite_is_explained() -> None:
    reasons = compare_names("Vodafone Limited", "Vodafone Ltd").reasons
    assert any(r.startswith("legal form unified") for r in reasons)


def test_initials_stand_for_a_name_only_when_something_else_matches() -> None:
    c = compare_names("V. Putin", "Vladimir Putin", "Person")
    assert c.score >= 0.9
    assert "initial 'v' stands for 'vladimir'" in c.reasons
    assert name_similarity("J. Smith", "John Smith") >= DEFAULT_THRESHOLD
    # Two initials anchor nothing; a different initial is no match either.
    assert name_similarity("N.N.", "Nursultan Nazarbayev", "Person") < DEFAULT_THRESHOLD
    assert name_evidence("N.N.", "Nursultan Nazarbayev").initials == ()
    assert name_similarity("Hans O Friedrich", "Hans Joachim Friedrich") < DEFAULT_THRESHOLD


def test_romanisation_variants_known_to_rigour() -> None:
    c = compare_names("Mao Tse-tung", "Mao Zedong", "Person")
    assert c.score >= DEFAULT_THRESHOLD
    assert any("same name" in r for r in c.reasons)


def test_surname_comma_given_is_put_in_reading_order() -> None:
    c = compare_names("Putin, Vladimir", "Vladimir Putin", "Person")
    assert c.score >= 0.9
    assert any("given name(s) then surname" in r for r in c.reasons)
    # An organisation's comma precedes its legal form and is left alone.
    assert not any("surname" in r for r in
                   compare_names("Bowne Global Solutions, Inc.", "Bowne Global Solutions").reasons)


def test_words_run_together_or_split() -> None:
    assert name_similarity("FridrichBuchenberg", "Friedrich Buchenberg", "Person") >= 0.9
    assert "friedrichbuchenberg" in name_evidence("FridrichBuchenberg",
                                                  "Friedrich Buchenberg").joined


def test_a_surname_several_edits_away_is_another_person() -> None:
    assert name_similarity("Alexander Lukashevich", "Alexander Lukashenko",
                           "Person") < DEFAULT_THRESHOLD
    assert name_similarity("Alexandr Lukashnko", "Alexander Lukashenko",
                           "Person") >= DEFAULT_THRESHOLD


def test_schema_selects_the_tagger_and_the_penalties() -> None:
    assert name_kind("Person") != name_kind("Company")
    assert name_kind("Company") == name_kind("Organization")
    assert name_kind(None) == name_kind("NotASchema") == name_kind("Vessel")
    person = name_evidence("Salman bin Muhammad al-Rawi", "Muhammad bin Salman al-Rawi",
                           "Person").features
    assert person.person == 1.0 and person.person_reordered == 1.0
    unknown = name_evidence("Salman bin Muhammad al-Rawi", "Muhammad bin Salman al-Rawi").features
    assert unknown.person == 0.0 and unknown.person_reordered == 0.0
    # An extra word in a company name counts against a match only when we know it is one.
    org = name_evidence("Crystalord Systems Limited", "Crystalord Ltd", "Company").features
    assert org.org_extra == 0.5  # one extra word ("systems"), capped at two
    assert name_evidence("Crystalord Systems Limited", "Crystalord Ltd").features.org_extra == 0
    assert (name_similarity("Crystalord Systems Limited", "Crystalord Ltd", "Company")
            < name_similarity("Crystalord Systems Limited", "Crystalord Ltd"))


def test_legal_form_alone_is_not_an_extra_word() -> None:
    f = name_evidence("Iskusstvo Krasoty", "LIMITED LIABILITY COMPANY ISKUSSTVO KRASOTY",
                      "Company").features
    assert f.extra_words == 0.0
    assert name_similarity("Iskusstvo Krasoty", "LIMITED LIABILITY COMPANY ISKUSSTVO KRASOTY",
                           "Company") >= DEFAULT_THRESHOLD
