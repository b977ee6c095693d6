"""The comparator must join transliteration and script variants and keep look-alike
organisation names (the hard negatives of this field) apart."""

import pytest

from tarazu.names.compare import (
    DEFAULT_THRESHOLD,
    LogisticNameMatcher,
    compare_names,
    get_algorithm,
    name_similarity,
)
from tarazu.names.phonetic import consonant_skeleton


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Tehreek-e-Taliban Pakistan", "Tehrik-i-Taleban Pakistan"),
        ("تحریک طالبان پاکستان", "Tehrik-e-Taliban Pakistan"),
        ("ولایت خراسان", "Wilayat Khorasan"),
        ("عمر میڈیا", "Umar Media"),
        ("@Umar_Med1a", "Umar Media"),
        ("Siemens Aktiengesellschaft", "Siemens AG"),
        ("Hans J Friedrich", "Hans Joachim Friedrich"),
    ],
)
def test_variants_match(a: str, b: str) -> None:
    assert name_similarity(a, b) >= DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Pakistan Tehreek-e-Insaf", "Tehrik-e-Taliban Pakistan"),
        ("Tehreek-e-Labbaik Pakistan", "Tehrik-e-Taliban Pakistan"),
        ("Baloch Students Organisation", "Baloch Liberation Army"),
        ("Balochistan National Party", "Balochistan Liberation Front"),
        ("Olaf Schulze", "Angela Merkel"),
    ],
)
def test_hard_negatives_do_not_match(a: str, b: str) -> None:
    assert name_similarity(a, b) < DEFAULT_THRESHOLD


def test_score_is_bounded_and_symmetric_enough() -> None:
    ab, ba = name_similarity("Taliban", "Taleban"), name_similarity("Taleban", "Taliban")
    assert 0.0 <= ab <= 1.0
    assert abs(ab - ba) < 0.05


def test_comparison_explains_itself() -> None:
    c = compare_names("Tehreek-e-Taliban", "Tehrik-e-Taliban")
    assert c.left == "tehreek e taliban"
    assert any(m.left == "tehreek" and m.right == "tehrik" for m in c.matched_tokens)
    assert any("tehreek" in r for r in c.reasons)
    assert compare_names("", "TTP").score == 0.0


def test_consonant_skeleton_joins_spelling_variants() -> None:
    assert consonant_skeleton("tehreek") == consonant_skeleton("tahrik") == "trk"
    assert consonant_skeleton("taliban") == consonant_skeleton("taleban")
    assert consonant_skeleton("insaf") != consonant_skeleton("taliban")


def test_registry_and_config_are_documented() -> None:
    algo = get_algorithm("tarazu_names_v1")
    docs = algo.get_docs()
    assert docs["name"] == "tarazu_names_v1"
    assert "threshold" in docs["config"]
    with pytest.raises(ValueError):
        LogisticNameMatcher(not_a_setting=1.0)
    strict = LogisticNameMatcher(threshold=0.99)
    assert strict.config["threshold"] == 0.99
