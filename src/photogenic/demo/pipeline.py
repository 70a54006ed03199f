"""``photogenic demo``: the whole quality-tuning recipe end to end on the embedded default data.

1. A haystack world pool, read back through the one dataset reader with safe decoding.
2. The automatic curation funnel, then the two human stages **simulated** from the world's ground
   truth (generalists for recall, specialists for precision).
3. Quality-tuning of the shipped tiny Emu-style base on the curated set, and the control: the same
   base, recipe and steps on a random pool subset of the same size.
4. Paired sampling of the world prompt set (same seeds) from the base, the tuned model and the
   control.
5. The shipped judges (not the funnel's scorer) on every pair: visual appeal and text faithfulness.
6. Win rates with confidence intervals, an HTML report and a terminal table with the targets.
"""

from __future__ import annotations

import resource
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from tqdm import tqdm

from photogenic.config import from_dict, load_config
from photogenic.curate.config import CurateConfig
from photogenic.data import open_dataset
from photogenic.demo.annotators import GENERALIST, SPECIALIST, simulate_stage
from photogenic.demo.base import BASE_DIR
from photogenic.demo.base_curve import pretraining_curve
from photogenic.demo.evaluation import EvaluationConfig, evaluate_models
from photogenic.demo.report import targets, write_report
from photogenic.demo.tuning import demo_tune_config, quality_tune, write_random_subset
from photogenic.errors import PhotogenicError
from photogenic.models.weights import weights_fingerprint
from photogenic.train.run import TrainConfig, resumable_start
from photogenic.world import WorldConfig, make_world

RECIPES = Path(__file__).resolve().parent.parent / "recipes"


POOL_SIZE = 9000  # world items: a curated set of about 200 images (3,000 gave 67: ~140 epochs
# in 150 steps, and the tuned model drifted toward its training images, losing faithfulness)


def world_curation() -> CurateConfig:
    """The funnel tuned for the world's 64 px images, keeping 10 % for the human stages."""
    config = load_config(CurateConfig, RECIPES / "curate-world.yaml")
    config.select.top_k = POOL_SIZE // 10
    return config


@dataclass
class DemoConfig:
    """What the demo runs; sized so the whole demo fits a few minutes on a 2-core CPU."""

    pool_size: int = POOL_SIZE  # generation runs at several hundred images/s per core
    seed: int = 0
    workers: int = 2
    world: WorldConfig = field(default_factory=WorldConfig)
    curate: CurateConfig = field(default_factory=world_curation)
    base: str = ""  # the base model directory; empty: the shipped tiny Emu-style base
    tune: TrainConfig = field(default_factory=demo_tune_config)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)


def run_demo(out: Path, config: DemoConfig, progress: bool = True) -> dict[str, Any]:
    """Run the demo into ``out``; returns the summary (also written by the CLI)."""
    clock = StageClock()
    base = base_model(config)
    check_same_base(out, base)
    summary = curate_world(out, config, clock, progress)
    curated_items = summary["funnel"][-1]["items"]
    with clock("quality-tuning"):
        control_subset = write_random_subset(
            out / "world", curated_items, config.seed + 1, out / "control-subset"
        )
        tuning = {
            "tuned": quality_tune(
                base, out / "specialist" / "kept", out / "tuned", config.tune, progress
            ),
            "control": quality_tune(
                base, out / "control-subset", out / "control", config.tune, progress
            ),
        }
    with clock("sampling and judging"):
        models = {"base": base, **{name: Path(t["model"]) for name, t in tuning.items()}}
        evaluation = evaluate_models(models, out / "eval", config.evaluation, progress)
    summary.update(
        {
            "base": str(base),
            "base_training": pretraining_curve(base),
            "control_subset": control_subset,
            "tuning": tuning,
            "evaluation": evaluation,
            "stage_seconds": clock.seconds,
            "peak_memory_mb": peak_memory_mb(),
        }
    )
    summary["targets"] = targets(summary)
    summary["report"] = str(write_report(out, summary))
    return summary


def check_same_base(out: Path, base: Path) -> None:
    """Refuse to resume a demo folder whose tuning began from another base's weights."""
    began = resumable_start(out / "tuned")
    if began is not None and began["weights"] != weights_fingerprint(base):
        raise PhotogenicError(
            f"{out}: a demo of another base ({began['model']}, weights {began['weights']}); "
            f"choose another --out for {base}"
        )


def base_model(config: DemoConfig) -> Path:
    """The base model directory the demo tunes."""
    return Path(config.base) if config.base else BASE_DIR


def recorded_demo(run: Path) -> tuple[EvaluationConfig, Path]:
    """The evaluation settings and the base model a finished ``demo`` (or ``demo --ablations``,
    which nests the demo's config under ``demo``) run used, from its ``config.yaml``: what a
    later comparison must sample with to stay paired with the run's samples."""
    recorded = run / "config.yaml"
    if not recorded.is_file():
        raise PhotogenicError(f"{recorded}: not found (is {run} a finished demo run?)")
    config = yaml.safe_load(recorded.read_text(encoding="utf-8"))["config"]
    config = config.get("demo", config)
    evaluation = from_dict(EvaluationConfig, config["evaluation"], f"{recorded}: evaluation")
    return evaluation, Path(config["base"]) if config.get("base") else BASE_DIR


def curate_world(
    out: Path, config: DemoConfig, clock: StageClock, progress: bool = True
) -> dict[str, Any]:
    """World pool -> automatic funnel -> simulated generalists -> simulated specialists.

    The curated set ends in ``out/specialist/kept``; raises when it is empty.
    """
    from photogenic.curate.funnel import run_funnel

    world_dir = out / "world"
    with clock("world pool"):
        world = make_world(
            world_dir,
            config.pool_size,
            config.seed,
            config.world,
            workers=config.workers,
            progress=progress,
        )
        checked = check_pool(world_dir, progress=progress)
    with clock("curation"):
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
    if not funnel[-1]["items"]:
        raise PhotogenicError(
            f"pool_size={config.pool_size}: the funnel kept no images to quality-tune on; "
            f"expected a larger pool (default {POOL_SIZE}) or looser curation settings"
        )
    return {
        "world": world,
        "pool_check": checked,
        "curate": {k: curated[k] for k in ("accounting", "notices") if k in curated},
        "human_stages": [generalist, specialist],
        "funnel": funnel,
    }


class StageClock:
    """Wall-clock seconds per named stage (``with clock("name"): ...``)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - start, 1)


def peak_memory_mb() -> dict[str, float]:
    """Peak resident memory of this process and of its largest finished child process (MB)."""
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / 2**20  # ru_maxrss: KB on Linux
    return {
        "main_process": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale, 1),
        "largest_worker": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale, 1),
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
