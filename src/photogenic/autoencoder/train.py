"""``photogenic ae train``: the Fourier autoencoder through the project's single training loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from photogenic.autoencoder.crops import load_images
from photogenic.autoencoder.losses import ADAM_BETAS, AutoencoderLoss, AutoencoderLossConfig
from photogenic.autoencoder.presets import make_autoencoder
from photogenic.autoencoder.task import AutoencoderTask
from photogenic.errors import ConfigError
from photogenic.train.config import LoopConfig, OptimizerConfig
from photogenic.train.loop import run_training
from photogenic.train.seeding import derive_seed, seeded_init


@dataclass
class AutoencoderModelConfig:
    """Which autoencoder to build."""

    preset: str = "small"  # tiny (tests) | small (this CPU) | small-f4 | wide (2x small) | base
    latent_channels: int = 16  # Emu §3.1: 4 -> 16 channels
    fourier_frequencies: list[int] = field(default_factory=list)  # e.g. [0, 1, 2, 3, 4, 5]
    latent_shift: bool = False  # SD-family pipelines only scale latents; SD3/FLUX also shift


@dataclass
class AutoencoderDataConfig:
    """Crops and the held-out split."""

    crop_size: int = 64
    validation_fraction: float = 0.1  # held out per dataset (at least one image of each)
    validation_max: int = 64  # in all, shared equally by the datasets
    # Several datasets: repeat the smaller ones' images so that each dataset gives about as many
    # crops as the largest (nine photos are not drowned by a thousand world images).
    balance_sources: bool = True
    # Augmentation (see ``random_crop``): crops from squares up to ``crop_size / min_scale`` wide,
    # resized down; left-right mirroring; the RGB channels in a random order (the ``small`` preset
    # then reconstructs grey: colour is no longer predictable from content). 1.0 / false: plain.
    min_scale: float = 1.0
    flip: bool = False
    permute_channels: bool = False


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
    if not 0 < config.data.min_scale <= 1:
        raise ConfigError(
            f"data.min_scale: expected a share in (0, 1], got {config.data.min_scale}"
        )
    images, ids = load_images(data, config.data.crop_size, Path(out) / "skipped.jsonl", progress)
    train, validation = split_by_source(images, ids, config.data, config.loop.seed)
    names = {id(image): item_id for image, item_id in zip(images, ids, strict=True)}
    # The initial weights (autoencoder and discriminator) come from the run's seed, not from
    # whatever state the global generator is in, so a run is reproducible from its config.
    with seeded_init(config.loop.seed, "autoencoder-init"):
        if model is None:
            model = make_autoencoder(
                config.model.preset, config.model.latent_channels, config.model.fourier_frequencies
            )
        loss = AutoencoderLoss(config.loss)
    task = AutoencoderTask(
        model,
        loss,
        train,
        validation,
        config.data.crop_size,
        min_scale=config.data.min_scale,
        flip=config.data.flip,
        permute_channels=config.data.permute_channels,
    )
    task.with_shift = config.model.latent_shift
    summary = run_training(task, config.loop, out, progress=progress)
    return {
        "train_images": len({id(im) for im in train}),
        "train_items_per_epoch": len(train),
        "validation_images": len(validation),
        "validation_ids": [names[id(image)] for image in validation],  # which images were held out
        "parameters": sum(p.numel() for p in model.parameters()),
        "validation_psnr": task.last_validation_psnr,
        **summary,
    }


def split_by_source(
    images: list[np.ndarray], ids: list[str], config: AutoencoderDataConfig, seed: int
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Hold out a seeded share of each dataset (ids are ``dataset/item``), then, with
    ``balance_sources``, repeat each dataset's training images about ``largest / its size`` times."""
    sources: dict[str, list[int]] = {}
    for i, item_id in enumerate(ids):
        sources.setdefault(item_id.split("/", 1)[0], []).append(i)
    cap = max(1, config.validation_max // len(sources))
    train_by_source, validation = [], []
    for members in sources.values():
        order = sorted(members, key=lambda i: derive_seed(seed, "ae-val", ids[i]))
        n_val = 0
        if len(order) >= 4 and config.validation_fraction > 0:
            n_val = min(cap, max(1, int(len(order) * config.validation_fraction)))
        held = set(order[:n_val])
        validation += [images[i] for i in members if i in held]
        train_by_source.append([images[i] for i in members if i not in held])
    largest = max(len(t) for t in train_by_source)
    train = []
    for part in train_by_source:
        repeats = max(1, round(largest / len(part))) if config.balance_sources and part else 1
        train += part * repeats
    return train, validation
