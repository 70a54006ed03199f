"""DeepFloyd-IF-style pixel diffusion (``IFPipeline``, stage I): a ``UNet2DConditionModel`` on RGB
pixels in [-1, 1] conditioned on T5 hidden states, a ``DDPMScheduler``; no autoencoder.

There are no latents: the cache holds the fitted pixels and the denoiser is noised in pixel space.
IF's U-Net predicts the noise and a variance interpolation (``out_channels`` = 2 x 3, the
scheduler's ``learned_range``, Nichol & Dhariwal 2021). Training fits the noise half only (the
simple ε objective), so the variance half is left as it was and the pipeline samples with a fixed
variance (``fixed_small``) from load on, the way diffusers' DreamBooth script saves fine-tuned IF
models. Models built with ``out_channels = 3`` train the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from diffusers import DDPMScheduler, IFPipeline, UNet2DConditionModel
from diffusers.utils import is_bs4_available, is_ftfy_available
from torch import nn

from photogenic.train.families.base import FAMILIES, RandomModelSpec
from photogenic.train.families.sd import StableDiffusionFamily
from photogenic.train.families.sd3 import random_t5_encoder
from photogenic.train.families.tokenizer import build_t5_tokenizer

LEARNED_VARIANCE = ("learned", "learned_range")


def random_if_unet(spec: RandomModelSpec, text_width: int) -> UNet2DConditionModel:
    """A small IF stage-I U-Net on ``spec.resolution`` pixels: residual down/up blocks with
    added-KV cross-attention, T5 states projected to the attention width, a pooled text embedding
    added to the time embedding, and 6 output channels (noise and variance), as in IF-I."""
    n = len(spec.block_out_channels)
    return UNet2DConditionModel(
        sample_size=spec.resolution,
        in_channels=3,
        out_channels=6,
        block_out_channels=tuple(spec.block_out_channels),
        layers_per_block=spec.layers_per_block,
        down_block_types=("ResnetDownsampleBlock2D",) + ("SimpleCrossAttnDownBlock2D",) * (n - 1),
        mid_block_type="UNetMidBlock2DSimpleCrossAttn",
        up_block_types=("SimpleCrossAttnUpBlock2D",) * (n - 1) + ("ResnetUpsampleBlock2D",),
        cross_attention_dim=spec.cross_attention_dim,
        encoder_hid_dim=text_width,
        attention_head_dim=spec.attention_head_dim,
        addition_embed_type="text",
        addition_embed_type_num_heads=2,
        cross_attention_norm="group_norm",
        resnet_time_scale_shift="scale_shift",
        act_fn="gelu",
        norm_num_groups=min(32, min(spec.block_out_channels)),
    )


def if_scheduler(spec: RandomModelSpec) -> DDPMScheduler:
    """IF-I's scheduler: cosine betas, dynamic thresholding, epsilon with a learned variance range."""
    return DDPMScheduler(
        num_train_timesteps=1000,
        beta_schedule="squaredcos_cap_v2",
        thresholding=True,
        dynamic_thresholding_ratio=0.95,
        sample_max_value=1.5,
        prediction_type=spec.prediction_type,
        variance_type="learned_range",
    )


def fixed_variance(scheduler: Any) -> Any:
    """``scheduler`` with a learned variance replaced by ``fixed_small`` (unchanged otherwise)."""
    if scheduler.config.get("variance_type") not in LEARNED_VARIANCE:
        return scheduler
    return type(scheduler).from_config(scheduler.config, variance_type="fixed_small")


@FAMILIES.register("if")
class DeepFloydIFFamily(StableDiffusionFamily):
    """IF stage I: pixel-space U-Net, T5 last hidden state (the pipeline's ``encode_prompt``)."""

    name = "if"
    pipeline_class_name = "IFPipeline"
    latent_distribution = False  # the cached "latents" are the pixels themselves

    def build_random(self, out: Path, spec: RandomModelSpec, seed: int = 0) -> None:
        """A random IF pipeline (no safety checker, feature extractor or watermarker)."""
        torch.manual_seed(seed)
        tokenizer = build_t5_tokenizer(spec.vocabulary)
        pipe = IFPipeline(
            tokenizer=tokenizer,
            text_encoder=random_t5_encoder(spec, len(tokenizer)),
            unet=random_if_unet(spec, spec.text_hidden_size),
            scheduler=if_scheduler(spec),
            safety_checker=None,
            feature_extractor=None,
            watermarker=None,
            requires_safety_checker=False,
        )
        pipe.save_pretrained(out)

    def load(self, model_dir: Path) -> IFPipeline:
        """The pipeline in float32, sampling with a fixed variance (see the module docstring)."""
        pipe = IFPipeline.from_pretrained(
            model_dir,
            dtype=torch.float32,
            safety_checker=None,
            feature_extractor=None,
            watermarker=None,
            requires_safety_checker=False,
        )
        pipe.scheduler = fixed_variance(pipe.scheduler)
        return pipe

    def image_encoder(self, pipe: Any) -> None:
        return None

    @torch.no_grad()
    def encode_text(self, pipe: Any, texts: list[str]) -> dict[str, torch.Tensor]:
        """T5 states of each caption as ``IFPipeline.encode_prompt`` makes them (77 tokens, with
        the caption cleaning the pipeline applies by default when bs4 and ftfy are installed)."""
        embeds, _ = pipe.encode_prompt(
            list(texts),
            do_classifier_free_guidance=False,
            device=pipe.text_encoder.device,
            clean_caption=is_bs4_available() and is_ftfy_available(),
        )
        return {"encoder_hidden_states": embeds}

    @torch.no_grad()
    def encode_images(self, pipe: Any, pixels: torch.Tensor) -> torch.Tensor:
        """The pixels in [-1, 1] (IF denoises them directly)."""
        return pixels

    def sample_latents(
        self, pipe: Any, params: torch.Tensor, noise: torch.Tensor | None
    ) -> torch.Tensor:
        return params

    def predict(
        self,
        modules: dict[str, nn.Module],
        noisy: torch.Tensor,
        timesteps: torch.Tensor,
        cond: dict[str, torch.Tensor],
    ) -> torch.Tensor:
        """The predicted noise: the first 3 output channels (the rest is IF's variance)."""
        out = modules["unet"](
            noisy, timesteps, encoder_hidden_states=cond["encoder_hidden_states"]
        ).sample
        return out[:, : noisy.shape[1]]

    def save(self, pipe: Any, modules: dict[str, nn.Module], out: Path) -> None:
        pipe.register_modules(unet=modules["unet"], scheduler=fixed_variance(pipe.scheduler))
        pipe.save_pretrained(out)
