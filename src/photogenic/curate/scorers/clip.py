"""A local transformers CLIP model: unit-norm image and text embeddings, never downloaded.

The folder is a ``CLIPModel.save_pretrained`` layout (``config.json`` + weights) with the tokenizer
and image processor saved beside it, e.g. a converted ``openai/clip-vit-large-patch14``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from photogenic.errors import PhotogenicError


def missing_model(path: Path | None, what: str) -> str | None:
    """Why the folder at ``path`` cannot be a CLIP model (None when it looks usable)."""
    if path is None:
        return f"no {what} given (set it to a local folder; nothing is downloaded)"
    if not Path(path).is_dir():
        return f"{what} {path} not found"
    if not (Path(path) / "config.json").is_file():
        return f"{what} {path} has no config.json (expected a CLIPModel save_pretrained folder)"
    return None


class LocalClip:
    """CLIP image/text towers from a local folder, on ``device``."""

    def __init__(self, path: Path, device: str = "cpu", text: bool = True) -> None:
        import torch
        from transformers import AutoImageProcessor, AutoTokenizer, CLIPModel

        torch.set_num_threads(1)
        try:
            self.model = CLIPModel.from_pretrained(path, local_files_only=True).eval().to(device)
            self.processor = AutoImageProcessor.from_pretrained(path, local_files_only=True)
            self.tokenizer = (
                AutoTokenizer.from_pretrained(path, local_files_only=True) if text else None
            )
        except (OSError, ValueError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise PhotogenicError(f"cannot load CLIP model {path}: {first}") from None
        self.device = device

    def image_embeddings(self, images: Sequence[Image.Image]) -> Any:
        """Unit-norm projected image embeddings ``(N, D)``."""
        import torch

        pixels = self.processor(images=[i.convert("RGB") for i in images], return_tensors="pt")
        with torch.no_grad():
            pooled = self.model.vision_model(
                pixel_values=pixels["pixel_values"].to(self.device)
            ).pooler_output
            return _unit(self.model.visual_projection(pooled))

    def text_embeddings(self, texts: Sequence[str]) -> Any:
        """Unit-norm projected text embeddings ``(N, D)``, truncated to the model's length."""
        import torch

        if self.tokenizer is None:
            raise PhotogenicError("this CLIP model was loaded without its tokenizer")
        limit = self.model.config.text_config.max_position_embeddings
        tokens = self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=limit, return_tensors="pt"
        )
        with torch.no_grad():
            out = self.model.text_model(
                input_ids=tokens["input_ids"].to(self.device),
                attention_mask=tokens["attention_mask"].to(self.device),
            )
            return _unit(self.model.text_projection(out.pooler_output))


def _unit(x: Any) -> Any:
    return x / x.norm(dim=-1, keepdim=True).clamp_min(1e-12)
