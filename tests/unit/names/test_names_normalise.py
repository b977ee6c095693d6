"""Normalisation undoes the disguises evaders use; each case here is one disguise."""

import importlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tarazu.names.normalise import normalise, skeleton_key, tokens, transliterate

# the module itself (the package's name ``normalise`` is the function)
steps = importlib.import_module("tarazu.names.normalise")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("@Umar_Med1a", "umar media"),  # handle marker, separator, leetspeak
        ("U.m.a.r·Media", "umar media"),  # spelt-out letters and a middle dot
        ("Umar\u200bMedia", "umarmedia"),  # zero-width space joins, it does not split
        ("ｕｍａｒ 𝐌𝐞𝐝𝐢𝐚", "umar media"),  # full-width and mathematical bold letters (NFKC)
        ("T\u0430liban", "taliban"),  # Cyrillic a inside a Latin word (TR39 confusable)
        ("\u0422\u0422\u0420", "ttp"),  # whole-script Cyrillic look-alike of "TTP"
        ("t@l1b4n 2021", "taliban 2021"),  # leetspeak folds, a bare number stays
        ("🔥TTP🔥 official", "ttp official"),  # emoji are separators, not words
        ("Dall'Oglio", "dalloglio"),  # apostrophes glue
        ("   ", ""),
    ],
)
def test_normalise_undoes_disguises(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_genuine_cyrillic_is_transliterated_not_folded() -> None:
    assert normalise("Шевченко") == "shevchenko"


def test_urdu_and_pashto_letters_are_transliterated() -> None:
    # ڈ (Urdu ddal) is not handled by ICU's Arabic-Latin; the local table covers it.
    assert normalise("عمر میڈیا") == "mr mydya"
    assert normalise("تحریک طالبان پاکستان") == "thryk talban pakstan"


def test_arabic_short_vowel_marks_are_ignored() -> None:
    assert normalise("تحریکِ طالبان") == normalise("تحریک طالبان")


def test_transliterate_keeps_latin_untouched() -> None:
    assert transliterate("Umar Media") == "Umar Media"


def test_skeleton_key_and_tokens() -> None:
    assert skeleton_key("@Umar_Med1a") == skeleton_key("umar.media") == "umarmedia"
    assert tokens("Tehreek-e-Taliban  Pakistan") == ["tehreek", "e", "taliban", "pakistan"]


def test_disguised_letters_names_each_lookalike_and_where_it_is() -> None:
    from tarazu.names.normalise import disguised_letters

    handle = "@\u0430\u0430sh\u043e\u043eb_m\u0435d\u0456\u0430.k\u0440"  # @ааshооb_mеdіа.kр
    found = disguised_letters(handle)
    assert [(i, latin) for i, _, latin in found] == [
        (1, "a"), (2, "a"), (5, "o"), (6, "o"), (10, "e"), (12, "i"), (13, "a"), (16, "p")]
    assert all(handle[i] == c for i, c, _ in found)
    assert disguised_letters("@aashoob_media.kp") == []
    real_cyrillic = "\u0428\u0435\u0432\u0447\u0435\u043d\u043a\u043e"
    assert disguised_letters(real_cyrillic) == []


# -- the shortcuts for plain text give what the general steps give --------------------------


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=30))
def test_ascii_separators_by_table_are_those_of_each_character(text):
    assert steps._separators_to_spaces(text) == steps._separators_to_spaces_each(text)


@given(st.text(alphabet="ab z0134579@$_.-", max_size=30))
def test_leetspeak_shortcut_folds_as_each_token_would(text):
    assert steps._fold_leet(text) == steps._fold_leet_tokens(text)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=30))
def test_an_ascii_token_has_no_look_alike_to_fold(text):
    for token in text.split():
        assert steps._fold_token(token) == steps._fold_token_each(token) == token
