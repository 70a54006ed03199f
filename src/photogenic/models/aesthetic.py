"""The aesthetic MLP head (LAION "improved aesthetic predictor" layout) and its loader, shared by
the curation funnel's aesthetic scorer and the evaluation's aesthetic judge."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from photogenic.errors import PhotogenicError


class AestheticMLP(nn.Module):
    """Embedding ``(N, D)`` -> rating ``(N,)``; parameter names match LAION's released state dict
    (``layers.0`` ... ``layers.7``)."""

    def __init__(self, input_size: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(input_size, 1024),
            nn.Dropout(0.2),
            nn.Linear(1024, 128),
            nn.Dropout(0.2),
            nn.Linear(128, 64),
            nn.Dropout(0.1),
            nn.Linear(64, 16),
            nn.Linear(16, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x).squeeze(-1)


def load_head(path: Path, input_size: int, what: str = "aesthetic head") -> AestheticMLP:
    """Load the MLP state dict from ``path`` (``.pth``/``.pt`` or ``.safetensors``), checked
    against the CLIP embedding size."""
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(str(path))
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same user error
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise PhotogenicError(f"{what} {path}: cannot read it ({first})") from None
    head = AestheticMLP(input_size)
    try:
        head.load_state_dict(state)
    except (RuntimeError, TypeError, AttributeError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise PhotogenicError(
            f"{what} {path} does not fit a {input_size}-d CLIP embedding ({first})"
        ) from None
    return head.eval()
