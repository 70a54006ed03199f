"""``photogenic ae train``: the Fourier autoencoder through the project's single training loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torch import nn

from photogenic.autoencoder.crops import load_images
from photogenic.autoencoder.losses import ADAM_BETAS, AutoencoderLoss, AutoencoderLossConfig
from photogenic.autoencoder.presets import make_autoencoder
from photogenic.autoencoder.task import AutoencoderTask
from photogenic.train.config import LoopConfig, OptimizerConfig
from photogenic.train.loop import run_training
from photogenic.train.seeding import derive_seed


@dataclass
class AutoencoderModelConfig:
    """Which autoencoder to build."""

    preset: str = "small"  # tiny (tests) | small (this CPU) | base (real use)
    latent_channels: int = 16  # Emu §3.1: 4 -> 16 channels
    fourier_frequencies: list[int] = field(default_factory=list)  # e.g. [0, 1, 2, 3, 4, 5]
    latent_shift: bool = False  # SD-family pipelines only scale latents; SD3/FLUX also shift


@dataclass
class AutoencoderDataConfig:
    """Crops and the held-out split."""

    crop_size: int = 64
    validation_fraction: float = 0.1
    validation_max: int = 64


def _default_loop() -> LoopConfig:
    adam = OptimizerConfig(
        learning_rate=1e-3,
        betas=list(ADAM_BETAS),
        weight_decay=0.0,
        schedule="constant",
        max_grad_norm=0.0,
    )
    return LoopConfig(max_steps=1500, batch_size=8, validate_every=100, optimizer=adam)


@dataclass
class AutoencoderTrainConfig:
    """Everything ``ae train`` needs."""

    model: AutoencoderModelConfig = field(default_factory=AutoencoderModelConfig)
    loss: AutoencoderLossConfig = field(
        default_factory=lambda: AutoencoderLossConfig(disc_start=1000)
    )
    data: AutoencoderDataConfig = field(default_factory=AutoencoderDataConfig)
    loop: LoopConfig = field(default_factory=_default_loop)


def train_autoencoder(
    config: AutoencoderTrainConfig,
    data: list[Path],
    out: Path,
    progress: bool = True,
    model: nn.Module | None = None,
) -> dict[str, Any]:
    """Train an autoencoder on random crops of ``data``; the model lands in ``out/model``.

    ``model``: an autoencoder to train instead of the one ``config.model`` describes (e.g. the
    ``VQModel`` of a masked-token pipeline)."""
    images, ids = load_images(data, config.data.crop_size, Path(out) / "skipped.jsonl", progress)
    order = sorted(
        range(len(images)), key=lambda i: derive_seed(config.loop.seed, "ae-val", ids[i])
    )
    n_val = 0
    if len(images) >= 4 and config.data.validation_fraction > 0:
        n_val = min(
            config.data.validation_max, max(1, int(len(images) * config.data.validation_fraction))
        )
    held = set(order[:n_val])
    train = [im for i, im in enumerate(images) if i not in held]
    validation = [im for i, im in enumerate(images) if i in held]
    if model is None:
        model = make_autoencoder(
            config.model.preset, config.model.latent_channels, config.model.fourier_frequencies
        )
    task = AutoencoderTask(
        model, AutoencoderLoss(config.loss), train, validation, config.data.crop_size
    )
    task.with_shift = config.model.latent_shift
    summary = run_training(task, config.loop, out, progress=progress)
    return {
        "train_images": len(train),
        "validation_images": len(validation),
        "parameters": sum(p.numel() for p in model.parameters()),
        "validation_psnr": task.last_validation_psnr,
        **summary,
    }
