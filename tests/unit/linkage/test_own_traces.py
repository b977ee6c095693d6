"""Evidence about the operator, not the group: accounts of one group share a logo, a channel
link, hashtags and an audience; only what one removed account alone left may say *which* of
them came back. The ranking tests go through the linker with the expert model, so they hold
whatever comparators do the work."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tarazu.domain.platform import Media
from tarazu.linkage import MirrorLinker, expert_model
from tarazu.linkage.comparators import get_comparator
from tarazu.linkage.corpus import Corpus
from tarazu.linkage.profile import build_profile

from .conftest import T0, acct, posts

LOGO = "ab" * 32
LOGO_NEAR = "ab" * 31 + "aa"  # 1 bit away: the logo re-encoded
CHANNEL = "https://t.me/umar_media_official"
WAVE = T0  # one takedown removed the whole group at once
GROUP_TEXTS = [
    "[placeholder] Umar Media bulletin: statement attributed to the group about Bannu",
    "[placeholder] Umar Media bulletin: claim attributed to the group about Khyber",
]


def _pic(i: int) -> str:
    """A picture of one account only, far from the logo and from each other."""
    return f"{i:02x}" * 8 + "0123456789abcdef" * 3


def _group(n_removed: int = 6, n_active: int = 12):
    """Removed and active accounts of one group, all with the group's logo as avatar, its
    channel in their profile, its name, its bio template and its hashtag, following its
    leaders; each removed one with a device and a followee of its own."""
    leaders = [f"leader{i}" for i in range(4)]
    removed = [
        acct(f"r:{i}", f"umar_media_{place}", status="removed", created=T0 - timedelta(days=300),
             removed=WAVE, display_name="Umar Media", bio="Umar Media official channel",
             links=(CHANNEL,), avatar_pdq=LOGO_NEAR if i % 2 else LOGO,
             identifiers={"device": f"dev-{i}"},
             following=(*leaders, f"own-friend-{i}"))
        for i, place in enumerate(("bannu", "swat", "khyber", "tank", "kurram", "orakzai")[
            :n_removed])
    ]
    actives = [
        acct(f"g:{i}", f"umar_media_fan{i}", created=T0 - timedelta(days=200 + i),
             display_name="Umar Media", bio="Umar Media official channel", links=(CHANNEL,),
             avatar_pdq=LOGO, identifiers={"device": f"fan-dev-{i}"}, following=tuple(leaders))
        for i in range(n_active)
    ]
    ps = []
    for a in [*removed, *actives]:
        ps += posts(a.account_id, GROUP_TEXTS, T0 - timedelta(days=3), hashtags=("UmarMedia",),
                    media=(Media(pdq=LOGO),))
    return removed, actives, ps


def _rank(accounts, ps, who: str):
    linker = MirrorLinker(expert_model())
    results = linker.link_all(accounts, ps, top_k=10)[who]
    return [r.removed_id for r in results], results, linker


def test_signup_only_mirror_is_ranked_first_on_its_own_traces():
    """No posts, no follows: handle, name, bio, avatar, link, device and sign-up time only.
    Every removed account of the group shares the logo, the channel, the name and the bio;
    the one that came back changed its avatar to the logo (it had its own picture) and kept
    its device. Its rivals hold more of what the group shares than it does."""
    removed, actives, ps = _group()
    own = removed[3]
    own = acct(own.account_id, own.handle, status="removed", created=own.created_at,
               removed=WAVE, display_name="Umar Media Tank", bio="Umar Media official channel",
               links=(), avatar_pdq=_pic(3), identifiers={"device": "dev-3"},
               following=own.following)
    removed[3] = own
    mirror = acct("a:mirror", "voice_of_tank_77", created=WAVE + timedelta(minutes=25),
                  display_name="Umar Media", bio="Umar Media official channel",
                  links=(CHANNEL,), avatar_pdq=LOGO, identifiers={"device": "dev-3"})
    ranked, results, _ = _rank([*removed, *actives, mirror], ps, "a:mirror")
    assert ranked[0] == own.account_id, [(r.removed_id, round(r.total, 1)) for r in results]


def test_signup_only_mirror_is_first_by_its_edited_handle_not_a_shared_device():
    """The same group, every removed account's handle built on the group's stem. The mirror's
    handle is its own with leetspeak and a suffix; it signed up on a phone that a rival and a
    dozen of the group's accounts also use (a shared phone: a device many accounts hold says
    little). Neither the stem nor that phone may outweigh its own handle."""
    removed, actives, ps = _group()
    farm = {"device": "shared-phone"}
    removed[1] = acct("r:1", removed[1].handle, status="removed", created=removed[1].created_at,
                      removed=WAVE, display_name="Umar Media", bio="Umar Media official channel",
                      links=(CHANNEL,), avatar_pdq=LOGO, identifiers=farm)
    actives = [acct(a.account_id, a.handle, created=a.created_at, display_name=a.display_name,
                    bio=a.bio, links=a.links, avatar_pdq=a.avatar_pdq, identifiers=farm)
               for a in actives]
    mirror = acct("a:mirror", "umar_med1a_kurr4m_back", created=WAVE + timedelta(minutes=25),
                  display_name="Umar Media", bio="Umar Media official channel",
                  links=(CHANNEL,), avatar_pdq=LOGO, identifiers=farm)
    ranked, results, _ = _rank([*removed, *actives, mirror], ps, "a:mirror")
    assert ranked[0] == "r:4", [(r.removed_id, round(r.total, 1)) for r in results]


def test_rare_shared_followee_outweighs_a_group_wide_one():
    """The new account follows one account that only removed account A followed, and one
    leader that the whole group follows. B follows nothing but that leader (so B's plain
    Jaccard overlap is the larger); A must rank above B."""
    leader = "leader0"
    a = acct("r:a", "first_account_aa", status="removed", created=T0 - timedelta(days=300),
             removed=WAVE, following=("rare-friend", "x1", "x2", "x3", "x4"))
    b = acct("r:b", "second_account_bb", status="removed", created=T0 - timedelta(days=300),
             removed=WAVE, following=(leader,))
    crowd = [acct(f"g:{i}", f"sympathiser_{i:02d}", created=T0 - timedelta(days=100),
                  following=(leader,)) for i in range(30)]
    new = acct("a:new", "quite_other_name", created=WAVE + timedelta(minutes=30),
               following=("rare-friend", leader))
    ranked, results, linker = _rank([a, b, *crowd, new], [], "a:new")
    assert ranked.index("r:a") < ranked.index("r:b"), [
        (r.removed_id, round(r.total, 1)) for r in results]
    by_id = {r.removed_id: r for r in results}
    circle = {r.removed_id: sum(s.weight for s in r.signals if s.family == "network")
              for r in by_id.values()}
    assert circle["r:a"] > circle["r:b"]


def test_journalist_covering_the_group_is_not_flagged_as_its_mirror():
    """A journalist follows the group's accounts, uses its hashtag, posts its logo in news
    coverage and links its channel: all things the whole group shares. Nothing of any one
    removed account's own: no candidate may reach the review threshold. Her account is weeks
    newer than the removals (one that predates them is never their candidate at all, below;
    one made minutes after a takedown is itself evidence, which is for reviewers to weigh)."""
    removed, actives, ps = _group()
    journalist = acct(
        "a:journalist", "kp_security_reporter", created=WAVE + timedelta(days=20),
        display_name="Sana Khattak", bio="Journalist covering militancy in KP",
        links=("https://www.dawn.com/authors/sana", CHANNEL), avatar_pdq=_pic(40),
        identifiers={"device": "press-phone"}, verified_categories=("journalist",),
        following=("leader0", "leader1", "leader2", "g:0", "g:1", "r:0", "r:2"))
    news = [
        "Umar Media issued a statement attributed to the group about Bannu; officials deny it",
        "Reporting from Khyber on the group's latest claim and the official response",
        "Analysis of the Umar Media bulletin about Bannu and what residents say",
    ]
    ps = ps + posts("a:journalist", news, WAVE + timedelta(hours=2), hashtags=("UmarMedia",),
                    media=(Media(pdq=LOGO_NEAR),))
    _, results, linker = _rank([*removed, *actives, journalist], ps, "a:journalist")
    review = linker.model.thresholds.review
    assert results, "the journalist has candidates (the test would be vacuous otherwise)"
    assert all(r.probability < review for r in results), [
        (r.removed_id, round(r.probability, 3)) for r in results[:3]]
    veteran = replace(journalist, account_id="a:veteran", handle="kp_reporter_since_2023",
                      created_at=T0 - timedelta(days=900))
    _, results, _ = _rank([*removed, *actives, veteran], ps, "a:veteran")
    assert results == []  # she was there before the removals: no removed account's mirror


# --- the comparators themselves ------------------------------------------------------------

def _profiles_with_holders(kind: str, holders: int):
    """A removed account and a new one sharing one value of ``kind``, which ``holders``
    accounts in all hold."""
    field = {"device": lambda v: {"identifiers": {"device": v}},
             "link": lambda v: {"links": (v,)},
             "follow": lambda v: {"following": (v,)}}[kind]
    value = "https://t.me/shared_thing" if kind == "link" else "shared-thing"
    removed = build_profile(acct("r:1", "aaaa_one", status="removed", removed=WAVE,
                                 **field(value)))
    new = build_profile(acct("a:1", "bbbb_two", **field(value)))
    corpus = Corpus()
    for p in (removed, new):
        corpus.add(p)
    for i in range(holders - 2):
        corpus.add(build_profile(acct(f"o:{i}", f"other_{i}", **field(value))))
    return new, removed, corpus


@settings(max_examples=25, deadline=None)
@given(kind=st.sampled_from(["device", "link", "follow"]), few=st.integers(2, 6),
       more=st.integers(1, 60))
def test_a_shared_value_weighs_no_more_when_more_accounts_hold_it(kind, few, more):
    name = {"device": "own_identifiers", "link": "own_links", "follow": "own_circle"}[kind]
    model = expert_model()
    spec = model.spec(name)
    comp = get_comparator(name)

    def weight(holders: int) -> float:
        new, removed, corpus = _profiles_with_holders(kind, holders)
        r = comp.compare(new, removed, corpus)
        return spec.levels[r.level].weight

    assert weight(few + more) <= weight(few)


def test_a_device_two_accounts_share_is_strong_one_a_hundred_share_is_not():
    strong = _profiles_with_holders("device", 2)
    weak = _profiles_with_holders("device", 100)
    comp = get_comparator("own_identifiers")
    spec = expert_model().spec("own_identifiers")
    w_strong = spec.levels[comp.compare(*strong).level].weight
    w_weak = spec.levels[comp.compare(*weak).level].weight
    assert w_strong > 10 > 5 > w_weak


def test_own_handle_sees_through_leetspeak_and_confusables():
    comp = get_comparator("own_handle")
    removed = build_profile(acct("r:1", "umar_media_kurram", status="removed", removed=WAVE))
    for handle in ("umar_med1a_kurr4m", "umаr_mеdia_kurram_2"):  # leet; Cyrillic а, е
        new = build_profile(acct("a:1", handle))
        r = comp.compare(new, removed, Corpus())
        assert r.label in ("same handle key", "its handle with a small edit"), (handle, r)


def test_script_mix_tells_roman_urdu_from_urdu_script():
    comp = get_comparator("script_mix")
    roman = build_profile(acct("a:1", "one"), posts("a:1", ["kya haal hai bhai"], T0))
    urdu = build_profile(acct("r:1", "two", status="removed", removed=WAVE),
                         posts("r:1", ["کیا حال ہے بھائی"], T0))
    roman2 = build_profile(acct("r:2", "three", status="removed", removed=WAVE),
                           posts("r:2", ["sab theek hai yaar"], T0))
    assert comp.compare(roman, urdu, Corpus()).label == "different script mix"
    assert comp.compare(roman, roman2, Corpus()).label == "same script mix"


def test_a_near_match_to_the_groups_name_is_not_the_operators_name():
    """"Umar Media Bannu" against a new "Umar Media", a name a dozen accounts use: the group's
    name again, weaker than the same rare name."""
    comp = get_comparator("own_name")
    spec = expert_model().spec("own_name")
    corpus = Corpus()
    crowd = [build_profile(acct(f"g:{i}", f"fan_{i}", display_name="Umar Media"))
             for i in range(12)]
    removed = build_profile(acct("r:1", "one", status="removed", removed=WAVE,
                                 display_name="Umar Media Bannu"))
    new = build_profile(acct("a:1", "two", display_name="Umar Media"))
    rare_removed = build_profile(acct("r:2", "three", status="removed", removed=WAVE,
                                      display_name="Gul Bahadur Wazir"))
    rare_new = build_profile(acct("a:2", "four", display_name="Gul Bahadur Wazir"))
    for p in (*crowd, removed, new, rare_removed, rare_new):
        corpus.add(p)
    common = comp.compare(new, removed, corpus)
    rare = comp.compare(rare_new, rare_removed, corpus)
    assert common.label == "its name or a near one, which many accounts use", common
    assert rare.label == "its name, few others use it", rare
    assert spec.levels[common.level].weight < spec.levels[rare.level].weight


#: Two operators of one group, each with a writing habit of its own: favourite function
#: words, a sign-off, an emoji and a run of punctuation (placeholders, never real posts).
VOICES = {
    "r:0": ("aur ke bhi", "khuda hafiz", "🌙", "!!"),
    "r:1": ("ki se mein", "mazeed jald", "⭐", "..."),
    "r:2": ("ye par hai", "jari hai", "🔥", " ::"),
    "r:3": ("aur se par", "khuda hafiz", "✅", "..."),
}


def _voiced(removed):
    """Posts for the removed accounts, each written in its operator's voice around the
    group's bulletin."""
    ps = []
    for r in removed:
        fw, signoff, emoji, punct = VOICES[r.account_id]
        texts = [f"{g} {fw}{punct} {signoff} {emoji}" for g in GROUP_TEXTS]
        ps += posts(r.account_id, texts * 2, T0 - timedelta(days=3), hashtags=("UmarMedia",))
    return ps


def test_careful_signup_only_mirror_is_found_by_the_voice_of_its_profile_text():
    """A careful operator comes back weeks later: fresh handle, fresh name, fresh device,
    the group's logo and channel like every rival, no posts and no follows. What it wrote is
    its profile text, and it writes that the way it wrote its posts. Its own removed account
    must rank first, and the profile text's voice must be what puts it there."""
    removed, actives, _ = _group(n_removed=4)
    ps = _voiced(removed)
    fw, signoff, emoji, punct = VOICES["r:2"]
    mirror = acct("a:careful", "sahar_kinara", created=WAVE + timedelta(days=12),
                  display_name="Sahar", bio=f"new page {fw.split()[0]} {fw.split()[2]}{punct} "
                                            f"{signoff} {emoji}",
                  links=(CHANNEL,), avatar_pdq=LOGO, identifiers={"device": "fresh-dev"})
    ranked, results, _ = _rank([*removed, *actives, mirror], ps, "a:careful")
    assert ranked[0] == "r:2", [(r.removed_id, round(r.total, 1)) for r in results]
    voice = {r.removed_id: next(s for s in r.signals if s.comparator == "own_voice")
             for r in results}
    assert voice["r:2"].level == 0 and voice["r:2"].weight > 0
    assert all(v.level > 0 for k, v in voice.items() if k != "r:2")


def test_a_profile_text_in_words_everyone_writes_is_not_one_writers_voice():
    """A profile text made only of the group's bulletin words, which every removed account
    posts: each rival holds it alike, so no candidate gets the top voice level."""
    removed, actives, _ = _group(n_removed=4)
    ps = _voiced(removed)
    mirror = acct("a:plain", "sahar_kinara", created=WAVE + timedelta(days=12),
                  bio="Umar Media bulletin statement", avatar_pdq=LOGO)
    _, results, _ = _rank([*removed, *actives, mirror], ps, "a:plain")
    levels = {next(s for s in r.signals if s.comparator == "own_voice").level
              for r in results if r.removed_id.startswith("r:")}
    assert len(levels) == 1, levels


def test_voice_keeps_the_tokens_most_posts_use():
    from tarazu.linkage.profile import VOICE_TOP, voice_hashes, voice_tokens

    texts = [f"unique{i} aur ke!! khuda hafiz 🌙" for i in range(VOICE_TOP + 10)]
    p = build_profile(acct("x", "x_handle"),
                      posts("x", texts, T0))
    habit = voice_hashes(voice_tokens("aur ke!! khuda hafiz 🌙"))
    assert p.voice.size == VOICE_TOP
    assert set(habit.tolist()) <= set(p.voice.tolist())
