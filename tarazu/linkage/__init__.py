"""Mirror-account linkage: does a new account continue a removed one?

Pure core (no adapters, no entrypoints). The pieces, Splink-style:

- ``comparators``: registered, self-documenting comparators, each putting an (active, removed)
  pair into a few ordered levels; a missing field is a missing level, weight 0.
- ``blocking``: candidate indexes (names, text MinHash LSH, PDQ, tokens, time) with
  incremental add/remove and measured blocking recall.
- ``model``: the Fellegi–Sunter model as JSON (m/u per level, prior, calibration, thresholds).
- ``selffit``: the model from the platform's own data without labels (u from random pairs,
  m/u and prior by EM), over a ``pair_sample`` (levels, totals, exclusive posteriors), with
  ``dependence`` (comparators that restate each other counted once, the calibration's scale)
  and ``review_rule`` (the threshold from the model's own expected precision);
  ``tf``: term-frequency adjustment of value matches; ``platforms``: opt-in platform profiles.
- ``training``: m/u from labelled pairs or EM, calibration (logistic on the total and the
  leads over rivals, isotonic or Platt), review threshold on out-of-fold probabilities.
- ``linker``: :class:`MirrorLinker`, the facade; ``result``: :class:`MatchResult` with its
  waterfall and ``explain()``; ``policy``: review / auto-action decisions.
"""

from __future__ import annotations

import importlib
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tarazu.linkage.linker import LinkerConfig, MirrorLinker
    from tarazu.linkage.model import LinkageModel, expert_model
    from tarazu.linkage.policy import Decision, LinkPolicy, decide
    from tarazu.linkage.result import MatchResult, SignalWeight

#: The names this package offers, each imported from its module on first use (PEP 562): the
#: model, the comparators and the linker load numpy, scikit-learn and datasketch, and a
#: command that only prints its help must not pay for them.
_LAZY = {
    "LinkageModel": "tarazu.linkage.model", "expert_model": "tarazu.linkage.model",
    "LinkerConfig": "tarazu.linkage.linker", "MirrorLinker": "tarazu.linkage.linker",
    "Decision": "tarazu.linkage.policy", "LinkPolicy": "tarazu.linkage.policy",
    "decide": "tarazu.linkage.policy",
    "MatchResult": "tarazu.linkage.result", "SignalWeight": "tarazu.linkage.result",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


PACKAGED_MODELS = ("default", "ira", "wikisocks")


def load_model(name_or_path: str | Path = "default") -> LinkageModel:
    """A packaged model (``default``, ``ira``, ``wikisocks``; ``expert`` for the unfitted
    expert model) or a model JSON file."""
    from tarazu.linkage.model import LinkageModel, expert_model

    if str(name_or_path) == "expert":
        return expert_model()
    if str(name_or_path) in PACKAGED_MODELS:
        res = resources.files("tarazu.data").joinpath("models").joinpath(f"{name_or_path}.json")
        return LinkageModel.from_json(res.read_text(encoding="utf-8"))
    return LinkageModel.load(name_or_path)


__all__ = [
    "Decision",
    "LinkPolicy",
    "LinkageModel",
    "LinkerConfig",
    "MatchResult",
    "MirrorLinker",
    "SignalWeight",
    "decide",
    "expert_model",
    "load_model",
]
