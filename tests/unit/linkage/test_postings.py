"""The inverted index's postings: one bare id until a token is shared, always the same
answers as a plain token -> set of ids map, through adds, re-adds and removals."""

from hypothesis import given, settings
from hypothesis import strategies as st

from tarazu.linkage.blocking import _Postings

_OPS = st.lists(
    st.tuples(st.booleans(), st.sampled_from("abcdef"), st.sets(st.integers(0, 9), max_size=5)),
    max_size=40,
)


@given(_OPS, st.sampled_from([2, 3, 4, 512]))
@settings(max_examples=300, deadline=None)
def test_postings_equal_a_map_of_sets(ops, small):
    """Through every form a posting takes (a bare id, a tuple, a set past ``small`` and back
    to a tuple below half of it)."""
    postings, ref_owned = _Postings(small=small), {}
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
    # nothing left behind for tokens nobody holds any more
    assert set(postings.post) == {t for toks in ref_owned.values() for t in toks}


def test_a_token_of_one_account_is_held_as_its_bare_id_and_grows_into_a_tuple():
    p = _Postings()
    p.add("x:1", ["tag:a", "tag:b"])
    assert p.post["tag:a"] == "x:1" and p.get("tag:a") == ("x:1",)
    p.add("x:2", ["tag:a"])
    assert p.post["tag:a"] == ("x:1", "x:2")
    p.remove("x:1", ["tag:a", "tag:b"])
    assert p.post["tag:a"] == "x:2" and "tag:b" not in p.post
    assert p.get("tag:b") == ()


def test_a_posting_is_a_tuple_while_small_a_set_past_it_and_a_tuple_again_well_below():
    postings = _Postings(small=4)
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
    one, many = _Postings(small=small), _Postings(small=small)
    for account, tokens in adds:
        one.add(account, tokens)
    for at in range(0, len(adds), piece):
        many.add_many([(a, set(t)) for a, t in adds[at : at + piece]])
    assert set(one.post) == set(many.post)
    for t, ids in one.post.items():
        got = many.post[t]
        assert type(got) is type(ids) and (
            got == ids if isinstance(ids, str) else set(got) == set(ids) and len(got) == len(ids))
