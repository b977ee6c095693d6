"""Screening must find disguised names and must not act on people who only talk about a group."""

import pytest

from tarazu.designations.context import Stance, read_stance
from tarazu.designations.registry import default_registry
from tarazu.designations.screening import Screener


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(default_registry())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Umar Media official channel", "tarazu-umar-media"),
        ("@UmarMedia_0fficial", "tarazu-umar-media"),
        ("Official TTP media cell", "tarazu-ttp"),
        ("تحریک طالبان پاکستان کا آفیشل چینل", "tarazu-ttp"),
        ("T\u0435hrik-\u0435-Taliban Pakistan", "tarazu-ttp"),  # Cyrillic e
        ("Bal0chistan L1berati0n Army", "tarazu-bla"),
        ("M a j e e d B r i g a d e", "tarazu-bla"),
        ("ولاية خراسان", "tarazu-iskp"),
        ("ISKP official releases", "tarazu-iskp"),
        ("Baloch Liberation Front", "tarazu-blf"),
    ],
)
def test_designated_names_are_found(screener: Screener, text: str, expected: str) -> None:
    hit = screener.best(text)
    assert hit is not None and hit.designation_id == expected


@pytest.mark.parametrize(
    "text",
    [
        "Journalist covering TTP and militancy",
        "Researcher on BLA and Baloch politics",
        "Victims of TTP attacks: memorial page",
        "anti-ISKP citizens forum",
        "صحافی، تحریک طالبان پاکستان پر رپورٹنگ",
        "Pakistan Tehreek-e-Insaf official",
        "Tehreek-e-Labbaik Pakistan",  # delisted in 2021: no listing in force
        "Baloch Students Organisation",
        "Baloch Yakjehti Committee spokesperson",
        "bla bla bla",
        "BLA Architects Karachi",  # upper-case acronym without supporting context
        "Wilayat Hussain, cricket fan",
        "Umar Farooq, media student",
    ],
)
def test_mentions_other_parties_and_namesakes_are_not_actionable(screener: Screener,
                                                                 text: str) -> None:
    assert screener.best(text) is None


def test_mention_is_reported_with_reasons_but_not_actionable(screener: Screener) -> None:
    hits = screener.screen("Reporter covering Tehrik-e-Taliban Pakistan")
    assert hits and hits[0].designation_id == "tarazu-ttp"
    assert hits[0].stance is Stance.MENTION and not hits[0].actionable
    assert any("mention context" in r for r in hits[0].reasons)


def test_media_wing_hit_names_its_parent(screener: Screener) -> None:
    hit = screener.best("Umar Media")
    assert hit is not None and hit.root_id == "tarazu-ttp"
    assert hit.as_dict()["alias"] == "Umar Media"


def test_domestic_only_flag_travels_with_the_hit(screener: Screener) -> None:
    hit = screener.best("Balochistan Liberation Front official")
    assert hit is not None and hit.domestic_list_only


def test_stance_cues_in_roman_urdu_and_urdu() -> None:
    assert read_stance("TTP ke khilaf awaam").stance is Stance.MENTION
    assert read_stance("ترجمان").stance is Stance.CLAIM
    assert read_stance("Cricket updates").stance is Stance.NEUTRAL
