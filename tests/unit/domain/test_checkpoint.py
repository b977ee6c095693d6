"""The pure rules of checkpoints: the log's links and numbering, and what a checkpoint proves
about the chain (no keys here: signatures are the adapter's)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tarazu.domain.chain import GENESIS
from tarazu.domain.checkpoint import (
    Checkpoint,
    CheckpointError,
    check_chain,
    check_log,
    next_checkpoint,
)

T = "2025-07-25T10:00:00.000000Z"


def _log(seqs: list[int]) -> list[Checkpoint]:
    out, last = [], None
    for s in seqs:
        last = replace(next_checkpoint(last, seq=s, head_hash=f"{s:064x}", time=T, key_id="k"),
                       signature="sig")
        out.append(last)
    return out


def _signed(cp: Checkpoint) -> bool:
    return cp.signature == "sig"


def test_a_log_links_each_checkpoint_to_the_one_before():
    cps = _log([3, 5, 9])
    assert cps[0].prev == GENESIS and cps[1].prev == cps[0].digest()
    assert [c.number for c in cps] == [1, 2, 3] and check_log(cps, _signed) is None
    assert Checkpoint.from_json(cps[1].to_json(), "line 2") == cps[1]


def test_removed_edited_or_unsigned_checkpoints_are_named():
    cps = _log([3, 5, 9])
    assert "expected #2" in check_log([cps[0], cps[2]], _signed)
    edited = replace(cps[1], head_hash="f" * 64)
    assert check_log([cps[0], edited, cps[2]], _signed).startswith("checkpoint #3: does not link")
    assert "signature" in check_log(cps[:2] + [replace(cps[2], signature="x")], _signed)
    shorter = _log([5, 3])
    assert "went back from #5 to #3" in check_log(shorter, _signed)


def test_what_a_checkpoint_proves_about_the_chain():
    cp = _log([5])[0]
    assert check_chain(cp, 7, cp.head_hash) is None
    assert "removed from the end" in check_chain(cp, 4, None)
    assert "rewritten" in check_chain(cp, 7, "0" * 64)


@pytest.mark.parametrize("doc,words", [
    ({"format": "other"}, "field 'format'"),
    ({"format": "tarazu-checkpoint/1", "number": True}, "field 'number'"),
    ({"format": "tarazu-checkpoint/1", "number": 1, "seq": 1, "count": 1}, "field 'head_hash'"),
])
def test_a_malformed_line_names_its_field(doc, words):
    with pytest.raises(CheckpointError) as e:
        Checkpoint.from_json(doc, "checkpoints.jsonl line 4")
    assert str(e.value).startswith("checkpoints.jsonl line 4") and words in str(e.value)
