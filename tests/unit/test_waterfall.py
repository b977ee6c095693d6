"""The waterfall chart is drawn from the stored flag payload alone."""

import re

from tarazu.entrypoints.web.waterfall import DOWN, UP, bars, waterfall_chart

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


def test_chart_is_a_table_of_escaped_rows_each_with_its_sentence():
    html = str(waterfall_chart(FLAG))
    assert html.startswith('<table class="waterfall">') and html.endswith("</table>")
    assert html.count("<rect") == 5 and "probability 99.9%" in html
    assert "&lt;near&gt; &amp; same" in html and "<near>" not in html
    assert 'data-signal="avatar"' in html and 'data-weight="9.500"' in html
    assert "Hamming distance of the avatars" in html  # the comparator's own first sentence
    assert html.count('class="wf-why"') == 5  # prior, three signals, total: each explained
    assert "style=" not in html and "<script" not in html  # the CSP allows neither


def test_bars_share_one_scale_so_the_total_bar_is_never_cut_off():
    html = str(waterfall_chart(FLAG))
    rects = re.findall(r'<rect x="([\d.]+)" y="3" width="([\d.]+)"', html)
    spans = [(float(a), float(w)) for a, w in rects]
    assert all(a >= 0 and a + w <= 1000.5 for a, w in spans)
    assert max(a + w for a, w in spans) > 999  # the largest running total reaches the edge


def test_a_flag_without_signals_still_draws_prior_and_total():
    bs = bars({"prior_weight": -3.0, "total": -3.0, "probability": 0.1})
    assert [b.key for b in bs] == ["prior", "total"]
    assert "<svg" in str(waterfall_chart({"prior_weight": -3.0, "total": -3.0}))


def test_a_signal_counted_at_less_than_its_weight_says_so():
    flag = {**FLAG, "signals": [*FLAG["signals"][:2],
                                {"comparator": "co_activity", "family": "network",
                                 "label": "same context within an hour", "weight": 4.3,
                                 "scale": 0.56}]}
    html = str(waterfall_chart(flag))
    assert html.count("Counted at 56% of its weight") == 1
    assert [b.scale for b in bars(flag)][1:4] == [1.0, 1.0, 0.56]
