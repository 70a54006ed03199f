"""aMUSEd-style masked image generation (``AmusedPipeline``): a ``VQModel`` turns images into token
ids, a ``UVit2DModel`` predicts the masked ids from the rest under CLIP conditioning, and the
``AmusedScheduler`` unmasks them step by step at sampling time.

The objective is masked token prediction (``photogenic.train.objective.masked_token_inputs`` and
``masked_token_loss``), not denoising: the family overrides ``training_loss``; the loop, the cache
(of token ids) and the task are the shared ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from diffusers import AmusedPipeline, AmusedScheduler, UVit2DModel, VQModel
from torch import nn
from transformers import CLIPTextModelWithProjection

from photogenic.errors import PhotogenicError
from photogenic.train.families.base import FAMILIES, ModelFamily, RandomModelSpec, latent_scale
from photogenic.train.families.sd import _tokenize, random_clip_text
from photogenic.train.families.tokenizer import build_clip_tokenizer
from photogenic.train.objective import (
    MASKED_TOKENS,
    DiffusionObjectiveConfig,
    masked_token_inputs,
    masked_token_loss,
)
from photogenic.train.task import StepContext

AESTHETIC_SCORE = 6.0  # the micro-conditioning score aMUSEd trains on and the pipeline asks for
MICRO_COND_ENCODE_DIM = 8  # sinusoidal width per micro-conditioning value (256 in aMUSEd)


def random_vq(spec: RandomModelSpec) -> VQModel:
    """A small ``VQModel`` (``spec.codebook_size`` codes of width ``spec.latent_channels``) that
    decodes token ids through its codebook, as aMUSEd's does."""
    n = len(spec.vae_block_out_channels)
    return VQModel(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * n,
        up_block_types=("UpDecoderBlock2D",) * n,
        block_out_channels=tuple(spec.vae_block_out_channels),
        layers_per_block=spec.layers_per_block,
        latent_channels=spec.latent_channels,
        num_vq_embeddings=spec.codebook_size,
        norm_num_groups=min(32, min(spec.vae_block_out_channels)),
        sample_size=spec.resolution,
        mid_block_add_attention=False,
        lookup_from_codebook=True,
    )


def random_uvit(spec: RandomModelSpec, text_width: int, pooled_width: int) -> UVit2DModel:
    """A small U-ViT: token embeddings and conv blocks of width ``block_out_channels[0]``, one
    transformer layer per entry of ``block_out_channels`` at width ``cross_attention_dim``; the
    vocabulary is the codebook plus the mask token (the last id)."""
    width = spec.block_out_channels[0]
    hidden = spec.cross_attention_dim
    factor = latent_scale(spec)
    return UVit2DModel(
        hidden_size=hidden,
        cond_embed_dim=pooled_width,
        micro_cond_encode_dim=MICRO_COND_ENCODE_DIM,
        micro_cond_embed_dim=5 * MICRO_COND_ENCODE_DIM,  # 5 micro-conditioning values
        encoder_hidden_size=text_width,
        vocab_size=spec.codebook_size + 1,
        codebook_size=spec.codebook_size,
        in_channels=width,
        block_out_channels=width,
        num_res_blocks=spec.layers_per_block,
        block_num_heads=max(1, width // spec.attention_head_dim),
        num_hidden_layers=len(spec.block_out_channels),
        num_attention_heads=max(1, hidden // spec.attention_head_dim),
        intermediate_size=2 * hidden,
        sample_size=spec.resolution // factor,
    )


@FAMILIES.register("amused")
class AmusedFamily(ModelFamily):
    """aMUSEd: CLIP (with projection) penultimate states for cross-attention, its projected pooled
    embedding and the micro-conditioning (original size, crop, aesthetic score) for modulation."""

    name = "amused"
    pipeline_class_name = "AmusedPipeline"
    latent_distribution = False  # the cached "latents" are VQ token ids

    def build_random(self, out: Path, spec: RandomModelSpec, seed: int = 0) -> None:
        torch.manual_seed(seed)
        tokenizer = build_clip_tokenizer(spec.vocabulary, spec.text_max_length)
        width = spec.text_hidden_size
        text_config = random_clip_text(spec, len(tokenizer), projection_dim=width)
        pipe = AmusedPipeline(
            vqvae=random_vq(spec),
            tokenizer=tokenizer,
            text_encoder=CLIPTextModelWithProjection(text_config),
            transformer=random_uvit(spec, text_width=width, pooled_width=width),
            scheduler=AmusedScheduler(mask_token_id=spec.codebook_size),
        )
        pipe.save_pretrained(out)

    def load(self, model_dir: Path) -> AmusedPipeline:
        pipe = AmusedPipeline.from_pretrained(model_dir, dtype=torch.float32)
        if pipe.scheduler.config.mask_token_id != self.mask_id(pipe.transformer):
            raise PhotogenicError(
                f"{model_dir}: the scheduler's mask token {pipe.scheduler.config.mask_token_id} is "
                f"not the transformer's last id {self.mask_id(pipe.transformer)}"
            )
        return pipe

    @staticmethod
    def mask_id(transformer: nn.Module) -> int:
        """The mask token: the transformer's last id (``vocab_size - 1``), as aMUSEd trains."""
        return int(transformer.config.vocab_size) - 1

    def image_encoder(self, pipe: Any) -> nn.Module:
        return pipe.vqvae

    def bucket_multiple(self, pipe: Any) -> int:
        """VQ factor x the U-ViT's own downsampling (each side a whole number of tokens)."""
        factor = 2 ** (len(pipe.vqvae.config.block_out_channels) - 1)
        return factor * (2 if pipe.transformer.config.downsample else 1)

    def trainable(self, pipe: Any) -> dict[str, nn.Module]:
        return {"transformer": pipe.transformer}

    def noise_scheduler(self, pipe: Any) -> AmusedScheduler:
        """The model's own unmasking scheduler (training draws its mask ratios itself)."""
        return AmusedScheduler.from_config(pipe.scheduler.config)

    @torch.no_grad()
    def encode_text(self, pipe: Any, texts: list[str]) -> dict[str, torch.Tensor]:
        """The penultimate CLIP states and the projected pooled embedding, as the pipeline's call
        computes them."""
        ids = _tokenize(pipe.tokenizer, texts).to(pipe.text_encoder.device)
        out = pipe.text_encoder(ids, return_dict=True, output_hidden_states=True)
        return {"encoder_hidden_states": out.hidden_states[-2], "pooled_text_emb": out.text_embeds}

    @torch.no_grad()
    def encode_images(self, pipe: Any, pixels: torch.Tensor) -> torch.Tensor:
        """VQ token ids ``(batch, H / f, W / f)`` of ``pixels`` in [-1, 1] (the VQ model reads
        [0, 1], as the pipeline's image processor gives it)."""
        latents = pipe.vqvae.encode((pixels + 1) / 2).latents
        ids = pipe.vqvae.quantize(latents)[2][2]
        return ids.reshape(latents.shape[0], *latents.shape[2:])

    def sample_latents(
        self, pipe: Any, params: torch.Tensor, noise: torch.Tensor | None
    ) -> torch.Tensor:
        return params

    def image_conditioning(
        self,
        original_size: tuple[int, int],
        crop_top_left: tuple[int, int],
        target_size: tuple[int, int],
    ) -> dict[str, torch.Tensor]:
        """aMUSEd's micro-conditioning: (orig width, orig height, crop top, crop left, aesthetic
        score); width before height, as aMUSEd was trained and its pipeline conditions."""
        (height, width), (top, left) = original_size, crop_top_left
        values = [width, height, top, left, AESTHETIC_SCORE]
        return {"micro_conds": torch.tensor(values, dtype=torch.float32)}

    def predict(
        self,
        modules: dict[str, nn.Module],
        noisy: torch.Tensor,
        timesteps: torch.Tensor | None,
        cond: dict[str, torch.Tensor],
    ) -> torch.Tensor:
        """Logits over the codebook for every token, ``(batch, codebook, H, W)`` (no timestep: the
        mask says how far along an image is)."""
        return modules["transformer"](
            noisy,
            encoder_hidden_states=cond["encoder_hidden_states"],
            pooled_text_emb=cond["pooled_text_emb"],
            micro_conds=cond["micro_conds"],
        )

    def objective(self, scheduler: Any) -> str:
        return MASKED_TOKENS

    def training_loss(
        self,
        modules: dict[str, nn.Module],
        latents: torch.Tensor,
        cond: dict[str, torch.Tensor],
        ctx: StepContext,
        scheduler: Any,
        config: DiffusionObjectiveConfig,
    ) -> torch.Tensor:
        """Masked token prediction: mask a cosine-scheduled share of the token ids, predict them,
        cross-entropy on the masked tokens (the objective's noise options do not apply)."""
        inputs, mask = masked_token_inputs(latents, ctx, self.mask_id(modules["transformer"]))
        logits = self.predict(modules, inputs, None, cond)
        return masked_token_loss(logits, latents, mask)

    def save(self, pipe: Any, modules: dict[str, nn.Module], out: Path) -> None:
        pipe.register_modules(transformer=modules["transformer"])
        pipe.save_pretrained(out)
