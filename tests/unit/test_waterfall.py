"""The waterfall chart is drawn from the stored flag payload alone."""

from tarazu.entrypoints.web.waterfall import DOWN, UP, bars, waterfall_svg

FLAG = {
    "removed_account": "x:r1", "probability": 0.9987, "total": 12.5, "prior_weight": -6.5,
    "signals": [
        {"comparator": "avatar", "family": "identity", "label": "same picture", "weight": 9.5},
        {"comparator": "handle", "family": "identity", "label": "<near> & same", "weight": 10.0},
        {"comparator": "pause", "family": "timing", "label": "different", "weight": -0.5},
        {"comparator": "tempo", "family": "timing", "label": "same", "weight": 0.0},
    ],
}


def test_bars_run_from_the_prior_through_each_signal_to_the_stored_total():
    bs = bars(FLAG)
    assert [b.key for b in bs] == ["prior", "avatar", "handle", "pause", "total"]  # 0 left out
    assert bs[0].end == -6.5 and bs[1].start == -6.5 and bs[1].end == 3.0
    assert bs[3].end == bs[4].end == 12.5  # prior + bars == total
    assert bs[4].start == 0.0
    assert bs[1].colour == UP and bs[3].colour == DOWN


def test_svg_is_inline_escaped_and_labelled():
    svg = str(waterfall_svg(FLAG))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<rect") == 5 and "probability 99.9%" in svg
    assert "&lt;near&gt; &amp; same" in svg and "<near>" not in svg
    assert 'data-signal="avatar"' in svg and 'data-weight="9.500"' in svg
    assert "style=" not in svg and "<script" not in svg  # the CSP allows neither


def test_a_flag_without_signals_still_draws_prior_and_total():
    bs = bars({"prior_weight": -3.0, "total": -3.0, "probability": 0.1})
    assert [b.key for b in bs] == ["prior", "total"]
    assert "<svg" in str(waterfall_svg({"prior_weight": -3.0, "total": -3.0}))
