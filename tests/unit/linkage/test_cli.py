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
    data = tmp_path / "in.jsonl.gz"
    _write(data, scenario)
    out = tmp_path / "answer.jsonl"
    res = CliRunner().invoke(app, ["link", str(data), "--out", str(out), "--top-k", "3"])
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
