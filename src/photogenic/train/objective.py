"""The denoising objective shared by every latent/pixel diffusion family.

Noise offset (paper §3.4: 0.02 in the last pre-training stage, 0.1 for quality-tuning), epsilon /
v-prediction / sample targets from the scheduler's ``prediction_type``, and optional min-SNR-γ loss
weighting (Hang et al. 2023), as in diffusers' ``train_text_to_image.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from diffusers.training_utils import compute_snr

from photogenic.errors import PhotogenicError
from photogenic.train.task import StepContext


@dataclass
class DiffusionObjectiveConfig:
    """How noise is drawn and the loss weighted."""

    noise_offset: float = 0.0  # paper: 0.02 (last pre-training stage), 0.1 (quality-tuning)
    snr_gamma: float = 0.0  # min-SNR-γ weighting; 0 disables (5.0 is the published default)
    prediction_type: str = ""  # "" = the scheduler's own; or epsilon | v_prediction | sample


def draw_noise(latents: torch.Tensor, ctx: StepContext, noise_offset: float) -> torch.Tensor:
    """Per-item Gaussian noise, plus ``noise_offset`` times a per-item, per-channel constant."""
    noise = ctx.randn(tuple(latents.shape[1:]), stream="noise").to(latents)
    if noise_offset:
        offset = ctx.randn((latents.shape[1], 1, 1), stream="noise_offset").to(latents)
        noise = noise + noise_offset * offset
    return noise


def diffusion_target(
    scheduler,
    latents: torch.Tensor,
    noise: torch.Tensor,
    timesteps: torch.Tensor,
    prediction_type: str,
) -> torch.Tensor:
    """What the model should predict for this prediction type."""
    if prediction_type == "epsilon":
        return noise
    if prediction_type == "v_prediction":
        return scheduler.get_velocity(latents, noise, timesteps)
    if prediction_type == "sample":
        return latents
    raise PhotogenicError(
        f"prediction_type {prediction_type!r}: expected epsilon, v_prediction or sample"
    )


def diffusion_loss(
    prediction: torch.Tensor,
    target: torch.Tensor,
    scheduler,
    timesteps: torch.Tensor,
    prediction_type: str,
    snr_gamma: float = 0.0,
) -> torch.Tensor:
    """Mean-squared error, optionally weighted per item by min(SNR, γ)/SNR (v-prediction: /(SNR+1))."""
    if not snr_gamma:
        return F.mse_loss(prediction.float(), target.float(), reduction="mean")
    snr = compute_snr(scheduler, timesteps)
    weights = torch.clamp(snr, max=snr_gamma) / snr
    if prediction_type == "v_prediction":
        weights = torch.clamp(snr, max=snr_gamma) / (snr + 1)
    if prediction_type == "sample":
        weights = torch.clamp(snr, max=snr_gamma)
    per_item = F.mse_loss(prediction.float(), target.float(), reduction="none")
    per_item = per_item.mean(dim=list(range(1, per_item.ndim)))
    return (per_item * weights).mean()


def noisy_inputs(
    scheduler, latents: torch.Tensor, ctx: StepContext, config: DiffusionObjectiveConfig
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, str]:
    """Draw timesteps and noise for ``latents``; returns (noisy, timesteps, noise, target, type)."""
    prediction_type = config.prediction_type or scheduler.config.prediction_type
    noise = draw_noise(latents, ctx, config.noise_offset)
    timesteps = ctx.randint(0, scheduler.config.num_train_timesteps, stream="timestep")
    timesteps = timesteps.to(latents.device)
    noisy = scheduler.add_noise(latents, noise, timesteps)
    target = diffusion_target(scheduler, latents, noise, timesteps, prediction_type)
    return noisy, timesteps, noise, target, prediction_type
