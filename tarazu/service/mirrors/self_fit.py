"""Fitting the mirror model to the platform's own store, without labels.

A platform that installs tarazu has no reviewed mirrors, and the packaged model was fitted on
someone else's data. This use case reads the removed accounts (the reference set) and the
newest active accounts from the store, fits the model to them the way ``tarazu mirrors fit``
fits an export file (``linkage.selffit``: u from random pairs, m by EM, term-frequency
adjustment, a threshold from the model's own expected precision), and puts it in use as the
next version — an act recorded in the chain (:func:`registry.activate_model`). Reviewers'
decisions then move it (``training.train`` starts from the newest model)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from tarazu.domain.platform import AccountStatus
from tarazu.linkage.selffit import SelfFitReport, SelfFitSettings, self_fit, self_fit_start
from tarazu.service.access_log import log_access
from tarazu.service.clock import Clock
from tarazu.service.memory import bulk_build
from tarazu.service.mirrors.common import ACTOR, AUTHORITY, REFERENCE_SUBJECT
from tarazu.service.mirrors.reference import MirrorDetector, reference_accounts, with_posts
from tarazu.service.mirrors.registry import LoadedModel, activate_model, next_version
from tarazu.service.ports import UowFactory


class NothingToFit(ValueError):
    """The store holds no removed account, or no active one: there is nothing to fit on."""


@dataclass(frozen=True)
class StoreFitReport:
    path: Path
    version: str
    removed: int
    actives: int
    fit: SelfFitReport


def self_fit_on_store(uow_factory: UowFactory, clock: Clock, home: Path, *, by: str,
                      max_actives: int = 20_000, jobs: int = 1) -> StoreFitReport:
    """Fit the model to every removed account in the store (minus withdrawn ones) and its
    ``max_actives`` newest active accounts (mirrors are new accounts; the self-fit samples
    from these), and put it in use as the next version."""
    with uow_factory() as uow:
        reference = reference_accounts(uow)
        active = uow.platform.iter_accounts(status=AccountStatus.ACTIVE, with_identifiers=True)
        newest = sorted(active,
                        key=lambda a: (a.created_at, a.platform, a.account_id))[-max_actives:]
        if not reference or not newest:
            raise NothingToFit(f"the store holds {len(reference)} removed and {len(newest)} "
                               "active accounts; the self-fit needs both")
        refs = with_posts(uow, list(reference.values()))
        actives = with_posts(uow, list(newest))
        log_access(uow, ACTOR, REFERENCE_SUBJECT, ["identifiers"],
                   f"mirror model self-fit on {len(refs)} removed and {len(actives)} active "
                   "accounts", AUTHORITY, clock.now())
        uow.commit()
    det = MirrorDetector(LoadedModel(self_fit_start(), "self-fit"))
    with bulk_build():
        det.add_batch(refs)
        profiles = det.profiles(actives)
        det.linker.observe_many(profiles)
    fitted_on = (f"the platform's store: {len(refs)} removed and {len(actives)} active "
                 "accounts, no labels")
    model, report = self_fit(det.linker, profiles, SelfFitSettings(jobs=jobs),
                             meta={"fitted_on": fitted_on})
    version = next_version(home)
    model = replace(model, meta={**dict(model.meta), "version": version})
    loaded = activate_model(uow_factory, home, model, version, by=by, at=clock.now(),
                            labels=0, fitted_on=fitted_on)
    assert loaded.path is not None
    return StoreFitReport(loaded.path, version, len(refs), len(actives), report)
