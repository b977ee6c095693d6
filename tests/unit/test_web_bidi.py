"""English facts inside Urdu text are marked as English and isolated, so a screen reader
switches voice and the bidi algorithm leaves their punctuation where it belongs."""

from tarazu.entrypoints.web.templating import isolate_latin


def test_english_runs_in_urdu_are_marked_and_isolated():
    line = "وجہ: Official channel of Umar Media (DOI-1). تاریخ 2025-08-20 تک۔"
    html = str(isolate_latin(line))
    assert '<bdi dir="ltr" lang="en">Official channel of Umar Media (DOI-1).</bdi>' in html
    assert '<bdi dir="ltr">2025-08-20</bdi>' in html
    assert html.startswith("وجہ: ") and html.endswith(" تک۔")


def test_it_escapes_what_it_does_not_mark():
    html = str(isolate_latin("<b>x</b> اور"))
    assert "<b>" not in html and "&lt;" in html and html.endswith(" اور")
    assert str(isolate_latin("صرف اردو")) == "صرف اردو"
