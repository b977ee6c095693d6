"""The shard calls as messages: plain JSON, so that any transport (a broker's request-reply,
a work queue) carries them and a shard in another process answers as one in this process does
(:class:`tarazu.linkage.shards.ShardLinker`).

Four calls, each a request and a reply, in the order of a score (counts are sums:
:mod:`tarazu.linkage.shard_counts`):

- ``counts``: values, table by table -> the shard's counts of them;
- ``propose``: the new account's profile and the totals blocking reads ->
  :class:`~tarazu.linkage.shards.Proposals`;
- ``needs``: the profile, the ids of some of the shard's accounts -> their values whose
  counts their comparison reads;
- ``compare``: the profile, those ids, which comparators only estimate and which are asked,
  the totals the comparison reads -> :class:`~tarazu.linkage.shards.Compared`.

The profile travels in the snapshot's columns (``snapshot.encode_profiles``, no pickle),
base64 in the JSON. Floats are written by ``json`` as their shortest exact form, so a reply
read back holds the very floats the shard computed (the merged answer stays the one-index
answer); hashes, columns and counts travel as base64 of their bytes.
:class:`ShardHandler` is the shard's side, transport-free: bytes in, bytes out."""

from __future__ import annotations

import base64
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from tarazu.linkage.levels import ComparisonResult
from tarazu.linkage.profile import AccountProfile
from tarazu.linkage.shard_counts import ARRAYS, Counts, Keys
from tarazu.linkage.shards import Compared, Proposals, ShardLinker, Traits
from tarazu.linkage.snapshot import decode_profiles, encode_profiles

COUNTS, PROPOSE, NEEDS, COMPARE = "counts", "propose", "needs", "compare"


@dataclass(frozen=True)
class CountsRequest:
    keys: dict[str, Any]  # :func:`encode_keys`


@dataclass(frozen=True)
class ProposeRequest:
    profile: str  # base64 of ``snapshot.encode_profiles([profile])``
    totals: dict[str, Any]  # :func:`encode_totals`


@dataclass(frozen=True)
class NeedsRequest:
    profile: str
    ids: list[str]


@dataclass(frozen=True)
class CompareRequest:
    profile: str
    ids: list[str]
    estimated: list[str]
    only: list[str] | None  # None: every comparator
    totals: dict[str, Any]


def _packed(a: np.ndarray, dtype: type) -> str:
    """Numbers as base64 of their little-endian bytes: hashes and counts by the thousand,
    smaller and far quicker to write and read than JSON numbers."""
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.dtype(dtype).newbyteorder("<"))
                            .tobytes()).decode("ascii")


def _unpacked(text: str, dtype: type) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=np.dtype(dtype).newbyteorder("<")
                         ).astype(dtype)


def _counts_of(d: dict[str, str]) -> dict[str, np.ndarray]:
    return {t: _unpacked(v, np.int64) for t, v in d.items()}


def encode_keys(keys: Keys) -> dict[str, Any]:
    """Values as JSON: numbers packed (:func:`_packed`), strings, index tokens (tuples as
    lists)."""
    return {t: _packed(k, ARRAYS[t]) if t in ARRAYS else
            [list(v) if isinstance(v, tuple) else v for v in k] for t, k in keys.items()}


def decode_keys(d: dict[str, Any]) -> Keys:
    out: Keys = {}
    for t, k in d.items():
        if t in ARRAYS:
            out[t] = _unpacked(k, ARRAYS[t])
        else:
            out[t] = [tuple(v) if isinstance(v, list) else v for v in k]
    return out


def encode_totals(c: Counts) -> dict[str, Any]:
    return {"keys": encode_keys(c.keys),
            "counts": {t: _packed(v, np.int64) for t, v in c.counts.items()},
            "scalars": c.scalars}


def decode_totals(d: dict[str, Any]) -> Counts:
    return Counts(decode_keys(d["keys"]), _counts_of(d["counts"]), d["scalars"])


#: the last profile encoded and its encoding: every shard is sent the same new account
_last: tuple[AccountProfile, str] | None = None


def encode_profile(profile: AccountProfile) -> str:
    """The profile as base64 text, encoded once for all the shards asked about it."""
    global _last
    last = _last
    if last is not None and last[0] is profile:
        return last[1]
    encoded = base64.b64encode(encode_profiles([profile])).decode("ascii")
    _last = (profile, encoded)
    return encoded


def encode_request(req: CountsRequest | ProposeRequest | NeedsRequest | CompareRequest
                   ) -> bytes:
    # the fields as they are: ``asdict`` would deep-copy every list of values and counts
    return _dump({f.name: getattr(req, f.name) for f in fields(req)})


def _dump(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":"), allow_nan=True).encode("utf-8")


def encode_proposals(p: Proposals) -> bytes:
    return _dump({
        "votes": p.votes, "text": p.text, "near": p.near, "removed_at": p.removed_at,
        "live": p.live,
        "traits": {i: [t.handle, t.handle_key, sorted(t.name_tokens), t.avatar_pdq,
                       list(t.media_pdq)] for i, t in p.traits.items()},
    })


def decode_proposals(data: bytes) -> Proposals:
    d = json.loads(data)
    return Proposals(
        votes=d["votes"],
        text=[(i, int(n), int(o)) for i, n, o in d["text"]],
        near=[(i, float(t)) for i, t in d["near"]],
        removed_at=d["removed_at"],
        live=d["live"],
        traits={i: Traits(h, k, frozenset(toks), pdq, tuple(media))
                for i, (h, k, toks, pdq, media) in d["traits"].items()},
    )


def encode_compared(c: Compared) -> bytes:
    return _dump({
        # (level, label, values, raw): the result without its comparator's name
        "results": {n: [r[1:] for r in col] for n, col in c.results.items()},
        "tf": c.tf,
    })


def decode_compared(data: bytes) -> Compared:
    d = json.loads(data)
    return Compared(
        results={n: [ComparisonResult(n, int(lv), label, (v[0], v[1]), raw)
                     for lv, label, v, raw in col] for n, col in d["results"].items()},
        tf=[(i, n, float(f), v) for i, n, f, v in d["tf"]],
    )


def encode_counts(c: Counts) -> bytes:
    """A shard's counts, without the keys (the asker has them)."""
    return _dump({"counts": {t: _packed(v, np.int64) for t, v in c.counts.items()},
                  "scalars": c.scalars})


def decode_counts(keys: Keys, data: bytes) -> Counts:
    d = json.loads(data)
    return Counts(keys, _counts_of(d["counts"]), d["scalars"])


class ShardHandler:
    """A shard's side of the four calls: a request's bytes to the reply's bytes. Keeps the
    last new accounts' decoded profiles (the compare calls follow the propose call of the
    same account), so a profile is decoded once per shard."""

    def __init__(self, linker: ShardLinker, remember: int = 32) -> None:
        self.linker = linker
        self.remember = remember
        self._profiles: OrderedDict[str, AccountProfile] = OrderedDict()

    def _profile(self, encoded: str) -> AccountProfile:
        key = hashlib.blake2b(encoded.encode("ascii"), digest_size=16).hexdigest()
        p = self._profiles.get(key)
        if p is None:
            p = decode_profiles(base64.b64decode(encoded))[0]
            self._profiles[key] = p
            while len(self._profiles) > self.remember:
                self._profiles.popitem(last=False)
        else:
            self._profiles.move_to_end(key)
        return p

    def handle(self, call: str, data: bytes) -> bytes:
        d = json.loads(data)
        if call == COUNTS:
            return encode_counts(self.linker.counts(decode_keys(CountsRequest(**d).keys)))
        if call == PROPOSE:
            req = ProposeRequest(**d)
            return encode_proposals(self.linker.propose(self._profile(req.profile),
                                                        decode_totals(req.totals)))
        if call == NEEDS:
            needs = NeedsRequest(**d)
            return _dump(encode_keys(self.linker.needs(self._profile(needs.profile),
                                                       needs.ids)))
        if call == COMPARE:
            cmp = CompareRequest(**d)
            only = None if cmp.only is None else frozenset(cmp.only)
            return encode_compared(self.linker.compare_part(
                self._profile(cmp.profile), cmp.ids, frozenset(cmp.estimated), only,
                decode_totals(cmp.totals)))
        raise ValueError(f"unknown shard call {call!r}")


#: A transport: sends a call's request bytes to one shard and returns its reply's bytes, or
#: raises ``ShardUnavailable`` when none came in time.
Send = Callable[[str, bytes], bytes]


class RemoteShard:
    """A shard reached through a transport (``send``): the merger's side of the four calls,
    a :class:`~tarazu.linkage.shards.ShardPort`."""

    def __init__(self, send: Send) -> None:
        self.send = send

    def counts(self, keys: Keys) -> Counts:
        return decode_counts(keys, self.send(COUNTS, encode_request(
            CountsRequest(encode_keys(keys)))))

    def propose(self, profile: AccountProfile, totals: Counts) -> Proposals:
        req = ProposeRequest(encode_profile(profile), encode_totals(totals))
        return decode_proposals(self.send(PROPOSE, encode_request(req)))

    def needs(self, profile: AccountProfile, ids: Sequence[str]) -> Keys:
        req = NeedsRequest(encode_profile(profile), list(ids))
        return decode_keys(json.loads(self.send(NEEDS, encode_request(req))))

    def compare_part(self, profile: AccountProfile, ids: Sequence[str],
                     estimated: frozenset[str], only: frozenset[str] | None,
                     totals: Counts) -> Compared:
        req = CompareRequest(encode_profile(profile), list(ids), sorted(estimated),
                             None if only is None else sorted(only), encode_totals(totals))
        return decode_compared(self.send(COMPARE, encode_request(req)))
