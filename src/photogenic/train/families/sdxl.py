"""SDXL-style latent diffusion: two CLIP text encoders (hidden states concatenated on the feature
axis), the second one's pooled embedding, and the added time ids (original size, crop, target size)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from diffusers import StableDiffusionXLPipeline
from torch import nn
from transformers import CLIPTextModel, CLIPTextModelWithProjection

from photogenic.train.families.base import FAMILIES, RandomModelSpec
from photogenic.train.families.sd import (
    StableDiffusionFamily,
    _tokenize,
    inference_scheduler,
    random_clip_text,
    random_unet,
    random_vae,
)
from photogenic.train.families.tokenizer import build_clip_tokenizer

TIME_EMBED_DIM = 8  # addition_time_embed_dim of the random test model (256 in SDXL)


@FAMILIES.register("sdxl")
class StableDiffusionXLFamily(StableDiffusionFamily):
    """SDXL layout; time ids come from each item's original size and crop (SDXL micro-conditioning)."""

    name = "sdxl"
    pipeline_class_name = "StableDiffusionXLPipeline"

    def build_random(self, out: Path, spec: RandomModelSpec, seed: int = 0) -> None:
        torch.manual_seed(seed)
        tokenizer = build_clip_tokenizer(spec.vocabulary, spec.text_max_length)
        half = spec.cross_attention_dim // 2
        projection_dim = half
        unet = random_unet(
            spec,
            spec.latent_channels,
            addition_embed_type="text_time",
            addition_time_embed_dim=TIME_EMBED_DIM,
            projection_class_embeddings_input_dim=6 * TIME_EMBED_DIM + projection_dim,
        )
        pipe = StableDiffusionXLPipeline(
            vae=random_vae(spec),
            text_encoder=CLIPTextModel(random_clip_text(spec, len(tokenizer), hidden=half)),
            text_encoder_2=CLIPTextModelWithProjection(
                random_clip_text(spec, len(tokenizer), hidden=half, projection_dim=projection_dim)
            ),
            tokenizer=tokenizer,
            tokenizer_2=tokenizer,
            unet=unet,
            scheduler=inference_scheduler(spec),
        )
        pipe.save_pretrained(out)

    def load(self, model_dir: Path) -> StableDiffusionXLPipeline:
        return StableDiffusionXLPipeline.from_pretrained(model_dir, dtype=torch.float32)

    @torch.no_grad()
    def encode_text(self, pipe: Any, texts: list[str]) -> dict[str, torch.Tensor]:
        hidden, pooled = [], None
        for tokenizer, encoder in (
            (pipe.tokenizer, pipe.text_encoder),
            (pipe.tokenizer_2, pipe.text_encoder_2),
        ):
            out = encoder(_tokenize(tokenizer, texts), output_hidden_states=True)
            hidden.append(out.hidden_states[-2])  # SDXL uses the penultimate layer
            pooled = out[0]  # the second encoder's projected pooled output
        return {"encoder_hidden_states": torch.cat(hidden, dim=-1), "text_embeds": pooled}

    def unconditional_text(self, pipe: Any) -> dict[str, torch.Tensor]:
        """Zeros when the pipeline's ``force_zeros_for_empty_prompt`` is set (SDXL's default: its
        call uses zero embeddings for an empty negative prompt), else the empty caption's."""
        empty = self.encode_text(pipe, [""])
        if pipe.config.get("force_zeros_for_empty_prompt", False):
            return {key: torch.zeros_like(value) for key, value in empty.items()}
        return empty

    def predict(
        self,
        modules: dict[str, nn.Module],
        noisy: torch.Tensor,
        timesteps: torch.Tensor,
        cond: dict[str, torch.Tensor],
    ) -> torch.Tensor:
        added = {"text_embeds": cond["text_embeds"], "time_ids": cond["time_ids"]}
        return modules["unet"](
            noisy,
            timesteps,
            encoder_hidden_states=cond["encoder_hidden_states"],
            added_cond_kwargs=added,
        ).sample

    def image_conditioning(
        self,
        original_size: tuple[int, int],
        crop_top_left: tuple[int, int],
        target_size: tuple[int, int],
    ) -> dict[str, torch.Tensor]:
        """Per-item time ids: (orig h, orig w, crop top, crop left, target h, target w)."""
        ids = [*original_size, *crop_top_left, *target_size]
        return {"time_ids": torch.tensor(ids, dtype=torch.float32)}
