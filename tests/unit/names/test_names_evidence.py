"""The evidence behind the comparator: rigour symbols (number words, legal forms, romanisation),
initials, "Surname, Given" order, words run together, and schema-specific penalties."""

import pytest

from tarazu.names.compare import (
    DEFAULT_THRESHOLD,
    LogisticNameMatcher,
    compare_names,
    name_similarity,
)
from tarazu.names.features import name_evidence, pair_values
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


def test_schema_table_agrees_with_followthemoney() -> None:
    """`name_kind` avoids importing followthemoney's model; its table must say what
    followthemoney says for every schema."""
    from followthemoney import model
    from followthemoney.names import schema_type_tag
    from rigour.names import NameTypeTag

    for schema in model.schemata.values():
        tag = schema_type_tag(schema)
        expected = tag if tag in (NameTypeTag.PER, NameTypeTag.ORG) else NameTypeTag.ENT
        assert name_kind(schema.name) == expected, schema.name


@pytest.mark.parametrize(
    ("a", "b", "schema"),
    [
        ("Mao Tse-tung", "Mao Zedong", None),  # a romanisation lifts 0.01 to 0.98
        ("Tse-tung Mao", "Mao Zedong", None),  # below the band, anchored by "mao"
        ("Bill Gates", "William Henry Gates", None),  # a nickname, anchored by "gates"
        ("Omar Mediani", "Umar Media", None),  # the tagger lowers this one below 0.8
        ("ABD EL KADER MAHMOUD AHMED EL SAYED", "ABD EL KADER MAHMOUD MOHAMED EL SAYED", None),
        ("Sanjay Mehta", "Ross Ah Tow", None),  # unrelated: skipped, same score
        ("Vladimir Putin", "Putin, Vladimir", "Person"),  # no word differs: skipped
        ("Vodafone Limited", "Vodafone Ltd", "Company"),  # organisations: no person tagger
    ],
)
def test_person_tagger_shortcut_keeps_the_score(a: str, b: str, schema: str | None) -> None:
    """The comparator skips rigour's person tagger (8-11 s to build) when it cannot change
    the outcome; where it is asked or cannot matter, the score is the one it would give."""
    matcher = LogisticNameMatcher()
    always = matcher.compare(a, b, schema, person_names=True)
    assert matcher.compare(a, b, schema) == always


def test_without_person_tagger_romanisations_are_not_known() -> None:
    matcher = LogisticNameMatcher()
    assert matcher.compare("Mao Tse-tung", "Mao Zedong", person_names=False).score < 0.1
    assert not pair_by_symbols(["hsi", "jinping"], ["xi", "jinping"], person_names=False).pairs
    # Numbers and legal forms come from the cheap organisation tagger and stay.
    rw = pair_by_symbols(["brigade", "forty", "four"], ["brigade", "44"], person_names=False)
    assert rw.left == ["brigade", "44"]


@pytest.mark.parametrize(
    ("a", "b", "schema"),
    [
        ("Mao Tse-tung", "Mao Zedong", "Person"),
        ("Bill Gates", "William Henry Gates", None),
        ("J. Smith", "John Smith", None),
        ("Fund III", "Fund 3", None),
        ("Crystalord Systems Limited", "Crystalord Ltd", "Company"),
        ("FridrichBuchenberg", "Friedrich Buchenberg", None),
        ("تحریک طالبان پاکستان", "Tehreek-e-Taliban Pakistan", None),
        ("Salman bin Muhammad al-Rawi", "Muhammad bin Salman al-Rawi", "Person"),
    ],
)
def test_score_without_explanation_is_the_explained_score(a: str, b: str,
                                                          schema: str | None) -> None:
    """`name_similarity` skips what only an explanation reads; it must skip nothing the
    score rests on, and its feature values must be `NameFeatures` in field order."""
    assert name_similarity(a, b, schema) == compare_names(a, b, schema).score
    for person_names in (False, True):
        ev = name_evidence(a, b, schema, person_names=person_names)
        values = pair_values(a, b, schema, person_names=person_names)
        assert values.values == tuple(ev.features.as_vector())
        assert values.matches == [(m.left, m.right, m.score) for m in ev.matches]
