"""Weight interpolation of a fine-tuned model with its base (WiSE-FT, Wortsman et al. 2022).

``θ = θ_base + α · (θ_tuned − θ_base)`` for every floating-point tensor of the denoiser; the rest of
the pipeline (text encoders, autoencoder, scheduler, tokenizer) is the tuned model's own, which full
fine-tuning leaves equal to the base's. ``α = 1`` is the tuned model, ``α = 0`` the base. A small
model that forgets its text conditioning while it learns a new look keeps more of it part-way.
``α > 1`` extrapolates the weight change (ExPO, Zheng et al. 2024), up to ``MAX_ALPHA``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from photogenic.errors import PhotogenicError
from photogenic.train.families import family_for

MAX_ALPHA = 4.0  # beyond this an alpha is far more likely a typo than an extrapolation


def merge_with_base(base: Path, tuned: Path, alpha: float, out: Path) -> dict[str, Any]:
    """Write ``tuned`` with its denoiser moved back towards ``base``'s (see the module) to ``out``;
    returns ``{"alpha", "tensors", "model"}``."""
    if not 0.0 <= alpha <= MAX_ALPHA:
        raise PhotogenicError(
            f"merge alpha: expected 0-1 (interpolation) or up to {MAX_ALPHA:g} "
            f"(extrapolation), got {alpha}"
        )
    family = family_for(tuned)
    if family_for(base).name != family.name:
        raise PhotogenicError(
            f"merge: {base} is a {family_for(base).name!r} model, {tuned} a {family.name!r} model"
        )
    base_pipe, pipe = family.load(base), family.load(tuned)
    base_modules, modules = family.trainable(base_pipe), family.trainable(pipe)
    tensors = 0
    with torch.no_grad():
        for name, module in modules.items():
            reference = base_modules[name].state_dict()
            for key, value in module.state_dict().items():
                other = reference.get(key)
                if other is None or other.shape != value.shape:
                    raise PhotogenicError(
                        f"merge: {name}.{key} has shape {tuple(value.shape)} in {tuned} but "
                        f"{None if other is None else tuple(other.shape)} in {base}: not its base"
                    )
                if value.is_floating_point():
                    value.copy_(other + alpha * (value - other))
                    tensors += 1
    family.save(pipe, modules, out)
    return {"alpha": alpha, "tensors": tensors, "model": str(out)}
