"""Local CLIP models for the weight-based judges: loaded from a folder by path, never downloaded.

A folder holds a transformers ``CLIPModel`` (``config.json`` + weights) with its tokenizer and image
processor, as written by ``save_pretrained``. Without one, the judge stops with a one-line error that
names the option to pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from photogenic.errors import PhotogenicError

if TYPE_CHECKING:
    import torch


def require_path(path: Path | None, judge: str, option: str, what: str) -> Path:
    """``path`` if it exists; else a one-line error naming ``option``."""
    if path is None:
        raise PhotogenicError(f"judge {judge!r} needs {what}: pass {option} (no download is made)")
    path = Path(path)
    if not path.exists():
        raise PhotogenicError(f"judge {judge!r}: {option} {path} not found")
    return path


def pick_device(name: str) -> torch.device:
    """``auto`` -> CUDA when available, else the CPU."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


class LocalClip:
    """A CLIP model with its processors, loaded from a local folder; gives unit-norm embeddings."""

    def __init__(self, path: Path | None, judge: str, device: str = "auto", text: bool = True):
        from transformers import AutoImageProcessor, AutoTokenizer, CLIPModel

        folder = require_path(path, judge, "--weights DIR", "a local CLIP model folder")
        if not (folder / "config.json").is_file():
            raise PhotogenicError(
                f"judge {judge!r}: --weights {folder} is not a transformers CLIPModel folder "
                "(no config.json)"
            )
        try:
            self.model = CLIPModel.from_pretrained(folder, local_files_only=True).eval()
            self.images = AutoImageProcessor.from_pretrained(folder, local_files_only=True)
            self.tokenizer = (
                AutoTokenizer.from_pretrained(folder, local_files_only=True) if text else None
            )
        except (OSError, ValueError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise PhotogenicError(
                f"judge {judge!r}: cannot load --weights {folder} ({first})"
            ) from None
        self.device = pick_device(device)
        self.model.to(self.device)

    def image_embeddings(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """Unit-norm projected image embeddings ``(N, D)``."""
        import torch

        pixels = self.images(images=list(images), return_tensors="pt")["pixel_values"]
        with torch.no_grad():
            pooled = self.model.vision_model(pixel_values=pixels.to(self.device)).pooler_output
            return _unit(self.model.visual_projection(pooled))

    def text_embeddings(self, texts: Sequence[str]) -> torch.Tensor:
        """Unit-norm projected text embeddings ``(N, D)`` (truncated to the model's length)."""
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
