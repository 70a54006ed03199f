"""Quality-tuning in the demo: the shipped base fine-tuned on the curated set, and the control.

The control is the same base fine-tuned with the same recipe and the same number of steps on a
random subset of the pool of the same size: it separates "any fine-tuning moves an under-trained
base" from "the curated set makes the difference".
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from photogenic.config import load_config
from photogenic.data import open_dataset
from photogenic.data.subset import write_subset
from photogenic.train.run import TrainConfig, recipe_path, train_model

SUMMARY_KEYS = ("steps", "train_items", "skipped_items", "exported_step")


def demo_tune_config() -> TrainConfig:
    """``tiny-world-quality-tune`` with a fixed step budget (both models get the same steps) and
    random flips."""
    config = load_config(TrainConfig, recipe_path("tiny-world-quality-tune"))
    config.loop.max_steps = 150
    config.loop.early_stopping.enabled = False
    config.loop.validate_every = 0
    config.loop.checkpoint.every = 50
    config.task.data.validation_fraction = 0.0  # a few dozen images: train on all of them
    # mirrored images, their captions kept true (diffusers' --random_flip); chosen with the
    # shipped base on fresh prompts (BENCHMARKS.md, "How that base and recipe were chosen")
    config.task.data.random_flip = 0.5
    config.task.data.flip_swap_words = [["left", "right"]]
    return config


def write_random_subset(pool: Path, size: int, seed: int, out: Path) -> dict[str, Any]:
    """``size`` random decodable items of ``pool`` (seeded) written as a dataset at ``out``."""
    items = [i for i in open_dataset(pool) if not i.error and i.text and not i.decode().error]
    chosen = random.Random(seed).sample(items, min(size, len(items)))
    write_subset(chosen, out)
    needles = sum(bool(i.columns.get("needle")) for i in chosen)
    return {"items": len(chosen), "needles": needles, "seed": seed}


def random_control(run: Path, size: int, seed: int) -> Path:
    """``run/subsets/random-SIZE``: a same-size random subset of the run's world pool, the control
    that curated sets of ``size`` are judged against (resumes; the same seed gives the same items)."""
    control = run / "subsets" / f"random-{size}"
    write_random_subset(run / "world", size, seed, control)
    return control


def quality_tune(
    base: Path, data: Path, out: Path, config: TrainConfig, progress: bool = True
) -> dict[str, Any]:
    """Fine-tune ``base`` on ``data`` into ``out/model``; a short summary of the run."""
    summary = train_model(config, base, data, out, progress=progress)
    record = {k: summary.get(k) for k in SUMMARY_KEYS}
    record["model"] = str(out / "model")
    return record
