"""``photogenic demo``: every stage that exists, end to end on the embedded default data.

Today: a haystack world pool, read back through the one dataset reader with safe decoding; the
automatic curation funnel; then the two human stages **simulated** from the world's ground truth
(generalists for recall, specialists for precision). Quality-tuning of the shipped base, paired
sampling and judging join as the base model lands.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from photogenic.config import load_config
from photogenic.curate.config import CurateConfig
from photogenic.data import open_dataset
from photogenic.demo.annotators import GENERALIST, SPECIALIST, simulate_stage
from photogenic.world import WorldConfig, make_world

RECIPES = Path(__file__).resolve().parent.parent / "recipes"


def world_curation() -> CurateConfig:
    """The funnel tuned for the world's 64 px images, keeping 10 % for the human stages."""
    config = load_config(CurateConfig, RECIPES / "curate-world.yaml")
    config.select.top_k = 300
    return config


@dataclass
class DemoConfig:
    """What the demo runs; sized so the whole demo fits a few minutes on a 2-core CPU."""

    pool_size: int = 3000  # world items; generation runs at several hundred images/s per core
    seed: int = 0
    workers: int = 2
    world: WorldConfig = field(default_factory=WorldConfig)
    curate: CurateConfig = field(default_factory=world_curation)


def run_demo(out: Path, config: DemoConfig, progress: bool = True) -> dict[str, Any]:
    """Run the demo into ``out``; returns the summary (also written by the CLI)."""
    from photogenic.curate.funnel import run_funnel

    world_dir = out / "world"
    world = make_world(
        world_dir,
        config.pool_size,
        config.seed,
        config.world,
        workers=config.workers,
        progress=progress,
    )
    checked = check_pool(world_dir, progress=progress)
    curated = run_funnel(
        str(world_dir), out / "curate", config.curate, workers=config.workers, progress=progress
    )
    generalist = simulate_stage(
        out / "curate" / "kept", out / "generalist", GENERALIST, config.seed
    )
    specialist = simulate_stage(
        out / "generalist" / "kept", out / "specialist", SPECIALIST, config.seed
    )
    funnel = [
        _truth("pool", world_dir),
        _truth("automatic funnel", out / "curate" / "kept"),
        _truth(GENERALIST.name, out / "generalist" / "kept"),
        _truth(SPECIALIST.name, out / "specialist" / "kept"),
    ]
    return {
        "world": world,
        "pool_check": checked,
        "curate": {k: curated[k] for k in ("accounting", "notices") if k in curated},
        "human_stages": [generalist, specialist],
        "funnel": funnel,
    }


def _truth(stage: str, dataset: Path) -> dict[str, Any]:
    """Items after a stage and their share of needles, measured against the world's ground truth."""
    rows = [item.columns for item in open_dataset(dataset) if not item.error]
    needles = sum(bool(r.get("needle")) for r in rows)
    return {
        "stage": stage,
        "items": len(rows),
        "needles": needles,
        "precision": needles / len(rows) if rows else 0.0,
        "mean_appeal": sum(float(r.get("appeal", 0)) for r in rows) / len(rows) if rows else 0.0,
    }


def check_pool(dataset: Path, progress: bool = True) -> dict[str, Any]:
    """Decode every item of ``dataset``; count decoded items and errors by reason."""
    reasons: Counter[str] = Counter()
    n = 0
    decoded = 0
    for item in tqdm(open_dataset(dataset), desc="decode pool", unit="img", disable=not progress):
        n += 1
        if item.error:
            reasons[item.error] += 1
            continue
        result = item.decode()
        if result.error:
            reasons[result.error] += 1
        else:
            decoded += 1
    return {"items": n, "decoded": decoded, "errors": dict(reasons)}
