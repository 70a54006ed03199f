"""A local transformers CLIP model: unit-norm image and text embeddings, never downloaded.

The folder is a ``CLIPModel.save_pretrained`` layout (``config.json`` + weights) with the tokenizer
and image processor saved beside it. Shared by the curation funnel's learned scorers and the
evaluation's CLIP-based judges.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from photogenic.errors import PhotogenicError

if TYPE_CHECKING:
    import torch


def pick_device(name: str) -> torch.device:
    """``auto`` -> CUDA when available, else the CPU."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


class LocalClip:
    """CLIP image/text towers from a local folder; ``label`` names the option in error messages."""

    def __init__(
        self, path: Path, device: str = "cpu", text: bool = True, label: str = "CLIP model"
    ) -> None:
        from transformers import AutoImageProcessor, AutoTokenizer, CLIPModel

        try:
            self.model = CLIPModel.from_pretrained(path, local_files_only=True).eval()
            self.processor = AutoImageProcessor.from_pretrained(path, local_files_only=True)
            self.tokenizer = (
                AutoTokenizer.from_pretrained(path, local_files_only=True) if text else None
            )
        except (OSError, ValueError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise PhotogenicError(f"{label}: cannot load {path} ({first})") from None
        self.device = pick_device(device)
        self.model.to(self.device)

    def image_embeddings(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """Unit-norm projected image embeddings ``(N, D)``."""
        import torch

        pixels = self.processor(images=[i.convert("RGB") for i in images], return_tensors="pt")
        with torch.no_grad():
            pooled = self.model.vision_model(
                pixel_values=pixels["pixel_values"].to(self.device)
            ).pooler_output
            return _unit(self.model.visual_projection(pooled))

    def text_embeddings(self, texts: Sequence[str]) -> torch.Tensor:
        """Unit-norm projected text embeddings ``(N, D)``, truncated to the model's length."""
        import torch

        if self.tokenizer is None:
            raise PhotogenicError("this CLIP model was loaded without its tokenizer")
        limit = self.model.config.text_config.max_position_embeddings
        tokens: Any = self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=limit, return_tensors="pt"
        )
        with torch.no_grad():
            out = self.model.text_model(
                input_ids=tokens["input_ids"].to(self.device),
                attention_mask=tokens["attention_mask"].to(self.device),
            )
            return _unit(self.model.text_projection(out.pooler_output))

    def logit_scale(self) -> float:
        """The model's learned temperature ``exp(logit_scale)``."""
        return float(self.model.logit_scale.detach().exp())


def _unit(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True).clamp_min(1e-12)
