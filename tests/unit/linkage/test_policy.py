from tarazu.linkage import load_model
from tarazu.linkage.linker import MirrorLinker
from tarazu.linkage.policy import AUTO_ACTION, NONE, REVIEW, SENIOR_REVIEW, LinkPolicy, decide
from tarazu.linkage.result import MatchResult, SignalWeight


def _result(prob, signals, protected=False):
    sw = tuple(SignalWeight(c, fam, 0, "x", ("", ""), w) for c, fam, w in signals)
    return MatchResult("a", "r", -7.0, sw, -7.0 + sum(s.weight for s in sw), prob, protected)


POLICY = LinkPolicy(review_threshold=0.5, auto_threshold=0.99, strong_bits=3.0)


def test_thresholds():
    weak = [("handle", "identity", 1.0)]
    assert decide(_result(0.3, weak), POLICY).action == NONE
    assert decide(_result(0.6, weak), POLICY).action == REVIEW


def test_auto_action_needs_two_independent_strong_signals():
    one = [("identifiers", "platform", 9.0), ("post_text", "content", 1.0)]
    assert decide(_result(0.999, one), POLICY).action == REVIEW
    same_family = [("post_text", "content", 5.0), ("shared_phrases", "content", 5.0)]
    assert decide(_result(0.999, same_family), POLICY).action == REVIEW
    ranks_only = [("identifiers", "platform", 9.0), ("gap_rank", "relative", 6.0)]
    assert decide(_result(0.999, ranks_only), POLICY).action == REVIEW
    two = [("identifiers", "platform", 9.0), ("avatar", "identity", 7.0)]
    assert decide(_result(0.999, two), POLICY).action == AUTO_ACTION
    assert decide(_result(0.98, two), POLICY).action == REVIEW


def test_topical_only_evidence_never_auto():
    topical = [("post_text", "content", 6.0), ("hashtags", "network", 5.0)]
    assert decide(_result(0.999, topical), POLICY).action == REVIEW


def test_protected_accounts_never_auto_actioned():
    two = [("identifiers", "platform", 9.0), ("avatar", "identity", 7.0)]
    assert decide(_result(0.999, two, protected=True), POLICY).action == SENIOR_REVIEW
    topical = [("post_text", "content", 6.0), ("hashtags", "network", 5.0)]
    assert decide(_result(0.999, topical, protected=True), POLICY).action == NONE


def _scored(scenario):
    model = load_model("default")
    linker = MirrorLinker(model)
    results = linker.link_all(scenario["accounts"], scenario["posts"])
    return model, results


def test_mirror_is_caught_and_journalist_is_not(scenario):
    """Mission safeguard: a journalist who writes about the TTP (same hashtags, same names,
    mentions the removed account) is not taken for its mirror; the mirror is."""
    model, results = _scored(scenario)
    policy = LinkPolicy.from_model(model)
    top = results["a:mirror"][0]
    assert top.removed_id == "r:umar"
    assert decide(top, policy).action in (REVIEW, AUTO_ACTION)
    for r in results["a:journalist"]:
        assert decide(r, policy).action == NONE, r.explain()
    for r in results["a:freelance"]:  # not verified: the evidence itself must stay low
        assert r.probability < model.thresholds.review, r.explain()
        assert decide(r, policy).action == NONE


def test_a_flag_records_which_signals_were_counted_at_less_than_their_weight():
    """The stored flag (what the waterfall is drawn from) keeps each discounted signal's
    scale, so the reviewer reads why a bar is shorter than its m/u; others carry none."""
    from tarazu.linkage.model import expert_model
    from tarazu.service.mirrors.flags import flag_payload
    from tarazu.service.mirrors.registry import LoadedModel

    sw = (SignalWeight("co_activity", "network", 0, "x", ("", ""), 4.3, 0.3, 0.001,
                       False, 0.56),
          SignalWeight("own_avatar", "identity", 0, "x", ("", ""), 9.0, 0.3, 0.001))
    result = MatchResult("a", "r", -7.0, sw, 6.3, 0.9)
    flag = flag_payload(result, LoadedModel(expert_model(), "x"), decide(result, POLICY), 1)
    by = {s["comparator"]: s for s in flag.signals}
    assert by["co_activity"]["scale"] == 0.56 and "scale" not in by["own_avatar"]
