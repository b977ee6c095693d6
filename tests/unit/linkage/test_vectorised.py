"""The vectorised comparators give what the pair-at-a-time ones give — level, label and the
values a reviewer reads, for every candidate (as ``compare_many`` gives them, which the linker
would call instead: pair by pair, or for the picture comparators, which count how many of
the candidates hold a picture, over all of them) — on generated profiles with their edge cases
(missing features, zero pauses, blank and emoji names, every band of every level) and on
profiles drawn by hypothesis, and the linker's results are the same with and without them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.synthetic_accounts import Generator
from tarazu.linkage import LinkerConfig, MirrorLinker, load_model
from tarazu.linkage.columnar.store import RemovedColumns
from tarazu.linkage.columnar.vectorised import ESTIMATES, VECTORISED
from tarazu.linkage.comparators.identity import DisplayNameComparator
from tarazu.linkage.comparators.own import OwnNameComparator
from tarazu.linkage.corpus import Corpus
from tarazu.linkage.handles import handle_key, name_tokens
from tarazu.linkage.profile import build_profiles, voice_hashes

#: comparators whose vectorised arithmetic is the pair form's, operation for operation
EXACT = {"creation_gap", "tempo", "pause", "handle", "display_name", "bio", "shared_phrases",
         "post_text", "recent_text", "hashtags", "mentions", "contexts", "media", "language",
         "avatar", "social_graph", "emoji", "own_bio", "own_links", "own_identifiers",
         "own_circle", "own_voice", "script_mix", "own_avatar", "own_media",
         "own_handle"}
#: names that test the display-name comparator's every branch: equal after normalising,
#: differing in spacing only, across scripts, nothing name-like (emoji), blank
NAMES = ("Umar Media", "umar_media", "UmarMedia", "Umar Med1a", "عمر میڈیا", "Sanjay Mehta",
         "sanjay mehta 07", "Nur Khan", "RKG Ah Tow", "Ross Karl George Ah Tow", "🙂", "🙂 🙂",
         "", "   ", "Khan Nur")
_EMPTY = np.zeros(0, dtype=np.uint32)
_EMOJI = ("🙂", "🇵🇰", "🔥", "🌙", "🕊")


def _variants(p, rng):
    """The profile and edge cases of it: each feature a comparator reads, missing or odd."""
    hours = float(rng.choice([0.05, 0.5, 3, 12, 72, 400, 3000, 20000, -10, -2000, -20000]))
    yield replace(p, removed_at=p.created_at - timedelta(hours=hours * rng.uniform(0.5, 1.5)))
    yield replace(p, removed_at=None, median_pause=None, hours=None, style=None, scripts=None)
    yield replace(p, median_pause=0.0, log_pauses=None, last_post=None)
    yield replace(p, median_pause=float(rng.choice([30.0, 600.0, 7200.0, 86400.0 * 9])),
                  n_text_posts=int(rng.integers(0, 6)), n_posts=int(rng.integers(0, 9)))
    if p.style is not None:
        yield replace(p, style=np.zeros_like(p.style))
    if p.last_post is not None:
        yield replace(p, last_post=p.last_post + timedelta(days=float(rng.uniform(-30, 30))))
    yield replace(p, handle="", handle_key="", display_name=str(rng.choice(NAMES)), bio="",
                  bio_words=_EMPTY, shingles=_EMPTY, langs={}, char_tf=None, recent_tf=None,
                  hashtags=frozenset(), mentions=frozenset(), contexts={})
    yield _named(p, str(rng.choice(NAMES)), str(rng.choice(NAMES)),  # and a few mentions
                 mentions=frozenset(f"user{j}" for j in rng.choice(9, rng.integers(1, 5))),
                 media_md5=frozenset({f"md5-{rng.integers(0, 5)}"}),
                 emoji=frozenset(rng.choice(_EMOJI, rng.integers(0, 4))),
                 scripts=_scripts(rng.integers(0, 4, 5)))


def _scripts(counts):
    """A script mix (shares of letters per script, float32 as the profile holds it) of
    ``counts`` letters; None for none."""
    counts = np.asarray(counts, dtype=np.float32)
    return counts / counts.sum() if counts.sum() else None


def _named(p, handle, display_name, **more):
    """``p`` under another handle and display name, with the keys the profile derives."""
    return replace(p, handle=handle, handle_key=handle_key(handle), display_name=display_name,
                   name_tokens=name_tokens(handle) | name_tokens(display_name), **more)


@pytest.fixture(scope="module")
def profiles():
    rng = np.random.default_rng(5)
    gen = Generator(23)
    removed = list(gen.removed_set(120))
    new = gen.new_accounts(30, removed)
    rem = build_profiles([a for a, _ in removed], {a.account_id: ps for a, ps in removed})
    act = build_profiles([a for a, _ in new], {a.account_id: ps for a, ps in new})
    rem_all = [replace(v, account_id=f"{p.account_id}~{i}") for p in rem
               for i, v in enumerate(_variants(p, rng))]
    act_all = [v for p in act for v in _variants(p, rng)]
    # a new account under a removed account's very handle and display name
    act_all += [_named(a, r.handle, r.display_name) for a, r in zip(act, rem[::4], strict=False)]
    corpus = Corpus()  # one count per account (its variants share its phrases)
    for p in rem:
        corpus.add(p)
    variants = {p.account_id: [v for v in rem_all if v.account_id.startswith(f"{p.account_id}~")]
                for p in rem}
    sources = {a: variants[r] for a, r in gen.mirror_source.items() if r in variants}
    for a, r in zip(act, rem[1::4], strict=False):  # mirrors that re-post 1, 4 or 12 phrases
        for n in (1, 4, 12):  # ... and reuse its text, hashtags, mentions, contexts
            copy = replace(a, account_id=f"{a.account_id}#{n}",
                           shingles=np.union1d(a.shingles, r.shingles[:n]),
                           char_tf=r.char_tf if n > 1 else a.char_tf,
                           hashtags=a.hashtags | set(sorted(r.hashtags)[:n]),
                           mentions=a.mentions | set(sorted(r.mentions)[:n]),
                           contexts={**a.contexts, **dict(list(r.contexts.items())[:n])},
                           media_pdq=a.media_pdq + r.media_pdq[:1] if n > 1 else a.media_pdq,
                           media_md5=frozenset({"md5-0", "md5-1", "md5-2"} if n > 4 else ()))
            act_all.append(copy)
            sources[copy.account_id] = variants[r.account_id]
    return rem_all, act_all, corpus, sources


def _candidates(k, a, removed, sources):
    """Some removed accounts, and the variants of the one ``a`` continues, if any."""
    cands = removed[k % 5 :: 5][:50]
    return cands + [p for p in sources.get(a.account_id, []) if p not in cands][:10]


def _results_equal(got, want, exact):
    for g, w in zip(got, want, strict=True):
        assert (g.comparator, g.level, g.label, g.values) == \
            (w.comparator, w.level, w.label, w.values)
        if w.raw is None or g.raw is None:
            assert w.raw is g.raw is None
        elif exact:
            assert g.raw == w.raw
        else:
            assert g.raw == pytest.approx(w.raw, rel=1e-5, abs=1e-6)
    assert len(got) == len(want)


@pytest.mark.parametrize("cls", list(VECTORISED), ids=lambda c: c.NAME)
@pytest.mark.parametrize("config", ["default", "other bands"])
def test_vectorised_comparator_matches_the_pair_form_level_for_level(cls, config, profiles):
    removed, actives, corpus, sources = profiles
    overrides = {}
    if config == "other bands":
        defaults = {c.name: c.default for c in cls.CONFIG}
        if "bands" in defaults:
            overrides["bands"] = tuple(b * 0.9 for b in defaults["bands"])
        if "min_posts" in defaults:
            overrides["min_posts"] = 1
    comp = cls(**overrides)
    cols = RemovedColumns(capacity=16)  # grows while filled
    for p in removed:
        cols.add(p)
    for p in removed[::7]:  # rows recycled after withdrawals
        cols.remove(p.account_id)
        cols.add(p)
    fast = VECTORISED[cls]
    seen_levels: set[int] = set()
    for k, a in enumerate(actives):
        cands = _candidates(k, a, removed, sources)
        want = comp.compare_many(a, cands, corpus)  # what the linker would call instead
        got = fast(comp, a, cols.rows([b.account_id for b in cands]), cols, corpus)
        for w, g, b in zip(want, got, cands, strict=True):
            assert (g.comparator, g.level, g.label, g.values) == \
                (w.comparator, w.level, w.label, w.values), (a.account_id, b.account_id)
            if w.raw is None or g.raw is None:
                assert w.raw is g.raw is None
            elif cls.NAME in EXACT:
                assert g.raw == w.raw
            else:
                assert g.raw == pytest.approx(w.raw, rel=1e-5, abs=1e-6)
            seen_levels.add(w.level)
    assert len(seen_levels) >= 3  # the data reached several levels, missing among them
    assert -1 in seen_levels


def test_the_linker_gives_the_same_results_with_and_without_vectorised_comparators():
    gen = Generator(31)
    removed = list(gen.removed_set(400))
    new = gen.new_accounts(40, removed)
    profiles = build_profiles([a for a, _ in removed], {a.account_id: ps for a, ps in removed})
    linkers = []
    for vectorise in (True, False):
        lk = MirrorLinker(load_model("default"), LinkerConfig(vectorise=vectorise))
        for p in profiles:
            lk.add_removed_profile(p)
        for p in profiles[::9]:
            lk.withdraw(p.account_id)
        linkers.append(lk)
    fast, slow = linkers
    assert fast._fast and not slow._fast
    compared = 0
    for acc, posts in new:
        a, b = fast.score(acc, posts, top_k=10), slow.score(acc, posts, top_k=10)
        assert [r.removed_id for r in a] == [r.removed_id for r in b]
        for x, y in zip(a, b, strict=True):
            assert [(s.comparator, s.level, s.label, s.weight, s.values) for s in x.signals] \
                == [(s.comparator, s.level, s.label, s.weight, s.values) for s in y.signals]
            assert x.total == y.total and x.probability == y.probability
            compared += 1
    assert compared > 100


def test_a_linker_with_another_model_compares_over_the_same_columns():
    """The self-fit and ``mirrors link`` score with ``with_model`` linkers: they read the
    removed set's columns (vectorised) and give the levels a linker built with that model
    from the start gives."""
    from tarazu.linkage.selffit import self_fit_start

    gen = Generator(32)
    removed = list(gen.removed_set(300))
    new = gen.new_accounts(30, removed)
    profiles = build_profiles([a for a, _ in removed], {a.account_id: ps for a, ps in removed})
    first = MirrorLinker(load_model("default"))
    fresh = MirrorLinker(self_fit_start())
    for p in profiles:
        first.add_removed_profile(p)
        fresh.add_removed_profile(p)
    other = first.with_model(self_fit_start())
    compared = 0
    for acc, posts in new:
        a = build_profiles([acc], {acc.account_id: posts})[0]
        cands = other.candidates(a)
        if not cands:
            continue
        assert other._rows(cands) is not None  # the columns, not pair by pair
        assert np.array_equal(other.compare(a, cands).levels(),
                              fresh.compare(a, cands).levels())
        compared += len(cands)
    assert compared > 100


def _columns(removed, withdraw_every=7):
    cols = RemovedColumns(capacity=4)  # grows while filled
    for p in removed:
        cols.add(p)
    for p in removed[::withdraw_every]:  # rows recycled after withdrawals
        cols.remove(p.account_id)
        cols.add(p)
    return cols


@pytest.mark.parametrize("cls", [DisplayNameComparator, OwnNameComparator],
                         ids=lambda c: c.NAME)
def test_the_vectorised_name_estimate_is_the_pair_estimate(cls, profiles):
    removed, actives, corpus, sources = profiles
    comp = cls()
    cols = _columns(removed)
    levels = set()
    for k, a in enumerate(actives):
        cands = _candidates(k, a, removed, sources)
        want = [comp.estimate(a, b, corpus) for b in cands]
        got = ESTIMATES[cls](comp, a, cols.rows([b.account_id for b in cands]), cols, corpus)
        _results_equal(got, want, exact=True)
        levels |= {w.level for w in want}
    different = comp.LEVELS.index("different")  # not analysed
    assert {-1, different} <= levels and levels & {0, 1}  # missing; the same name


_NAME = st.sampled_from(NAMES) | st.text(alphabet="aeiu knrsm_01عمر🙂", max_size=12)
_HASHES = st.lists(st.integers(0, 40), unique=True, max_size=12).map(
    lambda xs: np.array(sorted(xs), dtype=np.uint32))
_LANGS = st.dictionaries(st.sampled_from(["en", "ur", "ps", "ar", "fa"]), st.integers(1, 9),
                         max_size=4).map(lambda d: {k: v / sum(d.values()) for k, v in d.items()})
_TOKENS = st.frozensets(st.sampled_from(["pk", "news", "kabul", "cricket", "tea", "ur"]),
                        max_size=4)
_PDQ = "8f3a" * 16
#: a picture, copies of it a few and many bits away, in capitals, and hashes that are not
#: 64 hex digits (read by the pair form's ``int(x, 16)`` all the same)
_PDQS = (_PDQ, "8f3b" + _PDQ[4:], "70c5" * 8 + _PDQ[32:], "0" * 64, _PDQ.upper(), "ff",
         " " + _PDQ[1:])
_FEATURES = st.fixed_dictionaries({
    "handle": _NAME, "display_name": _NAME, "bio_words": _HASHES, "shingles": _HASHES,
    "langs": _LANGS, "hashtags": _TOKENS, "mentions": _TOKENS, "contexts": _TOKENS,
    "media_pdq": st.lists(st.sampled_from(_PDQS), max_size=3).map(tuple),
    "media_md5": st.frozensets(st.sampled_from(["m1", "m2", "m3"]), max_size=2),
    "avatar_pdq": st.none() | st.sampled_from(_PDQS),
    "connections": _HASHES.map(lambda h: h.astype(np.uint64) * np.uint64(2**40)),
    "link_keys": st.frozensets(st.sampled_from(["telegram:umar", "url:umar.pk", "site:x.pk",
                                                "whatsapp:1", "site:y.org"]), max_size=3),
    "identifiers": st.dictionaries(st.sampled_from(["device", "email", "ip_prefix", "asn"]),
                                   st.sampled_from(["", "a", "b"]), max_size=3),
    "emoji": st.frozensets(st.sampled_from(_EMOJI), max_size=3),
    "voice": st.lists(st.sampled_from(["umar", "media", "khan", "nur", "🙂", "!!", "and"]),
                      max_size=5).map(voice_hashes),
    "scripts": st.lists(st.integers(0, 3), min_size=5, max_size=5).map(_scripts)})
#: comparators of what the drawn features hold
_DRAWN = {"handle", "display_name", "bio", "shared_phrases", "language", "hashtags",
          "mentions", "contexts", "media", "avatar", "social_graph", "emoji", "own_bio",
          "own_links", "own_identifiers", "own_circle", "own_voice", "script_mix",
          "own_avatar", "own_media", "own_handle"}


@pytest.fixture(scope="module")
def base_profile():
    gen = Generator(3)
    acc, posts = next(iter(gen.removed_set(1)))
    return build_profiles([acc], {acc.account_id: posts})[0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])
@given(active=_FEATURES, removed=st.lists(_FEATURES, min_size=1, max_size=10),
       withdraw=st.integers(1, 4))
def test_vectorised_comparators_match_the_pair_form_on_drawn_profiles(
        base_profile, active, removed, withdraw):
    """Handles, names, bio words, phrases and languages drawn from small alphabets, so that
    equal keys, shared runs, shared phrases, languages and tokens are common; rows withdrawn
    and added again in between."""
    def profile(i, f):
        h, d = f["handle"], f["display_name"]
        return _named(base_profile, h, d, account_id=f"r{i}", bio=" ".join(d.split()[:3]),
                      bio_words=f["bio_words"], shingles=f["shingles"], langs=f["langs"],
                      hashtags=f["hashtags"], mentions=f["mentions"],
                      contexts={c: (1.0,) for c in f["contexts"]}, media_pdq=f["media_pdq"],
                      media_md5=f["media_md5"], avatar_pdq=f["avatar_pdq"],
                      connections=f["connections"], link_keys=f["link_keys"],
                      identifiers=f["identifiers"], emoji=f["emoji"], voice=f["voice"],
                      scripts=f["scripts"])

    rem = [profile(i, f) for i, f in enumerate(removed)]
    a = profile(-1, active)
    cols, corpus = _columns(rem, withdraw), Corpus()
    for p in rem:
        corpus.add(p)
    rows = cols.rows([p.account_id for p in rem])
    for cls in VECTORISED:
        comp = cls()
        if cls.NAME not in _DRAWN:
            continue
        want = comp.compare_many(a, rem, corpus)
        _results_equal(VECTORISED[cls](comp, a, rows, cols, corpus), want, exact=True)
        if cls in ESTIMATES:
            want = [comp.estimate(a, b, corpus) for b in rem]
            _results_equal(ESTIMATES[cls](comp, a, rows, cols, corpus), want, exact=True)


def test_a_hash_collision_is_told_apart_on_the_strings(base_profile):
    """Names and tokens are held as hashes; a candidate whose hash matches the new account's
    by accident is still compared on the strings themselves."""
    from tarazu.linkage.columnar.store import token_hashes
    from tarazu.linkage.comparators.network import HashtagsComparator
    from tarazu.names.normalise import normalise

    a = _named(base_profile, "umar_media", "Umar Media", account_id="new",
               hashtags=frozenset({"kabul"}))
    b = _named(base_profile, "nur_khan", "Nur Khan", account_id="old",
               hashtags=frozenset({"tea"}))
    cols, corpus = _columns([b]), Corpus()
    corpus.add(b)
    r = cols.row["old"]
    cols.name_hash[r] = hash(normalise(a.display_name))  # as if the names collided
    cols.token_hashes["hashtags"].set(r, token_hashes({"kabul"}))  # and the hashtags
    rows = np.array([r])
    for comp in (DisplayNameComparator(), HashtagsComparator()):
        want = [comp.compare(a, b, corpus)]
        _results_equal(VECTORISED[type(comp)](comp, a, rows, cols, corpus), want, exact=True)
    comp = DisplayNameComparator()
    est = ESTIMATES[DisplayNameComparator](comp, a, rows, cols, corpus)
    assert est == [comp.estimate(a, b, corpus)] and est[0].label == "different"


def test_the_columns_gather_style_and_hours_from_the_profiles_they_hold(profiles):
    """No second copy of the style vectors and activity hours: the columns read them from
    the profiles they hold, zeros for a row without (or with a style of another width)."""
    removed = profiles[0][:60]
    removed = [*removed[:50], replace(removed[50], style=None, hours=None),
               replace(removed[51], style=np.ones(3, dtype=np.float32)), *removed[52:]]
    cols = _columns(removed)
    assert not any(isinstance(v, np.ndarray) and v.ndim == 2 for v in vars(cols).values())
    rows = cols.rows([p.account_id for p in removed])
    style, hours = cols.style(rows), cols.hours(rows)
    assert style.dtype == hours.dtype == np.float32 and hours.shape == (60, 24)
    for i, p in enumerate(removed):
        same_width = p.style is not None and p.style.shape == (cols.style_dim,)
        assert np.array_equal(style[i], p.style if same_width else np.zeros(cols.style_dim))
        assert np.array_equal(hours[i], p.hours if p.hours is not None else np.zeros(24))
    assert cols.style(rows[:0]).shape == (0, cols.style_dim)


def _column_state(cols):
    """Everything a comparator reads of ``cols``, row by row in the rows' order."""
    ids = sorted(cols.row)
    rows = cols.rows(ids)
    state = {"rows": rows.tolist(), "free": list(cols._free),
             "languages": [cols.languages.strings[i] for i in range(len(cols.languages.strings))
                           if cols.languages._refs[i]]}
    for k, v in vars(cols).items():
        if isinstance(v, np.ndarray) and v.shape[:1] == cols.removed_us.shape:
            state[k] = [None if x != x else x for x in v[rows].tolist()]  # NaN: None
    raggeds = {"pauses": cols.pauses_of, "lang_ids": cols.lang_ids,
               "lang_shares": cols.lang_shares,
               **{f"tokens.{k}": r for k, r in cols.token_hashes.items()}}
    for name, rag in raggeds.items():
        state[name] = [rag.gather(np.array([r]))[0].tolist() for r in rows.tolist()]
        state[f"{name}.length"] = rag.length[rows].tolist()  # -1 (none) is not 0 (empty)
    state["profiles"] = [p.account_id for p in cols.profiles(rows)]
    return state


def test_columns_taken_in_pieces_are_the_columns_taken_one_by_one(profiles):
    """A build or a restart adds the removed set in pieces (``add_many``): the rows, every
    column and every ragged row must be what adding them one by one gives, also into rows
    freed by withdrawals and with every odd feature of the variants."""
    removed = profiles[0]
    one, many = RemovedColumns(capacity=4), RemovedColumns(capacity=4)
    for p in removed[:40]:
        one.add(p)
    many.add_many(removed[:40])
    for p in removed[3:40:5]:  # rows freed, then reused by the next piece
        one.remove(p.account_id)
        many.remove(p.account_id)
    rest = removed[40:]
    for at in range(0, len(rest), 97):
        for p in rest[at : at + 97]:
            one.add(p)
        many.add_many(rest[at : at + 97])
    assert len(one) == len(many) == len(removed) - len(removed[3:40:5])
    assert _column_state(many) == _column_state(one)


def test_a_piece_with_a_held_account_replaces_it_as_one_by_one(profiles):
    removed = profiles[0]
    one, many = RemovedColumns(), RemovedColumns()
    for p in removed[:30]:
        one.add(p)
    many.add_many(removed[:30])
    again = [replace(removed[5], display_name="Another Name"), *removed[30:50]]
    for p in again:
        one.add(p)
    many.add_many(again)
    assert _column_state(many) == _column_state(one)
    assert many.profiles(many.rows([removed[5].account_id]))[0].display_name == "Another Name"
