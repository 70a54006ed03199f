"""Checks on the local CLIP folder the learned scorers use (the model: ``photogenic.models.clip``).

The folder is a ``CLIPModel.save_pretrained`` layout (``config.json`` + weights) with the tokenizer
and image processor saved beside it, e.g. a converted ``openai/clip-vit-large-patch14``.
"""

from __future__ import annotations

from pathlib import Path


def missing_model(path: Path | None, what: str) -> str | None:
    """Why the folder at ``path`` cannot be a CLIP model (None when it looks usable)."""
    if path is None:
        return f"no {what} given (set it to a local folder; nothing is downloaded)"
    if not Path(path).is_dir():
        return f"{what} {path} not found"
    if not (Path(path) / "config.json").is_file():
        return f"{what} {path} has no config.json (expected a CLIPModel save_pretrained folder)"
    return None
