"""``photogenic train``: a recipe + a model directory + a dataset -> a trained diffusers directory."""

from __future__ import annotations

import copy
import json
import os
import shutil
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from photogenic.errors import PhotogenicError
from photogenic.models.weights import weights_fingerprint
from photogenic.runs import atomic_write_text
from photogenic.train.checkpoint import latest_checkpoint
from photogenic.train.config import LoopConfig
from photogenic.train.diffusion_task import DiffusionTask, DiffusionTaskConfig
from photogenic.train.examples import load_examples
from photogenic.train.families import family_for
from photogenic.train.loop import run_training
from photogenic.train.objective import ignored_options
from photogenic.train.seeding import derive_seed, seeded_init

START_WEIGHTS = "start_weights.json"  # the weights a run began from (checked on resume)

RECIPES_DIR = Path(__file__).resolve().parent.parent / "recipes"


@dataclass
class StageConfig:
    """One stage of progressive-resolution pretraining (overrides of the recipe for that stage)."""

    resolution: int = 256
    max_steps: int = 1000
    noise_offset: float = 0.0
    batch_size: int = 0  # 0 = the recipe's loop.batch_size


@dataclass
class TrainConfig:
    """A training recipe: the loop's settings and the model/data side.

    With ``stages``, training runs them in order (each starts from the previous stage's model, in
    ``OUT/stage-N``), as the paper pretrains at progressively increasing resolution.
    """

    loop: LoopConfig = field(default_factory=LoopConfig)
    task: DiffusionTaskConfig = field(default_factory=DiffusionTaskConfig)
    stages: list[StageConfig] = field(default_factory=list)


def recipe_path(recipe: str) -> Path:
    """A recipe name shipped with photogenic (e.g. ``emu-quality-tune``) or a YAML file path."""
    as_path = Path(recipe)
    if as_path.suffix in (".yaml", ".yml"):
        if not as_path.is_file():
            raise PhotogenicError(f"recipe file not found: {as_path}")
        return as_path
    shipped = RECIPES_DIR / f"{recipe}.yaml"
    if not shipped.is_file():
        names = sorted(p.stem for p in RECIPES_DIR.glob("*.yaml"))
        raise PhotogenicError(
            f"unknown recipe {recipe!r}; expected a .yaml file or one of: {', '.join(names)}"
        )
    return shipped


def train_model(
    config: TrainConfig, model: Path, data: Path, out: Path, progress: bool = True
) -> dict[str, Any]:
    """Train the denoiser of the diffusers model at ``model`` on ``data``; writes ``out/model``."""
    if config.stages:
        return _train_stages(config, model, data, Path(out), progress)
    return _train_one(config, model, data, out, progress)


def _train_stages(
    config: TrainConfig, model: Path, data: Path, out: Path, progress: bool
) -> dict[str, Any]:
    """Run each stage from the previous stage's model; finished stages are not run again."""
    stages = []
    current = Path(model)
    for number, stage in enumerate(config.stages, start=1):
        stage_out = out / f"stage-{number}"
        done = stage_out / "stage.json"
        if not done.is_file():
            cfg = copy.deepcopy(config)
            cfg.stages = []
            cfg.task.data.resolution = stage.resolution
            cfg.loop.max_steps = stage.max_steps
            cfg.task.objective.noise_offset = stage.noise_offset
            cfg.loop.batch_size = stage.batch_size or config.loop.batch_size
            summary = _train_one(cfg, current, data, stage_out, progress)
            done.write_text(json.dumps(summary, indent=2) + "\n")
        stages.append({"stage": number, **asdict(stage), **json.loads(done.read_text())})
        current = stage_out / "model"
    final = out / "model"
    if final.exists():
        shutil.rmtree(final)
    shutil.copytree(current, final)
    return {**stages[-1], "model": str(final), "stages": stages}


def _train_one(
    config: TrainConfig, model: Path, data: Path, out: Path, progress: bool
) -> dict[str, Any]:
    if not Path(model).is_dir():
        raise PhotogenicError(f"--model {model}: expected a local diffusers model directory")
    check_start_weights(Path(out), Path(model))
    family = family_for(model, config.task.family or None)
    pipe = family.load(model)
    examples = load_examples(
        data,
        config.task.data.resolution,
        config.task.data.bucketing,
        config.task.data.missing_caption,
        Path(out) / "skipped.jsonl",
        progress,
        family.bucket_multiple(pipe),
    )
    train, validation = split_validation(examples, config.task.data, config.loop.seed)
    cache_root = (
        Path(config.task.data.cache_dir) if config.task.data.cache_dir else Path(out) / "cache"
    )
    # what the task adds with fresh weights (LoRA adapters) comes from the run's seed
    with seeded_init(config.loop.seed, "task-init"):
        task = DiffusionTask(family, pipe, train, validation, config.task, cache_root, progress)
    # named, not an error: one recipe serves several families
    ignored = ignored_options(config.task.objective, family.objective(task.scheduler))
    if ignored and os.environ.get("RANK", "0") == "0":  # once per launch
        print(
            f"note: {family.name}'s objective does not read task.objective "
            + ", ".join(ignored)
            + "; ignored",
            file=sys.stderr,
        )
    summary = run_training(task, config.loop, out, progress=progress)
    return {
        "family": family.name,
        "ignored_options": ignored,
        "train_items": len(train),
        "validation_items": len(validation),
        "skipped_items": len(
            (Path(out) / "skipped.jsonl").read_text(encoding="utf-8").splitlines()
        ),
        **summary,
    }


def check_start_weights(out: Path, model: Path) -> None:
    """Record the weights a run starts from in ``out/start_weights.json``, and refuse to resume
    checkpoints that were trained from other weights (say, a base installed again into the same
    folder since): the run would mix two models without a word."""
    now = {"model": str(model), "weights": weights_fingerprint(model)}
    began = resumable_start(out)
    if began is None:
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out / START_WEIGHTS, json.dumps(now, indent=2) + "\n")
    elif began["weights"] != now["weights"]:
        raise PhotogenicError(
            f"{out}: its checkpoints were trained from {began['model']} (weights "
            f"{began['weights']}), and {model} holds other weights ({now['weights']}); "
            f"choose another --out, or delete {out} to start again"
        )


def resumable_start(out: Path) -> dict[str, str] | None:
    """The model and weights fingerprint a run in ``out`` began from, where it has checkpoints
    to resume; ``None`` otherwise."""
    record = out / START_WEIGHTS
    if record.is_file() and latest_checkpoint(out) is not None:
        return json.loads(record.read_text(encoding="utf-8"))
    return None


def split_validation(examples: list, data_config, seed: int) -> tuple[list, list]:
    """Hold out a deterministic share of the examples (by id hash) for the validation loss."""
    if data_config.validation_fraction <= 0 or len(examples) < 4:
        return examples, []
    ranked = sorted(examples, key=lambda e: derive_seed(seed, "validation", e.id))
    n_val = min(
        data_config.validation_max, max(1, int(len(examples) * data_config.validation_fraction))
    )
    held = {id(e) for e in ranked[:n_val]}
    return [e for e in examples if id(e) not in held], [e for e in examples if id(e) in held]
