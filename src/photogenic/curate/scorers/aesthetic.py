"""LAION-style aesthetic predictor: an MLP on unit-norm CLIP image embeddings, rating 1-10.

The layout is that of LAION's "improved aesthetic predictor" (``layers.0`` … ``layers.7``: 1024,
128, 64, 16, 1 units, dropout between), so its released state dict for CLIP ViT-L/14 loads as is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from photogenic.errors import PhotogenicError


def build_head(dim: int) -> Any:
    """The MLP for ``dim``-dimensional embeddings (random weights)."""
    import torch.nn as nn

    class AestheticHead(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.Sequential(
                nn.Linear(dim, 1024),
                nn.Dropout(0.2),
                nn.Linear(1024, 128),
                nn.Dropout(0.2),
                nn.Linear(128, 64),
                nn.Dropout(0.1),
                nn.Linear(64, 16),
                nn.Linear(16, 1),
            )

        def forward(self, x: Any) -> Any:
            return self.layers(x).squeeze(-1)

    return AestheticHead()


def load_head(path: Path, dim: int) -> Any:
    """Load the MLP's state dict from ``.safetensors`` or a torch file (``.pth``/``.pt``)."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise PhotogenicError(f"aesthetic head {path} not found")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        state = load_file(str(path))
    else:
        state = torch.load(path, map_location="cpu", weights_only=True)
    head = build_head(dim)
    try:
        head.load_state_dict(state)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0]
        raise PhotogenicError(
            f"aesthetic head {path} does not fit a {dim}-d CLIP: {first}"
        ) from None
    return head.eval()
