"""Autoencoder training as a task of the single loop: a generator phase, then (once the
adversarial loss is on) a discriminator phase, each with its own optimizer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from diffusers import VQModel
from torch import nn

from photogenic.autoencoder.crops import center_crop, random_crop
from photogenic.autoencoder.losses import AutoencoderLoss
from photogenic.autoencoder.metrics import psnr
from photogenic.autoencoder.model import FourierAutoencoderKL, compute_latent_stats
from photogenic.train.task import LossPhase, StepContext, TrainingTask


class AutoencoderTask(TrainingTask):
    """Train a ``FourierAutoencoderKL`` (or a diffusers ``VQModel``: an image tokenizer, trained
    with its codebook loss in place of the KL) on random crops; validate on held-out centre crops."""

    def __init__(
        self,
        model: FourierAutoencoderKL | VQModel,
        loss: AutoencoderLoss,
        images: list[np.ndarray],
        validation: list[np.ndarray],
        crop_size: int,
        with_shift: bool = False,
        min_scale: float = 1.0,
        flip: bool = False,
        permute_channels: bool = False,
    ) -> None:
        self.model, self.loss = model, loss
        self.images, self.crop_size = images, crop_size
        self.validation = (
            torch.stack([center_crop(v, crop_size) for v in validation]) if validation else None
        )
        self.last_validation_psnr: float | None = None
        self.with_shift = with_shift  # SD-family pipelines only scale latents: keep False there
        self.vector_quantized = isinstance(model, VQModel)
        self.augment = {"min_scale": min_scale, "flip": flip, "permute_channels": permute_channels}

    def modules(self) -> dict[str, nn.Module]:
        return {"autoencoder": self.model, "discriminator": self.loss.discriminator}

    def optimizer_groups(self) -> dict[str, list[str]]:
        return {"generator": ["autoencoder"], "discriminator": ["discriminator"]}

    def ema_modules(self) -> list[str]:
        return ["autoencoder"]

    @property
    def num_items(self) -> int:
        return len(self.images)

    def load_batch(self, indices: list[int]) -> list[int]:
        return indices  # crops are drawn in training_step from the per-item random streams

    def training_step(self, batch: list[int], modules, ctx: StepContext) -> Iterator[LossPhase]:
        crops = torch.stack(
            [
                random_crop(self.images[i], self.crop_size, g, **self.augment)
                for i, g in zip(batch, ctx.item_generators("crop"), strict=True)
            ]
        )
        model = modules["autoencoder"]
        if self.vector_quantized:
            decoded = model.decode(model.encode(crops).latents)
            recon, posterior = decoded.sample, decoded.commit_loss
        else:
            posterior = model.encode(crops).latent_dist
            noise = ctx.randn(tuple(posterior.mean.shape[1:]), stream="posterior")
            recon = model.decode(posterior.mean + posterior.std * noise.to(posterior.mean)).sample
        last_layer = _unwrap(model).decoder.conv_out.weight
        loss, logs = self.loss.generator_loss(crops, recon, posterior, ctx.step, last_layer)
        yield "generator", loss, {"loss": float(loss.detach()), **logs}
        if self.loss.adversarial_active(ctx.step):
            d_loss, d_logs = self.loss.discriminator_loss(crops, recon.detach(), ctx.step)
            yield "discriminator", d_loss, d_logs

    def validation_loss(self, modules) -> float | None:
        """Mean L1 of held-out centre crops (lower is better); also records their PSNR."""
        if self.validation is None:
            return None
        model = modules["autoencoder"]
        recon = torch.cat([model(chunk).sample for chunk in self.validation.split(16)])
        self.last_validation_psnr = float(psnr((recon + 1) / 2, (self.validation + 1) / 2).mean())
        return float((recon - self.validation).abs().mean())

    def export(self, modules, out: Path) -> None:
        """Save the autoencoder with latent scale/shift computed on training crops (a VQ model's
        token ids need neither)."""
        model = modules["autoencoder"]
        if self.vector_quantized:
            model.save_pretrained(out)
            return
        generator = torch.Generator().manual_seed(0)
        crops = [
            random_crop(self.images[i % len(self.images)], self.crop_size, generator)
            for i in range(64)
        ]
        with torch.no_grad():
            compute_latent_stats(
                model,
                [torch.stack(crops[i : i + 16]) for i in range(0, 64, 16)],
                with_shift=self.with_shift,
            )
        model.save_pretrained(out)


def _unwrap(module: nn.Module) -> nn.Module:
    return getattr(module, "module", module)
