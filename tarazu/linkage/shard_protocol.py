"""The shard calls as messages: plain JSON, so that any transport (a broker's request-reply,
a work queue) carries them and a shard in another process answers as one in this process does
(:class:`tarazu.linkage.shards.ShardLinker`).

Two calls, each a request and a reply:

- ``propose``: the new account's profile -> :class:`~tarazu.linkage.shards.Proposals`;
- ``compare``: the profile, the ids of some of the shard's accounts, which comparators only
  estimate and which are asked -> :class:`~tarazu.linkage.shards.Compared`.

The profile travels in the snapshot's columns (``snapshot.encode_profiles``, no pickle),
base64 in the JSON. Floats are written by ``json`` as their shortest exact form, so a reply
read back holds the very floats the shard computed (the merged answer stays the one-index
answer). :class:`ShardHandler` is the shard's side, transport-free: bytes in, bytes out."""

from __future__ import annotations

import base64
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from tarazu.linkage.levels import ComparisonResult
from tarazu.linkage.profile import AccountProfile
from tarazu.linkage.shards import Compared, Proposals, ShardLinker, Traits
from tarazu.linkage.snapshot import decode_profiles, encode_profiles

PROPOSE, COMPARE = "propose", "compare"


@dataclass(frozen=True)
class ProposeRequest:
    profile: str  # base64 of ``snapshot.encode_profiles([profile])``


@dataclass(frozen=True)
class CompareRequest:
    profile: str
    ids: list[str]
    estimated: list[str]
    only: list[str] | None  # None: every comparator


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


def encode_request(req: ProposeRequest | CompareRequest) -> bytes:
    return _dump(asdict(req))


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


class ShardHandler:
    """A shard's side of the two calls: a request's bytes to the reply's bytes. Keeps the
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
        if call == PROPOSE:
            req = ProposeRequest(**d)
            return encode_proposals(self.linker.propose(self._profile(req.profile)))
        if call == COMPARE:
            cmp = CompareRequest(**d)
            only = None if cmp.only is None else frozenset(cmp.only)
            return encode_compared(self.linker.compare_part(
                self._profile(cmp.profile), cmp.ids, frozenset(cmp.estimated), only))
        raise ValueError(f"unknown shard call {call!r}")


#: A transport: sends a call's request bytes to one shard and returns its reply's bytes, or
#: raises ``ShardUnavailable`` when none came in time.
Send = Callable[[str, bytes], bytes]


class RemoteShard:
    """A shard reached through a transport (``send``): the merger's side of the two calls,
    a :class:`~tarazu.linkage.shards.ShardPort`."""

    def __init__(self, send: Send) -> None:
        self.send = send

    def propose(self, profile: AccountProfile) -> Proposals:
        req = ProposeRequest(encode_profile(profile))
        return decode_proposals(self.send(PROPOSE, encode_request(req)))

    def compare_part(self, profile: AccountProfile, ids: Sequence[str],
                     estimated: frozenset[str], only: frozenset[str] | None) -> Compared:
        req = CompareRequest(encode_profile(profile), list(ids), sorted(estimated),
                             None if only is None else sorted(only))
        return decode_compared(self.send(COMPARE, encode_request(req)))
