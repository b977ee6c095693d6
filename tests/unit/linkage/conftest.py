"""Synthetic accounts for the linkage tests: a TTP media account removed, its mirror, other
removed accounts of the group, and a journalist who covers the group."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tarazu.domain.platform import Account, Media, Post

T0 = datetime(2025, 7, 25, 10, 0, tzinfo=UTC)
AVATAR = "f" * 32 + "0" * 32
AVATAR_NEAR = "f" * 31 + "e" + "0" * 32  # 1 bit away


def acct(account_id: str, handle: str, *, status: str = "active", created: datetime = T0,
         removed: datetime | None = None, **kw) -> Account:
    return Account(account_id=account_id, handle=handle, created_at=created, status=status,
                   removed_at=removed, **kw)


def posts(account_id: str, texts: list[str], start: datetime, *, step: timedelta = timedelta(
        minutes=30), **kw) -> list[Post]:
    return [Post(post_id=f"{account_id}:{i}", account_id=account_id,
                 created_at=start + i * step, text=t, **kw) for i, t in enumerate(texts)]


#: Neutral placeholders for a designated group's posts (never real propaganda): they share
#: names and places, which is what the comparators need.
TTP_TEXTS = [
    "[placeholder] Umar Media bulletin: statement attributed to the group about Bannu district",
    "[placeholder] Umar Media bulletin: claim attributed to the group about North Waziristan",
    "[placeholder] statement attributed to spokesman Muhammad Khurasani about Khyber district",
    "[placeholder] Umar Media video release attributed to the group, mountains of Bajaur",
]
NEWS_TEXTS = [
    "Analysis: why the TTP claims of attacks in Bannu deserve scrutiny #TTP #Pakistan",
    "Reporting from Peshawar on the security situation after TTP statements #TTP",
    "The TTP's Umar Media outlet issued another claim today; officials dispute it #Pakistan",
    "Interview with residents of North Waziristan about the checkpoint attack #TTP",
]


@pytest.fixture
def scenario() -> dict:
    removed_at = T0
    src = acct("r:umar", "umar_media_official", status="removed", created=T0 - timedelta(days=200),
               removed=removed_at, display_name="Umar Media", bio="Official channel of Umar Media",
               links=("https://t.me/umarmedia",), avatar_pdq=AVATAR,
               identifiers={"device": "d-111", "ip_prefix": "10.1"})
    others = [
        acct(f"r:other{i}", f"khorasan_news_{i}", status="removed",
             created=T0 - timedelta(days=300), removed=T0 - timedelta(days=40 + i),
             bio="[placeholder] news channel of the group", links=(f"https://t.me/khnews{i}",))
        for i in range(5)
    ]
    mirror = acct("a:mirror", "umar_med1a_2", created=removed_at + timedelta(minutes=7),
                  display_name="Umar Media", bio="Official channel of Umar Media",
                  links=("t.me/s/UmarMedia",), avatar_pdq=AVATAR_NEAR,
                  identifiers={"device": "d-111", "email": "e-9"})
    journalist = acct("a:journalist", "pak_security_desk", created=T0 - timedelta(days=900),
                      display_name="Security Desk", bio="Journalist covering militancy",
                      links=("https://www.dawn.com/authors/desk",),
                      verified_categories=("journalist",))
    unverified = acct("a:freelance", "freelance_reporter", created=T0 - timedelta(days=800),
                      bio="Freelance reporter")
    bystander = acct("a:cats", "cat_pictures_daily", created=T0 - timedelta(days=30),
                     bio="cats every day")
    ps = (
        posts("r:umar", TTP_TEXTS * 3, T0 - timedelta(days=2), hashtags=("TTP", "UmarMedia"))
        + posts("a:mirror", TTP_TEXTS[:3], removed_at + timedelta(minutes=8),
                hashtags=("TTP", "UmarMedia"),
                media=(Media(pdq=AVATAR, md5="a" * 32),))
        + posts("a:journalist", NEWS_TEXTS * 2, T0 - timedelta(days=1),
                hashtags=("TTP", "Pakistan"), mentions=("umar_media_official",))
        + posts("a:freelance", NEWS_TEXTS, T0 + timedelta(hours=2), hashtags=("TTP", "Pakistan"))
        + posts("a:cats", ["my cat sleeps", "another cat photo"], T0 + timedelta(hours=1))
    )
    for i, o in enumerate(others):
        ps += posts(o.account_id, TTP_TEXTS[i % 4 : i % 4 + 2], o.removed_at - timedelta(days=1),
                    hashtags=("TTP",))
    return {"accounts": [src, *others, mirror, journalist, unverified, bystander], "posts": ps,
            "src": src, "mirror": mirror, "journalist": journalist, "unverified": unverified}


def operator_draw(seed: int, folder):  # -> (ScenarioFiles, MirrorLinker, active profiles)
    """A small generated draw where each operator ran several removed accounts (three
    operators a group), half the mirrors careful and a third seen only at sign-up: the
    removed accounts loaded into a linker with the self-fit's start model."""
    from tarazu.demo.scenario import Knobs, ScenarioSize, generate
    from tarazu.interchange import load_records
    from tarazu.linkage import LinkerConfig, MirrorLinker
    from tarazu.linkage.selffit import self_fit_start

    files = generate(seed, folder, ScenarioSize(group_active=60, removed=30, protected=30,
                                                namesakes=15, fans=30, ordinary=60,
                                                referrals=10),
                     knobs=Knobs(signup_only_share=0.3, careful_share=0.5,
                                 operators_per_group=3, group_logo_share=0.7,
                                 group_channel_share=0.7, persona_name_share=0.4))
    accounts, posts, _ = load_records(files.data)
    linker = MirrorLinker(self_fit_start(), LinkerConfig())
    return files, linker, linker.load(accounts, posts)
