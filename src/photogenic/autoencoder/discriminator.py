"""PatchGAN discriminator for the autoencoder's adversarial loss.

pix2pix ``NLayerDiscriminator`` (Isola et al. 2017) as used by taming-transformers and
latent-diffusion (``taming/modules/discriminator/model.py``): 3 layers, 64 base filters, 4x4
convolutions, LeakyReLU(0.2), one logit per overlapping patch.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn


def init_discriminator_weights(module: nn.Module) -> None:
    """taming-transformers ``weights_init``: conv ~ N(0, 0.02), norm scale ~ N(1, 0.02), bias 0."""
    if isinstance(module, nn.Conv2d):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm2d, nn.GroupNorm)):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class PatchDiscriminator(nn.Module):
    """PatchGAN: ``n_layers`` stride-2 convs, then two stride-1 convs to a 1-channel logit map.

    With the default 3 layers the input must be at least 24 px on each side (32 px -> 2x2
    logits); each logit sees a 70x70 px receptive field.
    """

    def __init__(
        self,
        in_channels: int = 3,
        base_channels: int = 64,
        n_layers: int = 3,
        norm: Literal["batch", "group"] = "batch",
        num_groups: int = 32,
    ) -> None:
        super().__init__()
        if norm not in ("batch", "group"):
            raise ValueError(f"norm must be 'batch' or 'group', got {norm!r}")
        self.n_layers = n_layers
        # n_layers stride-2 convs halve the size; the two stride-1 4x4 convs each remove 1 px.
        self.min_size = 3 * 2**n_layers

        def norm_layer(channels: int) -> nn.Module:
            if norm == "batch":
                return nn.BatchNorm2d(channels)
            return nn.GroupNorm(min(num_groups, channels), channels)

        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, base_channels, kernel_size=4, stride=2, padding=1),
            nn.LeakyReLU(0.2, True),
        ]
        mult = 1
        for n in range(1, n_layers + 1):
            prev, mult = mult, min(2**n, 8)
            stride = 2 if n < n_layers else 1
            layers += [
                # No conv bias before a norm layer (as in pix2pix with BatchNorm).
                nn.Conv2d(
                    base_channels * prev,
                    base_channels * mult,
                    4,
                    stride=stride,
                    padding=1,
                    bias=False,
                ),
                norm_layer(base_channels * mult),
                nn.LeakyReLU(0.2, True),
            ]
        layers.append(nn.Conv2d(base_channels * mult, 1, kernel_size=4, stride=1, padding=1))
        self.main = nn.Sequential(*layers)
        self.apply(init_discriminator_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Patch logits (N, 1, h, w) for images (N, C, H, W) in [-1, 1]."""
        if min(x.shape[-2:]) < self.min_size:
            raise ValueError(
                f"PatchDiscriminator with {self.n_layers} layers needs inputs of at least "
                f"{self.min_size} px, got {tuple(x.shape[-2:])}"
            )
        return self.main(x)
