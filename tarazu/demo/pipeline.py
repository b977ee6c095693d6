"""The demo pipeline: what happens to a scenario after it is generated, in order.

``run_pipeline(app, files)`` runs every step of :data:`STEPS` and returns their summaries.
**Extend it here**: write a step ``def my_step(app, files) -> dict`` (e.g. the mirror scan over
the ingested accounts) and add it to :data:`STEPS`. ``tarazu demo`` and ``tarazu demo --check``
run the same steps, and then the sign-up through the stream worker they hand in
(:mod:`tarazu.demo.signup`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tarazu.bootstrap import App
from tarazu.demo.scenario import ScenarioFiles
from tarazu.referrals.parse import parse_json
from tarazu.service import ingest, referrals

if TYPE_CHECKING:
    from tarazu.demo.signup import StreamWorker

Step = Callable[[App, ScenarioFiles], dict[str, Any]]


def ingest_step(app: App, files: ScenarioFiles) -> dict[str, Any]:
    """Load the platform's accounts and posts (idempotent: a re-run changes nothing)."""
    report = ingest.ingest_file(app.uow, files.data)
    if report.errors:
        raise ValueError(f"{files.data.name}: {report.errors[0]} "
                         f"({len(report.errors)} bad records)")
    return report.summary()


def referral_step(app: App, files: ScenarioFiles) -> dict[str, Any]:
    """Check every item of the government's referral list and open cases for those that
    pass (idempotent: the same document again returns the stored outcomes)."""
    raw = files.referrals.read_bytes()
    request, errors = parse_json(raw.decode("utf-8"), app.clock.now())
    result = referrals.import_request(app.uow, app.clock, request, errors, raw,
                                      app.designation_lookup(), submitted_by="demo")
    return {"request_id": result.request_id, "items": len(request.items) + len(errors),
            "already_imported": result.already_imported, **result.counts()}


def mirror_step(app: App, files: ScenarioFiles) -> dict[str, Any]:
    """Score every active account against the removed ones with the newest model: mirrors are
    flagged with their explanation, the clearest suspended automatically (idempotent)."""
    from tarazu.service import mirrors

    detector = mirrors.MirrorDetector(mirrors.model_in_use(app.uow, app.settings.home))
    with app.uow() as uow:
        detector.refresh(uow, clock=app.clock)
        uow.commit()
    return {"model": detector.loaded.model_id, "reference": detector.size,
            **mirrors.scan(app.uow, app.clock, detector).to_dict()}


def mirror_signup_step(worker: StreamWorker) -> Step:
    """A mirror signs up while tarazu watches: its ``account.created`` goes through NATS
    JetStream to the stream worker, which flags it within seconds."""
    from tarazu.demo.signup import demo_signup

    return lambda app, files: demo_signup(app, worker)


#: The steps, in order. Add yours here (one line).
STEPS: list[tuple[str, Step]] = [
    ("ingest", ingest_step),
    ("referrals", referral_step),
    ("mirrors", mirror_step),
]


@dataclass
class PipelineReport:
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)


def run_pipeline(app: App, files: ScenarioFiles,
                 progress: Callable[[str], None] | None = None,
                 stream: StreamWorker | None = None) -> PipelineReport:
    """Every step of :data:`STEPS`; then, given the ``stream`` worker, the live sign-up."""
    report = PipelineReport()
    steps = [*STEPS, *([("mirror sign-up (stream)", mirror_signup_step(stream))]
                       if stream is not None else [])]
    for name, step in steps:
        if progress:
            progress(name)
        report.steps[name] = step(app, files)
    return report
