"""Signed checkpoints of the audit chain, and what they prove.

The hash chain shows that no stored row was changed in place, but whoever can write the
database can also delete the tail and move ``chain_head`` back, or rewrite an event and
recompute every hash after it: the result is a chain that verifies. A checkpoint closes that
door from outside the database: at intervals (and after commands that append events) the head
— sequence number, hash, event count, time — is signed with a key the database never holds and
appended to a log kept elsewhere. Every checkpoint also carries the digest of the one before it,
so a line removed from the middle of that log shows. ``verify`` then asks: does the log still
hold, at the checkpoint's sequence number, the hash that was signed?

This module is the pure part: the record, its canonical signed form and the checks. Keys,
signatures and files are the adapter's (:mod:`tarazu.adapters.checkpoints`)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from tarazu.domain.chain import GENESIS, canonical_json

FORMAT = "tarazu-checkpoint/1"


class CheckpointError(ValueError):
    """A checkpoint line is malformed; the message names the line and field."""


@dataclass(frozen=True)
class Checkpoint:
    number: int  # position in the checkpoint log, from 1
    seq: int  # the chain's head sequence number when it was taken
    head_hash: str  # the hash of event #seq
    count: int  # events in the chain then (equals seq: sequence numbers have no gaps)
    time: str  # canonical UTC time (see ``chain.format_time``)
    prev: str  # digest of the checkpoint before it (GENESIS for the first)
    key_id: str  # which public key verifies the signature
    signature: str = ""  # base64 Ed25519 signature over :meth:`signed_bytes`

    def body(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("signature")
        return {"format": FORMAT, **d}

    def signed_bytes(self) -> bytes:
        return canonical_json(self.body()).encode("utf-8")

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "signature": self.signature}

    def digest(self) -> str:
        """What the next checkpoint names as ``prev``: covers the signature too."""
        return hashlib.sha256(canonical_json(self.to_json()).encode("utf-8")).hexdigest()

    @classmethod
    def from_json(cls, d: Mapping[str, Any], where: str) -> Checkpoint:
        if not isinstance(d, Mapping) or d.get("format") != FORMAT:
            raise CheckpointError(f"{where}: not a checkpoint (field 'format' must be "
                                  f"{FORMAT!r})")
        values: dict[str, Any] = {}
        for name, typ in (("number", int), ("seq", int), ("count", int), ("head_hash", str),
                          ("time", str), ("prev", str), ("key_id", str), ("signature", str)):
            v = d.get(name)
            if not isinstance(v, typ) or isinstance(v, bool):
                raise CheckpointError(f"{where}: field {name!r} must be a {typ.__name__}")
            values[name] = v
        return cls(**values)


def next_checkpoint(last: Checkpoint | None, *, seq: int, head_hash: str, time: str,
                    key_id: str) -> Checkpoint:
    """The unsigned checkpoint that follows ``last``."""
    return Checkpoint(number=(last.number + 1) if last else 1, seq=seq, head_hash=head_hash,
                      count=seq, time=time, prev=last.digest() if last else GENESIS,
                      key_id=key_id)


def check_log(checkpoints: Sequence[Checkpoint], signature_ok: Callable[[Checkpoint], bool]
              ) -> str | None:
    """The checkpoint log itself: numbered without gaps, each linked to the one before, the
    chain never shorter than before, and the latest signature valid. The first problem, in
    words. One signature is enough: the latest signs the digest of the one before it, which
    covers that one's signature and its own ``prev``, and so on back to the first — an edited
    earlier line breaks a link; checking every signature would cost a verification per line."""
    prev, number, seq = GENESIS, 1, 0
    last = len(checkpoints)
    for cp in checkpoints:
        if cp.number != number:
            return (f"checkpoint #{cp.number}: expected #{number}: a checkpoint was removed "
                    "or reordered")
        if cp.prev != prev:
            return (f"checkpoint #{cp.number}: does not link to the checkpoint before it: "
                    "the checkpoint log was edited")
        if cp.number == last and not signature_ok(cp):
            return (f"checkpoint #{cp.number}: the signature does not verify with key "
                    f"{cp.key_id}: the checkpoint was forged or edited")
        if cp.seq < seq:
            return (f"checkpoint #{cp.number}: the chain went back from #{seq} to #{cp.seq}: "
                    "events were removed between two checkpoints")
        prev, number, seq = cp.digest(), number + 1, cp.seq
    return None


def check_chain(cp: Checkpoint, head_seq: int, hash_at_seq: str | None) -> str | None:
    """Does the chain still hold what ``cp`` signed? ``hash_at_seq`` is the stored hash of event
    #``cp.seq`` (None when there is no such event)."""
    when = f"the signed checkpoint #{cp.number} of {cp.time}"
    if head_seq < cp.seq or hash_at_seq is None:
        return (f"the log ends at #{head_seq} but {when} saw #{cp.seq}: events were removed "
                "from the end of the log")
    if hash_at_seq != cp.head_hash:
        return (f"event #{cp.seq} no longer has the hash {when} recorded: history up to "
                f"#{cp.seq} was rewritten")
    return None
