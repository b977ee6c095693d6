"""Batch mirror scan (one machine, and as a real Spark job in local mode) and retraining from
reviewers' decisions."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tarazu.domain.events import EventKind, SubjectRef, SubjectType
from tarazu.domain.policies import Action
from tarazu.entrypoints.cli import app as cli
from tarazu.service import decisions, mirrors
from tests.integration.mirrors import data
from tests.integration.mirrors.conftest import detector, store


def _head(app):
    with app.uow() as uow:
        return uow.events.head()


def _flagged(app):
    with app.uow() as uow:
        return sorted(r.id for r in uow.events.subjects_with_kind("mirror_flag"))


def _scenario(app):
    store(app, data.removed())
    store(app, data.mirror("m1") + data.mirror("m2") + data.journalist())
    store(app, [data.account(f"b{i}", f"@baker{i}", data.T0 - data.timedelta(days=40 + i),
                             display_name=f"Baker {i}", bio="Bread every morning.")
                for i in range(5)])


def test_scan_rescoring_all_active_accounts_is_idempotent(app):
    _scenario(app)
    det = detector(app)
    report = mirrors.scan(app.uow, app.clock, det, batch=3)
    assert report.scanned == 8 and report.flagged_accounts == 2 and report.decisions == 2
    assert _flagged(app) == ["x:m1", "x:m2"]
    head = _head(app)
    again = mirrors.scan(app.uow, app.clock, det)
    with app.uow() as uow:
        since = [r.event.kind for r in uow.events.iter_all(after_seq=head[0])]
    assert again.flags == 0 and since == [EventKind.DATA_ACCESS]  # the read, nothing else


def test_a_scan_explains_only_what_the_policy_may_act_on(app):
    """As the stream worker: a result below the review threshold is never acted on, so
    explaining it only costs (in a batch of many accounts, most of the scan's results); the
    flags recorded still carry their whole explanation."""
    _scenario(app)
    det = detector(app, auto_action="none")
    asked, results = [], {}

    def scorer(items, explain_from):
        asked.append(explain_from)
        got = det.score_many(items, explain_from=explain_from)
        results.update(got)
        return got

    report = mirrors.scan(app.uow, app.clock, det, scorer=scorer, batch=4)
    review = mirrors.link_policy(det.model, det.config).review_threshold
    assert asked == [review, review] and report.flagged_accounts == 2
    below = [r for rs in results.values() for r in rs if r.probability < review]
    assert below and not any(r.explained for r in below)
    with app.uow() as uow:
        flags = [r.event.payload for r in uow.events.iter_all()
                 if r.event.kind is EventKind.MIRROR_FLAG]
    assert flags and all(f["signals"] for f in flags)


def test_a_scan_logs_its_read_of_every_active_accounts_identifiers(app):
    """Flagged or not, every active account's identifiers were decrypted to compare them."""
    _scenario(app)
    mirrors.scan(app.uow, app.clock, detector(app))
    with app.uow() as uow:
        reads = [e.payload for e in uow.events.for_subject(mirrors.SCAN_SUBJECT)
                 if e.kind is EventKind.DATA_ACCESS]
    assert len(reads) == 1 and reads[0]["fields"] == ["identifiers"]
    assert "compared 8 active account(s), x:b0 to x:m2" in reads[0]["purpose"]


def test_scan_as_a_spark_job_records_the_same_flags(sqlite_app):
    from tarazu.entrypoints.cli.mirrors_ops import spark_scorer

    _scenario(sqlite_app)
    det = detector(sqlite_app, auto_action="none")
    spark, scorer = spark_scorer("local[2]", 2, det)
    try:
        report = mirrors.scan(sqlite_app.uow, sqlite_app.clock, det, scorer=scorer,
                              engine="spark")
    finally:
        spark.stop()
    assert report.engine == "spark" and report.scanned == 8 and report.flagged_accounts == 2
    assert _flagged(sqlite_app) == ["x:m1", "x:m2"]
    local = det.score_many([(a, ps) for a, ps in _items(sqlite_app, "m1")])["x:m1"][0]
    with sqlite_app.uow() as uow:
        flag = next(e for e in uow.events.for_subject(SubjectRef.account("x", "m1"))
                    if e.kind is EventKind.MIRROR_FLAG).payload
    assert flag["removed_account"] == local.removed_id == "x:r1"


def _items(app, account_id):
    with app.uow() as uow:
        a = uow.platform.get_account("x", account_id, with_identifiers=True)
        return [(a, uow.platform.posts_of("x", account_id))]


def _decide(app, account_id, action, **kw):
    with app.uow() as uow:
        decisions.decide(uow, app.clock, subject=SubjectRef.account("x", account_id),
                         actor="rev1", action=action, policy="EVA-1" if action is not
                         Action.NO_ACTION else "", reason="reviewed the mirror flag", **kw)
        uow.commit()


def test_reviewer_decisions_are_labels_and_train_a_new_model(sqlite_app, tmp_path,
                                                            monkeypatch):
    app = sqlite_app
    store(app, data.removed())
    store(app, [r for i in range(1, 5) for r in data.mirror(f"m{i}")])
    det = detector(app, auto_action="none")
    mirrors.scan(app.uow, app.clock, det)
    _decide(app, "m1", Action.SUSPEND, until="2025-08-20")
    _decide(app, "m2", Action.SUSPEND, until="2025-08-20", evidence=["x:r1"])
    _decide(app, "m3", Action.NO_ACTION)
    with app.uow() as uow:
        labels = mirrors.mirror_labels(uow)
    assert labels == {"x:m1": "x:r1", "x:m2": "x:r1", "x:m3": None}  # m4: nobody judged it
    _decide(app, "m4", Action.NO_ACTION)
    monkeypatch.setenv("TARAZU_HOME", str(tmp_path))
    before = mirrors.newest_model(tmp_path).model.thresholds.review
    r = CliRunner().invoke(cli, ["mirrors", "train"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["version"] == "v0001" and out["labels"] == 4 and out["mirrors"] == 2
    # two confirmed mirrors cannot show precision 0.90 at 90 % confidence: the threshold
    # in use is kept rather than placed on four labels
    assert out["threshold_supported"] is False and out["review_threshold"] == before
    assert "kept: too few labels" in r.output
    assert out["fit_reliability"]["ece"] >= 0 and out["dev_reliability"] is None
    loaded = mirrors.newest_model(tmp_path)
    assert loaded.version == "v0001" and loaded.model.meta["labels"] == 4
    assert loaded.model_id.endswith("/v0001")
    with app.uow() as uow:
        note = uow.events.for_subject(SubjectRef(SubjectType.SYSTEM, "mirrors:model"))[-1]
    assert note.payload["model"].endswith("/v0001") and note.payload["labels"] == 4


def test_train_refuses_without_enough_labels(sqlite_app, tmp_path, monkeypatch):
    monkeypatch.setenv("TARAZU_HOME", str(tmp_path))
    r = CliRunner().invoke(cli, ["mirrors", "train"])
    assert r.exit_code == 1 and "0 reviewer label(s)" in r.output


def test_self_fit_on_the_store_puts_a_model_fitted_to_this_platform_in_use(sqlite_app, tmp_path,
                                                                          monkeypatch):
    """A platform with no labels fits the model to its own store (removed accounts and the
    newest active ones): the next version is in use, says what it was fitted on and that no
    labels were used, and putting it in use is in the chain beside the read of identifiers."""
    app = sqlite_app
    _scenario(app)
    monkeypatch.setenv("TARAZU_HOME", str(tmp_path))
    before = mirrors.newest_model(tmp_path)
    r = CliRunner().invoke(cli, ["mirrors", "self-fit", "--jobs", "1"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout[r.stdout.index("{"):])
    assert out["version"] == "v0001" and out["actives"] == 8
    now = mirrors.newest_model(tmp_path)
    assert now.version == "v0001" and now.fingerprint != before.fingerprint
    assert now.model.meta["labelled"] is False
    with app.uow() as uow:
        removed = len(mirrors.reference_accounts(uow))
    assert (f"the platform's store: {removed} removed and 8 active accounts"
            in now.model.meta["fitted_on"])
    with app.uow() as uow:
        change = uow.events.for_subject(mirrors.MODEL_SUBJECT)[-1]
        reads = [e.payload for e in uow.events.for_subject(mirrors.REFERENCE_SUBJECT)
                 if e.kind is EventKind.DATA_ACCESS]
    assert change.payload["fingerprint"] == now.fingerprint and change.payload["labels"] == 0
    assert "no labels" in change.payload["fitted_on"]
    assert any("self-fit" in p["purpose"] for p in reads)


def test_self_fit_refuses_an_empty_store(sqlite_app, tmp_path, monkeypatch):
    monkeypatch.setenv("TARAZU_HOME", str(tmp_path))
    r = CliRunner().invoke(cli, ["mirrors", "self-fit"])
    assert r.exit_code == 1 and "0 removed and 0 active accounts" in r.output
