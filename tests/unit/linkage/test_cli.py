import gzip
import json

from typer.testing import CliRunner

from tarazu.entrypoints.cli.mirrors import app


def _write(path, scenario):
    def enc(v):
        return v.isoformat().replace("+00:00", "Z") if hasattr(v, "isoformat") else v

    with gzip.open(path, "wt", encoding="utf-8") as f:
        for a in scenario["accounts"]:
            rec = {"type": "account", "account_id": a.account_id, "handle": a.handle,
                   "display_name": a.display_name, "bio": a.bio, "links": list(a.links),
                   "avatar_pdq": a.avatar_pdq, "created_at": enc(a.created_at),
                   "status": a.status, "identifiers": a.identifiers,
                   "verified_categories": list(a.verified_categories)}
            if a.removed_at:
                rec["removed_at"] = enc(a.removed_at)
            f.write(json.dumps(rec) + "\n")
        for p in scenario["posts"]:
            f.write(json.dumps({"type": "post", "post_id": p.post_id, "account_id": p.account_id,
                                "created_at": enc(p.created_at), "text": p.text,
                                "hashtags": list(p.hashtags), "mentions": list(p.mentions),
                                "media": [{"pdq": m.pdq, "md5": m.md5} for m in p.media]})
                    + "\n")


def test_link_writes_one_answer_per_active(tmp_path, scenario):
    """With a model calibrated on labels, best first is highest score first. (The self-fitted
    model orders by evidence; its score also discounts a removed account's other possible
    successors, so it need not descend: see the self-fit test below.)"""
    data = tmp_path / "in.jsonl.gz"
    _write(data, scenario)
    out = tmp_path / "answer.jsonl"
    res = CliRunner().invoke(app, ["link", str(data), "--out", str(out), "--top-k", "3",
                                   "--model", "ira"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    actives = {a.account_id for a in scenario["accounts"] if a.status == "active"}
    assert {r["account_id"] for r in lines} == actives
    by = {r["account_id"]: r["candidates"] for r in lines}
    assert by["a:mirror"][0]["removed_account_id"] == "r:umar"
    for cands in by.values():
        assert len(cands) <= 3
        scores = [c["score"] for c in cands]
        assert scores == sorted(scores, reverse=True)
        assert all(0.0 <= s <= 1.0 for s in scores)


def test_fit_writes_a_model(tmp_path, scenario):
    data = tmp_path / "in.jsonl.gz"
    _write(data, scenario)
    truth = tmp_path / "truth.jsonl"
    truth.write_text("".join(
        json.dumps({"account_id": a.account_id,
                    "mirror_of": "r:umar" if a.account_id == "a:mirror" else None}) + "\n"
        for a in scenario["accounts"] if a.status == "active"))
    split = tmp_path / "split.json"
    split.write_text(json.dumps({"dev": [a.account_id for a in scenario["accounts"]],
                                 "test": []}))
    model = tmp_path / "m.json"
    res = CliRunner().invoke(app, ["fit", str(data), "--truth", str(truth), "--ids",
                                   f"{split}:dev", "--out", str(model)])
    assert res.exit_code == 0, res.output
    d = json.loads(model.read_text())
    assert d["meta"]["matches"] == 1
    assert any(lv["source"] == "labelled" for c in d["comparators"] for lv in c["levels"])
    # the labels move the self-fit: what they never show keeps its self-fitted value
    assert any(lv["source"] == "self-fit" for c in d["comparators"] for lv in c["levels"])
    assert d["meta"]["labelled"] is True and d["meta"]["platform"] == "neutral"


def test_link_without_a_model_fits_itself_and_flags(tmp_path, scenario):
    """The benchmark command is what a new platform gets: a model fitted to the input,
    without labels, and the system's own decision to send the best candidate to review."""
    data = tmp_path / "in.jsonl.gz"
    _write(data, scenario)
    out, saved = tmp_path / "answer.jsonl", tmp_path / "models" / "fitted.json"  # no folder yet
    res = CliRunner().invoke(app, ["link", str(data), "--out", str(out), "--top-k", "3",
                                   "--save-model", str(saved)])
    assert res.exit_code == 0, res.output
    assert "self-fit on" in res.output
    # eleven candidate pairs, one mirror: too few to show that signals restate each other
    assert "every signal counted in full" in res.output
    lines = {r["account_id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert all(isinstance(r["flagged"], bool) for r in lines.values())
    assert lines["a:mirror"]["candidates"][0]["removed_account_id"] == "r:umar"
    assert lines["a:mirror"]["flagged"] is True
    assert lines["a:journalist"]["flagged"] is False
    model = json.loads(saved.read_text())
    assert model["meta"]["method"] == "self-fit" and model["meta"]["labelled"] is False
    assert model["meta"]["fitted_on"] == "in.jsonl.gz"
    assert model["meta"]["platform"] == "neutral"
    assert model["calibration"]["method"] == "exclusive"
    assert {lv["source"] for c in model["comparators"] for lv in c["levels"]} == {"self-fit"}
    assert any(c.get("tf_adjust") for c in model["comparators"])


def test_fit_without_truth_self_fits(tmp_path, scenario):
    data = tmp_path / "in.jsonl.gz"
    _write(data, scenario)
    model = tmp_path / "m.json"
    res = CliRunner().invoke(app, ["fit", str(data), "--out", str(model), "--name", "demo"])
    assert res.exit_code == 0, res.output
    d = json.loads(model.read_text())
    assert d["meta"]["method"] == "self-fit" and d["meta"]["fitted_on"] == "demo"
    assert d["meta"]["removed_accounts"] == 6 and d["meta"]["active_accounts"] == 4


def test_unknown_profile_is_a_clear_error(tmp_path, scenario):
    data = tmp_path / "in.jsonl.gz"
    _write(data, scenario)
    res = CliRunner().invoke(app, ["link", str(data), "--out", str(tmp_path / "a.jsonl"),
                                   "--profile", "myspace"])
    assert res.exit_code != 0
    assert "unknown platform profile 'myspace'" in res.output
