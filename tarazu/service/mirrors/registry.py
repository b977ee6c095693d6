"""The model registry: trained model versions under ``$TARAZU_HOME/models``, and which one a
worker or a scan loads (the newest trained, else the packaged default, else the expert model)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tarazu.linkage import load_model
from tarazu.linkage.model import LinkageModel, expert_model

MODEL_FILE = re.compile(r"^mirrors-v(\d+)\.json$")


@dataclass(frozen=True)
class LoadedModel:
    model: LinkageModel
    version: str
    path: Path | None = None

    @property
    def model_id(self) -> str:
        return f"{self.model.name}/{self.version}"


def models_dir(home: Path) -> Path:
    return home / "models"


def trained_models(home: Path) -> list[tuple[int, Path]]:
    d = models_dir(home)
    if not d.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in d.iterdir() if (m := MODEL_FILE.match(p.name))]
    return sorted(found)


def newest_model(home: Path | None) -> LoadedModel:
    """The newest model trained here from reviewer labels
    (``$TARAZU_HOME/models/mirrors-vNNNN.json``), else the packaged ``default`` model, else
    the expert model."""
    if home is not None and (found := trained_models(home)):
        n, path = found[-1]
        return LoadedModel(LinkageModel.load(path), f"v{n:04d}", path)
    try:
        return LoadedModel(load_model("default"), "default")
    except (FileNotFoundError, ValueError):
        return LoadedModel(expert_model(), "expert")
