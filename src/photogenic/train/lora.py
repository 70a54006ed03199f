"""LoRA fine-tuning (peft) of the denoiser, and its two export formats.

- diffusers format: ``OUT/lora/pytorch_lora_weights.safetensors`` via the pipeline's
  ``save_lora_weights`` (load with ``pipe.load_lora_weights(OUT/"lora")``).
- one file for ComfyUI / A1111-style tools: ``OUT/lora.safetensors`` in the kohya layout that
  diffusers' ``convert_state_dict_to_kohya`` writes: keys like
  ``lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.lora_down.weight`` /
  ``.lora_up.weight`` / ``.alpha`` (module path with dots turned into underscores).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torch import nn

from photogenic.errors import PhotogenicError


@dataclass
class LoraConfig:
    """Low-rank adapters on the U-Net's attention projections (full fine-tuning when disabled)."""

    enabled: bool = False
    rank: int = 16
    alpha: float = 16.0
    target_modules: list[str] = field(default_factory=lambda: ["to_q", "to_k", "to_v", "to_out.0"])


def add_lora(unet: nn.Module, config: LoraConfig) -> None:
    """Freeze ``unet`` and inject trainable LoRA layers into its attention projections."""
    try:
        from peft import LoraConfig as PeftLoraConfig
    except ImportError:
        raise PhotogenicError(
            "task.lora.enabled needs the peft package (pip install peft)"
        ) from None
    unet.requires_grad_(False)
    unet.add_adapter(
        PeftLoraConfig(
            r=config.rank,
            lora_alpha=config.alpha,
            init_lora_weights="gaussian",
            target_modules=list(config.target_modules),
        )
    )


def save_lora(pipe: Any, unet: nn.Module, out: Path) -> None:
    """Write the adapters in diffusers format (``lora/``) and as one kohya-layout file."""
    from diffusers.utils import convert_state_dict_to_diffusers, convert_state_dict_to_kohya
    from peft.utils import get_peft_model_state_dict
    from safetensors.torch import save_file

    peft_state = get_peft_model_state_dict(unet)
    type(pipe).save_lora_weights(
        Path(out) / "lora", unet_lora_layers=convert_state_dict_to_diffusers(peft_state)
    )
    kohya = convert_state_dict_to_kohya({f"unet.{k}": v for k, v in peft_state.items()})
    kohya = {k.replace("lora_unet_unet_", "lora_unet_"): v.contiguous() for k, v in kohya.items()}
    save_file(kohya, str(Path(out) / "lora.safetensors"), metadata={"format": "pt"})
