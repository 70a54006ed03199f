"""Non-learnable Fourier feature lift of the autoencoder's RGB input (Emu paper §3.1)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn


class FourierFeatures(nn.Module):
    r"""Lift an image in [-1, 1] to Fourier features, channel by channel.

    Emu §3.1 "Fourier Feature Transform": a fixed (non-learnable) transform that lifts the 3 RGB
    channels to many more before the encoder, after VDM's base-2 Fourier features (Kingma et al.
    2021) and Tancik et al. 2020. For frequency exponents ``k`` in ``frequencies``:

    .. math::
        \gamma(x) = [\,x,\; \sin(2^{k_1}\pi x),\; \cos(2^{k_1}\pi x),\; \dots,\;
                    \sin(2^{k_K}\pi x),\; \cos(2^{k_K}\pi x)\,]

    concatenated along the channel axis in that order (each block has ``C`` channels), so the
    output has ``C * (1 + 2K)`` channels. ``frequencies`` empty or ``None`` is the identity.
    The module has no parameters and no buffers: the factors ``2**k * pi`` are Python floats.
    """

    def __init__(self, frequencies: Sequence[int] | None = None) -> None:
        super().__init__()
        self.frequencies: tuple[int, ...] = tuple(int(k) for k in (frequencies or ()))
        self._factors = tuple(2.0**k * math.pi for k in self.frequencies)

    def out_channels(self, in_channels: int = 3) -> int:
        """Number of channels after the lift of an ``in_channels`` input: ``C * (1 + 2K)``."""
        return in_channels * (1 + 2 * len(self.frequencies))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``gamma(x)`` for ``x`` of shape (N, C, H, W)."""
        if not self._factors:
            return x
        parts = [x]
        for factor in self._factors:
            angle = x * factor
            parts += [torch.sin(angle), torch.cos(angle)]
        return torch.cat(parts, dim=1)

    def extra_repr(self) -> str:
        return f"frequencies={list(self.frequencies)}"
