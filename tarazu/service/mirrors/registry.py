"""The model registry: trained model versions under ``$TARAZU_HOME/models``, and which one a
worker or a scan loads (the newest trained, else the packaged default, else the expert model).

The model in use decides what is flagged and what is acted on automatically, so putting a new
one in use is an act like a bank threshold change: :func:`activate_model` records it in the
chain (who, which model, its fingerprint and thresholds, the one it replaced) in the same
transaction that makes it the newest; and a worker, a scan or the demo load the newest model
*the chain holds* (:func:`model_in_use`): a file copied into the folder by hand, or changed
after it was put in use, has no event with its fingerprint and is passed over, logged."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tarazu.domain.events import EventKind, SubjectRef, SubjectType
from tarazu.domain.payloads import SettingChange
from tarazu.linkage import load_model
from tarazu.linkage.model import LinkageModel, expert_model
from tarazu.service import cases
from tarazu.service.ports import UowFactory

log = logging.getLogger("tarazu.mirrors")

MODEL_FILE = re.compile(r"^mirrors-v(\d+)\.json$")

#: The subject whose history is the history of the mirror model in use.
MODEL_SUBJECT = SubjectRef(SubjectType.SYSTEM, "mirrors:model")


@dataclass(frozen=True)
class LoadedModel:
    model: LinkageModel
    version: str
    path: Path | None = None

    @property
    def model_id(self) -> str:
        return f"{self.model.name}/{self.version}"

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the model as saved: names exactly the weights and thresholds in use."""
        return hashlib.sha256(self.model.to_json().encode("utf-8")).hexdigest()

    @property
    def thresholds(self) -> dict[str, float]:
        t = self.model.thresholds
        return {"review": t.review, "auto_action": t.auto_action}


def models_dir(home: Path) -> Path:
    return home / "models"


def trained_models(home: Path) -> list[tuple[int, Path]]:
    d = models_dir(home)
    if not d.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in d.iterdir() if (m := MODEL_FILE.match(p.name))]
    return sorted(found)


def next_version(home: Path) -> str:
    """The version the next model fitted here gets (``v0001`` first)."""
    found = trained_models(home)
    return f"v{(found[-1][0] + 1) if found else 1:04d}"


def newest_model(home: Path | None, recorded: frozenset[str] | None = None) -> LoadedModel:
    """The newest model fitted here (``$TARAZU_HOME/models/mirrors-vNNNN.json``), else the
    packaged ``default`` model, else the expert model. With ``recorded`` (the fingerprints of
    the models put in use through the chain), a file whose model is not among them is passed
    over and logged."""
    for n, path in reversed(trained_models(home) if home is not None else []):
        loaded = LoadedModel(LinkageModel.load(path), f"v{n:04d}", path)
        if recorded is None or loaded.fingerprint in recorded:
            return loaded
        log.warning("model file %s was never put in use through the chain (no event with its "
                    "fingerprint %s): passed over", path.name, loaded.fingerprint[:16])
    try:
        return LoadedModel(load_model("default"), "default")
    except (FileNotFoundError, ValueError):
        return LoadedModel(expert_model(), "expert")


def recorded_fingerprints(uow_factory: UowFactory) -> frozenset[str]:
    """The fingerprints of every model put in use through :func:`activate_model`."""
    with uow_factory() as uow:
        events = uow.events.for_subject(MODEL_SUBJECT)
    return frozenset(
        str(e.payload["fingerprint"]) for e in events
        if e.kind == EventKind.SETTING_CHANGE
        and e.payload.get("change") == "mirror_model_activated")


def model_in_use(uow_factory: UowFactory, home: Path | None) -> LoadedModel:
    """The model a worker, a scan or the demo loads: the newest one the chain records as put
    in use (see :func:`newest_model`)."""
    return newest_model(home, recorded_fingerprints(uow_factory))


def activate_model(uow_factory: UowFactory, home: Path, model: LinkageModel, version: str,
                   *, by: str, at: datetime, **figures: Any) -> LoadedModel:
    """Put ``model`` in use as ``version`` and record the change in the chain. The file only
    becomes the newest (its final name) inside the transaction that records it, and is taken
    away again if that transaction fails, so no model is in use without its event.
    ``figures``: what it was fitted on (labels, mirrors, dev_labels, fit_ece, dev_ece)."""
    before = model_in_use(uow_factory, home)
    path = models_dir(home) / f"mirrors-{version}.json"
    loaded = LoadedModel(model, version, path)
    staged = path.with_name(path.name + ".new")  # not a model file until renamed
    model.save(staged)
    try:
        with uow_factory() as uow:
            s = cases.load(uow, MODEL_SUBJECT)
            s.record(EventKind.SETTING_CHANGE, by, at, SettingChange(
                change="mirror_model_activated", model=loaded.model_id,
                fingerprint=loaded.fingerprint, thresholds=loaded.thresholds,
                model_before=before.model_id, fingerprint_before=before.fingerprint,
                thresholds_before=before.thresholds, **figures))
            cases.save(uow, s)
            staged.replace(path)
            uow.commit()
    except BaseException:
        staged.unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        raise
    return loaded
