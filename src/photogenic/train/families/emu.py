"""Emu-style latent diffusion: U-Net + the 16-channel Fourier autoencoder + CLIP and T5 text
embeddings (combined as ``photogenic.models.emu_pipeline`` describes), saved as an ``EmuPipeline``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from transformers import CLIPTextModel, T5Config, T5EncoderModel

from photogenic.autoencoder.presets import make_autoencoder
from photogenic.models.emu_pipeline import EmuPipeline
from photogenic.train.families.base import FAMILIES, RandomModelSpec
from photogenic.train.families.sd import (
    StableDiffusionFamily,
    inference_scheduler,
    random_clip_text,
    random_unet,
)
from photogenic.train.families.tokenizer import build_clip_tokenizer


def random_t5(spec: RandomModelSpec, vocab_size: int) -> T5EncoderModel:
    """A small T5 encoder (the Emu paper uses T5-XXL)."""
    width = spec.text_hidden_size
    config = T5Config(
        vocab_size=vocab_size,
        d_model=width,
        d_kv=max(4, width // 4),
        d_ff=width * 2,
        num_layers=spec.text_layers,
        num_heads=4,
        pad_token_id=1,
        eos_token_id=1,
        decoder_start_token_id=0,
    )
    return T5EncoderModel(config)


@FAMILIES.register("emu")
class EmuFamily(StableDiffusionFamily):
    """Emu-style: 16-channel Fourier autoencoder latents, CLIP + T5 conditioning."""

    name = "emu"
    pipeline_class_name = "EmuPipeline"

    def build_random(self, out: Path, spec: RandomModelSpec, seed: int = 0) -> None:
        """A random Emu-style model; the T5 side uses the same offline word-level tokenizer
        (real checkpoints ship T5's own SentencePiece tokenizer)."""
        torch.manual_seed(seed)
        tokenizer = build_clip_tokenizer(spec.vocabulary, spec.text_max_length)
        vae = make_autoencoder(
            "tiny" if min(spec.vae_block_out_channels) < 16 else "small",
            spec.latent_channels,
            [0, 1, 2, 3, 4, 5],
            block_out_channels=tuple(spec.vae_block_out_channels),
            norm_num_groups=min(16, min(spec.vae_block_out_channels)),
            sample_size=spec.resolution,
        )
        pipe = EmuPipeline(
            vae=vae,
            text_encoder=CLIPTextModel(random_clip_text(spec, len(tokenizer))),
            tokenizer=tokenizer,
            text_encoder_2=random_t5(spec, len(tokenizer)),
            tokenizer_2=tokenizer,
            unet=random_unet(spec, spec.latent_channels),
            scheduler=inference_scheduler(spec),
        )
        pipe.save_pretrained(out)

    def load(self, model_dir: Path) -> EmuPipeline:
        return EmuPipeline.from_pretrained(model_dir, dtype=torch.float32)

    @torch.no_grad()
    def encode_text(self, pipe: Any, texts: list[str]) -> dict[str, torch.Tensor]:
        return {"encoder_hidden_states": pipe.text_embeddings(texts, torch.device("cpu"))}
