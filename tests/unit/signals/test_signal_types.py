"""Each signal type passes the shared contract; PDQ reproduces ThreatExchange's test vectors."""

from __future__ import annotations

import csv
import hashlib

import pytest
from PIL import Image

from tarazu.signals import SIGNAL_TYPES, get_signal_type
from tarazu.signals.base import Unhashable
from tarazu.signals.hashing import hash_file_bytes, hash_text_all
from tarazu.signals.md5 import Md5Signal
from tarazu.signals.pdq import DEFAULT_THRESHOLD, MIN_QUALITY, PdqSignal
from tarazu.signals.text import TextMinHashSignal, TextSha256Signal
from tests.conftest import SHARED
from tests.unit.signals.contract import SignalTypeContract

PDQ_DATA = SHARED / "testdata" / "pdq"


class TestPdqContract(SignalTypeContract):
    signal_type = PdqSignal
    invalid = ("", "ab" * 31, "g" * 64)


class TestMd5Contract(SignalTypeContract):
    signal_type = Md5Signal
    invalid = ("", "ab" * 15, "q" * 32)


class TestTextSha256Contract(SignalTypeContract):
    signal_type = TextSha256Signal
    invalid = ("", "ab" * 31, "x" * 64)


class TestTextMinHashContract(SignalTypeContract):
    signal_type = TextMinHashSignal
    invalid = ("", "ab" * 64, "f" * 512)


def test_every_registered_type_has_a_contract_test():
    tested = {c.signal_type for c in (TestPdqContract, TestMd5Contract, TestTextSha256Contract,
                                      TestTextMinHashContract)}
    assert tested == set(SIGNAL_TYPES.values())


def test_hma_names_are_accepted_and_unknown_names_listed():
    assert get_signal_type("video_md5") is Md5Signal
    assert get_signal_type("PDQ") is PdqSignal
    with pytest.raises(ValueError, match="known: pdq"):
        get_signal_type("sha1")


@pytest.mark.parametrize(("name", "expected", "quality"), [
    ("LA.png", "accb6d39648035f8125c8ce6ba65007de7b54c67a2d93ef7b8f33b0611306715", 100),
    ("I16.png", "de2ef0e99ecdfc1d248a0eb055f023d1d61e79c3920cbb55d561c02accab1763", 36),
    ("rgb.jpeg", "fb4eed46cb8a6c78819ca06b756c541f7b07ef6d02c82fccd00f862166272cda", 100),
])
def test_pdq_of_each_image_format_is_the_reference_hash(name, expected, quality):
    r = PdqSignal.hash_bytes((PDQ_DATA / "formats" / name).read_bytes())
    assert (r.signal, r.quality) == (expected, quality)
    assert r.usable is (quality >= MIN_QUALITY)  # the 16-bit image's hash is discarded


def _bridge_reference() -> dict[str, str]:
    with (PDQ_DATA / "reference-hashes.csv").open() as f:
        return {row["file"]: row["pdq_reference_cpp"] for row in csv.DictReader(f)}


def test_every_bridge_edit_matches_the_original_and_the_cpp_reference():
    ref = _bridge_reference()
    original = PdqSignal.hash_bytes((PDQ_DATA / "bridge-mods/aaa-orig.jpg").read_bytes())
    assert len(ref) == 12
    for file, cpp in ref.items():
        got = PdqSignal.hash_bytes((PDQ_DATA / file).read_bytes())
        assert got.usable, file
        assert PdqSignal.compare_hash(got.signal, original.signal).match, file
        assert PdqSignal.compare_hash(got.signal, original.signal).distance <= DEFAULT_THRESHOLD
        # The Python binding may differ from the C++ reference by a few bits.
        assert PdqSignal.distance(got.signal, cpp) <= 10, file


def test_unrelated_photos_do_not_match():
    bridge = PdqSignal.hash_bytes((PDQ_DATA / "bridge-mods/aaa-orig.jpg").read_bytes())
    other = PdqSignal.hash_bytes((PDQ_DATA / "formats/rgb.jpeg").read_bytes())
    assert not PdqSignal.compare_hash(bridge.signal, other.signal).match


def test_a_flat_image_has_a_low_quality_hash_that_is_not_usable(tmp_path):
    p = tmp_path / "flat.png"
    Image.new("RGB", (64, 64), (128, 128, 128)).save(p)
    r = PdqSignal.hash_bytes(p.read_bytes())
    assert r.quality < MIN_QUALITY and not r.usable


def test_bytes_that_are_not_an_image_are_unhashable_by_pdq_but_have_an_md5():
    with pytest.raises(Unhashable):
        PdqSignal.hash_bytes(b"not an image")
    hashes, notes = hash_file_bytes(b"not an image")
    assert [h.signal_type for h in hashes] == ["md5"]
    assert hashes[0].signal == hashlib.md5(b"not an image").hexdigest()
    assert notes and "pdq" in notes[0]


def test_per_call_threshold_changes_the_verdict_not_the_distance():
    a, b = PdqSignal.get_examples()[2], PdqSignal.get_examples()[2][:-2] + "dd"
    d = PdqSignal.distance(a, b)
    assert d > 0
    assert PdqSignal.compare_hash(a, b, threshold=d).match
    assert not PdqSignal.compare_hash(a, b, threshold=d - 1).match


def test_text_hashes_see_through_disguises():
    plain = "Join the placeholder channel for announcements"
    disguised = "J0in the ｐｌａｃｅｈｏｌｄｅｒ ch@nnel, for announcements!"
    assert TextSha256Signal.hash_text(plain) == TextSha256Signal.hash_text(disguised)


def test_near_duplicate_text_matches_and_different_text_does_not():
    a = TextMinHashSignal.hash_text("an invented placeholder message about meeting at the park")
    b = TextMinHashSignal.hash_text("an invented placeholder message about meeting in the park")
    c = TextMinHashSignal.hash_text("entirely unrelated neutral words on the subject of weather")
    assert TextMinHashSignal.compare_hash(a.signal, b.signal).match
    assert not TextMinHashSignal.compare_hash(a.signal, c.signal).match


def test_short_text_has_an_exact_hash_but_no_near_duplicate_hash():
    hashes, notes = hash_text_all("hi")
    assert [h.signal_type for h in hashes] == ["text_sha256"]
    assert "too little text" in notes[0]
