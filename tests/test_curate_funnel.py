"""``photogenic curate run`` / ``score`` end to end on a small world with broken files mixed in."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from bad_images import BAD, CASES, encode, noise

from photogenic.cli.main import main
from photogenic.curate.funnel import RECORDS_FORMAT
from photogenic.data import open_dataset
from photogenic.world import WorldConfig, make_world

CONFIG = (
    Path(__file__).resolve().parents[1] / "src" / "photogenic" / "recipes" / "curate-world.yaml"
)
SETS = ["--set", "shard_size=16", "--set", "select.top_k=12", "--set", "balance.max_share=0.5"]
GROUND_TRUTH = ("quality", "appeal", "needle", "duplicate_of")


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    """A 72-item world plus every broken file of the corpus and a few bad captions."""
    root = tmp_path_factory.mktemp("pool")
    make_world(root, 72, seed=4, config=WorldConfig(), workers=1, progress=False)
    (root / "bad").mkdir()
    with open(root / "metadata.jsonl", "a", encoding="utf-8") as f:
        for name in BAD:
            (root / "bad" / name).write_bytes(CASES[name]())
            f.write(
                json.dumps({"file_name": f"bad/{name}", "text": "a broken file of a cat"}) + "\n"
            )
        f.write(
            json.dumps({"file_name": "bad/missing.png", "text": "a file that is not there"}) + "\n"
        )
        for k, text in enumerate(["", "ok", "#### ____ 1234"]):
            (root / "bad" / f"cap{k}.png").write_bytes(encode(noise(64, seed=k), "PNG"))
            f.write(json.dumps({"file_name": f"bad/cap{k}.png", "text": text}) + "\n")
    return root


def _run(pool, out, *extra):
    args = ["curate", "run", "--input", str(pool), "--out", str(out), "--config", str(CONFIG)]
    return main([*args, *SETS, "--no-progress", *extra])


def _outputs(out):
    return {
        name: (out / name).read_text()
        for name in ("kept/metadata.jsonl", "dropped.jsonl", "report.json")
    }


@pytest.fixture(scope="module")
def reference(pool, tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "run"
    assert _run(pool, out, "--workers", "2") == 0
    return out


def test_run_writes_kept_dropped_and_report(pool, reference):
    n_input = sum(1 for _ in open_dataset(pool))
    report = json.loads((reference / "report.json").read_text())
    summary = json.loads((reference / "summary.json").read_text())
    assert report["input"] == n_input == summary["input"]
    assert report["kept"] + report["dropped"] + report["errors"] == n_input
    kept = list(open_dataset(reference / "kept"))
    assert len(kept) == report["kept"] == 12
    assert all(k.columns["curate_rank"] >= 1 and "photogenic_score" in k.columns for k in kept)
    dropped = [json.loads(line) for line in (reference / "dropped.jsonl").read_text().splitlines()]
    assert len(dropped) == report["dropped"] + report["errors"]
    assert all({"stage", "reason", "values"} <= set(row) for row in dropped)
    by_file = {row["file_name"]: row for row in dropped}
    for name, reason in BAD.items():
        assert by_file[f"bad/{name}"]["stage"] == "decode"
        assert by_file[f"bad/{name}"]["reason"] == reason
    assert by_file["bad/missing.png"]["stage"] == "decode"
    assert by_file["bad/cap0.png"]["reason"] == "caption_empty"
    assert by_file["bad/cap2.png"]["reason"] == "caption_not_text"
    copies = [r for r in dropped if r["stage"] == "dedup"]
    assert copies and all(r["values"]["duplicate_of"] for r in copies)
    remaining = [row["remaining"] for row in report["funnel"]]
    assert remaining == sorted(remaining, reverse=True) and remaining[-1] == 12
    stages = [row["stage"] for row in report["funnel"]]
    assert stages[1:] == ["decode", "size", "caption", "dedup", "ocr", "offensive", "clip_score",
                          "aesthetic", "photogenic", "balance", "select"]  # fmt: skip
    assert "skipped" in report["notices"]["clip_score"]
    assert report["histograms"]["photogenic_score"]["n"] > 0
    html = (reference / "report.html").read_text()
    assert "Funnel" in html and html.count("data:image/") > 10 and "no clip_score.model" in html
    assert not list(reference.glob("global.sqlite*"))  # the global stages' table is removed


def test_same_outputs_with_one_worker(pool, reference, tmp_path):
    assert _run(pool, tmp_path / "one", "--workers", "1") == 0
    assert _outputs(tmp_path / "one") == _outputs(reference)


def test_same_outputs_whatever_the_micro_batch(pool, reference, tmp_path):
    # shards of 16 taken through the stages 3 items at a time (the reference: all 16 at once)
    assert _run(pool, tmp_path / "mb", "--workers", "1", "--set", "micro_batch=3") == 0
    assert _outputs(tmp_path / "mb") == _outputs(reference)


def test_a_run_resumes_with_other_workers_but_not_another_config(pool, reference, tmp_path, capsys):
    out = tmp_path / "again"
    shutil.copytree(reference, out)
    assert _run(pool, out, "--workers", "1", "--set", "micro_batch=5") == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["pass1"]["resumed_shards"] == summary["pass1"]["shards"] > 0
    assert _outputs(out) == _outputs(reference)
    assert _run(pool, out, "--workers", "1", "--set", "size.min_side=60") == 2
    assert "different config" in capsys.readouterr().err


def test_shards_of_an_older_records_format_are_measured_again(pool, reference, tmp_path, capsys):
    out = tmp_path / "older"
    shutil.copytree(reference, out)
    params = json.loads((out / "curate.json").read_text())
    del params["format"]  # as written before the shard records named their content hash
    (out / "curate.json").write_text(json.dumps(params))
    shard = out / "shards" / "00000.jsonl"
    shard.write_text(shard.read_text().replace('"content_hash"', '"sha256"'))
    assert _run(pool, out, "--workers", "1") == 0
    assert "written by an older photogenic (records format 1, now 2)" in capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["pass1"]["resumed_shards"] == 0 and summary["pass1"]["shards"] > 0
    assert _outputs(out) == _outputs(reference)
    assert json.loads((out / "curate.json").read_text())["format"] == RECORDS_FORMAT


def test_killed_run_resumes_to_the_same_outputs(pool, reference, tmp_path):
    out = tmp_path / "killed"
    args = [sys.executable, "-m", "photogenic.cli.main", "curate", "run", "--input", str(pool)]
    args += ["--out", str(out), "--config", str(CONFIG), *SETS, "--workers", "1", "--no-progress"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not (out / "shards" / "00001.jsonl").exists():
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "report.json").exists()  # it really died mid-run
    assert _run(pool, out, "--workers", "1") == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["pass1"]["resumed_shards"] >= 2
    assert _outputs(out) == _outputs(reference)


def test_score_measures_everything_and_drops_nothing(pool, tmp_path):
    out = tmp_path / "scores"
    args = ["curate", "score", "--input", str(pool), "--out", str(out), "--config", str(CONFIG)]
    assert main([*args, "--workers", "1", "--no-progress"]) == 0
    table = pq.read_table(out / "scores.parquet").to_pandas()
    assert len(table) == sum(1 for _ in open_dataset(pool))
    assert table["i"].tolist() == list(range(len(table)))
    readable = table[table["error"].isna()]
    assert readable["photogenic_score"].notna().all() and readable["text_boxes"].notna().all()
    assert table.loc[table["file_name"] == "bad/zero_byte.png", "error"].item() == "empty_file"
    assert table["flags"].str.contains("size:").any() and table["duplicate_of"].notna().any()
    assert not (out / "kept").exists() and not list(out.glob("global.sqlite*"))


def test_bad_config_is_a_one_line_error(pool, tmp_path, capsys):
    args = ["curate", "run", "--input", str(pool), "--out", str(tmp_path / "x")]
    assert main([*args, "--set", "select.top_k=0"]) == 2
    assert main([*args, "--set", "nonsense=1"]) == 2
    err = capsys.readouterr().err
    assert "select.top_k" in err and "nonsense" in err


def test_local_engine_starts_its_workers_when_made_and_stops_them_on_close():
    from photogenic.curate.engines import LocalEngine

    engine = LocalEngine(workers=2)
    pids = set(engine._pool._processes)  # started before any shard is mapped
    assert len(pids) == 2 and os.getpid() not in pids
    for pid in pids:
        os.kill(pid, 0)  # alive
    engine.close()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_local_engine_prepares_every_worker_before_it_is_ready():
    from photogenic.curate import worker
    from photogenic.curate.config import CurateConfig
    from photogenic.curate.engines import LocalEngine

    config = CurateConfig()
    config.ocr.enabled = config.offensive.enabled = False
    engine = LocalEngine(workers=2, config=worker.config_payload(config))
    try:
        states = [engine._pool.submit(_prepared_stages) for _ in range(4)]
        for state in states:
            assert state.result() == ["size", "caption", "photogenic"]
    finally:
        engine.close()


def _prepared_stages():
    from photogenic.curate import worker

    return [stage.name for stage in worker._STATE.get("stages", [])]


def test_a_worker_that_fails_to_start_raises_its_own_error(monkeypatch):
    from photogenic.curate.engines import local

    def broken(config, measure_only=False):
        raise ValueError("the OCR model is not there")

    monkeypatch.setattr(local, "prepare", broken)
    with pytest.raises(ValueError, match="OCR model is not there"):
        local.LocalEngine(workers=2, config={})


def test_the_pass_time_leaves_out_the_engine_start_up(reference):
    pass1 = json.loads((reference / "summary.json").read_text())["pass1"]
    assert pass1["workers"] == 2 and pass1["startup_seconds"] > 0 and pass1["seconds"] > 0


def test_the_pass_time_leaves_out_stopping_the_engine(pool, tmp_path, monkeypatch):
    from photogenic.curate.config import CurateConfig
    from photogenic.curate.engines.local import LocalEngine
    from photogenic.curate.funnel import measure_pass

    close = LocalEngine.close

    def slow_close(self):
        time.sleep(1.0)
        close(self)

    monkeypatch.setattr(LocalEngine, "close", slow_close)
    config = CurateConfig()
    config.ocr.enabled = config.offensive.enabled = False
    pass1 = measure_pass(str(pool), tmp_path / "run", config, workers=1, progress=False)
    assert pass1["processed_items"] == pass1["items"] > 0
    assert pass1["shutdown_seconds"] >= 1.0 > pass1["seconds"] > 0
