"""The inverted index's postings: one bare id until a token is shared, always the same
answers as a plain token -> set of ids map, through adds, re-adds and removals, whether the
accounts were taken in as the base (arrays) or one batch at a time since."""

from hypothesis import given, settings
from hypothesis import strategies as st

from tarazu.linkage.postings import Postings

_OPS = st.lists(
    st.tuples(st.booleans(), st.sampled_from("abcdef"), st.sets(st.integers(0, 9), max_size=5)),
    max_size=40,
)


def _replay(postings: Postings, ref_owned: dict, ops) -> None:
    """Adds and removals (each removal with the tokens the account was added with, as the
    linker does) on ``postings`` and on the plain map ``ref_owned``; then every token's
    holders and their number must be the map's."""
    for is_add, account, tokens in ops:
        if is_add and account not in ref_owned:
            postings.add(account, tokens)
            ref_owned[account] = set(tokens)
        elif not is_add:
            postings.remove(account, ref_owned.pop(account, set()))
    for token in range(10):
        expected = {a for a, toks in ref_owned.items() if token in toks}
        got = postings.get(token)
        assert set(got) == expected and len(got) == len(expected)
        assert postings.held([token]) == [len(expected)]


@given(_OPS, st.sampled_from([2, 3, 4, 512]))
@settings(max_examples=300, deadline=None)
def test_postings_equal_a_map_of_sets(ops, small):
    """Through every form a posting takes (a bare id, a tuple, a set past ``small`` and back
    to a tuple below half of it)."""
    postings, ref_owned = Postings(small=small), {}
    _replay(postings, ref_owned, ops)
    # nothing left behind for tokens nobody holds any more
    assert set(postings.post) == {t for toks in ref_owned.values() for t in toks}


def test_a_token_of_one_account_is_held_as_its_bare_id_and_grows_into_a_tuple():
    p = Postings()
    p.add("x:1", ["tag:a", "tag:b"])
    assert p.post["tag:a"] == "x:1" and p.get("tag:a") == ("x:1",)
    p.add("x:2", ["tag:a"])
    assert p.post["tag:a"] == ("x:1", "x:2")
    p.remove("x:1", ["tag:a", "tag:b"])
    assert p.post["tag:a"] == "x:2" and "tag:b" not in p.post
    assert p.get("tag:b") == ()


def test_a_posting_is_a_tuple_while_small_a_set_past_it_and_a_tuple_again_well_below():
    postings = Postings(small=4)
    for a in "abcd":
        postings.add(a, ["t"])
    assert postings.post["t"] == ("a", "b", "c", "d")
    postings.add("b", ["t"])  # held already: not twice
    assert postings.post["t"] == ("a", "b", "c", "d")
    postings.add("e", ["t"])
    assert postings.post["t"] == set("abcde")
    postings.remove("a", ["t"])
    postings.remove("b", ["t"])
    assert postings.post["t"] == set("cde")  # above half of small: still a set
    postings.remove("c", ["t"])
    assert sorted(postings.post["t"]) == ["d", "e"] and isinstance(postings.post["t"], tuple)
    postings.remove("d", ["t"])
    assert postings.post["t"] == "e"
    assert postings.held(["t", "u"]) == [1, 0]


@given(st.lists(st.tuples(st.sampled_from("abcdefg"), st.sets(st.integers(0, 5), max_size=4)),
                max_size=30), st.integers(1, 6), st.sampled_from([2, 3, 512]))
@settings(max_examples=300, deadline=None)
def test_many_accounts_added_at_once_post_as_added_one_by_one(adds, piece, small):
    """A build or a start adds accounts in pieces (gathered by token, each posting made
    once): the same accounts under each token, in the same form, as one by one."""
    one, many = Postings(small=small), Postings(small=small)
    for account, tokens in adds:
        one.add(account, tokens)
    for at in range(0, len(adds), piece):
        many.add_many([(a, set(t)) for a, t in adds[at : at + piece]])
    assert set(one.post) == set(many.post)
    for t, ids in one.post.items():
        got = many.post[t]
        assert type(got) is type(ids) and (
            got == ids if isinstance(ids, str) else set(got) == set(ids) and len(got) == len(ids))


_BASE = st.lists(st.tuples(st.sampled_from("abcdefgh"), st.sets(st.integers(0, 9), max_size=5)),
                 max_size=12, unique_by=lambda a: a[0])


@given(_BASE, _OPS, st.sampled_from([2, 3, 512]))
@settings(max_examples=300, deadline=None)
def test_a_base_and_what_came_after_equal_a_map_of_sets(base, ops, small):
    """Accounts taken in at once as the base, then added and removed one by one (each
    removed with the tokens it was added with, as the linker does): every token's holders
    and their number, as a plain map of sets gives them."""
    postings = Postings(small=small, base_min=1)
    postings.add_many([(a, set(t)) for a, t in base], len(base))
    ref_owned = {a: set(t) for a, t in base}
    assert not base or postings.post == {}  # all in the base
    _replay(postings, ref_owned, ops)
    _ask(postings, ref_owned)


@given(_BASE, _OPS, _OPS, st.sampled_from([2, 3, 512]))
@settings(max_examples=300, deadline=None)
def test_compacting_folds_the_recent_part_into_the_base_and_changes_no_answer(
        base, before, after, small):
    """A base (perhaps none), adds and removals, then the recent part folded into a new
    base — as a build from the store ends — and more adds and removals after it: the same
    answers as a plain map of sets all the way."""
    postings = Postings(small=small, base_min=1)
    postings.add_many([(a, set(t)) for a, t in base], len(base))
    ref_owned = {a: set(t) for a, t in base}
    _replay(postings, ref_owned, before)
    postings.compact()
    assert postings.post == {}
    _ask(postings, ref_owned)
    _replay(postings, ref_owned, after)
    _ask(postings, ref_owned)


_BATCHES = st.lists(st.tuples(
    st.lists(st.tuples(st.sampled_from("abcdefgh"), st.sets(st.integers(0, 9), max_size=5)),
             max_size=5, unique_by=lambda a: a[0]),
    st.sets(st.sampled_from("abcdefgh"), max_size=3)), max_size=4)


@given(_BASE, _OPS, _BATCHES, st.booleans(), _OPS, st.sampled_from([2, 3, 512]))
@settings(max_examples=300, deadline=None)
def test_gathered_batches_are_folded_into_the_base_and_change_no_answer(
        base, before, batches, ask_within, after, small):
    """A bulk build gathers its batches as arrays (``gathering``) instead of putting them in
    the dict, and folds them with the rest once: after a base (perhaps none) and changes
    one by one, the same answers as a plain map of sets — also when accounts are withdrawn
    within the build (from the base, the dict or a gathered batch, some added again in a
    later batch), when something reads within it (it folds first), and through changes
    after it."""
    postings = Postings(small=small, base_min=1)
    postings.add_many([(a, set(t)) for a, t in base], len(base))
    ref_owned = {a: set(t) for a, t in base}
    _replay(postings, ref_owned, before)
    recent = dict(postings.post)
    postings.gathering = True
    for k, (batch, withdrawn) in enumerate(batches):
        batch = [(a, set(t)) for a, t in batch if a not in ref_owned]
        postings.add_many(batch, len(batch))
        ref_owned.update(batch)
        assert postings.post == recent  # gathered, not put in the dict
        for a in sorted(withdrawn & set(ref_owned)):
            postings.remove(a, ref_owned.pop(a))
        recent = dict(postings.post)
        if ask_within and k == 0:
            _ask(postings, ref_owned)
            recent = {}  # folded by the question
    postings.gathering = False
    postings.compact()
    assert postings.post == {}
    _ask(postings, ref_owned)
    _replay(postings, ref_owned, after)
    _ask(postings, ref_owned)


def test_a_withdrawal_within_a_bulk_build_drops_the_gathered_account_without_a_fold():
    """The linker withdraws an account held before it adds it again: within a build the
    account may be in a gathered batch. It is dropped from the batches gathered before the
    withdrawal when they are folded, not by a fold of its own (one per replaced account
    would sort the whole base again each time), and its new tokens are kept."""
    p = Postings(base_min=1)
    p.gathering = True
    p.add_many([("a", {1, 2}), ("b", {2})], 2)
    p.remove("a", {1, 2})
    assert p._gathered  # not folded
    p.add_many([("a", {3})], 1)
    p.remove("b", {2})
    p.add_many([("b", {2, 4})], 1)
    p.gathering = False
    p.compact()
    assert p.held([1, 2, 3, 4]) == [0, 1, 1, 1] and p.get(2) == ("b",)


def _ask(postings: Postings, ref_owned: dict) -> None:
    """What the indexes ask, answered as the plain map ``ref_owned`` answers it: the tokens
    few enough accounts hold, who holds any of them, and who holds enough of them (a token
    of weight 2 counts twice)."""
    assert postings.tokens_held() == len({t for toks in ref_owned.values() for t in toks})
    holders = {t: {a for a, toks in ref_owned.items() if t in toks} for t in range(10)}
    kept, keys = postings.within(range(10), cap=2)
    assert kept == [t for t in range(10) if len(holders[t]) <= 2]
    assert postings.union(kept, keys) == set().union(*(holders[t] for t in kept))
    weights = [2 if t % 3 == 0 else 1 for t in kept]
    want = {a for a in ref_owned
            if sum(w for t, w in zip(kept, weights, strict=True) if a in holders[t]) >= 2}
    assert postings.voted(kept, weights, 2, keys) == want


def test_only_a_batch_of_base_min_accounts_into_empty_postings_becomes_the_base():
    p = Postings(base_min=3)
    p.add_many([("a", {"t"}), ("b", {"t"})], 2)
    assert p.post == {"t": ("a", "b")}  # too few: the recent part
    q = Postings(base_min=3)
    q.add_many([("a", {"t"}), ("b", {"t", "u"}), ("c", {"u"})], 3)
    assert q.post == {} and sorted(q.get("t")) == ["a", "b"] and q.held(["u", "v"]) == [2, 0]
    q.add_many([("d", {"t"}), ("e", {"t"}), ("f", {"t"})], 3)  # not empty: recent
    assert q.post == {"t": ("d", "e", "f")} and sorted(q.get("t")) == list("abdef")


def test_a_removal_from_the_base_touches_only_that_account():
    """Found by its smallest posting, written over in each posting of its tokens; another
    account's id in the same postings stays, and removing it twice changes nothing."""
    p = Postings(base_min=1)
    p.add_many([("a", {"common", "rare_a"}), ("b", {"common", "rare_b"}),
                ("c", {"common"})], 3)
    p.remove("b", {"common", "rare_b"})
    p.remove("b", {"common", "rare_b"})
    assert sorted(p.get("common")) == ["a", "c"] and p.get("rare_b") == ()
    assert p.held(["common", "rare_a", "rare_b"]) == [2, 1, 0]
    p.remove("c", {"common"})
    p.remove("a", {"common", "rare_a"})
    assert not p and p.tokens_held() == 0


def test_an_account_of_a_base_without_tokens_is_withdrawn_from_it_too():
    """A base whose accounts hold no token has members but no postings: a withdrawal must
    still mark the member, or the account, added again, would be held twice and a compaction
    would keep a stale copy that a later withdrawal finds instead of the live one."""
    p = Postings(base_min=1)
    p.add_many([("d", set()), ("b", set())], 2)
    p.remove("d", set())
    p.add("d", {3})
    p.compact()
    p.remove("d", {3})
    assert p.get(3) == () and p.held([3]) == [0] and not p
