"""The demo's shipped tiny Emu-style base model, and how to rebuild it (``photogenic demo --rebuild-base``).

1. A world pool of its own (a different seed from the demo's pool: the base never sees the demo's
   images), standing in for web-scale pretraining data — every quality, not only needles.
2. The 16-channel Fourier autoencoder, trained on that pool through the single loop (or taken
   from an installed base, ``autoencoder_from``, when only the U-Net is to change).
3. A random Emu-style U-Net + CLIP + T5 (world vocabulary tokenizer) on that autoencoder,
   pretrained on the whole pool at a constant learning rate (noise offset 0.02, the paper's last
   pre-training stage), saved in half precision as ``WORK/stage1``.
4. A second stage (``anneal``): from ``stage1``, a fresh optimizer on the same pool, trained on
   until the held-out loss plateaus (constant learning rate, caption dropout 0.1; see
   :func:`anneal_config`, which can also decay the rate or switch the noise schedule).
5. Saved in half precision under ``photogenic/assets/demo-base`` (package data, < 20 MB); load it
   with ``DiffusionPipeline.from_pretrained(path, torch_dtype=torch.float32)`` on a CPU.

Each step resumes: a finished ``stage1`` is not rebuilt, so the second stage can also start
from an installed base copied there (with its ``build.json``).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from photogenic.autoencoder.load import load_autoencoder
from photogenic.autoencoder.train import AutoencoderTrainConfig, train_autoencoder
from photogenic.errors import PhotogenicError
from photogenic.train.families import FAMILIES, RandomModelSpec
from photogenic.train.run import TrainConfig, train_model
from photogenic.world import WorldConfig, make_world, world_prompts

ASSETS = Path(__file__).resolve().parent.parent / "assets"
BASE_DIR = ASSETS / "demo-base"


def _ae_config() -> AutoencoderTrainConfig:
    cfg = AutoencoderTrainConfig()
    cfg.model.preset = "small-f4"  # 16x16 latents at 64 px: the 8x8 grid of "small" drew too coarse
    cfg.model.latent_channels = 16
    cfg.model.fourier_frequencies = [0, 1, 2, 3, 4, 5]
    cfg.data.crop_size = 64  # whole world images
    cfg.loss.disc_start = 1900  # the adversarial term for the last quarter
    cfg.loss.disc_norm = "group"
    cfg.loop.max_steps = 2500
    cfg.loop.batch_size = 8
    cfg.loop.optimizer.schedule = "cosine"
    cfg.loop.optimizer.warmup_steps = 100
    cfg.loop.validate_every = 250
    cfg.loop.checkpoint.every = 250
    cfg.loop.early_stopping.enabled = True
    cfg.loop.early_stopping.patience = 4
    return cfg


def _unet_spec() -> RandomModelSpec:
    return RandomModelSpec(
        resolution=64,
        block_out_channels=[32, 64, 128],  # 3.1 M parameters: ≈ 0.25 s per batch-64 step on 2 cores
        plain_levels=1,  # no attention at 16x16: it would cost 3x the step (BENCHMARKS.md)
        layers_per_block=1,
        cross_attention_dim=64,
        attention_head_dim=16,
        text_hidden_size=64,
        text_layers=2,
        text_max_length=20,
        latent_channels=16,
    )


def pretrain_config() -> TrainConfig:
    """The base's pretraining: batch 64 at 64 px, early stopping on held-out loss, noise offset."""
    cfg = TrainConfig()
    cfg.loop.max_steps = 3000
    cfg.loop.batch_size = 64
    cfg.loop.validate_every = 250
    cfg.loop.checkpoint.every = 250
    cfg.loop.early_stopping.enabled = True
    cfg.loop.early_stopping.patience = 3
    cfg.loop.optimizer.learning_rate = 3e-4
    cfg.loop.optimizer.warmup_steps = 100
    cfg.task.objective.noise_offset = 0.02  # paper §3.4: the last pre-training stage
    cfg.task.data.resolution = 64
    cfg.task.data.validation_fraction = 0.02
    return cfg


def anneal_config() -> TrainConfig:
    """The second stage: the pretraining recipe, restarted from ``stage1`` with a fresh optimizer at
    a constant learning rate for 9,000 steps, with caption dropout 0.1 so that the base learns the
    unconditional prediction classifier-free guidance samples against. Early stopping ends it after
    8,750 steps for the shipped base (held-out loss 0.044 → 0.025, 0.9 % over its last 2,000
    steps); on the earlier f8 base the demo's tuned model won more often against this stage's base
    and against its control than on ``stage1`` alone (BENCHMARKS.md).
    ``anneal.loop.max_steps=0`` skips it; ``anneal.loop.optimizer.schedule=cosine`` anneals the
    rate to zero instead (2,500 such steps lowered the win rates)."""
    cfg = pretrain_config()
    cfg.loop.max_steps = 9000
    cfg.loop.optimizer.schedule = "constant"
    cfg.loop.optimizer.warmup_steps = 50
    cfg.task.data.caption_dropout = 0.1
    return cfg


@dataclass
class NoiseScheduleSwitch:
    """What a training stage changes in the model's noise schedule before it trains (and the
    installed model then samples with); the defaults change nothing.

    ``zero_terminal_snr``: rescale the betas so that the last timestep is pure noise, as sampling
    starts (``rescale_betas_zero_snr``, with ``trailing`` timesteps; Lin et al. 2024). It needs a
    prediction type other than epsilon, whose target is undefined there."""

    prediction_type: str = ""  # "" keeps the model's; epsilon | v_prediction
    zero_terminal_snr: bool = False


def _anneal_schedule() -> NoiseScheduleSwitch:
    return NoiseScheduleSwitch()


@dataclass
class BaseBuildConfig:
    """Everything ``--rebuild-base`` runs (sized for hours, not minutes, on a 2-core CPU)."""

    pool_size: int = 20000
    pool_seed: int = 1001  # not the demo's pool seed
    workers: int = 2
    autoencoder: AutoencoderTrainConfig = field(default_factory=_ae_config)
    unet: RandomModelSpec = field(default_factory=_unet_spec)
    pretrain: TrainConfig = field(default_factory=pretrain_config)
    anneal: TrainConfig = field(default_factory=anneal_config)
    anneal_schedule: NoiseScheduleSwitch = field(default_factory=_anneal_schedule)
    # an installed base (e.g. photogenic/assets/demo-base) whose autoencoder the U-Net is pretrained
    # on, instead of training one; "" trains it
    autoencoder_from: str = ""
    # where the built base is installed; "" replaces the shipped one (photogenic/assets/demo-base)
    install_to: str = ""


def world_vocabulary(n: int = 5000) -> list[str]:
    """Every word the world's captions use (for the base model's tokenizer)."""
    words = set()
    for prompt in world_prompts(n, seed=0):
        words.update(prompt["text"].split())
    return sorted(words)


def install_target(config: BaseBuildConfig) -> Path:
    """Where ``build_base`` installs: ``config.install_to``, or the shipped base's folder."""
    return Path(config.install_to) if config.install_to else BASE_DIR


def build_base(
    config: BaseBuildConfig, work: Path, target: Path | None = None, progress: bool = True
) -> dict[str, Any]:
    """Rebuild the demo base in ``work`` (resumable step by step) and install it at ``target``
    (by default :func:`install_target`)."""
    target = target or install_target(config)
    pool = work / "pool"
    make_world(
        pool,
        config.pool_size,
        config.pool_seed,
        WorldConfig(),
        workers=config.workers,
        progress=progress,
    )
    stage1 = work / "stage1"
    if not (stage1 / "build.json").is_file():
        _pretrain(config, pool, work, stage1, progress)
    record = json.loads((stage1 / "build.json").read_text())
    record.pop("size_mb", None)
    final = stage1
    if config.anneal.loop.max_steps > 0:
        start = switch_schedule(stage1, work / "anneal-start", config.anneal_schedule)
        summary = train_model(config.anneal, start, pool, work / "anneal", progress=progress)
        record["anneal"] = _summary(summary)
        final = work / "anneal" / "model"
    record["size_mb"] = _install_half_precision(final, target)
    (target / "build.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def switch_schedule(model: Path, out: Path, switch: NoiseScheduleSwitch) -> Path:
    """``model`` itself when ``switch`` changes nothing; else a copy at ``out`` (made once) whose
    scheduler config carries the new prediction type and terminal SNR."""
    if not (switch.prediction_type or switch.zero_terminal_snr):
        return model
    config_file = Path("scheduler") / "scheduler_config.json"
    scheduler = json.loads((model / config_file).read_text())
    changes: dict[str, Any] = {
        "prediction_type": switch.prediction_type or scheduler.get("prediction_type", "epsilon")
    }
    if switch.zero_terminal_snr:
        if changes["prediction_type"] == "epsilon":
            raise PhotogenicError(
                "anneal_schedule.zero_terminal_snr: expected prediction_type v_prediction "
                "(an epsilon target is undefined at zero SNR)"
            )
        changes.update(rescale_betas_zero_snr=True, timestep_spacing="trailing")
    if not (out / "model_index.json").is_file():
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(model, out)
        (out / config_file).write_text(json.dumps({**scheduler, **changes}, indent=2) + "\n")
    return out


def _pretrain(
    config: BaseBuildConfig, pool: Path, work: Path, stage1: Path, progress: bool
) -> None:
    """Autoencoder, random U-Net and text encoders, pretraining; ``stage1`` in half precision."""
    ae_record, ae_model = _autoencoder(config, pool, work, progress)
    random_base = work / "random-base"
    if not (random_base / "model_index.json").is_file():
        autoencoder = load_autoencoder(ae_model).to(torch.float32)
        spec = config.unet
        spec.vocabulary = world_vocabulary()
        # the U-Net's latent grid follows the autoencoder it works on (f8, or f4 for small-f4)
        spec.vae_block_out_channels = list(autoencoder.config.block_out_channels)
        FAMILIES.get("emu")().build_random(random_base, spec, seed=0)
        shutil.rmtree(random_base / "vae")
        autoencoder.save_pretrained(random_base / "vae")
    pretrain = work / "pretrain"
    summary = train_model(config.pretrain, random_base, pool, pretrain, progress=progress)
    record = {"autoencoder": ae_record, "pretrain": _summary(summary)}
    _install_half_precision(pretrain / "model", stage1)
    (stage1 / "build.json").write_text(json.dumps(record, indent=2) + "\n")


def _autoencoder(
    config: BaseBuildConfig, pool: Path, work: Path, progress: bool
) -> tuple[dict[str, Any], Path]:
    """The autoencoder's build record and model folder: trained in ``work/autoencoder``, or the
    ``vae`` of the installed base ``config.autoencoder_from`` (its record says where from)."""
    if config.autoencoder_from:
        source = Path(config.autoencoder_from)
        if not (source / "vae" / "config.json").is_file():
            raise PhotogenicError(
                f"autoencoder_from: {source} is not an installed base (no vae/config.json)"
            )
        built = source / "build.json"
        record = json.loads(built.read_text()).get("autoencoder", {}) if built.is_file() else {}
        return {**record, "from": str(source)}, source / "vae"
    ae_run = work / "autoencoder"
    summary = train_autoencoder(config.autoencoder, [pool], ae_run, progress=progress)
    keys = ("steps", "validation_psnr", "stopped_early", "validations")
    return {k: summary[k] for k in keys}, ae_run / "model"


def _summary(summary: dict[str, Any]) -> dict[str, Any]:
    keys = ("steps", "stopped_early", "best_step", "validations", "train_items")
    return {k: summary[k] for k in keys}


def _install_half_precision(model: Path, target: Path) -> float:
    """Save the pipeline at ``model`` to ``target`` in float16; its size in MB."""
    from photogenic.models.emu_pipeline import EmuPipeline

    pipe = EmuPipeline.from_pretrained(model, torch_dtype=torch.float16)
    if target.exists():
        shutil.rmtree(target)
    pipe.save_pretrained(target)
    return round(sum(p.stat().st_size for p in target.rglob("*") if p.is_file()) / 1e6, 2)
