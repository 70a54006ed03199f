"""Model families: how to load, condition, run and save each kind of text-to-image model.

The single training loop only sees a family's interface; a family is a registry entry, not a copy
of the loop.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from photogenic.errors import PhotogenicError
from photogenic.registry import Registry
from photogenic.train.objective import (
    FLOW_MATCHING,
    DiffusionObjectiveConfig,
    diffusion_loss,
    is_flow_matching,
    noisy_inputs,
)
from photogenic.train.task import StepContext


@dataclass
class RandomModelSpec:
    """Sizes of a randomly initialised model (tests, the demo's base before pretraining)."""

    resolution: int = 32  # pixels; latents are resolution / latent_scale(spec)
    block_out_channels: list[int] = field(default_factory=lambda: [32, 64])
    layers_per_block: int = 1
    # U-Net levels, from the finest, built without attention (its cost grows with the square of a
    # level's tokens: at 16x16 latents the finest level's attention is most of a step)
    plain_levels: int = 0
    cross_attention_dim: int = 32
    attention_head_dim: int = 8
    text_hidden_size: int = 32
    text_layers: int = 2
    text_max_length: int = 16
    # one block per 2x downsampling step plus one: four blocks = f8 latents, three = f4
    vae_block_out_channels: list[int] = field(default_factory=lambda: [16, 32, 32, 32])
    latent_channels: int = 4
    codebook_size: int = 64  # VQ codebook entries (masked-token families)
    vocabulary: list[str] = field(default_factory=list)  # whole-word tokens for the tokenizer
    prediction_type: str = "epsilon"
    # flow-matching families: the scheduler's σ shift, used in training and sampling alike (SD3's
    # 3.0 is for ~1 megapixel; the SD3 paper scales it with the square root of the pixel count)
    flow_shift: float = 3.0
    patch_size: int = 2  # transformer families: latent pixels per token side (SD3: 2)


def latent_scale(spec: RandomModelSpec) -> int:
    """Pixels per latent side of the autoencoder ``spec`` describes (8 for four blocks)."""
    return 2 ** (len(spec.vae_block_out_channels) - 1)


class ModelFamily:
    """Interface of a text-to-image model family (see the ``sd`` family for the reference one)."""

    name: str = ""
    pipeline_class_name: str = ""
    # Whether ``encode_images`` gives a distribution (mean and log-variance, sampled with fresh
    # noise each step) rather than the denoiser's inputs themselves (pixels, token ids).
    latent_distribution: bool = True

    def build_random(self, out: Path, spec: RandomModelSpec, seed: int = 0) -> None:
        """Write a randomly initialised model of this family to ``out`` (diffusers layout)."""
        raise NotImplementedError

    def load(self, model_dir: Path) -> Any:
        """Load the pipeline from a local diffusers directory in float32 (the master weights;
        half-precision checkpoints are upcast, mixed precision is the loop's business)."""
        raise NotImplementedError

    def image_encoder(self, pipe: Any) -> nn.Module | None:
        """The frozen module that maps pixels to the denoiser's inputs (the VAE), or ``None`` when
        the denoiser works on pixels; its weights fingerprint the latent cache."""
        return pipe.vae

    def bucket_multiple(self, pipe: Any) -> int:
        """Bucket sides are multiples of this many pixels (VAE factor x U-Net downsampling)."""
        encoder = self.image_encoder(pipe)
        vae_factor = 2 ** (len(encoder.config.block_out_channels) - 1) if encoder else 1
        return vae_factor * 2 ** (len(pipe.unet.config.block_out_channels) - 1)

    def trainable(self, pipe: Any) -> dict[str, nn.Module]:
        """The modules that training updates (full fine-tuning: the denoiser)."""
        raise NotImplementedError

    def encode_text(self, pipe: Any, texts: list[str]) -> dict[str, torch.Tensor]:
        """Text conditioning for each caption, as tensors whose first axis is the batch."""
        raise NotImplementedError

    def unconditional_text(self, pipe: Any) -> dict[str, torch.Tensor]:
        """The text conditioning classifier-free guidance samples against (batch of one): what the
        pipeline feeds for an empty negative prompt, here the empty caption's encoding."""
        return self.encode_text(pipe, [""])

    def encode_images(self, pipe: Any, pixels: torch.Tensor) -> torch.Tensor:
        """Latent distribution parameters (mean and log-variance stacked on the channel axis)
        of ``pixels`` in [-1, 1]; see ``sample_latents``."""
        raise NotImplementedError

    def sample_latents(
        self, pipe: Any, params: torch.Tensor, noise: torch.Tensor | None
    ) -> torch.Tensor:
        """Latents from cached distribution parameters with the given standard-normal ``noise``,
        scaled (and shifted) into the range the denoiser was trained on (``noise`` is ``None``
        for families without a ``latent_distribution``)."""
        raise NotImplementedError

    def predict(
        self,
        modules: dict[str, nn.Module],
        noisy: torch.Tensor,
        timesteps: torch.Tensor,
        cond: dict[str, torch.Tensor],
    ) -> torch.Tensor:
        """The denoiser's prediction for a noisy batch under the given conditioning."""
        raise NotImplementedError

    def objective(self, scheduler: Any) -> str:
        """Which objective ``training_loss`` trains: ``diffusion``, or ``flow_matching`` for a
        rectified-flow training ``scheduler`` (tells which objective options apply)."""
        return FLOW_MATCHING if is_flow_matching(scheduler) else "diffusion"

    def training_loss(
        self,
        modules: dict[str, nn.Module],
        latents: torch.Tensor,
        cond: dict[str, torch.Tensor],
        ctx: StepContext,
        scheduler: Any,
        config: DiffusionObjectiveConfig,
    ) -> torch.Tensor:
        """The loss of one batch: the denoising objective of ``photogenic.train.objective``
        (chosen by the training ``scheduler``); a family with another objective overrides this."""
        noisy, timesteps, _, target, kind = noisy_inputs(scheduler, latents, ctx, config)
        prediction = self.predict(modules, noisy, timesteps, cond)
        return diffusion_loss(prediction, target, scheduler, timesteps, kind, config.snr_gamma)

    def save(self, pipe: Any, modules: dict[str, nn.Module], out: Path) -> None:
        """Write the pipeline with the trained modules, loadable by ``DiffusionPipeline.from_pretrained``."""
        raise NotImplementedError


FAMILIES: Registry[ModelFamily] = Registry("model family")


def family_for(model_dir: Path, name: str | None = None) -> ModelFamily:
    """The family named ``name``, or the one whose pipeline class ``model_dir`` declares."""
    if name:
        return FAMILIES.get(name)()
    index = Path(model_dir) / "model_index.json"
    if not index.is_file():
        raise PhotogenicError(f"{model_dir}: not a diffusers model directory (no model_index.json)")
    class_name = json.loads(index.read_text())["_class_name"]
    for key in FAMILIES:
        family = FAMILIES.get(key)()
        if family.pipeline_class_name == class_name:
            return family
    raise PhotogenicError(
        f"{index}: pipeline {class_name!r} is not a supported family; expected one of "
        f"{', '.join(FAMILIES.names())}"
    )


def diagonal_gaussian_sample(params: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Sample from mean/log-variance stacked on the channel axis (as diffusers' VAEs produce)."""
    mean, logvar = torch.chunk(params, 2, dim=1)
    logvar = torch.clamp(logvar, -30.0, 20.0)
    return mean + torch.exp(0.5 * logvar) * noise
