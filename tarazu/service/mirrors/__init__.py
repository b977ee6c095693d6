"""Mirror-account detection as a use case: keep the reference set of removed accounts in memory,
score new or changed active accounts against it, and turn a score into events.

The reference set is every account the platform removed, minus those withdrawn from it (an
appeal found the removal wrong: ``mirror_reference_withdrawn`` rows, or a NOTE
``{"reference": "withdrawn"}`` on the account). It is built once per process from the store and
then changed one account at a time (:meth:`MirrorDetector.add_removed`, :meth:`withdraw`,
:meth:`refresh`), never rebuilt on every event.

What a score becomes (:func:`record_results`):

- probability ≥ the model's review threshold: a MIRROR_FLAG event on the account, carrying the
  removed account, the probability, every signal's weight (the waterfall the reviewer reads) and
  the model; the case fold opens (or updates) the case in the ``mirrors`` queue.
- the linkage policy (:mod:`tarazu.linkage.policy`) says auto-action — probability at the
  auto-action threshold, two strong signals from independent families, identity evidence
  among them, not a protected account: an automated decision by ``system:mirrors`` under
  EVA-1. It is a *suspension* by default: removal needs a second reviewer (two-person rule),
  so a configured automatic removal only proposes the decision and waits. The decision is
  marked automated in its statement of reasons (DSA ``automated_decision``) and can be
  appealed like any other.
- a protected account is never actioned automatically: the domain refuses, the refusal is
  recorded as a NOTE and the flag stays in (senior) review.

Re-scoring with the same result writes nothing; while a decision stands on the case, only a
new candidate or a clearly higher probability is recorded again.

One module per concern: :mod:`.common` (actor, policy, configuration, keys),
:mod:`.registry` (model versions), :mod:`.reference` (the reference set in memory),
:mod:`.flags` (scores to flags and automated actions), :mod:`.stream` (the stream worker's
steps and the batch scan), :mod:`.training` (labels and retraining). The names below are
re-exported so that ``from tarazu.service import mirrors`` keeps working."""

from __future__ import annotations

from tarazu.service.mirrors.common import (
    ACTOR,
    AUTHORITY,
    DETECTOR,
    POLICY,
    POSTS_PER_ACCOUNT,
    REFERENCE_SUBJECT,
    SCAN_SUBJECT,
    MirrorConfig,
    account_key,
    subject_of,
)
from tarazu.service.mirrors.flags import (
    ScoreOutcome,
    flag_payload,
    judge,
    link_policy,
    record_results,
    score_account,
)
from tarazu.service.mirrors.reference import (
    MirrorDetector,
    RefreshReport,
    reference_accounts,
    withdrawn_keys,
)
from tarazu.service.mirrors.registry import (
    MODEL_FILE,
    MODEL_SUBJECT,
    LoadedModel,
    activate_model,
    model_in_use,
    models_dir,
    newest_model,
    recorded_fingerprints,
    trained_models,
)
from tarazu.service.mirrors.self_fit import NothingToFit, StoreFitReport, self_fit_on_store
from tarazu.service.mirrors.stream import (
    DrainBudget,
    ScanReport,
    Scorer,
    StreamOutcome,
    active_accounts,
    as_platform_event,
    drain_scoring_queue,
    handle_stream_records,
    load_items,
    look_at_marked,
    look_at_marked_in,
    recall_successors,
    record_all,
    scan,
    scoring_backlog,
)
from tarazu.service.mirrors.training import (
    NotEnoughLabels,
    TrainReport,
    mirror_labels,
    train,
)

__all__ = [
    "NothingToFit",
    "StoreFitReport",
    "self_fit_on_store",
    "ACTOR",
    "AUTHORITY",
    "DETECTOR",
    "LoadedModel",
    "DrainBudget",
    "MODEL_FILE",
    "MODEL_SUBJECT",
    "MirrorConfig",
    "MirrorDetector",
    "NotEnoughLabels",
    "POLICY",
    "POSTS_PER_ACCOUNT",
    "REFERENCE_SUBJECT",
    "RefreshReport",
    "SCAN_SUBJECT",
    "ScanReport",
    "ScoreOutcome",
    "Scorer",
    "StreamOutcome",
    "TrainReport",
    "account_key",
    "active_accounts",
    "as_platform_event",
    "drain_scoring_queue",
    "flag_payload",
    "handle_stream_records",
    "judge",
    "link_policy",
    "load_items",
    "look_at_marked",
    "look_at_marked_in",
    "mirror_labels",
    "activate_model",
    "models_dir",
    "newest_model",
    "model_in_use",
    "recorded_fingerprints",
    "recall_successors",
    "record_all",
    "record_results",
    "reference_accounts",
    "scan",
    "score_account",
    "scoring_backlog",
    "subject_of",
    "train",
    "trained_models",
    "withdrawn_keys",
]
