"""The Ray Data engine (a local Ray with 2 workers) gives the same results as the local engine."""

from pathlib import Path

from photogenic.config import load_config
from photogenic.curate.config import CurateConfig
from photogenic.curate.funnel import run_funnel
from photogenic.world import WorldConfig, make_world

CONFIG = (
    Path(__file__).resolve().parents[1] / "src" / "photogenic" / "recipes" / "curate-world.yaml"
)


def test_ray_engine_matches_local(tmp_path):
    pool = tmp_path / "pool"
    make_world(pool, 48, seed=9, config=WorldConfig(), workers=1, progress=False)
    config = load_config(
        CurateConfig, CONFIG, ["shard_size=8", "select.top_k=6", "ocr.enabled=false"]
    )
    local = run_funnel(str(pool), tmp_path / "local", config, "local", 1, progress=False)
    ray = run_funnel(str(pool), tmp_path / "ray", config, "ray", 2, progress=False)
    assert ray["pass1"]["engine"] == "ray" and ray["pass1"]["shards"] == 6
    assert ray["funnel"] == local["funnel"]
    for name in ("kept/metadata.jsonl", "dropped.jsonl", "report.json"):
        assert (tmp_path / "ray" / name).read_text() == (tmp_path / "local" / name).read_text()
