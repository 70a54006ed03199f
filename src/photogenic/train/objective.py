"""The denoising objective shared by every latent/pixel diffusion family.

Noise offset (paper §3.4: 0.02 in the last pre-training stage, 0.1 for quality-tuning), epsilon /
v-prediction / sample targets from the scheduler's ``prediction_type``, and optional min-SNR-γ loss
weighting (Hang et al. 2023), as in diffusers' ``train_text_to_image.py``; optionally the noisiest or
the least noisy timesteps drawn more often (``timestep_bias``, its SDXL script's strategy).

Families whose training scheduler is a ``FlowMatchEulerDiscreteScheduler`` (``sd3``) get the
rectified-flow objective instead (Esser et al. 2024, SD3 paper §2-3): ``x_σ = (1 - σ)·x0 + σ·ε``,
the model predicts the velocity ``ε - x0``, σ is drawn logit-normal (§3.1, m=0, s=1) or uniform,
shifted by the scheduler's ``shift`` as its inference sigmas are, and the timestep is ``σ·1000``.
The noise offset, min-SNR-γ and timestep-bias options do not apply there and are ignored: the
noise is plain standard normal (the sampler starts from pure noise at σ=1) and the loss is the
unweighted MSE. Training names every option it ignores (``ignored_options``: on stderr and in the
run's summary), since one recipe may serve several families.

Masked-token models (``amused``) have no noise at all: their family's ``training_loss`` masks a
cosine-scheduled share of each image's VQ token ids (``masked_token_inputs``) and takes the
cross-entropy on the masked tokens only (``masked_token_loss``), as in MUSE (Chang et al. 2023).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from diffusers import FlowMatchEulerDiscreteScheduler
from diffusers.training_utils import compute_snr

from photogenic.errors import PhotogenicError
from photogenic.train.task import StepContext


@dataclass
class DiffusionObjectiveConfig:
    """How noise is drawn and the loss weighted."""

    noise_offset: float = 0.0  # paper: 0.02 (last pre-training stage), 0.1 (quality-tuning)
    snr_gamma: float = 0.0  # min-SNR-γ weighting; 0 disables (5.0 is the published default)
    prediction_type: str = ""  # "" = the scheduler's own; or epsilon | v_prediction | sample
    # diffusers' --timestep_bias_strategy: the latest (noisiest: layout, composition) or earliest
    # (detail) ``timestep_bias_portion`` of the timesteps drawn ``timestep_bias_multiplier`` times
    # as often; "none" draws them uniformly
    timestep_bias: Literal["none", "later", "earlier"] = "none"
    timestep_bias_portion: float = 0.25
    timestep_bias_multiplier: float = 1.0
    # flow matching only (sd3): how σ is drawn; logit-normal m=0, s=1 is the SD3 paper's choice
    timestep_sampling: Literal["logit_normal", "uniform"] = "logit_normal"
    logit_mean: float = 0.0
    logit_std: float = 1.0


FLOW_MATCHING = "flow_matching"  # the prediction type of rectified-flow models (velocity ε - x0)
MASKED_TOKENS = "masked_tokens"  # the objective of masked-token models (amused): no noise at all

# the options each objective reads (``timestep_bias_*`` only with a bias); the rest are ignored
_NOISE = ("noise_offset", "snr_gamma", "prediction_type", "timestep_bias")
_FLOW = ("timestep_sampling", "logit_mean", "logit_std")
_READS = {"diffusion": _NOISE, FLOW_MATCHING: ("prediction_type",) + _FLOW, MASKED_TOKENS: ()}


def ignored_options(config: DiffusionObjectiveConfig, objective: str) -> list[str]:
    """``name=value`` for each option set away from its default that ``objective`` (diffusion,
    flow_matching or masked_tokens) does not read, e.g. a noise offset for SD3's flow matching."""
    default = DiffusionObjectiveConfig()
    reads = set(_READS[objective])
    if "timestep_bias" in reads and config.timestep_bias != "none":
        reads |= {"timestep_bias_portion", "timestep_bias_multiplier"}
    return [
        f"{name}={getattr(config, name)}"
        for name in default.__dataclass_fields__
        if name not in reads and getattr(config, name) != getattr(default, name)
    ]


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
    """Mean-squared error, optionally weighted per item by min(SNR, γ)/SNR (v-prediction: /(SNR+1));
    flow matching is always unweighted (``snr_gamma`` is ignored)."""
    if not snr_gamma or prediction_type == FLOW_MATCHING:
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
    """Draw timesteps and noise for ``latents``; returns (noisy, timesteps, noise, target, type).

    A flow-matching scheduler selects the rectified-flow objective (``flow_matching_inputs``)."""
    if is_flow_matching(scheduler):
        return flow_matching_inputs(scheduler, latents, ctx, config)
    prediction_type = config.prediction_type or scheduler.config.prediction_type
    noise = draw_noise(latents, ctx, config.noise_offset)
    timesteps = draw_timesteps(scheduler.config.num_train_timesteps, ctx, config)
    timesteps = timesteps.to(latents.device)
    noisy = scheduler.add_noise(latents, noise, timesteps)
    target = diffusion_target(scheduler, latents, noise, timesteps, prediction_type)
    return noisy, timesteps, noise, target, prediction_type


def timestep_weights(count: int, config: DiffusionObjectiveConfig) -> torch.Tensor:
    """Relative draw weight of each of ``count`` timesteps under ``config.timestep_bias``."""
    weights = torch.ones(count, dtype=torch.float64)
    if config.timestep_bias == "none":
        return weights
    if config.timestep_bias not in ("later", "earlier"):
        raise PhotogenicError(
            f"timestep_bias {config.timestep_bias!r}: expected none, later or earlier"
        )
    if not 0 < config.timestep_bias_portion <= 1 or config.timestep_bias_multiplier <= 0:
        raise PhotogenicError(
            "timestep_bias_portion: expected a share in (0, 1]; timestep_bias_multiplier: "
            f"expected > 0 (got {config.timestep_bias_portion}, {config.timestep_bias_multiplier})"
        )
    span = max(1, round(count * config.timestep_bias_portion))
    part = slice(count - span, count) if config.timestep_bias == "later" else slice(0, span)
    weights[part] *= config.timestep_bias_multiplier
    return weights


def draw_timesteps(count: int, ctx: StepContext, config: DiffusionObjectiveConfig) -> torch.Tensor:
    """One training timestep in ``[0, count)`` per item: uniform, or by ``timestep_weights``
    (inverse CDF of one uniform draw per item)."""
    if config.timestep_bias == "none":
        return ctx.randint(0, count, stream="timestep")
    cdf = timestep_weights(count, config).cumsum(0)
    u = ctx.rand(stream="timestep").double() * cdf[-1]
    return torch.searchsorted(cdf, u, right=True).clamp(max=count - 1)


def is_flow_matching(scheduler) -> bool:
    """Whether ``scheduler`` belongs to a rectified-flow model (SD3 layout)."""
    return isinstance(scheduler, FlowMatchEulerDiscreteScheduler)


def flow_shift(scheduler) -> float:
    """The scheduler's static σ shift (SD3: 3.0); 1 (no shift) for resolution-dependent shifting."""
    config = scheduler.config
    if config.get("use_dynamic_shifting", False):
        return 1.0
    return float(config.get("shift", 1.0))


def flow_sigmas(
    ctx: StepContext,
    sampling: str = "logit_normal",
    mean: float = 0.0,
    std: float = 1.0,
    shift: float = 1.0,
) -> torch.Tensor:
    """One σ in [0, 1] per item: ``u`` logit-normal (``sigmoid(mean + std·n)``, SD3 paper §3.1) or
    uniform, then shifted as the scheduler shifts its sigmas: ``shift·u / (1 + (shift - 1)·u)``."""
    if sampling == "logit_normal":
        u = torch.sigmoid(mean + std * ctx.randn((), stream="timestep"))
    elif sampling == "uniform":
        u = ctx.rand(stream="timestep")
    else:
        raise PhotogenicError(f"timestep_sampling {sampling!r}: expected logit_normal or uniform")
    return shift * u / (1 + (shift - 1) * u)


def flow_matching_noising(
    latents: torch.Tensor, noise: torch.Tensor, sigmas: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(noisy, target)``: ``(1 - σ)·x0 + σ·ε`` and the velocity ``ε - x0`` (σ per item)."""
    s = sigmas.to(latents).view(-1, *[1] * (latents.ndim - 1))
    return (1 - s) * latents + s * noise, noise - latents


def flow_matching_inputs(
    scheduler, latents: torch.Tensor, ctx: StepContext, config: DiffusionObjectiveConfig
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, str]:
    """The rectified-flow counterpart of ``noisy_inputs`` (noise offset ignored); timesteps are
    ``σ·num_train_timesteps``, the scale the scheduler hands the transformer at inference."""
    if config.prediction_type not in ("", FLOW_MATCHING):
        raise PhotogenicError(
            f"prediction_type {config.prediction_type!r}: a flow-matching model predicts "
            f"{FLOW_MATCHING} (leave it empty)"
        )
    noise = draw_noise(latents, ctx, 0.0)
    sigmas = flow_sigmas(
        ctx, config.timestep_sampling, config.logit_mean, config.logit_std, flow_shift(scheduler)
    )
    sigmas = sigmas.to(latents.device)
    noisy, target = flow_matching_noising(latents, noise, sigmas)
    timesteps = sigmas * scheduler.config.num_train_timesteps
    return noisy, timesteps, noise, target, FLOW_MATCHING


# -- masked token prediction (aMUSEd / MUSE) ---------------------------------------------------
def cosine_mask_ratio(u: torch.Tensor) -> torch.Tensor:
    """The share of tokens masked at schedule position ``u`` in [0, 1): ``cos(π/2 · u)`` (MUSE
    §2.4, the cosine schedule aMUSEd trains and samples with)."""
    return torch.cos(u * math.pi / 2)


def mask_positions(ratios: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
    """Which tokens to mask: ``round(ratio · n)`` of the ``n`` tokens of each item (at least one),
    the positions picked by the random permutation ``argsort(keys)`` (keys: ``(batch, n)``), as
    diffusers' ``train_amused.py`` picks them."""
    count = (keys.shape[1] * ratios).round().clamp(min=1)
    return keys.argsort(dim=-1) < count.to(keys.device).unsqueeze(-1)


def masked_token_inputs(
    ids: torch.Tensor, ctx: StepContext, mask_id: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(inputs, mask)``: ``ids`` (token ids, ``(batch, ...)``) with a cosine-scheduled share of
    each item's tokens replaced by ``mask_id``, and the boolean mask (same shape as ``ids``). The
    ratio (stream ``mask_ratio``) and the positions (stream ``mask_order``) are drawn per item."""
    flat = ids.reshape(ids.shape[0], -1)
    ratios = cosine_mask_ratio(ctx.rand(stream="mask_ratio"))
    keys = ctx.randn((flat.shape[1],), stream="mask_order")
    mask = mask_positions(ratios, keys).to(ids.device).view_as(ids)
    return torch.where(mask, torch.full_like(ids, mask_id), ids), mask


def masked_token_loss(logits: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the true ``ids`` under ``logits`` (``(batch, classes, ...)``), averaged over
    the masked tokens of the whole batch only (unmasked tokens are given, not predicted)."""
    classes = logits.shape[1]
    per_token = logits.float().movedim(1, -1).reshape(-1, classes)
    return F.cross_entropy(per_token[mask.reshape(-1)], ids.reshape(-1)[mask.reshape(-1)])
