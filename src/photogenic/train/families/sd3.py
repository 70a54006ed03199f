"""SD3-style flow-matching transformer (``StableDiffusion3Pipeline``): ``SD3Transformer2DModel`` +
a 16-channel ``AutoencoderKL`` with shift and scale + two CLIP text encoders with projection + T5,
trained with the rectified-flow objective (``photogenic.train.objective``, selected by the model's
``FlowMatchEulerDiscreteScheduler``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from diffusers import (
    AutoencoderKL,
    FlowMatchEulerDiscreteScheduler,
    SD3Transformer2DModel,
    StableDiffusion3Pipeline,
)
from torch import nn
from transformers import CLIPTextModelWithProjection, T5Config, T5EncoderModel

from photogenic.train.families.base import FAMILIES, RandomModelSpec, latent_scale
from photogenic.train.families.sd import StableDiffusionFamily, random_clip_text
from photogenic.train.families.tokenizer import build_clip_tokenizer, build_t5_tokenizer

# SD3-medium's autoencoder normalisation: latents = (z - shift) * scale
VAE_SCALING_FACTOR = 1.5305
VAE_SHIFT_FACTOR = 0.0609
# The sin-cos position grid spans POS_GRID_SPAN times the model's own patch grid. Its positions are
# spaced base_size / pos_embed_max_size apart (diffusers' PatchEmbed), so a grid many times the
# model's own leaves neighbouring patches nearly the same position: diffusers' default 96 on a
# 4×4-patch model spaces them 1/24 apart (position embeddings 1 % of their norm apart), and the
# model cannot tell where in the frame a patch is. At 2 they are 1/2 apart (DiT: 1), and the model
# samples up to twice its native side.
POS_GRID_SPAN = 2


def random_t5_encoder(spec: RandomModelSpec, vocab_size: int) -> T5EncoderModel:
    """A small T5 encoder of width ``spec.text_hidden_size`` (SD3 uses T5-XXL, width 4096)."""
    width = spec.text_hidden_size
    return T5EncoderModel(
        T5Config(
            vocab_size=vocab_size,
            d_model=width,
            d_kv=max(4, width // 4),
            d_ff=width * 2,
            num_layers=spec.text_layers,
            num_heads=4,
            pad_token_id=0,
            eos_token_id=1,
            decoder_start_token_id=0,
        )
    )


def random_sd3_vae(spec: RandomModelSpec) -> AutoencoderKL:
    """A small f8 ``AutoencoderKL`` laid out like SD3's (no quant convs, shift and scale)."""
    n = len(spec.vae_block_out_channels)
    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        latent_channels=spec.latent_channels,
        block_out_channels=tuple(spec.vae_block_out_channels),
        down_block_types=("DownEncoderBlock2D",) * n,
        up_block_types=("UpDecoderBlock2D",) * n,
        layers_per_block=spec.layers_per_block,
        norm_num_groups=min(32, min(spec.vae_block_out_channels)),
        sample_size=spec.resolution,
        use_quant_conv=False,
        use_post_quant_conv=False,
        scaling_factor=VAE_SCALING_FACTOR,
        shift_factor=VAE_SHIFT_FACTOR,
    )


def random_sd3_transformer(spec: RandomModelSpec, pooled_dim: int) -> SD3Transformer2DModel:
    """A small MMDiT: width ``cross_attention_dim`` (heads of ``attention_head_dim``), one joint
    block per entry of ``block_out_channels``, text width ``text_hidden_size`` (the T5 width)."""
    sample_size = spec.resolution // latent_scale(spec)
    return SD3Transformer2DModel(
        sample_size=sample_size,
        patch_size=spec.patch_size,
        in_channels=spec.latent_channels,
        out_channels=spec.latent_channels,
        num_layers=len(spec.block_out_channels),
        attention_head_dim=spec.attention_head_dim,
        num_attention_heads=max(1, spec.cross_attention_dim // spec.attention_head_dim),
        joint_attention_dim=spec.text_hidden_size,
        caption_projection_dim=spec.cross_attention_dim,
        pooled_projection_dim=pooled_dim,
        pos_embed_max_size=POS_GRID_SPAN * max(1, sample_size // spec.patch_size),
    )


@FAMILIES.register("sd3")
class StableDiffusion3Family(StableDiffusionFamily):
    """SD3: the transformer attends jointly to image patches and the text tokens (both CLIP
    penultimate states concatenated on features and zero-padded to the T5 width, then the T5
    states, joined on the token axis), and is modulated by both CLIPs' pooled embeddings.

    Latents are the VAE's ``(z - shift_factor) * scaling_factor`` (inherited from ``sd``); the
    objective is rectified flow, selected by the ``FlowMatchEulerDiscreteScheduler``."""

    name = "sd3"
    pipeline_class_name = "StableDiffusion3Pipeline"
    max_sequence_length = 256  # T5 tokens: the pipeline's default, so training matches sampling

    def build_random(self, out: Path, spec: RandomModelSpec, seed: int = 0) -> None:
        """A random SD3 pipeline; CLIP halves are ``text_hidden_size / 2`` wide so that their
        concatenation fits the T5 width, as in SD3 (768 + 1280 <= 4096)."""
        torch.manual_seed(seed)
        clip_tokenizer = build_clip_tokenizer(spec.vocabulary, spec.text_max_length)
        t5_tokenizer = build_t5_tokenizer(spec.vocabulary)
        half = spec.text_hidden_size // 2

        def clip() -> CLIPTextModelWithProjection:
            config = random_clip_text(spec, len(clip_tokenizer), hidden=half, projection_dim=half)
            return CLIPTextModelWithProjection(config)

        pipe = StableDiffusion3Pipeline(
            transformer=random_sd3_transformer(spec, pooled_dim=2 * half),
            scheduler=FlowMatchEulerDiscreteScheduler(
                num_train_timesteps=1000, shift=spec.flow_shift
            ),
            vae=random_sd3_vae(spec),
            text_encoder=clip(),
            tokenizer=clip_tokenizer,
            text_encoder_2=clip(),
            tokenizer_2=clip_tokenizer,
            text_encoder_3=random_t5_encoder(spec, len(t5_tokenizer)),
            tokenizer_3=t5_tokenizer,
        )
        pipe.save_pretrained(out)

    def load(self, model_dir: Path) -> StableDiffusion3Pipeline:
        return StableDiffusion3Pipeline.from_pretrained(model_dir, dtype=torch.float32)

    def bucket_multiple(self, pipe: Any) -> int:
        """VAE factor x patch size (each side must be a whole number of patches)."""
        vae_factor = 2 ** (len(pipe.vae.config.block_out_channels) - 1)
        return vae_factor * pipe.transformer.config.patch_size

    def trainable(self, pipe: Any) -> dict[str, nn.Module]:
        return {"transformer": pipe.transformer}

    def noise_scheduler(self, pipe: Any) -> FlowMatchEulerDiscreteScheduler:
        """The model's flow-matching scheduler (its ``shift`` also shifts the training σ)."""
        return FlowMatchEulerDiscreteScheduler.from_config(pipe.scheduler.config)

    @torch.no_grad()
    def encode_text(self, pipe: Any, texts: list[str]) -> dict[str, torch.Tensor]:
        """``encoder_hidden_states`` (CLIP tokens then T5 tokens) and ``pooled_projections``, from
        the pipeline's own ``encode_prompt``."""
        embeds, _, pooled, _ = pipe.encode_prompt(
            prompt=list(texts),
            prompt_2=None,
            prompt_3=None,
            device=pipe.text_encoder.device,
            do_classifier_free_guidance=False,
            max_sequence_length=self.max_sequence_length,
        )
        return {"encoder_hidden_states": embeds, "pooled_projections": pooled}

    def predict(
        self,
        modules: dict[str, nn.Module],
        noisy: torch.Tensor,
        timesteps: torch.Tensor,
        cond: dict[str, torch.Tensor],
    ) -> torch.Tensor:
        """The velocity the transformer predicts (timesteps are σ·1000, as at inference)."""
        return modules["transformer"](
            hidden_states=noisy,
            encoder_hidden_states=cond["encoder_hidden_states"],
            pooled_projections=cond["pooled_projections"],
            timestep=timesteps,
        ).sample

    def save(self, pipe: Any, modules: dict[str, nn.Module], out: Path) -> None:
        pipe.transformer = modules["transformer"]
        pipe.register_modules(transformer=modules["transformer"])
        pipe.save_pretrained(out)
