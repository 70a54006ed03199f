"""The Emu-style text-to-image pipeline: a U-Net on the 16-channel Fourier autoencoder's latents,
conditioned on CLIP and T5 text embeddings.

How the two text encoders are combined: each encoder's last hidden states are zero-padded on the
feature axis to the U-Net's ``cross_attention_dim`` and the two sequences are concatenated on the
token axis (CLIP tokens, then T5 tokens), as SD3 joins its CLIP and T5 streams. The U-Net's
cross-attention then attends to every token of both encoders: CLIP contributes its image-aligned
embedding space, T5 its stronger language understanding (Emu §3.2 conditions on both), and no
extra trainable layer sits outside the U-Net.

Everything else (denoising loop, guidance, VAE decoding with ``scaling_factor``) is
``StableDiffusionPipeline``'s own. ``import photogenic.models.emu_pipeline`` registers the class with diffusers and imports the
autoencoder's module, so that ``DiffusionPipeline.from_pretrained(dir)`` resolves both from
``model_index.json``.
"""

from __future__ import annotations

from typing import Any

import diffusers
import torch
import torch.nn.functional as F
from diffusers import StableDiffusionPipeline
from diffusers.image_processor import VaeImageProcessor
from diffusers.pipelines.pipeline_utils import DiffusionPipeline

import photogenic.autoencoder.model  # noqa: F401  (lets diffusers resolve the VAE class by its module)


def combine_text_embeddings(clip: torch.Tensor, t5: torch.Tensor, width: int) -> torch.Tensor:
    """Zero-pad both hidden-state sequences to ``width`` features and concatenate their tokens."""
    return torch.cat(
        [F.pad(clip, (0, width - clip.shape[-1])), F.pad(t5, (0, width - t5.shape[-1]))], dim=1
    )


class EmuPipeline(StableDiffusionPipeline):
    """``StableDiffusionPipeline`` with a second (T5) text encoder; see the module docstring."""

    model_cpu_offload_seq = "text_encoder->text_encoder_2->unet->vae"
    _optional_components = ["safety_checker", "feature_extractor", "image_encoder"]

    def __init__(
        self,
        vae: Any,
        text_encoder: Any,
        tokenizer: Any,
        text_encoder_2: Any,
        tokenizer_2: Any,
        unet: Any,
        scheduler: Any,
        safety_checker: Any = None,
        feature_extractor: Any = None,
        image_encoder: Any = None,
        requires_safety_checker: bool = False,
    ) -> None:
        DiffusionPipeline.__init__(self)
        self.register_modules(
            vae=vae,
            text_encoder=text_encoder,
            tokenizer=tokenizer,
            text_encoder_2=text_encoder_2,
            tokenizer_2=tokenizer_2,
            unet=unet,
            scheduler=scheduler,
            safety_checker=safety_checker,
            feature_extractor=feature_extractor,
            image_encoder=image_encoder,
        )
        self.vae_scale_factor = 2 ** (len(vae.config.block_out_channels) - 1)
        # read by the parent's __call__ for its default size (sample size x vae_scale_factor)
        self._is_unet_config_sample_size_int = isinstance(unet.config.sample_size, int)
        self.image_processor = VaeImageProcessor(vae_scale_factor=self.vae_scale_factor)
        self.register_to_config(requires_safety_checker=requires_safety_checker)

    @torch.no_grad()
    def text_embeddings(
        self, prompts: list[str], device: torch.device | None = None
    ) -> torch.Tensor:
        """CLIP and T5 hidden states of ``prompts``, combined for the U-Net's cross-attention."""
        device = device or self.unet.device
        hidden = []
        for tokenizer, encoder in (
            (self.tokenizer, self.text_encoder),
            (self.tokenizer_2, self.text_encoder_2),
        ):
            ids = tokenizer(
                prompts,
                padding="max_length",
                max_length=tokenizer.model_max_length,
                truncation=True,
                return_tensors="pt",
            ).input_ids.to(device)
            hidden.append(encoder(ids)[0])
        return combine_text_embeddings(hidden[0], hidden[1], self.unet.config.cross_attention_dim)

    def encode_prompt(
        self,
        prompt: Any,
        device: torch.device,
        num_images_per_prompt: int,
        do_classifier_free_guidance: bool,
        negative_prompt: Any = None,
        prompt_embeds: torch.Tensor | None = None,
        negative_prompt_embeds: torch.Tensor | None = None,
        lora_scale: float | None = None,
        clip_skip: int | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Both encoders' embeddings for the prompt (and the negative prompt under guidance)."""
        if prompt_embeds is None:
            prompts = [prompt] if isinstance(prompt, str) else list(prompt)
            prompt_embeds = self.text_embeddings(prompts, device)
        prompt_embeds = prompt_embeds.repeat_interleave(num_images_per_prompt, dim=0)
        if do_classifier_free_guidance and negative_prompt_embeds is None:
            count = prompt_embeds.shape[0] // num_images_per_prompt
            negatives = negative_prompt or ""
            negatives = [negatives] * count if isinstance(negatives, str) else list(negatives)
            negative_prompt_embeds = self.text_embeddings(negatives, device)
        if (
            negative_prompt_embeds is not None
            and negative_prompt_embeds.shape[0] != prompt_embeds.shape[0]
        ):
            negative_prompt_embeds = negative_prompt_embeds.repeat_interleave(
                num_images_per_prompt, dim=0
            )
        return prompt_embeds, negative_prompt_embeds


# Let DiffusionPipeline.from_pretrained resolve "EmuPipeline" from model_index.json.
if not hasattr(diffusers, "EmuPipeline"):
    diffusers.EmuPipeline = EmuPipeline
