"""Size presets for the Fourier autoencoder and ``make_autoencoder``."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from photogenic.autoencoder.model import FourierAutoencoderKL
from photogenic.errors import PhotogenicError
from photogenic.registry import Registry


@dataclass(frozen=True)
class AutoencoderPreset:
    """Architecture widths of one size; four blocks = three 2x downsamplings (f8, Emu §3.1)."""

    block_out_channels: tuple[int, ...]
    layers_per_block: int
    norm_num_groups: int
    sample_size: int
    mid_block_add_attention: bool = True


AUTOENCODER_PRESETS: Registry[AutoencoderPreset] = Registry("autoencoder preset")


@AUTOENCODER_PRESETS.register("tiny")
def tiny() -> AutoencoderPreset:
    """For tests: a few thousand parameters, runs in milliseconds at 16-32 px."""
    return AutoencoderPreset((8, 16, 16, 16), layers_per_block=1, norm_num_groups=4, sample_size=32)


@AUTOENCODER_PRESETS.register("small")
def small() -> AutoencoderPreset:
    """Trainable on a small CPU at 32-64 px crops."""
    return AutoencoderPreset(
        (32, 64, 64, 64), layers_per_block=1, norm_num_groups=16, sample_size=64
    )


@AUTOENCODER_PRESETS.register("small-f4")
def small_f4() -> AutoencoderPreset:
    """``small`` with one 2x downsampling fewer: f4, a latent grid twice as fine (16x16 at 64 px)."""
    return AutoencoderPreset((32, 64, 64), layers_per_block=1, norm_num_groups=16, sample_size=64)


@AUTOENCODER_PRESETS.register("wide")
def wide() -> AutoencoderPreset:
    """``small`` at twice the width (5 M parameters, about 3x its step time on a CPU); at the
    bench's learning rate it learns slower per step than ``small`` (BENCHMARKS.md)."""
    return AutoencoderPreset(
        (64, 128, 128, 128), layers_per_block=1, norm_num_groups=32, sample_size=64
    )


@AUTOENCODER_PRESETS.register("base")
def base() -> AutoencoderPreset:
    """The latent-diffusion / Stable Diffusion VAE widths (128-256-512-512, 2 layers per block)."""
    return AutoencoderPreset(
        (128, 256, 512, 512), layers_per_block=2, norm_num_groups=32, sample_size=256
    )


def make_autoencoder(
    preset: str = "base",
    latent_channels: int = 16,
    fourier_frequencies: Sequence[int] | None = None,
    **overrides: Any,
) -> FourierAutoencoderKL:
    """Build a randomly initialised ``FourierAutoencoderKL`` from a named size preset.

    ``latent_channels`` 16 is Emu's choice (§3.1: 4 -> 16 "significantly improves reconstruction");
    ``overrides`` replace any preset field or other ``FourierAutoencoderKL`` argument.
    """
    if latent_channels < 1:
        raise PhotogenicError(f"latent_channels must be positive, got {latent_channels}")
    kwargs: dict[str, Any] = asdict(AUTOENCODER_PRESETS.get(preset)())
    n_blocks = len(overrides.get("block_out_channels", kwargs["block_out_channels"]))
    kwargs.update(
        down_block_types=("DownEncoderBlock2D",) * n_blocks,
        up_block_types=("UpDecoderBlock2D",) * n_blocks,
        latent_channels=latent_channels,
        fourier_frequencies=list(fourier_frequencies or []),
    )
    unknown = set(overrides) - set(inspect.signature(FourierAutoencoderKL.__init__).parameters)
    if unknown:
        raise PhotogenicError(f"unknown autoencoder option(s): {', '.join(sorted(unknown))}")
    kwargs.update(overrides)
    return FourierAutoencoderKL(**kwargs)
